#include "hq/reports/print_effectiveness.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hq/analytics/effectiveness.h"
#include "node/common/csv_field.h"
#include "node/common/local_time.h"
#include "node/store/runtime.h"
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

// A text cell: quoted for CSV, as it is for a table.
std::string Cell(const std::string& text, Output output) {
  return output == Output::kCsv ? CsvField(text) : text;
}

Status PrintChannels(const std::vector<ChannelRow>& rows, const EffectivenessFlags& flags,
                     std::FILE* out) {
  const std::string& cur = flags.currency;
  if (flags.output == Output::kJson) {
    nlohmann::json json = nlohmann::json::array();
    for (const ChannelRow& r : rows) {
      json.push_back({{"channel", r.channel},
                     {"clients", r.clients},
                     {"buyers", r.buyers},
                     {"repeat_buyers", r.repeat_buyers},
                     {"conversion", Ratio(r.buyers, r.clients)},
                     {"revenue_minor", r.revenue},
                     {"refunded_minor", r.refunded}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  const char* format = flags.output == Output::kCsv
                           ? "{},{},{},{},{},{},{},{},{}\n"
                           : "{:<16} {:>8} {:>8} {:>10} {:>8} {:>14} {:>12} {:>14} {:>12}\n";
  fmt::print(out, fmt::runtime(format), "channel", "clients", "buyers", "conversion", "repeat",
             "revenue", "refunded", "net", "per client");
  for (const ChannelRow& r : rows) {
    int64_t net = r.revenue - r.refunded;
    fmt::print(out, fmt::runtime(format), Cell(r.channel, flags.output), r.clients, r.buyers,
               Percent(r.buyers, r.clients), r.repeat_buyers, FormatMoney(r.revenue, cur),
               FormatMoney(r.refunded, cur), FormatMoney(net, cur),
               FormatMoney(r.clients ? net / static_cast<int64_t>(r.clients) : 0, cur));
  }
  return Status::Ok();
}

Status PrintCampaigns(const std::vector<CampaignRow>& rows, const EffectivenessFlags& flags,
                      std::FILE* out) {
  const std::string& cur = flags.currency;
  if (flags.output == Output::kJson) {
    nlohmann::json json = nlohmann::json::array();
    for (const CampaignRow& r : rows) {
      json.push_back({{"code", r.code},
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
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  const char* format = flags.output == Output::kCsv
                           ? "{},{},{},{},{},{},{},{},{},{}\n"
                           : "{:<12} {:>9} {:>10} {:>9} {:>7} {:>14} {:>12} {:>7} {:>7}  {}\n";
  fmt::print(out, fmt::runtime(format), "campaign", "audience", "responded", "response", "sales",
             "revenue", "refunded", "buyers", "new", "name");
  for (const CampaignRow& r : rows) {
    fmt::print(out, fmt::runtime(format), Cell(r.code, flags.output), r.audience, r.responders,
               Percent(r.responders, r.audience), r.sales, FormatMoney(r.revenue, cur),
               FormatMoney(r.refunded, cur), r.buyers, r.new_clients, Cell(r.name, flags.output));
  }
  return Status::Ok();
}

Status PrintEmployees(const std::vector<EmployeeRow>& rows, const EffectivenessFlags& flags,
                      std::FILE* out) {
  const std::string& cur = flags.currency;
  if (flags.output == Output::kJson) {
    nlohmann::json json = nlohmann::json::array();
    for (const EmployeeRow& r : rows) {
      json.push_back({{"login", r.login},
                     {"name", r.name},
                     {"sales", r.sales},
                     {"revenue_minor", r.revenue},
                     {"refunded_minor", r.refunded},
                     {"clients", r.clients},
                     {"interactions", r.interactions},
                     {"tasks_done", r.tasks_done}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  const char* format = flags.output == Output::kCsv
                           ? "{},{},{},{},{},{},{},{},{}\n"
                           : "{:<16} {:>7} {:>14} {:>12} {:>12} {:>8} {:>12} {:>10}  {}\n";
  fmt::print(out, fmt::runtime(format), "employee", "sales", "revenue", "refunded", "avg ticket",
             "clients", "interactions", "tasks done", "name");
  for (const EmployeeRow& r : rows) {
    fmt::print(out, fmt::runtime(format), Cell(r.login, flags.output), r.sales,
               FormatMoney(r.revenue, cur), FormatMoney(r.refunded, cur),
               FormatMoney(r.sales ? r.revenue / static_cast<int64_t>(r.sales) : 0, cur), r.clients,
               r.interactions, r.tasks_done, Cell(r.name, flags.output));
  }
  return Status::Ok();
}

Status PrintFunnel(const std::vector<FunnelStep>& steps, const EffectivenessFlags& flags,
                   std::FILE* out) {
  auto name = [](uint64_t purchases) {
    return purchases == 0 ? std::string("on record") : fmt::format("{}+ purchases", purchases);
  };
  if (flags.output == Output::kJson) {
    nlohmann::json json = nlohmann::json::array();
    for (size_t i = 0; i < steps.size(); ++i) {
      const FunnelStep& s = steps[i];
      json.push_back({{"purchases", s.purchases},
                     {"clients", s.clients},
                     {"dropped", s.dropped},
                     {"of_previous", i == 0 ? 1.0 : Ratio(s.clients, steps[i - 1].clients)}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  const char* format =
      flags.output == Output::kCsv ? "{},{},{},{}\n" : "{:<14} {:>8} {:>12} {:>8}\n";
  fmt::print(out, fmt::runtime(format), "step", "clients", "of previous", "dropped");
  for (size_t i = 0; i < steps.size(); ++i) {
    const FunnelStep& s = steps[i];
    fmt::print(out, fmt::runtime(format), name(s.purchases), s.clients,
               i == 0 ? std::string("-") : Percent(s.clients, steps[i - 1].clients), s.dropped);
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
  if (flags.output == Output::kTable && weakest > 0) {
    fmt::print(out, "weakest link: from {} to {}, {} of clients go on\n",
               name(steps[weakest - 1].purchases), name(steps[weakest].purchases),
               Percent(steps[weakest].clients, steps[weakest - 1].clients));
  }
  return Status::Ok();
}

Status PrintDeals(const std::vector<DealStep>& steps, const EffectivenessFlags& flags,
                  std::FILE* out) {
  if (flags.output == Output::kJson) {
    nlohmann::json json = nlohmann::json::array();
    for (size_t i = 0; i < steps.size(); ++i) {
      const DealStep& s = steps[i];
      json.push_back({{"stage", s.stage},
                     {"reached", s.reached},
                     {"open_here", s.open_here},
                     {"lost_here", s.lost_here},
                     {"amount_reached_minor", s.amount_reached},
                     {"of_previous", i == 0 ? 1.0 : Ratio(s.reached, steps[i - 1].reached)}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  const char* format = flags.output == Output::kCsv ? "{},{},{},{},{},{}\n"
                                                    : "{:<12} {:>8} {:>12} {:>9} {:>9} {:>14}\n";
  fmt::print(out, fmt::runtime(format), "stage", "reached", "of previous", "open here", "lost here",
             "amount");
  size_t weakest = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const DealStep& s = steps[i];
    fmt::print(out, fmt::runtime(format), s.stage, s.reached,
               i == 0 ? std::string("-") : Percent(s.reached, steps[i - 1].reached), s.open_here,
               s.lost_here, FormatMoney(s.amount_reached, flags.currency));
    if (i > 0 && steps[i - 1].reached > 0 &&
        (weakest == 0 || Ratio(s.reached, steps[i - 1].reached) <
                             Ratio(steps[weakest].reached, steps[weakest - 1].reached))) {
      weakest = i;
    }
  }
  if (flags.output == Output::kTable && weakest > 0) {
    fmt::print(out, "weakest link: from {} to {}, {} of deals go on\n", steps[weakest - 1].stage,
               steps[weakest].stage, Percent(steps[weakest].reached, steps[weakest - 1].reached));
  }
  return Status::Ok();
}

}  // namespace

Status WriteEffectiveness(const Store& store, const EffectivenessFlags& flags, std::FILE* out) {
  if (Status zone = CheckTimeZone(flags.time_zone); !zone.ok()) return zone;
  if (flags.of != "channels" && flags.of != "campaigns" && flags.of != "employees" &&
      flags.of != "funnel" && flags.of != "deals") {
    return Status::InvalidArgument(
        "of", "'" + flags.of +
                  "': effectiveness is of channels, campaigns, employees, deals or the funnel");
  }
  SalesFilter period;
  period.time_zone = flags.time_zone;
  if (!flags.from.empty()) {
    auto from = DayStartUtc(flags.from, flags.time_zone, "from");
    if (!from.ok()) return from.status();
    period.from_ms = *from;
  }
  if (!flags.to.empty()) {
    auto to = DayStartUtc(flags.to, flags.time_zone, "to");
    if (!to.ok()) return to.status();
    period.to_ms = *to;
  }
  if (flags.of == "channels") {
    auto rows = ChannelEffectiveness(store, period, flags.currency);
    return rows.ok() ? PrintChannels(*rows, flags, out) : rows.status();
  }
  if (flags.of == "campaigns") {
    auto rows = CampaignEffectiveness(store, period, flags.currency);
    return rows.ok() ? PrintCampaigns(*rows, flags, out) : rows.status();
  }
  if (flags.of == "employees") {
    auto rows = EmployeeEffectiveness(store, period, flags.currency);
    return rows.ok() ? PrintEmployees(*rows, flags, out) : rows.status();
  }
  if (flags.of == "deals") {
    auto steps = DealFunnel(store, period, flags.currency);
    return steps.ok() ? PrintDeals(*steps, flags, out) : steps.status();
  }
  auto steps = PurchaseFunnel(store, period, flags.currency);
  return steps.ok() ? PrintFunnel(*steps, flags, out) : steps.status();
}

}  // namespace crm
