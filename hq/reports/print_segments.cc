#include "hq/reports/print_segments.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

#include "hq/analytics/forecast.h"
#include "hq/analytics/sales.h"
#include "hq/analytics/segments.h"
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

Status WriteRfm(const Store& store, const SegmentReportFlags& flags, std::FILE* out) {
  if (Status zone = CheckTimeZone(flags.time_zone); !zone.ok()) return zone;
  int64_t as_of = 0;
  if (!flags.as_of.empty()) {
    auto ms = DayStartUtc(flags.as_of, flags.time_zone, "as-of");
    if (!ms.ok()) return ms.status();
    as_of = *ms;
  }
  auto report = Rfm(store, as_of, flags.currency);
  if (!report.ok()) return report.status();
  const auto& rows = report->clients;

  if (flags.clients) {
    if (flags.output == Output::kJson) {
      nlohmann::json json = nlohmann::json::array();
      for (const RfmRow& r : rows) {
        json.push_back({{"client", r.client.ToString()},
                       {"card", r.card},
                       {"recency_days", r.recency_days},
                       {"frequency", r.frequency},
                       {"monetary_minor", r.monetary},
                       {"r", r.r},
                       {"f", r.f},
                       {"m", r.m},
                       {"segment", r.segment}});
      }
      fmt::print(out, "{}\n", json.dump(2));
      return Status::Ok();
    }
    const char* format = flags.output == Output::kCsv
                             ? "{},{},{},{},{},{},{},{},{}\n"
                             : "{:<26} {:<10} {:>7} {:>9} {:>14} {} {} {}  {}\n";
    fmt::print(out, fmt::runtime(format), "client", "card", "recency", "frequency", "monetary", "R",
               "F", "M", "segment");
    for (const RfmRow& r : rows) {
      fmt::print(out, fmt::runtime(format), r.client.ToString(),
                 flags.output == Output::kCsv ? CsvField(r.card) : r.card, r.recency_days,
                 r.frequency, FormatMoney(r.monetary, flags.currency), r.r, r.f, r.m,
                 flags.output == Output::kCsv ? CsvField(r.segment) : r.segment);
    }
    return Status::Ok();
  }

  struct Summary {
    uint64_t clients = 0;
    uint64_t recency = 0;
    uint64_t frequency = 0;
    int64_t monetary = 0;
  };
  std::map<std::string, Summary> segments;
  for (const RfmRow& r : rows) {
    Summary& s = segments[r.segment];
    ++s.clients;
    s.recency += r.recency_days;
    s.frequency += r.frequency;
    s.monetary += r.monetary;
  }
  if (flags.output == Output::kJson) {
    nlohmann::json json = {{"as_of", FormatLocalTime(report->as_of_ms, "UTC")},
                          {"clients", rows.size()}};
    json["segments"] = nlohmann::json::array();
    for (std::string_view name : kRfmSegments) {
      const Summary& s = segments[std::string(name)];
      json["segments"].push_back({{"segment", name},
                                 {"clients", s.clients},
                                 {"recency_days_total", s.recency},
                                 {"frequency_total", s.frequency},
                                 {"monetary_minor", s.monetary}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  if (flags.output == Output::kTable) {
    fmt::print(out, "RFM as of {} UTC, {} clients who bought in {}\n",
               FormatLocalTime(report->as_of_ms, "UTC"), rows.size(), flags.currency);
  }
  const char* format = flags.output == Output::kCsv
                           ? "{},{},{},{},{},{},{}\n"
                           : "{:<20} {:>8} {:>6} {:>12} {:>10} {:>14} {:>16}\n";
  fmt::print(out, fmt::runtime(format), "segment", "clients", "share", "avg recency", "avg freq",
             "avg monetary", "revenue");
  for (std::string_view name : kRfmSegments) {
    const Summary& s = segments[std::string(name)];
    uint64_t n = s.clients ? s.clients : 1;
    fmt::print(out, fmt::runtime(format),
               flags.output == Output::kCsv ? CsvField(name) : std::string(name), s.clients,
               fmt::format("{:.1f}%", rows.empty() ? 0.0
                                                   : 100.0 * static_cast<double>(s.clients) /
                                                         static_cast<double>(rows.size())),
               fmt::format("{}d", s.recency / n),
               fmt::format("{:.1f}", static_cast<double>(s.frequency) / static_cast<double>(n)),
               FormatMoney(s.monetary / static_cast<int64_t>(n), flags.currency),
               FormatMoney(s.monetary, flags.currency));
  }
  return Status::Ok();
}

Status WriteAbc(const Store& store, const SegmentReportFlags& flags, std::FILE* out) {
  AbcOf of;
  if (flags.of == "products") {
    of = AbcOf::kProducts;
  } else if (flags.of == "clients") {
    of = AbcOf::kClients;
  } else {
    return Status::InvalidArgument("of", "'" + flags.of + "': ABC is of products or of clients");
  }
  auto rows = Abc(store, of, flags.currency);
  if (!rows.ok()) return rows.status();
  std::map<char, std::pair<uint64_t, int64_t>> classes;  // items, revenue
  for (const AbcRow& r : *rows) {
    classes[r.abc].first += 1;
    classes[r.abc].second += r.revenue;
  }
  size_t shown = flags.top ? std::min(flags.top, rows->size()) : rows->size();
  if (flags.output == Output::kJson) {
    nlohmann::json json = {{"of", flags.of}, {"currency", flags.currency}};
    json["classes"] = nlohmann::json::array();
    for (char c : {'A', 'B', 'C'}) {
      json["classes"].push_back({{"class", std::string(1, c)},
                                {"items", classes[c].first},
                                {"revenue_minor", classes[c].second}});
    }
    json["items"] = nlohmann::json::array();
    for (size_t i = 0; i < shown; ++i) {
      const AbcRow& r = (*rows)[i];
      json["items"].push_back({{"key", r.key},
                              {"label", r.label},
                              {"revenue_minor", r.revenue},
                              {"class", std::string(1, r.abc)}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  const char* format = flags.output == Output::kCsv ? "{},{},{},{},{},{}\n"
                                                    : "{:<28} {:>14} {:>7} {:>7}  {:<5} {}\n";
  if (flags.output == Output::kTable) {
    for (char c : {'A', 'B', 'C'}) {
      fmt::print(out, "class {}: {} {}, revenue {}\n", c, classes[c].first, flags.of,
                 FormatMoney(classes[c].second, flags.currency));
    }
  }
  fmt::print(out, fmt::runtime(format), flags.of == "products" ? "sku" : "client", "revenue",
             "share", "cumul.", "class", flags.of == "products" ? "name" : "card");
  for (size_t i = 0; i < shown; ++i) {
    const AbcRow& r = (*rows)[i];
    fmt::print(out, fmt::runtime(format), flags.output == Output::kCsv ? CsvField(r.key) : r.key,
               FormatMoney(r.revenue, flags.currency), fmt::format("{:.2f}%", 100 * r.share),
               fmt::format("{:.1f}%", 100 * r.cumulative), std::string(1, r.abc),
               flags.output == Output::kCsv ? CsvField(r.label) : r.label);
  }
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
  auto abc = Abc(store, AbcOf::kProducts, flags.currency);
  if (!abc.ok()) return abc.status();
  auto xyz = Xyz(store, flags.time_zone);
  if (!xyz.ok()) return xyz.status();
  std::map<std::string, char> xyz_of;
  for (const XyzRow& r : *xyz) xyz_of[r.sku] = r.xyz;
  std::map<std::string, std::pair<uint64_t, int64_t>> cells;  // "AX" -> products, revenue
  for (const AbcRow& r : *abc) {
    auto it = xyz_of.find(r.key);
    std::string cell = std::string(1, r.abc) + (it == xyz_of.end() ? 'Z' : it->second);
    cells[cell].first += 1;
    cells[cell].second += r.revenue;
  }
  if (flags.output == Output::kJson) {
    nlohmann::json json = nlohmann::json::array();
    for (const char* cell : {"AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"}) {
      json.push_back(
          {{"cell", cell}, {"products", cells[cell].first}, {"revenue_minor", cells[cell].second}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  fmt::print(out,
             "products (revenue) by ABC class (revenue share) and XYZ class (steadiness of monthly "
             "demand)\n");
  fmt::print(out, "{:<3} {:>24} {:>24} {:>24}\n", "", "X (steady)", "Y (varying)", "Z (erratic)");
  for (char a : {'A', 'B', 'C'}) {
    fmt::print(out, "{:<3}", std::string(1, a));
    for (char x : {'X', 'Y', 'Z'}) {
      const auto& cell = cells[std::string(1, a) + x];
      fmt::print(out, " {:>24}",
                 fmt::format("{} ({})", cell.first, FormatMoney(cell.second, flags.currency)));
    }
    fmt::print(out, "\n");
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
    nlohmann::json json = {
        {"months", months}, {"ahead", forecasts->ahead}, {"wape", forecasts->wape}};
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
    fmt::print(out,
               "Forecast for {} to {}: the mean of the last {} months. Tried on {} to {} (forecast "
               "from the {} "
               "months before): error {:.1f}% of units (WAPE).\n",
               forecasts->ahead.front(), forecasts->ahead.back(), flags.window,
               months[months.size() - h], months.back(), flags.window, 100 * forecasts->wape);
  }
  const char* format = flags.output == Output::kCsv ? "{},{},{},{},{},{}\n"
                                                    : "{:<12} {:>12} {:>22} {:>14} {:>10}  {}\n";
  fmt::print(out, fmt::runtime(format), "sku", "per month", "held-out actual", "held-out fcst",
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
