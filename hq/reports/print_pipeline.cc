#include "hq/reports/print_pipeline.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hq/analytics/pipeline.h"
#include "sync/base/money.h"

namespace crm {
namespace {

nlohmann::json StagesJson(const DealPipeline& pipeline) {
  nlohmann::json stages = nlohmann::json::array();
  for (schema::DealStage stage : kPipelineOrder) {
    const PipelineFigures& figures = pipeline.At(stage);
    nlohmann::json amounts = nlohmann::json::object();
    for (const auto& [currency, amount] : figures.amounts) amounts[currency] = amount;
    stages.push_back({{"stage", std::string(DealStageName(stage))},
                      {"open", !IsClosedStage(stage)},
                      {"deals", figures.count},
                      {"amount_minor", amounts}});
  }
  return stages;
}

// "12000.00 GBP + 350000.00 RUB"; "-" for none.
std::string Amounts(const PipelineFigures& figures) {
  std::string out;
  for (const auto& [currency, amount] : figures.amounts) {
    if (!out.empty()) out += " + ";
    out += FormatMoney(amount, currency) + " " + currency;
  }
  return out.empty() ? "-" : out;
}

void PrintStages(const DealPipeline& pipeline, std::FILE* out) {
  fmt::print(out, "{:<12} {:>6}  {}\n", "STAGE", "DEALS", "AMOUNT");
  for (schema::DealStage stage : kPipelineOrder) {
    const PipelineFigures& figures = pipeline.At(stage);
    fmt::print(out, "{:<12} {:>6}  {}\n", DealStageName(stage), figures.count, Amounts(figures));
  }
}

}  // namespace

Status WritePipeline(const Store& store, const PipelineFlags& flags, std::FILE* out) {
  auto found = ChainDeals(store, flags.office);
  if (!found.ok()) return found.status();
  if (flags.output == Output::kJson) {
    nlohmann::json json = {{"office", flags.office.empty() ? nlohmann::json(nullptr)
                                                           : nlohmann::json(flags.office)},
                           {"deals", found->chain.total()},
                           {"stages", StagesJson(found->chain)},
                           {"offices", nlohmann::json::array()}};
    for (const auto& [office, pipeline] : found->offices) {
      json["offices"].push_back(
          {{"office", office}, {"deals", pipeline.total()}, {"stages", StagesJson(pipeline)}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  if (flags.output == Output::kCsv) {
    return Status::InvalidArgument("csv", "the pipeline prints as a table or JSON (--json)");
  }
  fmt::print(out, "Deal pipeline of {}: {} deals\n",
             flags.office.empty() ? std::string("the chain") : "office " + flags.office,
             found->chain.total());
  PrintStages(found->chain, out);
  if (flags.office.empty()) {
    for (const auto& [office, pipeline] : found->offices) {
      fmt::print(out, "\n{}: {} deals\n", office.empty() ? std::string("(no office)") : office,
                 pipeline.total());
      PrintStages(pipeline, out);
    }
  }
  return Status::Ok();
}

}  // namespace crm
