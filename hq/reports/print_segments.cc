#include "hq/reports/print_segments.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

#include "hq/analytics/currencies.h"
#include "hq/analytics/forecast.h"
#include "hq/analytics/sales.h"
#include "hq/analytics/segments.h"
#include "hq/reports/amounts.h"
#include "hq/reports/sections.h"
#include "node/common/csv_field.h"
#include "node/common/local_time.h"
#include "node/store/runtime.h"
#include "sync/base/money.h"

namespace crm {

int FailReport(const Status& status) {
  fmt::print(stderr, "crm-hq: {}\n", status.ToString());
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int RunReport(const std::string& data_dir,
              const std::function<Status(const Store&, std::FILE*)>& write) {
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(data_dir)); !opened.ok()) return FailReport(opened);
  Status written = write(*hq.store, stdout);
  return written.ok() ? 0 : FailReport(written);
}

namespace {

// The text of a cell: quoted for CSV, as it is for a table.
std::string Cell(std::string_view text, Output output) {
  return output == Output::kCsv ? CsvField(text) : std::string(text);
}

// A client's name in a table, "-" for a client without one.
std::string NameCell(const std::string& name, Output output) {
  return output == Output::kTable && name.empty() ? "-" : Cell(name, output);
}

// An amount: plain decimals for CSV, "12,345.67 GBP" for a table.
std::string Amount(int64_t minor, const std::string& currency, Output output) {
  return output == Output::kCsv ? FormatMoney(minor, currency) : MoneyText(minor, currency);
}

// rfm --clients: one row per client, name and card first, the id last.
void PrintRfmClients(const RfmReport& report, const std::string& cur, const SegmentReportFlags& flags,
                     bool first, nlohmann::json& json, std::FILE* out) {
  if (flags.output == Output::kJson) {
    for (const RfmRow& r : report.clients) {
      json.push_back({{"name", r.name},
                      {"card", r.card},
                      {"currency", cur},
                      {"recency_days", r.recency_days},
                      {"frequency", r.frequency},
                      {"monetary_minor", r.monetary},
                      {"r", r.r},
                      {"f", r.f},
                      {"m", r.m},
                      {"segment", r.segment},
                      {"client", r.client.ToString()}});
    }
    return;
  }
  const char* format = flags.output == Output::kCsv
                           ? "{},{},{},{},{},{},{},{},{},{},{}\n"
                           : "{:<28} {:<12} {:<4} {:>7} {:>9} {:>18} {} {} {}  {:<20} {}\n";
  if (first || flags.output == Output::kTable) {
    fmt::print(out, fmt::runtime(format), "name", "card", "cur", "recency", "frequency",
               "monetary", "R", "F", "M", "segment", "client");
  }
  for (const RfmRow& r : report.clients) {
    fmt::print(out, fmt::runtime(format), NameCell(r.name, flags.output), Cell(r.card, flags.output),
               cur, r.recency_days, r.frequency, Amount(r.monetary, cur, flags.output), r.r, r.f,
               r.m, Cell(r.segment, flags.output), r.client.ToString());
  }
}

// rfm: the segments of one currency's clients.
void PrintRfmSegments(const RfmReport& report, const std::string& cur,
                      const SegmentReportFlags& flags, bool first, std::vector<nlohmann::json>& json,
                      std::FILE* out) {
  struct Summary {
    uint64_t clients = 0;
    uint64_t recency = 0;
    uint64_t frequency = 0;
    int64_t monetary = 0;
  };
  const auto& rows = report.clients;
  std::map<std::string, Summary> segments;
  for (const RfmRow& r : rows) {
    Summary& s = segments[r.segment];
    ++s.clients;
    s.recency += r.recency_days;
    s.frequency += r.frequency;
    s.monetary += r.monetary;
  }
  if (flags.output == Output::kJson) {
    nlohmann::json section = {{"currency", cur},
                              {"as_of", FormatLocalTime(report.as_of_ms, "UTC")},
                              {"clients", rows.size()}};
    section["segments"] = nlohmann::json::array();
    for (std::string_view name : kRfmSegments) {
      const Summary& s = segments[std::string(name)];
      section["segments"].push_back({{"segment", name},
                                     {"clients", s.clients},
                                     {"recency_days_total", s.recency},
                                     {"frequency_total", s.frequency},
                                     {"monetary_minor", s.monetary}});
    }
    json.push_back(std::move(section));
    return;
  }
  if (flags.output == Output::kTable) {
    fmt::print(out, "RFM as of {} UTC, {} clients who bought in {}\n",
               FormatLocalTime(report.as_of_ms, "UTC"), CountText(rows.size()), cur);
  }
  const char* format = flags.output == Output::kCsv
                           ? "{},{},{},{},{},{},{},{}\n"
                           : "{:<20} {:<4} {:>8} {:>6} {:>12} {:>10} {:>18} {:>20}\n";
  if (first || flags.output == Output::kTable) {
    fmt::print(out, fmt::runtime(format), "segment", "cur", "clients", "share", "avg recency",
               "avg freq", "avg monetary", "revenue");
  }
  for (std::string_view name : kRfmSegments) {
    const Summary& s = segments[std::string(name)];
    uint64_t n = s.clients ? s.clients : 1;
    fmt::print(out, fmt::runtime(format), Cell(name, flags.output), cur,
               flags.output == Output::kCsv ? std::to_string(s.clients) : CountText(s.clients),
               fmt::format("{:.1f}%", rows.empty() ? 0.0
                                                   : 100.0 * static_cast<double>(s.clients) /
                                                         static_cast<double>(rows.size())),
               fmt::format("{}d", s.recency / n),
               fmt::format("{:.1f}", static_cast<double>(s.frequency) / static_cast<double>(n)),
               Amount(AverageMinor(s.monetary, s.clients), cur, flags.output),
               Amount(s.monetary, cur, flags.output));
  }
}

}  // namespace

