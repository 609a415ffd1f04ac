#include "node/exchange/sales_csv.h"

#include <capnp/schema.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "node/common/crypto.h"
#include "node/common/local_time.h"
#include "node/common/text.h"
#include "node/exchange/client_csv.h"
#include "node/exchange/csv.h"
#include "node/exchange/people.h"
#include "node/sales/net_sales.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/money.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"

namespace crm {
namespace {

constexpr size_t kMaxText = 512;            // bytes in any imported text field
constexpr int64_t kMaxQuantity = 1'000'000;
constexpr int64_t kMaxPriceMinor = 1'000'000'000'000;  // 10^10 in major units

bool ParseInt(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

// "2.55" -> 255 minor units. At most 2 decimals; no sign, no exponent.
std::optional<int64_t> ParsePrice(std::string_view text, std::string& why) {
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view cents = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  int64_t units = 0, fraction = 0;
  if (whole.empty() || !ParseInt(whole, units) || units < 0 || whole[0] == '+' ||
      (!cents.empty() && (!ParseInt(cents, fraction) || cents[0] == '-' || cents[0] == '+'))) {
    why = "price '" + std::string(text) + "' is not a non-negative amount like 2.55";
    return std::nullopt;
  }
  if (cents.size() > 2) {
    why = "price '" + std::string(text) + "' has more than 2 decimals (money is kept in minor units)";
    return std::nullopt;
  }
  if (units > kMaxPriceMinor / 100) {
    why = "price '" + std::string(text) + "' is too large";
    return std::nullopt;
  }
  if (cents.size() == 1) fraction *= 10;
  return units * 100 + fraction;
}

// "2010-12-01 08:26:00", "2010-12-01 08:26", "12/1/2010 8:26".
std::optional<LocalDateTime> ParseTime(std::string_view text) {
  LocalDateTime t;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) == 6 ||
      (s = 0, std::sscanf(copy.c_str(), "%4d-%2d-%2d %2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) == 5) ||
      (s = 0, std::sscanf(copy.c_str(), "%2d/%2d/%4d %2d:%2d%c", &mo, &d, &y, &h, &mi, &tail) == 5)) {
    t.date = LocalDate{y, mo, d};
    t.hour = h;
    t.minute = mi;
    t.second = s;
    return t;
  }
  return std::nullopt;
}

struct DraftLine {
  std::string sku;
  std::string name;
  int32_t quantity = 0;
  int64_t unit_price = 0;
  int64_t discount = 0;  // minor units off the whole line
};

struct DraftSale {
  std::string receipt;
  int64_t time = 0;
  std::string client;  // the client's number in the file; empty if anonymous
  Id client_id;        // the ClientId column's; null if blank
  Id id;               // the SaleId column's; null if blank (derived)
  std::string office;
  std::string currency;
  std::string channel;
  std::string campaign;
  std::string cashier;  // login or login@OFFICE; empty if the file does not say
  std::vector<std::pair<schema::PaymentMethod, int64_t>> payments;  // empty: one "other" part
  std::vector<DraftLine> lines;
};

// A line of a cancellation receipt ("C536379"): units of a SKU the client
// brought back.
struct DraftCancellation {
  size_t line = 0;  // in the file
  std::string receipt;
  std::string sku;
  int32_t units = 0;  // positive
  int64_t time = 0;
  std::string client;
  Id sale;  // the SaleId column's: the sale it returns; null: found by matching
  Id refund;  // the RefundId column's: the refund's id; null: derived
};

struct DraftClient {
  std::string number;  // the loyalty card
  Id id;               // the ClientId column's; null: derived from the number
  std::string country;
  int64_t first_seen = 0;
};

struct DraftProduct {
  std::string name;
  std::map<std::string, int64_t> prices;  // per currency, the last price seen
};

// "cash 10.00;card 5.50" -> the parts, in `currency`; why not in `why`.
std::vector<std::pair<schema::PaymentMethod, int64_t>> ParsePayments(const std::string& text,
                                                                     const std::string& currency,
                                                                     std::string& why) {
  std::vector<std::pair<schema::PaymentMethod, int64_t>> parts;
  auto methods = capnp::Schema::from<schema::PaymentMethod>();
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t semicolon = rest.find(';');
    std::string_view part = rest.substr(0, semicolon);
    rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
    size_t space = part.find(' ');
    auto method = methods.findEnumerantByName(std::string(part.substr(0, space)));
    auto amount = space == std::string_view::npos
                      ? Result<int64_t>(Status::InvalidArgument("payments", ""))
                      : ParseMoney(part.substr(space + 1), currency, "payments");
    if (method == nullptr || !amount.ok() || *amount > kMaxAmount) {
      why = "Payments '" + text + "': '" + std::string(part) +
            "' is not a method (cash, card, transfer, credit, bonus, other) and an amount in " +
            currency + " like 'cash 10.00'";
      return {};
    }
    parts.emplace_back(static_cast<schema::PaymentMethod>(KJ_ASSERT_NONNULL(method).getOrdinal()),
                       *amount);
  }
  return parts;
}

// Reads and checks every line; what is good is grouped into drafts.
class Reader {
 public:
  Reader(const ImportOptions& options, ImportReport& report) : options_(options), report_(report) {}

