// crm-hq report satisfaction: hq/analytics/satisfaction.h's figures by
// office, employee, month or in total, as a terminal table, CSV or JSON.
#pragma once

#include <cstdio>
#include <string>

#include "hq/reports/print_segments.h"
#include "node/store/store.h"

namespace crm {

struct SatisfactionFlags {
  std::string data_dir;
  std::string by = "office";  // office, employee, month or total
  std::string from;           // YYYY-MM-DD in time_zone; empty: from the start
  std::string to;             // the day after the last; empty: to now and on
  std::string time_zone = "UTC";
  Output output = Output::kTable;
};

// Writes the report to `out`; an error (bad options) is returned and
// nothing is written for it.
Status WriteSatisfaction(const Store& store, const SatisfactionFlags& flags, std::FILE* out);

}  // namespace crm
