#include "hq/reports/print_credit.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>

#include "hq/analytics/credit.h"
#include "hq/analytics/currencies.h"
#include "hq/reports/amounts.h"
#include "hq/reports/sections.h"
#include "node/common/csv_field.h"
#include "node/common/local_time.h"
#include "node/store/runtime.h"
#include "sync/base/money.h"

namespace crm {

Status WriteCredit(const Store& store, const CreditReportFlags& flags, std::FILE* out) {
  if (Status zone = CheckTimeZone(flags.time_zone); !zone.ok()) return zone;
  if (flags.terms_days < 0) return Status::InvalidArgument("terms-days", "cannot be negative");
  CreditOptions options;
  options.terms_ms = int64_t{flags.terms_days} * 86'400'000;
  if (flags.as_of.empty()) {
    options.as_of_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  } else {
    auto day = DayStartUtc(flags.as_of, flags.time_zone, "as-of");
    if (!day.ok()) return day.status();
    options.as_of_ms = *day;
  }
  auto currencies = ReportCurrencies(store, flags.currency);
  if (!currencies.ok()) return currencies.status();
  std::vector<std::vector<CreditRow>> reports;
  for (const std::string& cur : *currencies) {
    options.currency = cur;
    auto rows = CreditOutstanding(store, options);
    if (!rows.ok()) return rows.status();
    reports.push_back(std::move(*rows));
  }
  if (ReportedEmpty(flags.output, out, *currencies)) return Status::Ok();
  auto due = [&](int64_t ms) {
    return ms ? FormatLocalTime(ms, flags.time_zone).substr(0, 10) : std::string("-");
  };
  nlohmann::json json = nlohmann::json::array();
  if (flags.output == Output::kCsv) {
    fmt::print(out, "card,name,currency,office,outstanding,overdue,oldest_due,client\n");
  }
  for (size_t i = 0; i < reports.size(); ++i) {
    const std::string& cur = (*currencies)[i];
    const std::vector<CreditRow>& rows = reports[i];
    for (const CreditRow& r : rows) {
      if (flags.output == Output::kJson) {
        json.push_back({{"card", r.card},
                        {"name", r.name},
                        {"currency", cur},
                        {"office", r.office},
                        {"outstanding_minor", r.outstanding},
                        {"overdue_minor", r.overdue},
                        {"oldest_due_ms", r.oldest_due_ms},
                        {"client", r.client.ToString()}});
      } else if (flags.output == Output::kCsv) {
        fmt::print(out, "{},{},{},{},{},{},{},{}\n", CsvField(r.card), CsvField(r.name), cur,
                   CsvField(r.office), FormatMoney(r.outstanding, cur),
                   FormatMoney(r.overdue, cur), due(r.oldest_due_ms), r.client.ToString());
      }
    }
    if (flags.output != Output::kTable) continue;
    SectionHeading(flags.output, out, *currencies, i);
    int64_t outstanding = 0, overdue = 0;
    for (const CreditRow& r : rows) {
      outstanding += r.outstanding;
      overdue += r.overdue;
    }
    fmt::print(out, "{} clients owe {} on account as of {}; {} of it is more than {} days old\n",
               CountText(rows.size()), MoneyText(outstanding, cur),
               FormatLocalTime(options.as_of_ms, flags.time_zone), MoneyText(overdue, cur),
               flags.terms_days);
    fmt::print(out, "{:<24} {:<12} {:<8} {:>18} {:>18} {:>11}  {}\n", "NAME", "CARD", "OFFICE",
               "OUTSTANDING", "OVERDUE", "OLDEST DUE", "CLIENT");
    for (const CreditRow& r : rows) {
      fmt::print(out, "{:<24} {:<12} {:<8} {:>18} {:>18} {:>11}  {}\n", r.name, r.card, r.office,
                 MoneyText(r.outstanding, cur), MoneyText(r.overdue, cur), due(r.oldest_due_ms),
                 r.client.ToString());
    }
  }
  if (flags.output == Output::kJson) fmt::print(out, "{}\n", json.dump(2));
  return Status::Ok();
}

}  // namespace crm
