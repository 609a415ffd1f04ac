// Client and product segmentation over the hub's store: RFM scores and named
// segments, ABC analysis by revenue share, XYZ analysis by the variation of
// monthly demand, and the ABC-XYZ matrix. Every definition is deterministic
// (ties broken by key) so an independent computation (the tests use SQL)
// gets the same classes; docs/reports.md states them.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/store/store.h"

namespace crm {

struct RfmRow {
  Id client;
  std::string card;        // the client's loyalty card (the imported client number)
  std::string name;        // ClientName (hq/analytics/client_name.h)
  int64_t last_sale = 0;   // UTC ms
  uint64_t recency_days = 0;
  uint64_t frequency = 0;  // receipts
  int64_t monetary = 0;    // minor units, sale totals
  int r = 0, f = 0, m = 0; // scores 1..5, 5 best
  std::string segment;     // "champions", "at risk" ...
};

// The segment names RfmRow::segment takes, in the order a manager reads
// them: best first.
inline constexpr std::array<std::string_view, 10> kRfmSegments = {
    "champions",      "loyal",          "potential loyalists", "new",     "promising",
    "need attention", "about to sleep", "cannot lose",         "at risk", "hibernating"};

struct RfmReport {
  int64_t as_of_ms = 0;
  std::vector<RfmRow> clients;  // in client id order
};

// RFM of every client with a sale before `as_of_ms` (0: the UTC midnight
// after the last sale), in one currency. Recency is whole days from the last
// sale to `as_of_ms`. A score is 1 + 5 * (clients strictly worse) / (clients),
// capped at 5: equal values get equal scores. Segments follow the R/F grid
// in docs/reports.md.
Result<RfmReport> Rfm(const Store& store, int64_t as_of_ms, const std::string& currency);

struct AbcRow {
  std::string key;          // SKU, or client id
  std::string label;        // product name, or loyalty card
  std::string name;         // a client's name (ClientName); empty for a product
  int64_t revenue = 0;      // minor units
  double share = 0;         // of the total
  double cumulative = 0;    // share of everything ranked before it and itself
  char abc = 'C';
};

enum class AbcOf { kProducts, kClients };

// Ranks by revenue (biggest first; ties by SKU, for clients by loyalty card
// then id) and classes: A while the
// revenue ranked before an item is under 80% of the total, B under 95%, C
// after. One currency.
Result<std::vector<AbcRow>> Abc(const Store& store, AbcOf of, const std::string& currency);

struct XyzRow {
  std::string sku;
  std::string name;
  std::vector<int64_t> monthly_units;  // one per month of the period, zeros included
  double mean = 0;
  double variation = 0;  // coefficient of variation: population stddev / mean
  char xyz = 'Z';
};

// Monthly units of every product, months in `time_zone`, over every month
// from the first sale's to the last sale's (any product's). X: variation
// below 0.5, Y: below 1.0, Z: the rest (decided in whole numbers, see the
// code). In SKU order.
Result<std::vector<XyzRow>> Xyz(const Store& store, const std::string& time_zone);

}  // namespace crm
