#include "node/store/admission.h"

#include <capnp/dynamic.h>

#include <algorithm>

#include "node/store/offices.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

// The office codes the change writes into its record ("office", and a
// client's "homeOffice"), with the field's name.
std::vector<std::pair<std::string, std::string>> OfficesNamed(schema::Change::Reader change) {
  std::vector<std::pair<std::string, std::string>> named;
  if (!IsKnownKind(static_cast<uint16_t>(change.getEntity()))) return named;
  capnp::StructSchema type = RecordSchema(change.getEntity());
  auto read = [&](capnp::DynamicStruct::Reader record, const capnp::StructSchema::Field& field) {
    if (field.getType().isText()) {
      named.emplace_back(field.getProto().getName().cStr(),
                         record.get(field).as<capnp::Text>().cStr());
    }
  };
  for (const char* name : {"office", "homeOffice"}) {
    KJ_IF_MAYBE (field, type.findFieldByName(name)) {
      if (change.isEvent()) {
        read(change.getEvent().getAs<capnp::DynamicStruct>(type), *field);
      } else if (change.isPatch()) {
        auto patch = change.getPatch();
        for (uint16_t ordinal : patch.getFields()) {
          if (ordinal == field->getProto().getOrdinal().getExplicit()) {
            read(patch.getRecord().getAs<capnp::DynamicStruct>(type), *field);
          }
        }
      }
    }
  }
  return named;
}

}  // namespace

bool IsHeadquartersKind(EntityKind kind) {
  switch (kind) {
    case EntityKind::PRODUCT:
    case EntityKind::CAMPAIGN:
    case EntityKind::USER:
    case EntityKind::OFFICE:
    case EntityKind::TILL_LIMIT:
      return true;
    default:
      return false;
  }
}

DownstreamAdmission::DownstreamAdmission(const Store& store, Clock& wall, int64_t max_skew_ms,
                                         uint64_t max_file_bytes)
    : store_(store), wall_(wall), max_skew_ms_(max_skew_ms), max_file_bytes_(max_file_bytes) {}

std::string DownstreamAdmission::OfficeOf(const Id& node) {
  MutexLock lock(&mutex_);
  auto known = offices_.find(node);
  if (known != offices_.end()) return known->second;
  // Offices are enrolled while the hub serves (crm-admin enroll, or from
  // headquarters for a regional hub): look again.
  auto view = store_.Read();
  if (!view.ok()) return "";
  auto codes = OfficeCodesByNode(*view);
  if (!codes.ok()) return "";
  offices_ = std::move(codes).value();
  known = offices_.find(node);
  return known == offices_.end() ? "" : known->second;
}

Status DownstreamAdmission::Admit(schema::Change::Reader change) {
  if (IsHeadquartersKind(change.getEntity())) {
    return Status::PermissionDenied(std::string(EntityName(change.getEntity())) +
                                    " records are written only at headquarters");
  }
  const int64_t stamped = change.getStamp().getPhysical();
  const int64_t now = wall_.NowMillis();
  if (stamped - now > max_skew_ms_) {
    return Status::InvalidArgument(
        "stamp", "stamped " + FormatUtc(stamped) + ", " + FormatSpan(stamped - now) +
                     " ahead of this hub's clock (at most " + FormatSpan(max_skew_ms_) +
                     " are taken): the clock of the node that made it is wrong; fix it, then run "
                     "`crm-admin clock repair` there (docs/replication.md, \"Clocks\")");
  }
  if (change.getEntity() == EntityKind::FILE_CONTENT && change.isEvent()) {
    auto file = change.getEvent().getAs<schema::FileBytes>();
    const uint64_t bytes = std::max<uint64_t>(file.getContent().size(), file.getSize());
    if (bytes > max_file_bytes_) {
      return Status(StatusCode::kResourceExhausted,
                    "the content of file " + std::string(file.getSha256().cStr()) + " has " +
                        std::to_string(bytes) + " bytes; this hub takes files of at most " +
                        std::to_string(max_file_bytes_) +
                        " bytes (--max-file-bytes): it stays at the office that attached it",
                    "content");
    }
  }
  std::vector<std::pair<std::string, std::string>> named = OfficesNamed(change);
  if (named.empty()) return Status::Ok();
  const Id origin = change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{};
  const std::string enrolled = OfficeOf(origin);
  for (const auto& [field, office] : named) {
    if (office == enrolled) continue;
    return Status::PermissionDenied(
        "the record's " + field + " is '" + office + "', but the node that made it (" +
        origin.ToString() + ") is enrolled as " +
        (enrolled.empty() ? std::string("no office") : "office " + enrolled));
  }
  return Status::Ok();
}

}  // namespace crm
