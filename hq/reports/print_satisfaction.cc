#include "hq/reports/print_satisfaction.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>

#include "hq/analytics/satisfaction.h"
#include "hq/reports/amounts.h"
#include "hq/reports/period.h"
#include "node/common/csv_field.h"

namespace crm {

Status WriteSatisfaction(const Store& store, const SatisfactionFlags& flags, std::FILE* out) {
  auto dimension = SatisfactionDimensionFromName(flags.by);
  if (!dimension) {
    return Status::InvalidArgument(
        "by", "'" + flags.by + "': satisfaction is by office, employee, month or total");
  }
  auto period = ReportPeriod(flags.from, flags.to, flags.time_zone);
  if (!period.ok()) return period.status();
  auto rows = SatisfactionBy(store, *dimension, *period);
  if (!rows.ok()) return rows.status();
  const char* by = SatisfactionDimensionName(*dimension);
  if (flags.output == Output::kJson) {
    nlohmann::json json = nlohmann::json::array();
    for (const SatisfactionRow& r : *rows) {
      json.push_back({{by, r.key},
                      {"responses", r.responses},
                      {"score_total", r.score_total},
                      {"average_score", r.AverageScore()},
                      {"low_scores", r.low},
                      {"low_share", r.LowShare()},
                      {"comments", r.comments}});
    }
    fmt::print(out, "{}\n", json.dump(2));
    return Status::Ok();
  }
  if (flags.output == Output::kCsv) {
    fmt::print(out, "{},responses,average_score,low_scores,low_share,comments\n", by);
    for (const SatisfactionRow& r : *rows) {
      fmt::print(out, "{},{},{:.2f},{},{:.4f},{}\n", CsvField(r.key), r.responses, r.AverageScore(),
                 r.low, r.LowShare(), r.comments);
    }
    return Status::Ok();
  }
  SatisfactionRow all;
  for (const SatisfactionRow& r : *rows) {
    all.responses += r.responses;
    all.score_total += r.score_total;
    all.low += r.low;
  }
  fmt::print(out,
             "Satisfaction from feedback (scores 1 to 5; low is {} or less): {} responses, average "
             "{:.2f}, {:.1f}% low\n",
             kLowScore, CountText(all.responses), all.AverageScore(), 100 * all.LowShare());
  std::string header = by;
  for (char& c : header) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const char* format = "{:<20} {:>10} {:>10} {:>8} {:>10} {:>9}\n";
  fmt::print(out, fmt::runtime(format), header, "RESPONSES", "AVG SCORE", "LOW", "LOW SHARE",
             "COMMENTS");
  for (const SatisfactionRow& r : *rows) {
    fmt::print(out, fmt::runtime(format), r.key, CountText(r.responses),
               fmt::format("{:.2f}", r.AverageScore()), CountText(r.low),
               fmt::format("{:.1f}%", 100 * r.LowShare()), CountText(r.comments));
  }
  return Status::Ok();
}

}  // namespace crm