  Status Read(std::istream& csv) {
    CsvReader reader(csv);
    std::vector<std::string> fields;
    auto header = reader.Next(fields);
    if (!header.ok()) return header.status();
    if (!*header) return Status::InvalidArgument("file", "the file is empty: a header line is needed");
    CRM_RETURN_IF_ERROR(MapColumns(fields));
    for (;;) {
      auto more = reader.Next(fields);
      if (!more.ok()) {
        ++report_.lines;
        Reject(reader.line(), std::string(more.status().message()));
        continue;
      }
      if (!*more) break;
      ++report_.lines;
      if (fields.size() == 1 && fields[0].empty()) {
        --report_.lines;  // a blank line
        continue;
      }
      if (std::string why = Take(fields, reader.line()); !why.empty()) Reject(reader.line(), why);
      if (options_.progress && report_.lines % options_.progress_every == 0) {
        options_.progress(report_.lines, 0);
      }
    }
    return Status::Ok();
  }

  std::vector<DraftSale> sales;  // in the order their first line came
  std::vector<DraftCancellation> cancellations;  // in file order
  std::unordered_map<std::string, DraftClient> clients;
  std::unordered_map<std::string, DraftProduct> products;
  std::vector<std::pair<size_t, size_t>> line_of_sale;  // (sale index, file line) per accepted line

 private:
  Status MapColumns(const std::vector<std::string>& header) {
    std::map<std::string, std::string> wanted = DefaultSalesColumns();
    for (const auto& [field, column] : options_.columns) {
      if (!wanted.count(field)) {
        return Status::InvalidArgument("map", "unknown field '" + field +
                                                  "'; the fields are receipt, sku, name, quantity, "
                                                  "time, price, client, country, channel, campaign, "
                                                  "cashier, currency, office, saleId, clientId, "
                                                  "discount, payments, refundId");
      }
      wanted[field] = column;
    }
    for (const auto& [field, column] : wanted) {
      for (size_t i = 0; i < header.size(); ++i) {
        if (!column.empty() && header[i] == column) column_[field] = i;
      }
    }
    for (const char* required : {"receipt", "sku", "quantity", "time", "price"}) {
      if (!column_.count(required)) {
        return Status::InvalidArgument(
            "map", std::string("the header has no column '") + wanted[required] + "' for the " +
                       required + " (map it with --map " + required + "=COLUMN)");
      }
    }
    width_ = header.size();
    return Status::Ok();
  }

  std::string Field(const std::vector<std::string>& fields, const char* name) const {
    auto it = column_.find(name);
    if (it == column_.end() || it->second >= fields.size()) return {};
    return fields[it->second];
  }

