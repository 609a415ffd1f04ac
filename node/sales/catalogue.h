// The catalogue: products and their prices (schema::Product; docs/frontdesk.md,
// "The catalogue"). Headquarters owns it: a price list per currency and
// per-office overrides. An office sells at the price of its own currency:
// the override HQ set for that office if any, else its currency's list; a
// product with neither is not sold there. The front desk (a sale, the list
// of products), crm-hq's `product` commands and the sales importer all read
// and write prices through this file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "node/store/store.h"
#include "schema/records.capnp.h"
#include "sync/base/hlc.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

// The highest price of a product, in minor units (100 million in major units;
// the front desk's highest unit price too).
inline constexpr int64_t kMaxProductPrice = 10'000'000'000;

// An override HQ set for one office, in the currency that office sold in.
struct OfficePrice {
  int64_t amount = 0;  // minor units
  std::string currency;
  bool operator==(const OfficePrice&) const = default;
};

// The product's price list, currency -> minor units: the entries of
// `prices`, and the legacy `price`/`currency` pair as its currency's entry
// when `prices` has none for it. An entry whose value is not an amount
// (another writer's bug) is left out.
std::map<std::string, int64_t> PriceList(schema::Product::Reader product);

// The product's overrides, office code -> price (unreadable entries left out).
std::map<std::string, OfficePrice> OfficePrices(schema::Product::Reader product);

// An override as `officePrices` keeps it ("349900 RUB"), and back (nullopt
// for anything else).
std::string EncodeOfficePrice(const OfficePrice& price);
std::optional<OfficePrice> DecodeOfficePrice(std::string_view value);

// Where the price an office charges comes from.
enum class PriceFrom { kOffice, kList };

struct ResolvedPrice {
  int64_t amount = 0;  // minor units of the office's currency
  PriceFrom from = PriceFrom::kList;
};

// What `office`, selling in `currency`, charges for `product`: HQ's override
// for the office if it is in that currency, else the currency's entry of the
// price list. kNotFound naming the product and the currency, and
// saying how headquarters sets a price, if it has neither.
Result<ResolvedPrice> PriceAt(schema::Product::Reader product, std::string_view office,
                              std::string_view currency);

// kInvalidArgument naming `field` unless `currency` is an ISO 4217 code and
// 0 <= amount <= kMaxProductPrice.
Status CheckProductPrice(std::string_view field, std::string_view currency, int64_t amount);

// "34.99" in `currency` -> 3499 (the currency's minor units: "3499" in JPY
// is 3499, "3.499" in KWD 3499). kInvalidArgument naming `field` for an
// unknown currency, a negative, malformed or too large amount, or more
// decimals than the currency has.
Result<int64_t> ParsePrice(std::string_view text, std::string_view currency,
                           std::string_view field);

// "KEY=VALUE" as an option gives it ("GBP=34.99", "MSK=3400"): the two
// sides, trimmed of nothing. kInvalidArgument naming `option` if there is no
// '=' or either side is empty; `form` is what the message shows
// ("CUR=AMOUNT").
Result<std::pair<std::string, std::string>> SplitAssignment(std::string_view text,
                                                            std::string_view option,
                                                            std::string_view form);

// "GBP=34.99" -> {"GBP", 3499}: SplitAssignment, then ParsePrice.
Result<std::pair<std::string, int64_t>> ParseCurrencyPrice(std::string_view text,
                                                           std::string_view option);

// An edit of one product: what it names is set, the rest is left as it is.
struct ProductEdit {
  std::string sku;
  std::optional<std::string> name;
  std::optional<std::string> category;
  std::optional<bool> active;
  // currency -> its list price; nullopt removes that currency's price.
  std::map<std::string, std::optional<int64_t>> prices;
  // office code -> its override; nullopt removes it.
  std::map<std::string, std::optional<OfficePrice>> office_prices;
};

// What an edit did.
struct EditOutcome {
  Id id;                // the product's
  bool created = false;  // a new product
  bool changed = false;  // false: the product already was so; nothing was written
};

// Checks `edit` (SKU and texts, currency codes, amounts; a new product needs
// a name and is put on sale unless the edit says otherwise) and writes, as
// one patch stamped `stamp` and authored by `author`, only what differs
// from the stored product: each price is its own map entry, so edits of
// different currencies (or offices) made apart both keep. Removing the
// price of the currency of a legacy `price` clears that pair too.
// kInvalidArgument naming the field; kNotFound for an edit without a name of
// a SKU the catalogue lacks.
Result<EditOutcome> ApplyProductEdit(StoreTxn& txn, const ProductEdit& edit, const Stamp& stamp,
                                     const Id& author);

// The currency `office` sells in, as its enrollment at this hub says
// (an override is set in it). kNotFound if no such office is enrolled;
// kInvalidArgument, saying how to record it, if it was enrolled without its
// currency. Errors name `field`.
Result<std::string> EnrolledCurrency(const StoreView& view, std::string_view office,
                                     std::string_view field);

}  // namespace crm
