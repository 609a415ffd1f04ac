// crm-hq deals: the chain's deal pipeline (hq/analytics/pipeline.h) printed
// as a terminal table or JSON; the dashboard serves the JSON.
#pragma once

#include <cstdio>
#include <string>

#include "hq/reports/print_segments.h"

namespace crm {

struct PipelineFlags {
  std::string data_dir;
  std::string office;  // one office's deals; empty: the chain's
  Output output = Output::kTable;
};

// Writes the pipeline to `out`: per stage in pipeline order (lead ..
// negotiation, won, lost) the deals and their amounts per currency, for the
// chain and then for each office. JSON amounts are minor units. An error
// (an unknown office) is returned and nothing is written for it.
Status WritePipeline(const Store& store, const PipelineFlags& flags, std::FILE* out);

}  // namespace crm
