#include "node/sales/catalogue.h"

#include <fmt/format.h>

#include <charconv>

#include "node/common/text.h"
#include "sync/base/entities.h"
#include "sync/base/money.h"
#include "sync/change_builder.h"

namespace crm {
namespace {

std::string Str(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

// "3499" -> 3499; nullopt for anything but decimal digits within the limit.
std::optional<int64_t> DecodeAmount(std::string_view digits) {
  if (digits.empty() || digits.size() > 15) return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || value < 0 ||
      value > kMaxProductPrice) {
    return std::nullopt;
  }
  return value;
}

Status CheckProductText(std::string_view field, std::string_view value, size_t max_bytes,
                        bool required) {
  if (required && value.find_first_not_of(" \t\n") == std::string_view::npos) {
    return Status::InvalidArgument(std::string(field), "is required");
  }
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(std::string(field),
                                   fmt::format("is longer than {} bytes", max_bytes));
  }
  if (!IsCleanUtf8(value) || value.find_first_of("\t\n") != std::string_view::npos) {
    return Status::InvalidArgument(std::string(field),
                                   "is not valid UTF-8 text or holds control characters");
  }
  return Status::Ok();
}

Status CheckOfficeCode(std::string_view code) {
  const bool valid = code.size() >= 2 && code.size() <= 8 &&
                     code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
                         std::string_view::npos;
  if (valid) return Status::Ok();
  return Status::InvalidArgument("officePrices",
                                 "an office code is 2 to 8 capital letters or digits, got '" +
                                     std::string(code) + "'");
}

// The stored price list's own entries (without the legacy pair).
std::map<std::string, std::string> MapEntries(capnp::List<schema::Attribute>::Reader list) {
  std::map<std::string, std::string> entries;
  for (auto entry : list) entries[Str(entry.getKey())] = Str(entry.getValue());
  return entries;
}

}  // namespace

std::map<std::string, int64_t> PriceList(schema::Product::Reader product) {
  std::map<std::string, int64_t> list;
  for (auto entry : product.getPrices()) {
    if (auto amount = DecodeAmount(Str(entry.getValue()))) list[Str(entry.getKey())] = *amount;
  }
  const std::string legacy = Str(product.getCurrency());
  if (!legacy.empty() && product.getPrice() >= 0 && !list.contains(legacy)) {
    bool own_entry = false;  // an unreadable entry of its own still hides the pair
    for (auto entry : product.getPrices()) own_entry |= Str(entry.getKey()) == legacy;
    if (!own_entry) list[legacy] = product.getPrice();
  }
  return list;
}

std::map<std::string, OfficePrice> OfficePrices(schema::Product::Reader product) {
  std::map<std::string, OfficePrice> overrides;
  for (auto entry : product.getOfficePrices()) {
    if (auto price = DecodeOfficePrice(Str(entry.getValue()))) {
      overrides[Str(entry.getKey())] = *price;
    }
  }
  return overrides;
}

std::string EncodeOfficePrice(const OfficePrice& price) {
  return fmt::format("{} {}", price.amount, price.currency);
}

std::optional<OfficePrice> DecodeOfficePrice(std::string_view value) {
  const size_t space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto amount = DecodeAmount(value.substr(0, space));
  std::string_view currency = value.substr(space + 1);
  if (!amount || !IsKnownCurrency(currency)) return std::nullopt;
  return OfficePrice{*amount, std::string(currency)};
}

Result<ResolvedPrice> PriceAt(schema::Product::Reader product, std::string_view office,
                              std::string_view currency) {
  auto overrides = OfficePrices(product);
  if (auto found = overrides.find(std::string(office));
      found != overrides.end() && found->second.currency == currency) {
    return ResolvedPrice{found->second.amount, PriceFrom::kOffice};
  }
  auto list = PriceList(product);
  if (auto found = list.find(std::string(currency)); found != list.end()) {
    return ResolvedPrice{found->second, PriceFrom::kList};
  }
  const std::string sku = Str(product.getSku());
  return Status::NotFound(fmt::format(
      "product {} ({}) has no price in {}, so {} cannot sell it: headquarters sets one with "
      "`crm-hq product edit {} --price {}=AMOUNT --data HQ_DIR` (or `--office-price {}=AMOUNT` "
      "for this office alone)",
      sku, Str(product.getName()), currency, office, sku, currency, office));
}

