#include "sync/base/entities.h"

#include "schema/records.capnp.h"
#include "sync/base/wire.h"

namespace crm {

const std::vector<std::string_view>& PersonalTextFields(EntityKind kind) {
  static const std::vector<std::string_view> kNone;
  static const std::vector<std::string_view> kNote = {"text"};
  static const std::vector<std::string_view> kInteraction = {"summary"};
  static const std::vector<std::string_view> kFeedback = {"comment"};
  static const std::vector<std::string_view> kTitled = {"title"};
  static const std::vector<std::string_view> kFile = {"name", "sha256"};
  static const std::vector<std::string_view> kPayment = {"comment"};
  static const std::vector<std::string_view> kRefund = {"reason"};
  switch (kind) {
    case EntityKind::NOTE: return kNote;
    case EntityKind::INTERACTION: return kInteraction;
    case EntityKind::FEEDBACK: return kFeedback;
    case EntityKind::TASK:
    case EntityKind::DEAL: return kTitled;
    case EntityKind::FILE: return kFile;
    case EntityKind::PAYMENT: return kPayment;
    case EntityKind::REFUND: return kRefund;
    default: return kNone;
  }
}

bool IsEventKind(EntityKind kind) {
  switch (kind) {
    case EntityKind::SALE:
    case EntityKind::REFUND:
    case EntityKind::PAYMENT:
    case EntityKind::INTERACTION:
    case EntityKind::FEEDBACK:
    case EntityKind::FILE:
    case EntityKind::FILE_CONTENT:
      return true;
    default:
      return false;
  }
}

capnp::StructSchema RecordSchema(EntityKind kind) {
  using capnp::Schema;
  switch (kind) {
    case EntityKind::CLIENT: return Schema::from<schema::Client>();
    case EntityKind::SALE: return Schema::from<schema::Sale>();
    case EntityKind::REFUND: return Schema::from<schema::Refund>();
    case EntityKind::PAYMENT: return Schema::from<schema::Payment>();
    case EntityKind::INTERACTION: return Schema::from<schema::Interaction>();
    case EntityKind::FEEDBACK: return Schema::from<schema::Feedback>();
    case EntityKind::NOTE: return Schema::from<schema::Note>();
    case EntityKind::TASK: return Schema::from<schema::Task>();
    case EntityKind::DEAL: return Schema::from<schema::Deal>();
    case EntityKind::PRODUCT: return Schema::from<schema::Product>();
    case EntityKind::CAMPAIGN: return Schema::from<schema::Campaign>();
    case EntityKind::USER: return Schema::from<schema::User>();
    case EntityKind::OFFICE: return Schema::from<schema::Office>();
    case EntityKind::FILE: return Schema::from<schema::FileAttachment>();
    case EntityKind::TILL_LIMIT: return Schema::from<schema::TillLimit>();
    case EntityKind::FILE_CONTENT: return Schema::from<schema::FileBytes>();
  }
  // Unreachable for known kinds; callers check IsKnownKind on input first.
  return Schema::from<schema::Client>();
}

std::string_view EntityName(EntityKind kind) {
  switch (kind) {
    case EntityKind::CLIENT: return "client";
    case EntityKind::SALE: return "sale";
    case EntityKind::REFUND: return "refund";
    case EntityKind::PAYMENT: return "payment";
    case EntityKind::INTERACTION: return "interaction";
    case EntityKind::FEEDBACK: return "feedback";
    case EntityKind::NOTE: return "note";
    case EntityKind::TASK: return "task";
    case EntityKind::DEAL: return "deal";
    case EntityKind::PRODUCT: return "product";
    case EntityKind::CAMPAIGN: return "campaign";
    case EntityKind::USER: return "user";
    case EntityKind::OFFICE: return "office";
    case EntityKind::FILE: return "file";
    case EntityKind::TILL_LIMIT: return "tillLimit";
    case EntityKind::FILE_CONTENT: return "fileContent";
  }
  return "unknown";
}

std::optional<EntityKind> EntityFromName(std::string_view name) {
  for (uint16_t raw = 0; IsKnownKind(raw); ++raw) {
    auto kind = static_cast<EntityKind>(raw);
    if (EntityName(kind) == name) return kind;
  }
  return std::nullopt;
}

bool IsKnownKind(uint16_t raw_kind) { return raw_kind <= static_cast<uint16_t>(EntityKind::FILE_CONTENT); }

bool IsLive(schema::StoredRecord::Reader stored) {
  if (stored.hasErased()) return false;
  if (!stored.hasDeleted()) return true;
  Stamp deleted = StampFromWire(stored.getDeleted());
  for (auto fs : stored.getFieldStamps()) {
    if (deleted < StampFromWire(fs.getStamp())) return true;
  }
  for (auto e : stored.getElements()) {
    if (deleted < StampFromWire(e.getStamp())) return true;
  }
  return false;
}

}  // namespace crm