  // Takes one line; returns why not, or "" if taken.
  std::string Take(const std::vector<std::string>& fields, size_t line) {
    if (fields.size() != width_) {
      return "it has " + std::to_string(fields.size()) + " fields, the header " +
             std::to_string(width_);
    }
    for (const std::string& f : fields) {
      if (f.size() > kMaxText) return "a field is longer than " + std::to_string(kMaxText) + " bytes";
    }
    std::string receipt = Field(fields, "receipt");
    if (receipt.empty()) return "the receipt number is empty";
    std::string sku = Field(fields, "sku");
    if (sku.empty()) return "the SKU is empty";
    int64_t quantity = 0;
    std::string quantity_text = Field(fields, "quantity");
    if (!ParseInt(quantity_text, quantity)) return "quantity '" + quantity_text + "' is not a whole number";
    if (receipt[0] == 'C' || receipt[0] == 'c') return TakeCancellation(fields, line, receipt, sku, quantity);
    if (quantity <= 0) return "quantity " + quantity_text + " is not positive (an adjustment, not a sale)";
    if (quantity > kMaxQuantity) return "quantity " + quantity_text + " is too large";
    std::string why;
    std::string currency = Currency(fields, why);
    if (currency.empty()) return why;
    auto price = Price(Field(fields, "price"), currency, why);
    if (!price) return why;
    int64_t discount = 0;
    if (std::string text = Field(fields, "discount"); !text.empty()) {
      auto parsed = ParseMoney(text, currency, "Discount");
      if (!parsed.ok() || *parsed > quantity * *price) {
        return "Discount '" + text + "': is not an amount in " + currency +
               " from 0 to the line's quantity times its price";
      }
      discount = *parsed;
    }
    auto time = Time(fields, why);
    if (!time) return why;
    std::string client = ClientNumber(fields);
    std::string cashier = Field(fields, "cashier");
    std::string office = Field(fields, "office");
    if (office.empty()) office = options_.office;
    if (!cashier.empty()) {
      if (auto person = ParsePerson(cashier, office, "Cashier"); !person.ok()) {
        return std::string(person.status().message());
      }
    }
    Id sale_id, client_id;
    if (!ReadId(fields, "saleId", "SaleId", sale_id, why) ||
        !ReadId(fields, "clientId", "ClientId", client_id, why)) {
      return why;
    }

    auto [it, fresh] = sale_index_.try_emplace(receipt, sales.size());
    if (fresh) {
      DraftSale sale;
      sale.receipt = receipt;
      sale.time = *time;
      sale.client = client;
      sale.client_id = client_id;
      sale.id = sale_id;
      sale.office = office;
      sale.currency = currency;
      sale.channel = Field(fields, "channel");
      if (sale.channel.empty()) sale.channel = options_.channel;
      sale.campaign = Field(fields, "campaign");
      sale.cashier = cashier;
      if (std::string text = Field(fields, "payments"); !text.empty()) {
        sale.payments = ParsePayments(text, currency, why);
        if (!why.empty()) return why;
      }
      sales.push_back(std::move(sale));
    } else if (sales[it->second].client != client) {
      return "receipt " + receipt + " names client '" + client + "' here and '" +
             sales[it->second].client + "' on an earlier line";
    } else if (sales[it->second].currency != currency) {
      return "Currency '" + currency + "': receipt " + receipt + " is in " +
             sales[it->second].currency + " on an earlier line";
    }
    DraftSale& sale = sales[it->second];
    std::string name = Field(fields, "name");
    sale.lines.push_back(
        DraftLine{sku, name, static_cast<int32_t>(quantity), *price, discount});
    line_of_sale.emplace_back(it->second, line);
    if (!client.empty()) {
      DraftClient& c = clients[client_id.IsNull() ? client : client_id.ToString()];
      c.number = client;
      c.id = client_id;
      if (c.first_seen == 0 || *time < c.first_seen) c.first_seen = *time;
      std::string country = Field(fields, "country");
      if (!country.empty()) c.country = country;
    }
    DraftProduct& product = products[sku];
    if (!name.empty()) product.name = name;
    product.prices[currency] = *price;
    return {};
  }

  // The line's currency (the import's if the cell is blank), or "" and why not.
  std::string Currency(const std::vector<std::string>& fields, std::string& why) const {
    std::string currency = Field(fields, "currency");
    if (currency.empty()) return options_.currency;
    if (!IsKnownCurrency(currency)) {
      why = "Currency '" + currency + "': is not an ISO 4217 currency code like GBP";
      return {};
    }
    return currency;
  }

  // The unit price in minor units of `currency`: at most 2 decimals as the
  // Online Retail set has them, or the currency's own (none for JPY).
  static std::optional<int64_t> Price(const std::string& text, const std::string& currency,
                                      std::string& why) {
    if (MinorDigits(currency) == 2) return ParsePrice(text, why);
    auto price = ParseMoney(text, currency, "price");
    if (!price.ok() || *price > kMaxPriceMinor) {
      why = "price '" + text + "' is not a non-negative amount in " + currency + " with at most " +
            std::to_string(MinorDigits(currency)) + " decimals";
      return std::nullopt;
    }
    return *price;
  }

