#include "hq/analytics/pipeline.h"

#include <algorithm>

#include "node/store/offices.h"
#include "sync/base/entities.h"

namespace crm {

Result<ChainPipeline> ChainDeals(const Store& store, std::string_view office) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  ChainPipeline out;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::DEAL, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto deal = stored.getValue().getAs<schema::Deal>();
        std::string deal_office(deal.getOffice().cStr(), deal.getOffice().size());
        if (!office.empty() && deal_office != office) return Status::Ok();
        out.chain.Add(deal);
        out.offices[deal_office].Add(deal);
        return Status::Ok();
      }));
  if (!office.empty() && out.chain.total() == 0) {
    CRM_ASSIGN_OR_RETURN(auto enrolled, OfficeCodesByNode(view));
    if (std::none_of(enrolled.begin(), enrolled.end(),
                     [&](const auto& entry) { return entry.second == office; })) {
      return Status(StatusCode::kNotFound,
                    "office '" + std::string(office) + "' is not enrolled and has no deals here",
                    "office");
    }
  }
  return out;
}

}  // namespace crm
