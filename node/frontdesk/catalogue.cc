// Front desk: the catalogue (docs/frontdesk.md, "The catalogue"). The prices
// themselves live in node/sales/catalogue.h; a node under a hub never gets
// here for a write (the operation table refuses saveProduct there at once).
#include <fmt/format.h>

#include "node/frontdesk/internal.h"
#include "node/sales/catalogue.h"
#include "sync/base/money.h"

namespace crm::frontdesk {
namespace {

// The override an entry of saveProduct's officePrices sets: an amount
// ("3400.00") in the office's enrolled currency, or "3400.00 RUB" naming it.
Result<OfficePrice> OverrideOf(const StoreView& view, std::string_view office,
                               std::string_view value) {
  const std::string field = "officePrices." + std::string(office);
  CRM_ASSIGN_OR_RETURN(std::string currency, EnrolledCurrency(view, office, field));
  const size_t space = value.find(' ');
  if (space != std::string_view::npos && value.substr(space + 1) != currency) {
    return Status::InvalidArgument(
        field, fmt::format("office {} sells in {}, so its price is in {}, not {}", office,
                           currency, currency, value.substr(space + 1)));
  }
  CRM_ASSIGN_OR_RETURN(int64_t amount, ParsePrice(value.substr(0, space), currency, field));
  return OfficePrice{amount, currency};
}

}  // namespace

Status SaveProduct(Context& ctx, StoreTxn& txn, schema::Product::Reader args,
                   schema::Response::Builder response) {
  ProductEdit edit;
  edit.sku = Str(args.getSku());
  edit.name = Str(args.getName());
  edit.category = Str(args.getCategory());
  edit.active = true;  // saving a product puts it on sale (crm-hq product edit --inactive takes it off)
  // The pair `price`/`currency` as one entry of the list: what a client from
  // before price lists sends, and the plain way to price one currency.
  const bool lists = args.getPrices().size() > 0 || args.getOfficePrices().size() > 0;
  if (!lists || args.getCurrency().size() > 0) {
    const std::string currency =
        args.getCurrency().size() > 0 ? Str(args.getCurrency()) : ctx.office.currency;
    CRM_RETURN_IF_ERROR(CheckUnitPrice(ctx, "price", args.getPrice()));
    CRM_RETURN_IF_ERROR(CheckProductPrice("currency", currency, args.getPrice()));
    edit.prices[currency] = args.getPrice();
  }
  for (auto entry : args.getPrices()) {
    const std::string currency = Str(entry.getKey());
    const std::string field = "prices." + currency;
    if (entry.getValue().size() == 0) {
      edit.prices[currency] = std::nullopt;
      continue;
    }
    CRM_ASSIGN_OR_RETURN(int64_t amount, ParsePrice(Str(entry.getValue()), currency, field));
    edit.prices[currency] = amount;
  }
  for (auto entry : args.getOfficePrices()) {
    const std::string office = Str(entry.getKey());
    if (entry.getValue().size() == 0) {
      edit.office_prices[office] = std::nullopt;
      continue;
    }
    CRM_ASSIGN_OR_RETURN(OfficePrice price, OverrideOf(txn, office, Str(entry.getValue())));
    edit.office_prices[office] = price;
  }
  CRM_ASSIGN_OR_RETURN(EditOutcome outcome,
                       ApplyProductEdit(txn, edit, ctx.hlc.Now(), ctx.user.user));
  IdToWire(outcome.id, response.initSaved());
  return Status::Ok();
}

Status ListProducts(Context& ctx, const StoreView& view, schema::ListProducts::Reader args,
                    schema::Response::Builder response) {
  std::vector<std::pair<std::string, Id>> listed;  // by SKU
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::PRODUCT, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto product = stored.getValue().getAs<schema::Product>();
        if (!product.getActive() && !args.getIncludeInactive()) return Status::Ok();
        listed.emplace_back(Str(product.getSku()), id);
        return Status::Ok();
      }));
  std::sort(listed.begin(), listed.end());
  auto out = response.initProducts(listed.size());
  for (size_t i = 0; i < listed.size(); ++i) {
    CRM_ASSIGN_OR_RETURN(Record record, view.Get(EntityKind::PRODUCT, listed[i].second));
    auto product = record.value<schema::Product>();
    IdToWire(listed[i].second, out[i].initId());
    out[i].setProduct(product);
    auto price = PriceAt(product, ctx.office.code, ctx.office.currency);
    out[i].setPrice(price.ok() ? price->amount : -1);
    out[i].setPriceFrom(!price.ok() ? "" : price->from == PriceFrom::kOffice ? "office" : "list");
  }
  return Status::Ok();
}

}  // namespace crm::frontdesk
