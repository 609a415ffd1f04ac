#include "hq/analytics/currencies.h"

#include <algorithm>
#include <set>

#include "schema/records.capnp.h"

namespace crm {

Result<std::vector<std::string>> CurrenciesHeld(const Store& store, EntityKind kind) {
  if (kind != EntityKind::SALE && kind != EntityKind::DEAL) {
    return Status::InvalidArgument("kind", "only sales and deals carry a currency");
  }
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  std::set<std::string> held;
  CRM_RETURN_IF_ERROR(
      view.ForEachOfKind(kind, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto currency = kind == EntityKind::SALE
                            ? stored.getValue().getAs<schema::Sale>().getCurrency()
                            : stored.getValue().getAs<schema::Deal>().getCurrency();
        if (!held.contains(currency.cStr())) held.emplace(currency.cStr(), currency.size());
        return Status::Ok();
      }));
  return std::vector<std::string>(held.begin(), held.end());
}

Result<std::vector<std::string>> ReportCurrencies(const Store& store, const std::string& asked,
                                                  EntityKind kind) {
  CRM_ASSIGN_OR_RETURN(std::vector<std::string> held, CurrenciesHeld(store, kind));
  if (asked.empty()) return held;
  if (std::find(held.begin(), held.end(), asked) != held.end()) {
    return std::vector<std::string>{asked};
  }
  const char* what = kind == EntityKind::SALE ? "sales" : "deals";
  if (held.empty()) {
    return Status::InvalidArgument("currency", "'" + asked + "': the store holds no " + what +
                                                   " in any currency");
  }
  std::string list;
  for (const std::string& c : held) list += (list.empty() ? "" : ", ") + c;
  return Status::InvalidArgument("currency", "'" + asked + "': the store holds no " + what +
                                                 " in it; its " + what + " are in " + list);
}

}  // namespace crm
