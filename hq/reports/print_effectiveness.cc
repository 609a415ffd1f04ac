#include "hq/reports/print_effectiveness.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hq/analytics/currencies.h"
#include "hq/analytics/effectiveness.h"
#include "hq/reports/amounts.h"
#include "hq/reports/period.h"
#include "hq/reports/sections.h"
#include "node/common/csv_field.h"
#include "sync/base/money.h"

namespace crm {
namespace {

// "12.5%" of `part` in `whole`; "-" when there is no whole.
std::string Percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? "-"
                    : fmt::format("{:.1f}%",
                                  100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

double Ratio(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// One currency's section of a report: where its JSON rows go, whether its
// CSV header is due, and how its cells read.
struct Section {
  const EffectivenessFlags& flags;
  const std::string& currency;
  bool first = true;        // the first section: CSV prints its header once, here
  nlohmann::json& json;     // every section's rows, each naming its currency
  std::FILE* out;

  bool Json() const { return flags.output == Output::kJson; }
  // The header line, once for CSV, per section for a table.
  bool Header() const { return first || flags.output == Output::kTable; }
  const char* Format(const char* csv, const char* table) const {
    return flags.output == Output::kCsv ? csv : table;
  }
  // A text cell: quoted for CSV, as it is for a table.
  std::string Cell(const std::string& text) const {
    return flags.output == Output::kCsv ? CsvField(text) : text;
  }
  // A count: plain for CSV, "4,339" for a table.
  std::string Count(uint64_t count) const {
    return flags.output == Output::kCsv ? std::to_string(count) : CountText(count);
  }
  // An amount: plain decimals for CSV, "12,345.67 GBP" for a table.
  std::string Money(int64_t minor) const {
    return flags.output == Output::kCsv ? FormatMoney(minor, currency) : MoneyText(minor, currency);
  }
  void Add(nlohmann::json row) const {
    row["currency"] = currency;
    json.push_back(std::move(row));
  }
};

void PrintChannels(const std::vector<ChannelRow>& rows, const Section& s) {
  for (const ChannelRow& r : rows) {
    if (!s.Json()) break;
    s.Add({{"channel", r.channel},
           {"clients", r.clients},
           {"buyers", r.buyers},
           {"repeat_buyers", r.repeat_buyers},
           {"conversion", Ratio(r.buyers, r.clients)},
           {"revenue_minor", r.revenue},
           {"refunded_minor", r.refunded}});
  }
  if (s.Json()) return;
  const char* format = s.Format("{},{},{},{},{},{},{},{},{},{}\n",
                                "{:<16} {:<4} {:>8} {:>8} {:>10} {:>8} {:>18} {:>16} {:>18} {:>14}\n");
  if (s.Header()) {
    fmt::print(s.out, fmt::runtime(format), "channel", "cur", "clients", "buyers", "conversion",
               "repeat", "revenue", "refunded", "net", "per client");
  }
  for (const ChannelRow& r : rows) {
    int64_t net = r.revenue - r.refunded;
    fmt::print(s.out, fmt::runtime(format), s.Cell(r.channel), s.currency, s.Count(r.clients),
               s.Count(r.buyers), Percent(r.buyers, r.clients), s.Count(r.repeat_buyers), s.Money(r.revenue),
               s.Money(r.refunded), s.Money(net), s.Money(AverageMinor(net, r.clients)));
  }
}

void PrintCampaigns(const std::vector<CampaignRow>& rows, const Section& s) {
  for (const CampaignRow& r : rows) {
    if (!s.Json()) break;
    s.Add({{"code", r.code},
           {"name", r.name},
           {"audience", r.audience},
           {"responders", r.responders},
           {"response_rate", Ratio(r.responders, r.audience)},
           {"sales", r.sales},
           {"revenue_minor", r.revenue},
           {"refunded_minor", r.refunded},
           {"buyers", r.buyers},
           {"new_clients", r.new_clients}});
  }
  if (s.Json()) return;
  const char* format = s.Format("{},{},{},{},{},{},{},{},{},{},{}\n",
                                "{:<12} {:<4} {:>9} {:>10} {:>9} {:>7} {:>18} {:>16} {:>7} {:>7}  {}\n");
  if (s.Header()) {
    fmt::print(s.out, fmt::runtime(format), "campaign", "cur", "audience", "responded", "response",
               "sales", "revenue", "refunded", "buyers", "new", "name");
  }
  for (const CampaignRow& r : rows) {
    fmt::print(s.out, fmt::runtime(format), s.Cell(r.code), s.currency, s.Count(r.audience),
               s.Count(r.responders), Percent(r.responders, r.audience), s.Count(r.sales),
               s.Money(r.revenue), s.Money(r.refunded), s.Count(r.buyers), s.Count(r.new_clients),
               s.Cell(r.name));
  }
}

void PrintEmployees(const std::vector<EmployeeRow>& rows, const Section& s) {
  for (const EmployeeRow& r : rows) {
    if (!s.Json()) break;
    s.Add({{"login", r.login},
           {"name", r.name},
           {"sales", r.sales},
           {"revenue_minor", r.revenue},
           {"refunded_minor", r.refunded},
           {"clients", r.clients},
           {"interactions", r.interactions},
           {"tasks_done", r.tasks_done}});
  }
  if (s.Json()) return;
  const char* format = s.Format("{},{},{},{},{},{},{},{},{},{}\n",
                                "{:<16} {:<4} {:>7} {:>18} {:>16} {:>14} {:>8} {:>12} {:>10}  {}\n");
  if (s.Header()) {
    fmt::print(s.out, fmt::runtime(format), "employee", "cur", "sales", "revenue", "refunded",
               "avg ticket", "clients", "interactions", "tasks done", "name");
  }
  for (const EmployeeRow& r : rows) {
    fmt::print(s.out, fmt::runtime(format), s.Cell(r.login), s.currency, s.Count(r.sales),
               s.Money(r.revenue), s.Money(r.refunded), s.Money(AverageMinor(r.revenue, r.sales)),
               s.Count(r.clients), s.Count(r.interactions), s.Count(r.tasks_done), s.Cell(r.name));
  }
}

void PrintFunnel(const std::vector<FunnelStep>& steps, const Section& s) {
  auto name = [](uint64_t purchases) {
    return purchases == 0 ? std::string("on record") : fmt::format("{}+ purchases", purchases);
  };
  for (size_t i = 0; i < steps.size() && s.Json(); ++i) {
    s.Add({{"purchases", steps[i].purchases},
           {"clients", steps[i].clients},
           {"dropped", steps[i].dropped},
           {"of_previous", i == 0 ? 1.0 : Ratio(steps[i].clients, steps[i - 1].clients)}});
  }
  if (s.Json()) return;
  const char* format = s.Format("{},{},{},{},{}\n", "{:<14} {:<4} {:>8} {:>12} {:>8}\n");
  if (s.Header()) {
    fmt::print(s.out, fmt::runtime(format), "step", "cur", "clients", "of previous", "dropped");
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const FunnelStep& step = steps[i];
    fmt::print(s.out, fmt::runtime(format), name(step.purchases), s.currency, s.Count(step.clients),
               i == 0 ? std::string("-") : Percent(step.clients, steps[i - 1].clients),
               s.Count(step.dropped));
  }
  // The weakest link: the step that keeps the smallest share of the one before.
  size_t weakest = 0;
  for (size_t i = 1; i < steps.size(); ++i) {
    if (steps[i - 1].clients == 0) continue;
    if (weakest == 0 || Ratio(steps[i].clients, steps[i - 1].clients) <
                            Ratio(steps[weakest].clients, steps[weakest - 1].clients)) {
      weakest = i;
    }
  }
  if (s.flags.output == Output::kTable && weakest > 0) {
    fmt::print(s.out, "weakest link: from {} to {}, {} of clients go on\n",
               name(steps[weakest - 1].purchases), name(steps[weakest].purchases),
               Percent(steps[weakest].clients, steps[weakest - 1].clients));
  }
}

void PrintDeals(const std::vector<DealStep>& steps, const Section& s) {
  for (size_t i = 0; i < steps.size() && s.Json(); ++i) {
    s.Add({{"stage", steps[i].stage},
           {"reached", steps[i].reached},
           {"open_here", steps[i].open_here},
           {"lost_here", steps[i].lost_here},
           {"amount_reached_minor", steps[i].amount_reached},
           {"of_previous", i == 0 ? 1.0 : Ratio(steps[i].reached, steps[i - 1].reached)}});
  }
  if (s.Json()) return;
  const char* format =
      s.Format("{},{},{},{},{},{},{}\n", "{:<12} {:<4} {:>8} {:>12} {:>9} {:>9} {:>18}\n");
  if (s.Header()) {
    fmt::print(s.out, fmt::runtime(format), "stage", "cur", "reached", "of previous", "open here",
               "lost here", "amount");
  }
  size_t weakest = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const DealStep& step = steps[i];
    fmt::print(s.out, fmt::runtime(format), step.stage, s.currency, step.reached,
               i == 0 ? std::string("-") : Percent(step.reached, steps[i - 1].reached),
               step.open_here, step.lost_here, s.Money(step.amount_reached));
    if (i > 0 && steps[i - 1].reached > 0 &&
        (weakest == 0 || Ratio(step.reached, steps[i - 1].reached) <
                             Ratio(steps[weakest].reached, steps[weakest - 1].reached))) {
      weakest = i;
    }
  }
  if (s.flags.output == Output::kTable && weakest > 0) {
    fmt::print(s.out, "weakest link: from {} to {}, {} of deals go on\n", steps[weakest - 1].stage,
               steps[weakest].stage, Percent(steps[weakest].reached, steps[weakest - 1].reached));
  }
}

// The report of one currency, printed as `section`.
Status PrintOne(const Store& store, const SalesFilter& period, const Section& section) {
  const std::string& of = section.flags.of;
  const std::string& cur = section.currency;
  if (of == "channels") {
    auto rows = ChannelEffectiveness(store, period, cur);
    if (rows.ok()) PrintChannels(*rows, section);
    return rows.status();
  }
  if (of == "campaigns") {
    auto rows = CampaignEffectiveness(store, period, cur);
    if (rows.ok()) PrintCampaigns(*rows, section);
    return rows.status();
  }
  if (of == "employees") {
    auto rows = EmployeeEffectiveness(store, period, cur);
    if (rows.ok()) PrintEmployees(*rows, section);
    return rows.status();
  }
  if (of == "deals") {
    auto steps = DealFunnel(store, period, cur);
    if (steps.ok()) PrintDeals(*steps, section);
    return steps.status();
  }
  auto steps = PurchaseFunnel(store, period, cur);
  if (steps.ok()) PrintFunnel(*steps, section);
  return steps.status();
}

}  // namespace

Status WriteEffectiveness(const Store& store, const EffectivenessFlags& flags, std::FILE* out) {
  if (flags.of != "channels" && flags.of != "campaigns" && flags.of != "employees" &&
      flags.of != "funnel" && flags.of != "deals") {
    return Status::InvalidArgument(
        "of", "'" + flags.of +
                  "': effectiveness is of channels, campaigns, employees, deals or the funnel");
  }
  auto period = ReportPeriod(flags.from, flags.to, flags.time_zone);
  if (!period.ok()) return period.status();
  // The pipeline's amounts are the deals' own; every other report's the sales'.
  // A currency the store sells in but has no deals in yet is a pipeline of
  // zeros, not an error.
  const bool deals = flags.of == "deals";
  auto currencies = ReportCurrencies(store, flags.currency, deals ? EntityKind::DEAL : EntityKind::SALE);
  if (!currencies.ok() && deals && ReportCurrencies(store, flags.currency).ok()) {
    currencies = std::vector<std::string>{flags.currency};
  }
  if (!currencies.ok()) return currencies.status();
  // Into memory first: an error in a later currency leaves nothing half printed.
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* memory = open_memstream(&buffer, &size);
  if (memory == nullptr) return Status::ResourceExhausted("no memory for the report");
  nlohmann::json json = nlohmann::json::array();
  Status status = Status::Ok();
  if (!ReportedEmpty(flags.output, memory, *currencies, deals ? "deals" : "sales")) {
    for (size_t i = 0; i < currencies->size() && status.ok(); ++i) {
      SectionHeading(flags.output, memory, *currencies, i);
      status = PrintOne(store, *period, Section{flags, (*currencies)[i], i == 0, json, memory});
    }
    if (flags.output == Output::kJson) fmt::print(memory, "{}\n", json.dump(2));
  }
  std::fclose(memory);
  std::string text(buffer, size);
  std::free(buffer);
  if (!status.ok()) return status;
  fmt::print(out, "{}", text);
  return Status::Ok();
}

}  // namespace crm
