// The office's deals (docs/frontdesk.md, "Deals"): the list `pos deals` and
// the browser desk's Pipeline page show, with the pipeline over the same
// deals (node/sales/pipeline.h), and a deal as every list shows it.
#include <algorithm>
#include <cstdint>
#include <tuple>

#include "node/frontdesk/internal.h"
#include "node/sales/pipeline.h"

namespace crm::frontdesk {
namespace {

constexpr uint32_t kDefaultDeals = 200;
constexpr uint32_t kMostDeals = 1000;
constexpr int64_t kDayMs = 86'400'000;

// A deal in the list's order: by stage in pipeline order, newest first
// within a stage, then by id.
using DealPlace = std::tuple<uint16_t, int64_t, Id>;

}  // namespace

Status FillDealItem(NameBook& names, const Id& id, schema::Deal::Reader deal, int64_t now_ms,
                    schema::DealItem::Builder out) {
  IdToWire(id, out.initId());
  out.setDeal(deal);
  if (deal.hasClient()) {
    CRM_ASSIGN_OR_RETURN(std::string client, names.Client(IdFromWire(deal.getClient())));
    out.setClient(client);
  }
  if (deal.hasOwner()) {
    CRM_ASSIGN_OR_RETURN(NameBook::Person owner, names.User(IdFromWire(deal.getOwner())));
    out.setOwnerLogin(owner.login);
    out.setOwnerName(owner.display_name);
  }
  const int64_t until = deal.getClosedAt() > 0 ? deal.getClosedAt() : now_ms;
  const int64_t days = deal.getCreatedAt() > 0 ? (until - deal.getCreatedAt()) / kDayMs : 0;
  out.setAgeDays(static_cast<uint32_t>(std::clamp<int64_t>(days, 0, UINT32_MAX)));
  return Status::Ok();
}

Status ListDeals(Context& ctx, const StoreView& view, schema::ListDeals::Reader args,
                 schema::Response::Builder response) {
  if (args.getLimit() > kMostDeals) {
    return Status::InvalidArgument("limit", "at most " + std::to_string(kMostDeals) + " deals at a time");
  }
  if (args.getByStage() &&
      static_cast<size_t>(args.getStage()) >= kPipelineOrder.size()) {
    return Status::InvalidArgument("stage", "is lead, qualified, proposal, negotiation, won or lost");
  }
  const size_t limit = args.getLimit() == 0 ? kDefaultDeals : args.getLimit();
  DealPipeline pipeline;
  std::vector<DealPlace> matches;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::DEAL, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto deal = stored.getValue().getAs<schema::Deal>();
        const bool owned = deal.hasOwner() && IdFromWire(deal.getOwner()) == ctx.user.user;
        if (args.getMine() ? !owned : !(owned || Str(deal.getOffice()) == ctx.office.code)) {
          return Status::Ok();
        }
        if (args.getOpen() && IsClosedStage(deal.getStage())) return Status::Ok();
        if (args.getByStage() && deal.getStage() != args.getStage()) return Status::Ok();
        pipeline.Add(deal);
        matches.emplace_back(static_cast<uint16_t>(deal.getStage()), -deal.getCreatedAt(), id);
        return Status::Ok();
      }));
  const size_t shown = std::min(limit, matches.size());
  std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(shown),
                    matches.end());

  auto list = response.initDeals();
  list.setTotal(static_cast<uint32_t>(matches.size()));
  auto stages = list.initPipeline(static_cast<unsigned>(kPipelineOrder.size()));
  for (unsigned i = 0; i < stages.size(); ++i) {
    const PipelineFigures& figures = pipeline.At(kPipelineOrder[i]);
    stages[i].setStage(kPipelineOrder[i]);
    stages[i].setCount(figures.count);
    auto amounts = stages[i].initAmounts(static_cast<unsigned>(figures.amounts.size()));
    unsigned j = 0;
    for (const auto& [currency, amount] : figures.amounts) {
      amounts[j].setCurrency(currency);
      amounts[j].setAmount(amount);
      ++j;
    }
  }
  NameBook names(view, ctx.office.code);
  const int64_t now = ctx.wall.NowMillis();
  auto out = list.initDeals(static_cast<unsigned>(shown));
  for (unsigned i = 0; i < shown; ++i) {
    const Id& id = std::get<2>(matches[i]);
    CRM_ASSIGN_OR_RETURN(Record record, view.Get(EntityKind::DEAL, id));
    CRM_RETURN_IF_ERROR(FillDealItem(names, id, record.value<schema::Deal>(), now, out[i]));
  }
  return Status::Ok();
}

}  // namespace crm::frontdesk
