// crm-hq report credit: hq/credit.h printed as a terminal table, CSV or JSON.
#pragma once

#include <string>

#include "hq/segment_report.h"

namespace crm {

struct CreditReportFlags {
  std::string data_dir;
  std::string as_of;             // YYYY-MM-DD in time_zone; empty: now
  std::string time_zone = "UTC";
  int terms_days = 30;
  std::string currency = "GBP";
  Output output = Output::kTable;
};

// Prints the report; returns the process exit code (errors go to stderr).
int ReportCredit(const CreditReportFlags& flags);

}  // namespace crm