  // An id from the `field` column (headed `header` by default); false and
  // why if the cell holds something else. A blank cell leaves `id` null.
  bool ReadId(const std::vector<std::string>& fields, const char* field, const char* header,
              Id& id, std::string& why) const {
    std::string text = Field(fields, field);
    if (text.empty()) return true;
    auto parsed = Id::Parse(text);
    if (!parsed.ok() || parsed->IsNull()) {
      why = std::string(header) + " '" + text + "': is not an id (26 characters)";
      return false;
    }
    id = *parsed;
    return true;
  }

  // "17850.0" -> "17850"; empty for an anonymous line.
  std::string ClientNumber(const std::vector<std::string>& fields) const {
    std::string client = Field(fields, "client");
    if (client.size() > 2 && client.compare(client.size() - 2, 2, ".0") == 0) {
      client.resize(client.size() - 2);
    }
    return client;
  }

  // The line's time in UTC ms, or nullopt and why not.
  std::optional<int64_t> Time(const std::vector<std::string>& fields, std::string& why) const {
    std::string time_text = Field(fields, "time");
    // "2010-12-01 08:26:00.250": the milliseconds an export writes.
    int millis = 0;
    std::string whole = time_text;
    if (whole.size() == 23 && whole[19] == '.' &&
        std::all_of(whole.begin() + 20, whole.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      millis = std::stoi(whole.substr(20));
      whole.resize(19);
    }
    auto local = ParseTime(whole);
    if (!local) {
      why = "time '" + time_text + "' is not like 2010-12-01 08:26:00";
      return std::nullopt;
    }
    auto time = LocalToUtc(*local, options_.time_zone);
    if (!time.ok()) {
      why = "time '" + time_text + "' does not exist";
      return std::nullopt;
    }
    return *time + millis;
  }

  // A line of a cancellation receipt; matched to the sale it returns once
  // every sale is read (MatchCancellations).
  std::string TakeCancellation(const std::vector<std::string>& fields, size_t line,
                               const std::string& receipt, const std::string& sku, int64_t quantity) {
    if (quantity >= 0) {
      return "cancellation " + receipt + " has quantity " + std::to_string(quantity) +
             ": a cancellation returns units, so its quantity is negative";
    }
    if (-quantity > kMaxQuantity) return "quantity " + std::to_string(quantity) + " is too large";
    std::string why;
    auto time = Time(fields, why);
    if (!time) return why;
    std::string client = ClientNumber(fields);
    if (client.empty()) {
      return "cancellation " + receipt + " names no client, so the sale it returns cannot be found";
    }
    Id sale, refund;
    if (!ReadId(fields, "saleId", "SaleId", sale, why) ||
        !ReadId(fields, "refundId", "RefundId", refund, why)) {
      return why;
    }
    cancellations.push_back(DraftCancellation{line, receipt, sku, static_cast<int32_t>(-quantity),
                                              *time, client, sale, refund});
    return {};
  }

  void Reject(size_t line, std::string reason) {
    report_.rejected.push_back(ImportRejection{line, std::move(reason)});
  }

  const ImportOptions& options_;
  ImportReport& report_;
  std::map<std::string, size_t> column_;
  size_t width_ = 0;
  std::unordered_map<std::string, size_t> sale_index_;
};

// What the cancellations of one receipt return of one sale.
struct DraftRefund {
  std::string receipt;  // the cancellation's
  size_t sale = 0;      // index into Reader::sales
  int64_t time = 0;
  Id id;                // the RefundId column's; null: derived
  std::map<uint32_t, int32_t> units;  // the sale's line index -> units returned
};

// Matches each cancellation line, in file order, to the sale it returns: the
// client's latest sale with a line of the SKU at or before the cancellation
// (of two at the same time, the greater receipt number). The line returns
// what that sale still holds of the SKU, filling its lines of the SKU in
// order; units beyond that are counted in the report, and a line that finds
// no sale, or nothing left in it, is rejected.
std::vector<DraftRefund> MatchCancellations(const Reader& reader, ImportReport& report) {
  auto key = [](const std::string& client, const std::string& sku) { return client + '\x1f' + sku; };
  std::unordered_map<std::string, std::vector<size_t>> bought;  // client + SKU -> sales
  for (size_t i = 0; i < reader.sales.size(); ++i) {
    const DraftSale& sale = reader.sales[i];
    if (sale.client.empty()) continue;
    for (const DraftLine& line : sale.lines) {
      std::vector<size_t>& sales = bought[key(sale.client, line.sku)];
      if (sales.empty() || sales.back() != i) sales.push_back(i);
    }
  }
  std::map<std::pair<size_t, uint32_t>, int32_t> returned;  // (sale, line index) -> units
  // (receipt or RefundId, sale) -> index
  std::map<std::pair<std::string, size_t>, size_t> refund_of;
  std::unordered_map<Id, size_t, IdHash> sale_with_id;  // the SaleId column's
  for (size_t i = 0; i < reader.sales.size(); ++i) {
    if (!reader.sales[i].id.IsNull()) sale_with_id.emplace(reader.sales[i].id, i);
  }
  std::vector<DraftRefund> refunds;
  for (const DraftCancellation& c : reader.cancellations) {
    const DraftSale* best = nullptr;
    size_t best_index = 0;
    if (auto named = sale_with_id.find(c.sale); !c.sale.IsNull() && named != sale_with_id.end()) {
      // The line names the sale it returns (an export of refunds does).
      best_index = named->second;
      best = &reader.sales[best_index];
    } else if (auto it = bought.find(key(c.client, c.sku)); it != bought.end()) {
      for (size_t i : it->second) {
        const DraftSale& sale = reader.sales[i];
        if (sale.time > c.time) continue;
        if (!best || std::tie(sale.time, sale.receipt) > std::tie(best->time, best->receipt)) {
          best = &sale;
          best_index = i;
        }
      }
    }
    if (!best) {
      report.rejected.push_back(ImportRejection{
          c.line, "cancellation " + c.receipt + ": client " + c.client + " bought no " + c.sku +
                      " before it in the file"});
      continue;
    }
    int32_t left = c.units;
    std::map<uint32_t, int32_t> taken;
    for (uint32_t l = 0; l < best->lines.size() && left > 0; ++l) {
      if (best->lines[l].sku != c.sku) continue;
      int32_t& done = returned[{best_index, l}];
      int32_t take = std::min(left, best->lines[l].quantity - done);
      if (take <= 0) continue;
      done += take;
      left -= take;
      taken[l] += take;
    }
    if (taken.empty()) {
      report.rejected.push_back(ImportRejection{
          c.line, "cancellation " + c.receipt + ": every " + c.sku + " of receipt " + best->receipt +
                      " is returned already"});
      continue;
    }
    report.cancelled_units_beyond_sale += static_cast<size_t>(left);
    ++report.lines_imported;
    const std::string group = c.refund.IsNull() ? c.receipt : "#" + c.refund.ToString();
    auto [it, fresh] = refund_of.try_emplace({group, best_index}, refunds.size());
    if (fresh) refunds.push_back(DraftRefund{c.receipt, best_index, c.time, c.refund, {}});
    for (const auto& [line, units] : taken) refunds[it->second].units[line] += units;
  }
  return refunds;
}

Id ClientId(const ImportOptions& o, const std::string& number) { return ImportedClientId(o.office, number); }
// The sale's client: the ClientId column's, else derived from its number.
Id ClientOfSale(const ImportOptions& o, const DraftSale& sale) {
  return sale.client_id.IsNull() ? ClientId(o, sale.client) : sale.client_id;
}
Id ProductId(const std::string& sku) { return DerivedId("import/product/" + sku, 0); }
Id SaleId(const ImportOptions&, const DraftSale& sale) {
  if (!sale.id.IsNull()) return sale.id;
  return DerivedId("import/sale/" + sale.office + "/" + sale.receipt, sale.time);
}

// Applies `change` unless its record exists; true if it was written.
Result<bool> WriteOnce(StoreTxn& txn, ChangeMessage& change, EntityKind kind, const Id& id) {
  auto existing = txn.Get(kind, id);
  if (existing.ok()) return false;
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
  return true;
}

// Writes `items` in transactions of `batch`: `change_of(item)` makes each
// one's change, written unless its record exists already (WriteOnce).
// Counts what was written and what was there; `after_batch` runs after each
// committed transaction.
template <typename Item, typename ChangeOf>
Status WriteInBatches(Writer& writer, const std::vector<Item>& items, size_t batch, EntityKind kind,
                      ChangeOf change_of, size_t& written_total, size_t& present_total,
                      const std::function<void()>& after_batch = {}) {
  for (size_t from = 0; from < items.size(); from += batch) {
    size_t written = 0, present = 0;
    CRM_RETURN_IF_ERROR(writer.Run([&](StoreTxn& txn) -> Status {
      written = present = 0;
      for (size_t i = from; i < std::min(items.size(), from + batch); ++i) {
        CRM_ASSIGN_OR_RETURN(auto made, change_of(items[i]));
        auto& [id, change] = made;
        CRM_ASSIGN_OR_RETURN(bool fresh, WriteOnce(txn, change, kind, id));
        ++(fresh ? written : present);
      }
      return Status::Ok();
    }));
    written_total += written;
    present_total += present;
    if (after_batch) after_batch();
  }
  return Status::Ok();
}

using Made = Result<std::pair<Id, ChangeMessage>>;

Made ProductChange(HybridClock& hlc, const ImportOptions&,
                   const std::pair<std::string, DraftProduct>& item) {
  const auto& [sku, draft] = item;
  Id id = ProductId(sku);
  ChangeMessage change = ChangeMessage::Patch(EntityKind::PRODUCT, id, hlc.Now(), Id{});
  auto product = change.record<schema::Product>();
  product.setSku(sku);
  product.setName(draft.name.empty() ? sku : draft.name);
  product.setActive(true);
  for (const char* f : {"sku", "name", "active"}) {
    CRM_RETURN_IF_ERROR(change.Set(f));
  }
  // The last price the history shows, as the price list of the import's
  // currency (node/sales/catalogue.h): offices in other currencies get no
  // price from it.
  for (const auto& [currency, price] : draft.prices) {
    CRM_RETURN_IF_ERROR(change.AddElement("prices", currency, std::to_string(price)));
  }
  return std::make_pair(id, std::move(change));
}

Made ClientChange(HybridClock& hlc, const ImportOptions& options,
                  const std::pair<std::string, DraftClient>& item) {
  const DraftClient& draft = item.second;
  const std::string& number = draft.number;
  Id id = draft.id.IsNull() ? ClientId(options, number) : draft.id;
  ChangeMessage change = ChangeMessage::Patch(EntityKind::CLIENT, id, hlc.Now(), Id{});
  auto client = change.record<schema::Client>();
  // A card-less client is named by its id (as ExportSales writes it).
  if (number != id.ToString()) client.setLoyaltyCard(number);
  client.setAcquisitionChannel("import");
  client.setHomeOffice(options.office);
  client.setCreatedAt(draft.first_seen);
  for (const char* f : {"loyaltyCard", "acquisitionChannel", "homeOffice", "createdAt"}) {
    CRM_RETURN_IF_ERROR(change.Set(f));
  }
  if (!draft.country.empty()) {
    CRM_RETURN_IF_ERROR(change.AddElement("attributes", "country", draft.country));
  }
  return std::make_pair(id, std::move(change));
}

// The sale's cashier as the file names it, with the sale's office.
std::string CashierKey(const DraftSale& sale) { return sale.cashier + '\x1f' + sale.office; }

// Cashiers by CashierKey: a user the store has, or else a new one that
// cannot log in (inactive, no password) until an administrator sets it up,
// listed in `made`.
Result<std::unordered_map<std::string, Id>> WriteCashiers(Writer& writer, HybridClock& hlc,
                                                          const std::vector<DraftSale>& sales,
                                                          std::vector<std::string>& made) {
  std::map<std::string, PersonRef> wanted;
  for (const DraftSale& sale : sales) {
    if (sale.cashier.empty()) continue;
    auto person = ParsePerson(sale.cashier, sale.office, "Cashier");
    if (person.ok()) wanted.emplace(CashierKey(sale), *person);  // checked as the line was read
  }
  std::unordered_map<std::string, Id> cashier_ids;
  if (wanted.empty()) return cashier_ids;
  PeopleDirectory people;
  CRM_RETURN_IF_ERROR(writer.Run([&](StoreTxn& txn) -> Status {
    cashier_ids.clear();
    people.Rewind(0);
    for (const auto& [key, person] : wanted) {
      CRM_ASSIGN_OR_RETURN(cashier_ids[key], people.Resolve(txn, hlc, person));
    }
    return Status::Ok();
  }));
  made = people.made();
  return cashier_ids;
}

Made SaleChange(HybridClock& hlc, const ImportOptions& options,
                const std::unordered_map<std::string, Id>& cashier_ids,
                const std::unordered_map<std::string, Id>& product_ids, const DraftSale& draft) {
  Id id = SaleId(options, draft);
  ChangeMessage change = ChangeMessage::Event(EntityKind::SALE, id, hlc.Now(), Id{});
  auto sale = change.record<schema::Sale>();
  sale.setOffice(draft.office);
  sale.setReceiptNo(draft.receipt);
  if (!draft.client.empty()) IdToWire(ClientOfSale(options, draft), sale.initClient());
  sale.setTime(draft.time);
  sale.setCurrency(draft.currency);
  auto lines = sale.initLines(static_cast<unsigned>(draft.lines.size()));
  int64_t total = 0;
  for (unsigned l = 0; l < draft.lines.size(); ++l) {
    const DraftLine& line = draft.lines[l];
    IdToWire(product_ids.at(line.sku), lines[l].initProduct());
    lines[l].setSku(line.sku);
    lines[l].setName(line.name);
    lines[l].setQuantity(line.quantity);
    lines[l].setUnitPrice(line.unit_price);
    lines[l].setDiscount(line.discount);
    lines[l].setAmount(line.quantity * line.unit_price - line.discount);
    total += line.quantity * line.unit_price - line.discount;
  }
  if (draft.payments.empty()) {
    auto payment = sale.initPayments(1)[0];
    payment.setMethod(schema::PaymentMethod::OTHER);  // how they paid is not in the file
    payment.setAmount(total);
  } else {
    auto payments = sale.initPayments(static_cast<unsigned>(draft.payments.size()));
    for (unsigned p = 0; p < payments.size(); ++p) {
      payments[p].setMethod(draft.payments[p].first);
      payments[p].setAmount(draft.payments[p].second);
    }
  }
  sale.setTotal(total);
  sale.setCampaignCode(draft.campaign);
  sale.setChannel(draft.channel);
  if (!draft.cashier.empty()) IdToWire(cashier_ids.at(CashierKey(draft)), sale.initCashier());
  return std::make_pair(id, std::move(change));
}

Made RefundChange(HybridClock& hlc, const ImportOptions& options, const std::vector<DraftSale>& sales,
                  const DraftRefund& draft) {
  const DraftSale& sold = sales[draft.sale];
  Id id = !draft.id.IsNull() ? draft.id
                            : DerivedId("import/refund/" + sold.office + "/" + draft.receipt + "/" +
                                            sold.receipt,
                                        draft.time);
  ChangeMessage change = ChangeMessage::Event(EntityKind::REFUND, id, hlc.Now(), Id{});
  auto refund = change.record<schema::Refund>();
  IdToWire(SaleId(options, sold), refund.initSale());
  refund.setOffice(sold.office);
  IdToWire(ClientOfSale(options, sold), refund.initClient());
  refund.setTime(draft.time);
  refund.setCurrency(sold.currency);
  auto lines = refund.initLines(static_cast<unsigned>(draft.units.size()));
  int64_t amount = 0;
  unsigned l = 0;
  for (const auto& [index, units] : draft.units) {
    lines[l].setLineIndex(index);
    lines[l].setQuantity(units);
    // The line's discount shared by the units returned.
    const DraftLine& line = sold.lines[index];
    lines[l].setAmount(units * line.unit_price - line.discount * units / line.quantity);
    amount += lines[l++].getAmount();
  }
  refund.setAmount(amount);
  refund.setMethod(schema::PaymentMethod::OTHER);
  refund.setReason(kCancellationReason + draft.receipt);
  return std::make_pair(id, std::move(change));
}

}  // namespace

std::map<std::string, std::string> DefaultSalesColumns() {
  return {{"receipt", "InvoiceNo"}, {"sku", "StockCode"},    {"name", "Description"},
          {"quantity", "Quantity"}, {"time", "InvoiceDate"}, {"price", "UnitPrice"},
          {"client", "CustomerID"}, {"country", "Country"},  {"channel", "Channel"},
          {"campaign", "Campaign"}, {"cashier", "Cashier"},  {"currency", "Currency"},
          {"office", "Office"},     {"saleId", "SaleId"},    {"clientId", "ClientId"},
          {"discount", "Discount"}, {"payments", "Payments"}, {"refundId", "RefundId"}};
}

Result<ImportReport> ImportSales(Writer& writer, HybridClock& hlc, std::istream& csv,
                                 const ImportOptions& options) {
  CRM_RETURN_IF_ERROR(CheckTimeZone(options.time_zone));
  if (options.office.empty() || options.currency.size() != 3 || options.sales_per_transaction == 0 ||
      options.progress_every == 0) {
    return Status::InvalidArgument("options",
                                   "an office, a 3-letter currency, a batch size and a progress interval are needed");
  }
  ImportReport report;
  Reader reader(options, report);
  CRM_RETURN_IF_ERROR(reader.Read(csv));
  report.lines_imported = reader.line_of_sale.size();
  const size_t batch = options.sales_per_transaction;

  // Products and clients first, so every sale finds what it names.
  // A SKU the catalogue has is its product: the sale lines name it, and no
  // second product of that SKU is made.
  std::unordered_map<std::string, Id> product_ids;
  std::vector<std::pair<std::string, DraftProduct>> products;
  size_t in_catalogue = 0;
  CRM_RETURN_IF_ERROR(writer.Run([&](StoreTxn& txn) -> Status {
    product_ids.clear();
    products.clear();
    in_catalogue = 0;
    for (const auto& item : reader.products) {
      auto found = txn.FindByKey(EntityKind::PRODUCT, item.first);
      if (found.ok()) {
        product_ids.emplace(item.first, *found);
        ++in_catalogue;
        continue;
      }
      if (found.status().code() != StatusCode::kNotFound) return found.status();
      product_ids.emplace(item.first, ProductId(item.first));
      products.push_back(item);
    }
    return Status::Ok();
  }));
  report.products_present += in_catalogue;
  CRM_RETURN_IF_ERROR(WriteInBatches(
      writer, products, batch, EntityKind::PRODUCT,
      [&](const auto& item) { return ProductChange(hlc, options, item); }, report.products_written,
      report.products_present));
  std::vector<std::pair<std::string, DraftClient>> clients(reader.clients.begin(),
                                                           reader.clients.end());
  CRM_RETURN_IF_ERROR(WriteInBatches(
      writer, clients, batch, EntityKind::CLIENT,
      [&](const auto& item) { return ClientChange(hlc, options, item); }, report.clients_written,
      report.clients_present));
  // A receipt whose payments do not add up to its lines is not written.
  std::vector<DraftSale> sales;
  for (size_t i = 0; i < reader.sales.size(); ++i) {
    const DraftSale& sale = reader.sales[i];
    int64_t total = 0, paid = 0;
    for (const DraftLine& line : sale.lines) total += line.quantity * line.unit_price - line.discount;
    for (const auto& part : sale.payments) paid += part.second;
    if (sale.payments.empty() || paid == total) {
      sales.push_back(sale);
      continue;
    }
    for (const auto& [index, line] : reader.line_of_sale) {
      if (index != i) continue;
      report.rejected.push_back(ImportRejection{
          line, "Payments: receipt " + sale.receipt + " pays " + FormatMoney(paid, sale.currency) +
                    " for lines of " + FormatMoney(total, sale.currency)});
      --report.lines_imported;
    }
  }
  CRM_ASSIGN_OR_RETURN(auto cashier_ids, WriteCashiers(writer, hlc, sales, report.users_made));
  CRM_RETURN_IF_ERROR(WriteInBatches(
      writer, sales, batch, EntityKind::SALE,
      [&](const DraftSale& draft) {
        return SaleChange(hlc, options, cashier_ids, product_ids, draft);
      },
      report.sales_written, report.sales_present, [&] {
        if (options.progress) options.progress(report.lines, report.sales_written + report.sales_present);
      }));
  // Returns last: each names a sale written above (or in an earlier run).
  std::vector<DraftRefund> refunds = MatchCancellations(reader, report);
  CRM_RETURN_IF_ERROR(WriteInBatches(
      writer, refunds, batch, EntityKind::REFUND,
      [&](const DraftRefund& draft) { return RefundChange(hlc, options, reader.sales, draft); },
      report.refunds_written, report.refunds_present));
  std::sort(report.rejected.begin(), report.rejected.end(),
            [](const ImportRejection& a, const ImportRejection& b) { return a.line < b.line; });
  return report;
}

}  // namespace crm
