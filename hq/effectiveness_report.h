// crm-hq report effectiveness --of channels | campaigns | employees | funnel:
// hq/effectiveness.h printed as a terminal table, CSV or JSON.
#pragma once

#include <string>

#include "hq/segment_report.h"

namespace crm {

struct EffectivenessFlags {
  std::string data_dir;
  std::string of = "channels";
  std::string from;  // YYYY-MM-DD in time_zone; empty: from the start
  std::string to;    // the day after the last; empty: to now and on
  std::string time_zone = "UTC";
  std::string currency = "GBP";
  Output output = Output::kTable;
};

// Prints the report; returns the process exit code (errors go to stderr).
int ReportEffectiveness(const EffectivenessFlags& flags);

}  // namespace crm
