// crm-hq report sales: hq/analytics/sales.h's sales figures by office, month,
// employee, channel, product or campaign, printed as a terminal table, CSV
// or JSON.
#pragma once

#include <cstdio>
#include <string>

#include "hq/reports/print_segments.h"
#include "node/store/store.h"

namespace crm {

struct SalesReportFlags {
  std::string data_dir;
  std::string by = "office";
  std::string from;  // YYYY-MM-DD, in time_zone
  std::string to;    // YYYY-MM-DD, exclusive
  std::string time_zone = "UTC";
  size_t top = 0;  // 0: every row
  Output output = Output::kTable;
};

// Writes the report to `out`; an error (bad options) is returned, and
// nothing is written for it.
Status WriteSales(const Store& store, const SalesReportFlags& flags, std::FILE* out);

}  // namespace crm
