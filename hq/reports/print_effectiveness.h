// crm-hq report effectiveness --of channels | campaigns | employees | funnel:
// hq/analytics/effectiveness.h printed as a terminal table, CSV or JSON.
#pragma once

#include <string>

#include "hq/reports/print_segments.h"

namespace crm {

struct EffectivenessFlags {
  std::string data_dir;
  std::string of = "channels";
  std::string from;  // YYYY-MM-DD in time_zone; empty: from the start
  std::string to;    // the day after the last; empty: to now and on
  std::string time_zone = "UTC";
  std::string currency;  // ISO 4217; empty: every currency the sales are in, one section each
  Output output = Output::kTable;
};

// Writes the report to `out`; an error (bad options) is returned and
// nothing is written for it.
Status WriteEffectiveness(const Store& store, const EffectivenessFlags& flags, std::FILE* out);

}  // namespace crm
