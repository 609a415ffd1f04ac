// crm-hq report credit: hq/analytics/credit.h printed as a terminal table, CSV or JSON.
#pragma once

#include <string>

#include "hq/reports/print_segments.h"

namespace crm {

struct CreditReportFlags {
  std::string data_dir;
  std::string as_of;             // YYYY-MM-DD in time_zone; empty: now
  std::string time_zone = "UTC";
  int terms_days = 30;
  std::string currency;  // ISO 4217; empty: every currency the sales are in, one section each
  Output output = Output::kTable;
};

// Writes the report to `out`; an error (bad options) is returned and
// nothing is written for it.
Status WriteCredit(const Store& store, const CreditReportFlags& flags, std::FILE* out);

}  // namespace crm
