// pos deals: the office's deals (the listDeals operation) and the pipeline
// over them, stage by stage with the amounts in each currency.
#include <fmt/format.h>

#include <memory>

#include "pos-client/commands/common.h"
#include "pos-client/format.h"
#include "pos-client/pos.h"
#include "sync/base/money.h"
#include "sync/base/wire.h"

namespace crm::pos {
namespace {

struct DealsOptions {
  std::string stage;
  bool mine = false;
  bool open = false;
  bool pipeline = false;
  uint32_t limit = 0;
};

// "1,200.00 GBP + 35,000.00 RUB"; "-" for none.
std::string Amounts(capnp::List<schema::CurrencyAmount>::Reader amounts) {
  std::string out;
  for (auto amount : amounts) {
    if (!out.empty()) out += " + ";
    out += FormatMoney(amount.getAmount(), Text(amount.getCurrency())) + " " + Text(amount.getCurrency());
  }
  return out.empty() ? "-" : out;
}

std::string PipelineTable(schema::DealList::Reader list) {
  std::vector<std::vector<std::string>> rows;
  for (auto stage : list.getPipeline()) {
    rows.push_back({DealStageName(stage.getStage()), std::to_string(stage.getCount()),
                    Amounts(stage.getAmounts())});
  }
  return Table({"stage", "deals", "amount"}, rows);
}

}  // namespace

std::string DealsTable(capnp::List<schema::DealItem>::Reader deals, bool with_client) {
  std::vector<std::vector<std::string>> rows;
  for (auto item : deals) {
    auto deal = item.getDeal();
    std::vector<std::string> row;
    if (with_client) row.push_back(Text(item.getClient()));
    const std::string currency = Text(deal.getCurrency());
    row.insert(row.end(), {Text(deal.getTitle()), DealStageName(deal.getStage()),
                           FormatMoney(deal.getAmount(), currency) + " " + currency,
                           PersonName(item.getOwnerLogin(), item.getOwnerName()),
                           fmt::format("{} d", item.getAgeDays()), IdFromWire(item.getId()).ToString()});
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header = {"title", "stage", "amount", "owner", "age", "id"};
  if (with_client) header.insert(header.begin(), "client");
  return Table(header, rows);
}

void Pos::AddDealListCommand(CLI::App& app) {
  auto options = std::make_shared<DealsOptions>();
  auto* deals = app.add_subcommand("deals", "the office's deals and the pipeline by stage");
  deals->add_option("--stage", options->stage,
                    "only deals at this stage: lead, qualified, proposal, negotiation, won, lost");
  deals->add_flag("--mine", options->mine, "only the deals you own");
  deals->add_flag("--open", options->open, "only open deals (not won or lost)");
  deals->add_flag("--pipeline", options->pipeline,
                  "the pipeline alone: per stage the deals and their amounts");
  deals->add_option("--limit", options->limit, "list at most this many (default 200, at most 1000)");
  deals->callback([this, options] {
    std::optional<schema::DealStage> stage;
    if (!options->stage.empty()) {
      stage = DealStageByName(options->stage);
      if (!stage) {
        Fail(Status::InvalidArgument("--stage",
                                     "'" + options->stage +
                                         "' is no stage: lead, qualified, proposal, negotiation, "
                                         "won or lost"));
        return;
      }
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initListDeals();
          args.setByStage(stage.has_value());
          if (stage) args.setStage(*stage);
          args.setMine(options->mine);
          args.setOpen(options->open);
          args.setLimit(options->limit);
        },
        false);
    if (!reply) return;
    PrintOrJson(*reply, [&] {
      auto list = reply->Root<schema::Response>().getDeals();
      if (options->pipeline) {
        Print(PipelineTable(list));
        return;
      }
      if (list.getDeals().size() == 0) {
        Print("No deals\n");
        return;
      }
      std::string out = DealsTable(list.getDeals(), true);
      if (list.getTotal() > list.getDeals().size()) {
        out += fmt::format("({} of {} deals shown: narrow with --stage, --mine or --open, or raise --limit)\n",
                           list.getDeals().size(), list.getTotal());
      }
      Print(out + "\nPipeline\n" + PipelineTable(list));
    });
  });
}

}  // namespace crm::pos