Status WriteRfm(const Store& store, const SegmentReportFlags& flags, std::FILE* out) {
  if (Status zone = CheckTimeZone(flags.time_zone); !zone.ok()) return zone;
  int64_t as_of = 0;
  if (!flags.as_of.empty()) {
    auto ms = DayStartUtc(flags.as_of, flags.time_zone, "as-of");
    if (!ms.ok()) return ms.status();
    as_of = *ms;
  }
  auto currencies = ReportCurrencies(store, flags.currency);
  if (!currencies.ok()) return currencies.status();
  std::vector<RfmReport> reports;
  for (const std::string& cur : *currencies) {
    auto report = Rfm(store, as_of, cur);
    if (!report.ok()) return report.status();
    reports.push_back(std::move(*report));
  }
  if (ReportedEmpty(flags.output, out, *currencies)) return Status::Ok();
  nlohmann::json client_rows = nlohmann::json::array();
  std::vector<nlohmann::json> sections;
  for (size_t i = 0; i < reports.size(); ++i) {
    const std::string& cur = (*currencies)[i];
    SectionHeading(flags.output, out, *currencies, i);
    if (flags.clients) {
      PrintRfmClients(reports[i], cur, flags, i == 0, client_rows, out);
    } else {
      PrintRfmSegments(reports[i], cur, flags, i == 0, sections, out);
    }
  }
  if (flags.output == Output::kJson) {
    if (flags.clients) {
      fmt::print(out, "{}\n", client_rows.dump(2));
    } else {
      PrintJsonSections(sections, out);
    }
  }
  return Status::Ok();
}

namespace {

// abc: one currency's classes and items.
void PrintAbc(const std::vector<AbcRow>& rows, const std::string& cur,
              const SegmentReportFlags& flags, bool first, std::vector<nlohmann::json>& json,
              std::FILE* out) {
  std::map<char, std::pair<uint64_t, int64_t>> classes;  // items, revenue
  for (const AbcRow& r : rows) {
    classes[r.abc].first += 1;
    classes[r.abc].second += r.revenue;
  }
  const bool of_clients = flags.of == "clients";
  size_t shown = flags.top ? std::min(flags.top, rows.size()) : rows.size();
  if (flags.output == Output::kJson) {
    nlohmann::json section = {{"of", flags.of}, {"currency", cur}};
    section["classes"] = nlohmann::json::array();
    for (char c : {'A', 'B', 'C'}) {
      section["classes"].push_back({{"class", std::string(1, c)},
                                    {"items", classes[c].first},
                                    {"revenue_minor", classes[c].second}});
    }
    section["items"] = nlohmann::json::array();
    for (size_t i = 0; i < shown; ++i) {
      const AbcRow& r = rows[i];
      nlohmann::json item = {{"key", r.key},
                             {"label", r.label},
                             {"revenue_minor", r.revenue},
                             {"class", std::string(1, r.abc)}};
      if (of_clients) item["name"] = r.name;
      section["items"].push_back(std::move(item));
    }
    json.push_back(std::move(section));
    return;
  }
  if (flags.output == Output::kTable) {
    for (char c : {'A', 'B', 'C'}) {
      fmt::print(out, "class {}: {} {}, revenue {}\n", c, CountText(classes[c].first), flags.of,
                 MoneyText(classes[c].second, cur));
    }
  }
  // Products: SKU and name. Clients: name and card first, the id last.
  const char* format = flags.output == Output::kCsv
                           ? "{},{},{},{},{},{},{},{}\n"
                           : "{:<28} {:<14} {:<4} {:>18} {:>7} {:>7}  {:<5} {}\n";
  if (first || flags.output == Output::kTable) {
    if (of_clients) {
      fmt::print(out, fmt::runtime(format), "name", "card", "cur", "revenue", "share", "cumul.",
                 "class", "client");
    } else {
      fmt::print(out, fmt::runtime(format), "sku", "", "cur", "revenue", "share", "cumul.",
                 "class", "name");
    }
  }
  for (size_t i = 0; i < shown; ++i) {
    const AbcRow& r = rows[i];
    fmt::print(out, fmt::runtime(format),
               of_clients ? NameCell(r.name, flags.output) : Cell(r.key, flags.output),
               Cell(of_clients ? r.label : "", flags.output), cur,
               Amount(r.revenue, cur, flags.output), fmt::format("{:.2f}%", 100 * r.share),
               fmt::format("{:.1f}%", 100 * r.cumulative), std::string(1, r.abc),
               Cell(of_clients ? r.key : r.label, flags.output));
  }
}

}  // namespace

