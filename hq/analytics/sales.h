// Managers' reports over the hub's store (read-only; they run beside a live
// hub, in one consistent snapshot each).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/store/store.h"

namespace crm {

// How a report opens the hub's store at `dir`: only if it exists (a
// mistyped --data is an error, not an empty report over a new store).
inline StoreOptions ReportStore(const std::string& dir) {
  StoreOptions options;
  options.dir = dir;
  options.must_exist = true;
  return options;
}

// What a sales report groups by.
// kTotal is one group ("all") per currency: the period's totals, with its
// distinct clients (which the rows of any other dimension cannot be summed to).
enum class SalesDimension { kOffice, kMonth, kEmployee, kChannel, kProduct, kCampaign, kTotal };

// "office", "month", ... and back; nullopt for an unknown name.
const char* DimensionName(SalesDimension dimension);
std::optional<SalesDimension> DimensionFromName(std::string_view name);

struct SalesFilter {
  int64_t from_ms = 0;                   // sales at or after (UTC ms)
  int64_t to_ms = INT64_MAX;             // sales before
  std::string time_zone = "UTC";         // months are calendar months here
};

// One group of a sales report, per currency (amounts never mix currencies).
struct SalesRow {
  std::string key;       // the office code, "2011-03", the cashier's login, the channel, SKU ...
  std::string label;     // the product's name for a SKU; empty otherwise
  std::string currency;
  uint64_t sales = 0;    // receipts (for a product: receipts with a line of it)
  uint64_t units = 0;    // units sold
  int64_t revenue = 0;   // minor units: sale totals (for a product: its line amounts)
  int64_t refunded = 0;  // minor units refunded of those sales' lines, whenever refunded
  uint64_t clients = 0;  // distinct known clients among the buyers (after merges)
  uint64_t visits = 0;   // distinct (known client, day in the filter's zone) among the sales
};

// Sales in `filter`, grouped by `dimension` and currency, biggest revenue
// first (ties in key order). Sales without the dimension's value (no
// cashier, no campaign) are grouped under "(none)".
Result<std::vector<SalesRow>> SalesBy(const Store& store, SalesDimension dimension,
                                      const SalesFilter& filter);

}  // namespace crm
