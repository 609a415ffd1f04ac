#include "hq/reports/print_sales.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <tuple>

#include "hq/analytics/sales.h"
#include "hq/reports/amounts.h"
#include "hq/reports/period.h"
#include "node/common/csv_field.h"
#include "sync/base/money.h"

namespace crm {

Status WriteSales(const Store& store, const SalesReportFlags& report, std::FILE* out) {
  auto dimension = DimensionFromName(report.by);
  if (!dimension) {
    return Status::InvalidArgument(
        "by", "'" + report.by +
                  "': a sales report is by office, month, employee, channel, product, campaign or total");
  }
  auto filter = ReportPeriod(report.from, report.to, report.time_zone);
  if (!filter.ok()) return filter.status();
  auto rows = SalesBy(store, *dimension, *filter);
  if (!rows.ok()) return rows.status();
  if (report.top > 0 && rows->size() > report.top) rows->resize(report.top);
  if (*dimension == SalesDimension::kMonth) {
    // Months read in date order (the --top months too), each month's
    // currencies in code order.
    std::sort(rows->begin(), rows->end(), [](const SalesRow& a, const SalesRow& b) {
      return std::tie(a.key, a.currency) < std::tie(b.key, b.currency);
    });
  }
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
      int64_t average = AverageMinor(r.revenue, r.sales);
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
  const char* format = "{:<12} {:<4} {:>9} {:>11} {:>20} {:>18} {:>20} {:>16} {:>8} {:>10}  {}\n";
  fmt::print(out, fmt::runtime(format), header, "CUR", "SALES", "UNITS", "REVENUE", "REFUNDED",
             "NET", "AVG TICKET", "CLIENTS", "VISITS/CL",
             *dimension == SalesDimension::kProduct ? "NAME" : "");
  for (const SalesRow& r : *rows) {
    std::string visits =
        r.clients
            ? fmt::format("{:.2f}", static_cast<double>(r.visits) / static_cast<double>(r.clients))
            : "-";
    fmt::print(out, fmt::runtime(format), r.key, r.currency, CountText(r.sales),
               CountText(r.units), MoneyText(r.revenue, r.currency),
               MoneyText(r.refunded, r.currency), MoneyText(r.revenue - r.refunded, r.currency),
               MoneyText(AverageMinor(r.revenue, r.sales), r.currency), CountText(r.clients),
               visits, r.label);
  }
  return Status::Ok();
}

}  // namespace crm
