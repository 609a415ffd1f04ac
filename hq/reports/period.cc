#include "hq/reports/period.h"

#include "node/common/local_time.h"

namespace crm {

Result<SalesFilter> ReportPeriod(const std::string& from, const std::string& to,
                                 const std::string& time_zone) {
  CRM_RETURN_IF_ERROR(CheckTimeZone(time_zone));
  SalesFilter period;
  period.time_zone = time_zone;
  if (!from.empty()) {
    CRM_ASSIGN_OR_RETURN(period.from_ms, DayStartUtc(from, time_zone, "from"));
  }
  if (!to.empty()) {
    CRM_ASSIGN_OR_RETURN(period.to_ms, DayStartUtc(to, time_zone, "to"));
  }
  return period;
}

}  // namespace crm
