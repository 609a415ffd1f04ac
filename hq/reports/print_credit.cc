#include "hq/reports/print_credit.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>

#include "hq/analytics/credit.h"
#include "node/common/csv_field.h"
#include "node/common/local_time.h"
#include "node/store/runtime.h"
#include "sync/base/money.h"

namespace crm {

Status WriteCredit(const Store& store, const CreditReportFlags& flags, std::FILE* out) {
  if (Status zone = CheckTimeZone(flags.time_zone); !zone.ok()) return zone;
  if (flags.terms_days < 0) return Status::InvalidArgument("terms-days", "cannot be negative");
  CreditOptions options;
  options.currency = flags.currency;
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
  auto rows = CreditOutstanding(store, options);
  if (!rows.ok()) return rows.status();
  const std::string& cur = flags.currency;
  auto due = [&](int64_t ms) {
    return ms ? FormatLocalTime(ms, flags.time_zone).substr(0, 10) : std::string("-");
  };
  if (flags.output == Output::kJson) {
    nlohmann::json json = nlohmann::json::array();
    for (const CreditRow& r : *rows) {
      json.push_back({{"client", r.client.ToString()},
                     {"card", r.card},
                     {"name", r.name},
                     {"office", r.office},
                     {"outstanding_minor", r.outstanding},
                     {"overdue_minor", r.overdue},
                     {"oldest_due_ms", r.oldest_due_ms}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  if (flags.output == Output::kCsv) {
    fmt::print(out, "client,card,name,office,outstanding,overdue,oldest_due\n");
    for (const CreditRow& r : *rows) {
      fmt::print(out, "{},{},{},{},{},{},{}\n", r.client.ToString(), CsvField(r.card),
                 CsvField(r.name), CsvField(r.office), FormatMoney(r.outstanding, cur),
                 FormatMoney(r.overdue, cur), due(r.oldest_due_ms));
    }
    return Status::Ok();
  }
  int64_t outstanding = 0, overdue = 0;
  for (const CreditRow& r : *rows) {
    outstanding += r.outstanding;
    overdue += r.overdue;
  }
  fmt::print(out, "{} clients owe {} {} on account as of {}; {} of it is more than {} days old\n",
             rows->size(), FormatMoney(outstanding, cur), cur,
             FormatLocalTime(options.as_of_ms, flags.time_zone), FormatMoney(overdue, cur),
             flags.terms_days);
  fmt::print(out, "{:<12} {:<24} {:<8} {:>14} {:>14} {:>11}  {}\n", "CARD", "NAME", "OFFICE",
             "OUTSTANDING", "OVERDUE", "OLDEST DUE", "CLIENT");
  for (const CreditRow& r : *rows) {
    fmt::print(out, "{:<12} {:<24} {:<8} {:>14} {:>14} {:>11}  {}\n", r.card, r.name, r.office,
               FormatMoney(r.outstanding, cur), FormatMoney(r.overdue, cur), due(r.oldest_due_ms),
               r.client.ToString());
  }
  return Status::Ok();
}

}  // namespace crm
