// The deal pipeline over the whole chain (`crm-hq deals`, the dashboard's
// Pipeline section): per stage how many deals stand there and what they are
// worth in each currency, for the chain and for each office. The same read
// model as an office's `pos deals` (node/sales/pipeline.h), so the figures
// of one office agree wherever they are read.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "node/sales/pipeline.h"
#include "node/store/store.h"

namespace crm {

struct ChainPipeline {
  DealPipeline chain;                           // every deal counted below
  std::map<std::string, DealPipeline> offices;  // by the deal's office code
};

// The live deals of the store; of office `office` alone unless it is empty.
// kNotFound (field "office") for an office that has no deals and is not
// enrolled, so a mistyped code is not read as an empty pipeline.
Result<ChainPipeline> ChainDeals(const Store& store, std::string_view office);

}  // namespace crm
