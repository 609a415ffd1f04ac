#include "hq/analytics/satisfaction.h"

#include <fmt/format.h>

#include <map>

#include "hq/analytics/employees.h"
#include "node/common/local_time.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"

namespace crm {

const char* SatisfactionDimensionName(SatisfactionDimension dimension) {
  switch (dimension) {
    case SatisfactionDimension::kOffice: return "office";
    case SatisfactionDimension::kEmployee: return "employee";
    case SatisfactionDimension::kMonth: return "month";
    case SatisfactionDimension::kTotal: return "total";
  }
  return "?";
}

std::optional<SatisfactionDimension> SatisfactionDimensionFromName(std::string_view name) {
  for (SatisfactionDimension d : {SatisfactionDimension::kOffice, SatisfactionDimension::kEmployee,
                                  SatisfactionDimension::kMonth, SatisfactionDimension::kTotal}) {
    if (name == SatisfactionDimensionName(d)) return d;
  }
  return std::nullopt;
}

double SatisfactionRow::AverageScore() const {
  return responses ? static_cast<double>(score_total) / static_cast<double>(responses) : 0.0;
}

double SatisfactionRow::LowShare() const {
  return responses ? static_cast<double>(low) / static_cast<double>(responses) : 0.0;
}

Result<std::vector<SatisfactionRow>> SatisfactionBy(const Store& store, SatisfactionDimension dimension,
                                                    const SalesFilter& period) {
  CRM_RETURN_IF_ERROR(CheckTimeZone(period.time_zone));
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  CRM_ASSIGN_OR_RETURN(EmployeeNames employees, EmployeeNames::Load(view));
  std::map<std::string, SatisfactionRow> groups;  // "YYYY-MM" keys sort in date order
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::FEEDBACK, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto feedback = stored.getValue().getAs<schema::Feedback>();
        int score = feedback.getScore();
        if (score < 1 || score > 5) return Status::Ok();
        if (feedback.getTime() < period.from_ms || feedback.getTime() >= period.to_ms) {
          return Status::Ok();
        }
        std::string key;
        switch (dimension) {
          case SatisfactionDimension::kOffice:
            key = feedback.getOffice().size() ? std::string(feedback.getOffice().cStr()) : "(none)";
            break;
          case SatisfactionDimension::kEmployee:
            key = employees.Name(feedback.hasEmployee() ? IdFromWire(feedback.getEmployee()) : Id{});
            break;
          case SatisfactionDimension::kMonth: {
            LocalDate date = ToLocalDate(feedback.getTime(), period.time_zone);
            key = fmt::format("{:04}-{:02}", date.year, date.month);
            break;
          }
          case SatisfactionDimension::kTotal: key = "all"; break;
        }
        SatisfactionRow& row = groups[key];
        row.key = key;
        ++row.responses;
        row.score_total += static_cast<uint64_t>(score);
        if (score <= kLowScore) ++row.low;
        std::string_view comment(feedback.getComment().cStr(), feedback.getComment().size());
        if (comment.find_first_not_of(" \t\r\n") != std::string_view::npos) ++row.comments;
        return Status::Ok();
      }));
  std::vector<SatisfactionRow> rows;
  rows.reserve(groups.size());
  for (auto& [key, row] : groups) rows.push_back(std::move(row));
  return rows;
}

}  // namespace crm
