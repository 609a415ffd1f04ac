#include "node/sales/pipeline.h"

namespace crm {

std::string_view DealStageName(schema::DealStage stage) {
  switch (stage) {
    case schema::DealStage::LEAD: return "lead";
    case schema::DealStage::QUALIFIED: return "qualified";
    case schema::DealStage::PROPOSAL: return "proposal";
    case schema::DealStage::NEGOTIATION: return "negotiation";
    case schema::DealStage::WON: return "won";
    case schema::DealStage::LOST: return "lost";
  }
  return "?";
}

bool IsClosedStage(schema::DealStage stage) {
  return stage == schema::DealStage::WON || stage == schema::DealStage::LOST;
}

void DealPipeline::Add(schema::Deal::Reader deal) {
  const auto index = static_cast<size_t>(deal.getStage());
  if (index >= stages_.size()) return;
  PipelineFigures& figures = stages_[index];
  ++figures.count;
  figures.amounts[std::string(deal.getCurrency().cStr(), deal.getCurrency().size())] +=
      deal.getAmount();
  ++total_;
}

const PipelineFigures& DealPipeline::At(schema::DealStage stage) const {
  static const PipelineFigures kNone;
  const auto index = static_cast<size_t>(stage);
  return index < stages_.size() ? stages_[index] : kNone;
}

}  // namespace crm