Status CheckProductPrice(std::string_view field, std::string_view currency, int64_t amount) {
  if (!IsKnownCurrency(currency)) {
    return Status::InvalidArgument(
        std::string(field),
        "'" + std::string(currency) + "' is not an ISO 4217 currency code (like GBP, EUR, RUB)");
  }
  if (amount < 0) return Status::InvalidArgument(std::string(field), "a price may not be negative");
  if (amount > kMaxProductPrice) {
    return Status::InvalidArgument(
        std::string(field), fmt::format("a price may be at most {} {}",
                                        FormatMoney(kMaxProductPrice, currency), currency));
  }
  return Status::Ok();
}

Result<int64_t> ParsePrice(std::string_view text, std::string_view currency,
                           std::string_view field) {
  if (!IsKnownCurrency(currency)) {
    return Status::InvalidArgument(
        std::string(field),
        "'" + std::string(currency) + "' is not an ISO 4217 currency code (like GBP, EUR, RUB)");
  }
  if (text.starts_with('-')) {
    return Status::InvalidArgument(std::string(field), "a price may not be negative, got '" +
                                                           std::string(text) + "'");
  }
  auto amount = ParseMoney(text, currency, field);
  if (!amount.ok()) {
    const int digits = MinorDigits(currency);
    return Status::InvalidArgument(
        std::string(field),
        fmt::format("'{}' is not a price in {} (like {}{})", text, currency,
                    FormatMoney(1250 * (digits == 3 ? 10 : 1), currency),
                    digits == 0 ? ": it has no decimals"
                                : fmt::format(", at most {} decimals", digits)));
  }
  CRM_RETURN_IF_ERROR(CheckProductPrice(field, currency, *amount));
  return *amount;
}

Result<std::pair<std::string, std::string>> SplitAssignment(std::string_view text,
                                                            std::string_view option,
                                                            std::string_view form) {
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == text.size()) {
    return Status::InvalidArgument(std::string(option), fmt::format("give {} {}, got '{}'",
                                                                    option, form, text));
  }
  return std::make_pair(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
}

Result<std::pair<std::string, int64_t>> ParseCurrencyPrice(std::string_view text,
                                                           std::string_view option) {
  CRM_ASSIGN_OR_RETURN(auto sides, SplitAssignment(text, option, "CUR=AMOUNT (like GBP=34.99)"));
  CRM_ASSIGN_OR_RETURN(int64_t amount, ParsePrice(sides.second, sides.first, option));
  return std::make_pair(sides.first, amount);
}

