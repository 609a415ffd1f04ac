#include "hq/reports/print_sales.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>

#include "hq/analytics/sales.h"
#include "node/common/csv_field.h"
#include "node/common/local_time.h"
#include "sync/base/money.h"

namespace crm {

Status WriteSales(const Store& store, const SalesReportFlags& report, std::FILE* out) {
  auto dimension = DimensionFromName(report.by);
  if (!dimension) {
    return Status::InvalidArgument(
        "by", "'" + report.by +
                  "': a sales report is by office, month, employee, channel, product, campaign or total");
  }
  SalesFilter filter;
  filter.time_zone = report.time_zone;
  if (Status zone = CheckTimeZone(report.time_zone); !zone.ok()) return zone;
  if (!report.from.empty()) {
    auto from = DayStartUtc(report.from, report.time_zone, "from");
    if (!from.ok()) return from.status();
    filter.from_ms = *from;
  }
  if (!report.to.empty()) {
    auto to = DayStartUtc(report.to, report.time_zone, "to");
    if (!to.ok()) return to.status();
    filter.to_ms = *to;
  }
  auto rows = SalesBy(store, *dimension, filter);
  if (!rows.ok()) return rows.status();
  if (report.top > 0 && rows->size() > report.top) rows->resize(report.top);
  const char* by = DimensionName(*dimension);
  if (report.output == Output::kJson) {
    nlohmann::json rows_json = nlohmann::json::array();
    for (const SalesRow& r : *rows) {
      nlohmann::json row = {{by, r.key},
                            {"currency", r.currency},
                            {"sales", r.sales},
                            {"units", r.units},
                            {"revenue_minor", r.revenue},
                            {"refunded_minor", r.refunded},
                            {"clients", r.clients},
                            {"visits", r.visits}};
      if (!r.label.empty()) row["name"] = r.label;
      rows_json.push_back(row);
    }
    fmt::print(out, "{}\n", rows_json.dump(2));
    return Status::Ok();
  }
  if (report.output == Output::kCsv) {
    fmt::print(out,
               "{},name,currency,sales,units,revenue,refunded,net,average_ticket,clients,visits\n",
               by);
    for (const SalesRow& r : *rows) {
      int64_t average = r.sales ? r.revenue / static_cast<int64_t>(r.sales) : 0;
      fmt::print(out, "{},{},{},{},{},{},{},{},{},{},{}\n", CsvField(r.key), CsvField(r.label),
                 r.currency, r.sales, r.units, FormatMoney(r.revenue, r.currency),
                 FormatMoney(r.refunded, r.currency),
                 FormatMoney(r.revenue - r.refunded, r.currency), FormatMoney(average, r.currency),
                 r.clients, r.visits);
    }
    return Status::Ok();
  }
  std::string header = by;
  for (char& c : header) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  fmt::print(out, "{:<12} {:<4} {:>7} {:>9} {:>14} {:>12} {:>14} {:>12} {:>8} {:>10}  {}\n", header,
             "CUR", "SALES", "UNITS", "REVENUE", "REFUNDED", "NET", "AVG TICKET", "CLIENTS",
             "VISITS/CL", *dimension == SalesDimension::kProduct ? "NAME" : "");
  for (const SalesRow& r : *rows) {
    int64_t average = r.sales ? r.revenue / static_cast<int64_t>(r.sales) : 0;
    std::string visits =
        r.clients
            ? fmt::format("{:.2f}", static_cast<double>(r.visits) / static_cast<double>(r.clients))
            : "-";
    fmt::print(out, "{:<12} {:<4} {:>7} {:>9} {:>14} {:>12} {:>14} {:>12} {:>8} {:>10}  {}\n",
               r.key, r.currency, r.sales, r.units, FormatMoney(r.revenue, r.currency),
               FormatMoney(r.refunded, r.currency), FormatMoney(r.revenue - r.refunded, r.currency),
               FormatMoney(average, r.currency), r.clients, visits, r.label);
  }
  return Status::Ok();
}

}  // namespace crm