Status WriteAbc(const Store& store, const SegmentReportFlags& flags, std::FILE* out) {
  AbcOf of;
  if (flags.of == "products") {
    of = AbcOf::kProducts;
  } else if (flags.of == "clients") {
    of = AbcOf::kClients;
  } else {
    return Status::InvalidArgument("of", "'" + flags.of + "': ABC is of products or of clients");
  }
  auto currencies = ReportCurrencies(store, flags.currency);
  if (!currencies.ok()) return currencies.status();
  std::vector<std::vector<AbcRow>> reports;
  for (const std::string& cur : *currencies) {
    auto rows = Abc(store, of, cur);
    if (!rows.ok()) return rows.status();
    reports.push_back(std::move(*rows));
  }
  if (ReportedEmpty(flags.output, out, *currencies)) return Status::Ok();
  std::vector<nlohmann::json> sections;
  for (size_t i = 0; i < reports.size(); ++i) {
    SectionHeading(flags.output, out, *currencies, i);
    PrintAbc(reports[i], (*currencies)[i], flags, i == 0, sections, out);
  }
  if (flags.output == Output::kJson) PrintJsonSections(sections, out);
  return Status::Ok();
}

Status WriteXyz(const Store& store, const SegmentReportFlags& flags, std::FILE* out) {
  auto rows = Xyz(store, flags.time_zone);
  if (!rows.ok()) return rows.status();
  if (flags.top && flags.top < rows->size()) {
    // The best sellers (most units a month), in SKU order among equals.
    std::stable_sort(rows->begin(), rows->end(),
                     [](const XyzRow& a, const XyzRow& b) { return a.mean > b.mean; });
    rows->resize(flags.top);
  }
  const size_t shown = rows->size();
  if (flags.output == Output::kJson) {
    nlohmann::json json = nlohmann::json::array();
    for (size_t i = 0; i < shown; ++i) {
      const XyzRow& r = (*rows)[i];
      json.push_back({{"sku", r.sku},
                     {"name", r.name},
                     {"monthly_units", r.monthly_units},
                     {"variation", r.variation},
                     {"class", std::string(1, r.xyz)}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  const char* format =
      flags.output == Output::kCsv ? "{},{},{},{},{}\n" : "{:<14} {:>10} {:>9} {:<5} {}\n";
  fmt::print(out, fmt::runtime(format), "sku", "avg/month", "variation", "class", "name");
  for (size_t i = 0; i < shown; ++i) {
    const XyzRow& r = (*rows)[i];
    fmt::print(out, fmt::runtime(format), flags.output == Output::kCsv ? CsvField(r.sku) : r.sku,
               fmt::format("{:.1f}", r.mean), fmt::format("{:.2f}", r.variation),
               std::string(1, r.xyz), flags.output == Output::kCsv ? CsvField(r.name) : r.name);
  }
  return Status::Ok();
}

Status WriteAbcXyz(const Store& store, const SegmentReportFlags& flags, std::FILE* out) {
  auto currencies = ReportCurrencies(store, flags.currency);
  if (!currencies.ok()) return currencies.status();
  auto xyz = Xyz(store, flags.time_zone);
  if (!xyz.ok()) return xyz.status();
  std::map<std::string, char> xyz_of;
  for (const XyzRow& r : *xyz) xyz_of[r.sku] = r.xyz;
  // Per currency: "AX" -> products, revenue.
  std::vector<std::map<std::string, std::pair<uint64_t, int64_t>>> matrices;
  for (const std::string& cur : *currencies) {
    auto abc = Abc(store, AbcOf::kProducts, cur);
    if (!abc.ok()) return abc.status();
    auto& cells = matrices.emplace_back();
    for (const AbcRow& r : *abc) {
      auto it = xyz_of.find(r.key);
      std::string cell = std::string(1, r.abc) + (it == xyz_of.end() ? 'Z' : it->second);
      cells[cell].first += 1;
      cells[cell].second += r.revenue;
    }
  }
  if (ReportedEmpty(flags.output, out, *currencies)) return Status::Ok();
  if (flags.output == Output::kJson) {
    nlohmann::json json = nlohmann::json::array();
    for (size_t i = 0; i < matrices.size(); ++i) {
      for (const char* cell : {"AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"}) {
        json.push_back({{"cell", cell},
                        {"currency", (*currencies)[i]},
                        {"products", matrices[i][cell].first},
                        {"revenue_minor", matrices[i][cell].second}});
      }
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  for (size_t i = 0; i < matrices.size(); ++i) {
    const std::string& cur = (*currencies)[i];
    SectionHeading(Output::kTable, out, *currencies, i);
    fmt::print(out,
               "products (revenue in {}) by ABC class (revenue share) and XYZ class (steadiness of "
               "monthly demand)\n",
               cur);
    fmt::print(out, "{:<3} {:>30} {:>30} {:>30}\n", "", "X (steady)", "Y (varying)",
               "Z (erratic)");
    for (char a : {'A', 'B', 'C'}) {
      fmt::print(out, "{:<3}", std::string(1, a));
      for (char x : {'X', 'Y', 'Z'}) {
        const auto& cell = matrices[i][std::string(1, a) + x];
        fmt::print(out, " {:>30}",
                   fmt::format("{} ({})", CountText(cell.first), MoneyText(cell.second, cur)));
      }
      fmt::print(out, "\n");
    }
  }
  return Status::Ok();
}

Status WriteForecast(const Store& store, const SegmentReportFlags& flags, std::FILE* out) {
  ForecastOptions options;
  options.time_zone = flags.time_zone;
  options.window = flags.window;
  options.held_out = flags.held_out;
  options.ahead = flags.ahead;
  auto forecasts = ForecastDemand(store, options);
  if (!forecasts.ok()) return forecasts.status();
  std::vector<const ProductForecast*> rows;
  for (const ProductForecast& p : forecasts->products) rows.push_back(&p);
  std::stable_sort(
      rows.begin(), rows.end(),
      [](const ProductForecast* a, const ProductForecast* b) { return a->forecast > b->forecast; });
  if (flags.top && rows.size() > flags.top) rows.resize(flags.top);
  const std::vector<std::string>& months = forecasts->months;
  if (flags.output == Output::kJson) {
    nlohmann::json json = {{"months", months},
                           {"ahead", forecasts->ahead},
                           {"last_sale_day", forecasts->last_sale_day},
                           {"last_month_complete", forecasts->last_month_complete},
                           {"wape", forecasts->wape}};
    json["products"] = nlohmann::json::array();
    for (const ProductForecast* p : rows) {
      json["products"].push_back({{"sku", p->sku},
                                 {"name", p->name},
                                 {"history", p->history},
                                 {"forecast_per_month", p->forecast},
                                 {"backtest", p->backtest},
                                 {"mae", p->mae}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  size_t h = static_cast<size_t>(flags.held_out);
  if (flags.output == Output::kTable) {
    const size_t w = static_cast<size_t>(flags.window);
    fmt::print(out,
               "Actual sales {} to {} (the last sale on {}; {}). Forecast for {} to {}: the mean "
               "of the actual {} to {}. Tried on {} to {} (forecast from the {} months before): "
               "error {:.1f}% of units (WAPE).\n",
               months.front(), months.back(), forecasts->last_sale_day,
               forecasts->last_month_complete ? "its month is complete"
                                              : "its month is not over and is left out",
               forecasts->ahead.front(), forecasts->ahead.back(), months[months.size() - w],
               months.back(), months[months.size() - h], months.back(), flags.window,
               100 * forecasts->wape);
  }
  const char* format = flags.output == Output::kCsv ? "{},{},{},{},{},{}\n"
                                                    : "{:<12} {:>12} {:>22} {:>14} {:>10}  {}\n";
  fmt::print(out, fmt::runtime(format), "sku", "fcst/month", "held-out actual", "held-out fcst",
             "MAE", "name");
  for (const ProductForecast* p : rows) {
    std::string actual;
    for (size_t i = p->history.size() - h; i < p->history.size(); ++i) {
      actual += (actual.empty() ? "" : " ") + std::to_string(p->history[i]);
    }
    fmt::print(out, fmt::runtime(format), flags.output == Output::kCsv ? CsvField(p->sku) : p->sku,
               fmt::format("{:.1f}", p->forecast), actual,
               fmt::format("{:.1f}", p->backtest.front()), fmt::format("{:.1f}", p->mae),
               flags.output == Output::kCsv ? CsvField(p->name) : p->name);
  }
  return Status::Ok();
}

}  // namespace crm