Result<EditOutcome> ApplyProductEdit(StoreTxn& txn, const ProductEdit& edit, const Stamp& stamp,
                                     const Id& author) {
  CRM_RETURN_IF_ERROR(CheckProductText("sku", edit.sku, 64, true));
  if (edit.sku.find(' ') != std::string::npos) {
    return Status::InvalidArgument("sku", "a SKU has no spaces, got '" + edit.sku + "'");
  }
  if (edit.name) CRM_RETURN_IF_ERROR(CheckProductText("name", *edit.name, 300, true));
  if (edit.category) CRM_RETURN_IF_ERROR(CheckProductText("category", *edit.category, 100, false));
  for (const auto& [currency, amount] : edit.prices) {
    CRM_RETURN_IF_ERROR(CheckProductPrice("prices", currency, amount.value_or(0)));
  }
  for (const auto& [office, price] : edit.office_prices) {
    CRM_RETURN_IF_ERROR(CheckOfficeCode(office));
    if (price) CRM_RETURN_IF_ERROR(CheckProductPrice("officePrices", price->currency, price->amount));
  }

  EditOutcome outcome;
  std::optional<Record> existing;
  auto found = txn.FindByKey(EntityKind::PRODUCT, edit.sku);
  if (found.ok()) {
    outcome.id = *found;
    CRM_ASSIGN_OR_RETURN(Record record, txn.Get(EntityKind::PRODUCT, *found));
    existing.emplace(std::move(record));
  } else if (found.status().code() != StatusCode::kNotFound) {
    return found.status();
  } else if (!edit.name) {
    return Status(StatusCode::kNotFound,
                  "no product with SKU '" + edit.sku + "' (a new product needs a name)", "sku");
  } else {
    outcome.id = Id::Generate(stamp.physical);
    outcome.created = true;
  }

  ChangeMessage change = ChangeMessage::Patch(EntityKind::PRODUCT, outcome.id, stamp, author);
  auto record = change.record<schema::Product>();
  // The stored product as a reader (an empty one for a new product).
  capnp::MallocMessageBuilder blank;
  schema::Product::Reader now =
      existing ? existing->value<schema::Product>() : blank.initRoot<schema::Product>().asReader();
  bool any = false;
  auto set = [&](const char* field) -> Status {
    any = true;
    return change.Set(field);
  };
  if (outcome.created || Str(now.getSku()) != edit.sku) {
    record.setSku(edit.sku);
    CRM_RETURN_IF_ERROR(set("sku"));
  }
  if (edit.name && (outcome.created || Str(now.getName()) != *edit.name)) {
    record.setName(*edit.name);
    CRM_RETURN_IF_ERROR(set("name"));
  }
  if (edit.category && Str(now.getCategory()) != *edit.category) {
    record.setCategory(*edit.category);
    CRM_RETURN_IF_ERROR(set("category"));
  }
  const bool active = edit.active.value_or(outcome.created ? true : now.getActive());
  if (outcome.created || active != now.getActive()) {
    record.setActive(active);
    CRM_RETURN_IF_ERROR(set("active"));
  }
  const std::map<std::string, std::string> entries = MapEntries(now.getPrices());
  const std::map<std::string, int64_t> list = PriceList(now);
  const std::string legacy = Str(now.getCurrency());
  for (const auto& [currency, amount] : edit.prices) {
    if (amount) {
      auto entry = entries.find(currency);
      if (entry != entries.end() && DecodeAmount(entry->second) == *amount) continue;
      any = true;
      CRM_RETURN_IF_ERROR(change.AddElement("prices", currency, std::to_string(*amount)));
      continue;
    }
    if (!list.contains(currency) && !entries.contains(currency)) continue;
    any = true;
    if (entries.contains(currency)) CRM_RETURN_IF_ERROR(change.RemoveElement("prices", currency));
    if (legacy == currency) {  // else the legacy pair would bring the price back
      record.setPrice(0);
      record.setCurrency("");
      CRM_RETURN_IF_ERROR(change.Set("price"));
      CRM_RETURN_IF_ERROR(change.Set("currency"));
    }
  }
  const std::map<std::string, std::string> overrides = MapEntries(now.getOfficePrices());
  for (const auto& [office, price] : edit.office_prices) {
    auto entry = overrides.find(office);
    if (price) {
      const std::string value = EncodeOfficePrice(*price);
      if (entry != overrides.end() && entry->second == value) continue;
      any = true;
      CRM_RETURN_IF_ERROR(change.AddElement("officePrices", office, value));
    } else if (entry != overrides.end()) {
      any = true;
      CRM_RETURN_IF_ERROR(change.RemoveElement("officePrices", office));
    }
  }
  if (!any) return outcome;
  outcome.changed = true;
  CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
  return outcome;
}

Result<std::string> EnrolledCurrency(const StoreView& view, std::string_view office,
                                     std::string_view field) {
  std::optional<std::string> currency;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::OFFICE, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto record = stored.getValue().getAs<schema::Office>();
        if (Str(record.getCode()) == office) currency = Str(record.getCurrency());
        return Status::Ok();
      }));
  if (!currency) {
    return Status(StatusCode::kNotFound,
                  "no office " + std::string(office) +
                      " is enrolled here (`crm-admin enroll --office CODE --currency CUR ...` "
                      "enrolls one)",
                  std::string(field));
  }
  if (currency->empty()) {
    return Status::InvalidArgument(
        std::string(field),
        "office " + std::string(office) +
            " was enrolled without its currency, so its price cannot be set: record it with "
            "`crm-admin enroll --hub-data HQ_DIR --office " + std::string(office) +
            " --node-id ID --public-key FILE --currency CUR` (the same enrollment again)");
  }
  return *currency;
}

}  // namespace crm
