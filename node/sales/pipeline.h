// The deal pipeline: how many deals stand at each stage and what they are
// worth, each currency apart. One read model for the office's `pos deals`
// and the browser desk's Pipeline page (node/frontdesk/deals.cc) and for
// headquarters' `crm-hq deals` and the dashboard's Pipeline section
// (hq/analytics/pipeline.h), so the figures agree wherever they are read.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "schema/records.capnp.h"

namespace crm {

// The stages in pipeline order: the open ones as a deal moves through them,
// then won and lost.
inline constexpr std::array<schema::DealStage, 6> kPipelineOrder = {
    schema::DealStage::LEAD,     schema::DealStage::QUALIFIED, schema::DealStage::PROPOSAL,
    schema::DealStage::NEGOTIATION, schema::DealStage::WON,   schema::DealStage::LOST};

// "lead", "qualified" ... as schema/records.capnp names them; "?" for a
// stage this build does not know.
std::string_view DealStageName(schema::DealStage stage);

// True for won and lost: a closed deal moves no more.
bool IsClosedStage(schema::DealStage stage);

// One stage's deals.
struct PipelineFigures {
  uint32_t count = 0;
  std::map<std::string, int64_t> amounts;  // minor units by ISO 4217 code
};

// Deals added one by one; `stages` is indexed by the stage's number (the
// order of kPipelineOrder).
class DealPipeline {
 public:
  // Counts `deal` at its stage. A stage this build does not know (written by
  // a newer node) is not counted.
  void Add(schema::Deal::Reader deal);

  // The figures of one stage (zero if none stand there).
  const PipelineFigures& At(schema::DealStage stage) const;

  // Deals counted, at every stage.
  uint32_t total() const { return total_; }

 private:
  std::array<PipelineFigures, kPipelineOrder.size()> stages_;
  uint32_t total_ = 0;
};

}  // namespace crm
