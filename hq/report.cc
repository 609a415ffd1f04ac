#include "hq/report.h"

#include <map>
#include <set>
#include <utility>

#include "schema/records.capnp.h"
#include "sync/merge.h"
#include "sync/wire.h"

namespace crm {

Result<std::vector<OfficeSales>> SalesByOffice(const Store& store) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  using Key = std::pair<std::string, std::string>;  // office, currency
  std::map<Key, OfficeSales> rows;
  std::map<Key, std::set<Id>> buyers;
  auto row = [&](capnp::Text::Reader office, capnp::Text::Reader currency) -> OfficeSales& {
    Key key{office.cStr(), currency.cStr()};
    OfficeSales& r = rows[key];
    r.office = key.first;
    r.currency = key.second;
    return r;
  };
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::SALE, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto sale = stored.getValue().getAs<schema::Sale>();
        OfficeSales& r = row(sale.getOffice(), sale.getCurrency());
        ++r.sales;
        r.revenue += sale.getTotal();
        Id client = sale.hasClient() ? IdFromWire(sale.getClient()) : Id{};
        if (!client.IsNull()) {
          CRM_ASSIGN_OR_RETURN(Id resolved, view.ResolveClient(client));
          buyers[{r.office, r.currency}].insert(resolved);
        }
        return Status::Ok();
      }));
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::REFUND, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto refund = stored.getValue().getAs<schema::Refund>();
        row(refund.getOffice(), refund.getCurrency()).refunded += refund.getAmount();
        return Status::Ok();
      }));
  std::vector<OfficeSales> out;
  for (auto& [key, r] : rows) {
    r.clients = buyers[key].size();
    out.push_back(r);
  }
  return out;
}

}  // namespace crm
