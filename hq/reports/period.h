// The period a report covers, from its --from, --to and --time-zone.
#pragma once

#include <string>

#include "hq/analytics/sales.h"

namespace crm {

// `from` is the first day and `to` the day after the last (YYYY-MM-DD, either
// empty for no bound), days in `time_zone`. kInvalidArgument naming the
// option ("from", "to", "time_zone") for a bad day or zone.
Result<SalesFilter> ReportPeriod(const std::string& from, const std::string& to,
                                 const std::string& time_zone);

}  // namespace crm
