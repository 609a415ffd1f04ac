#include "node/store/admission.h"

#include <capnp/dynamic.h>

#include <algorithm>

#include "node/store/file_content.h"
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
    if (IsErasedContent(change)) CRM_RETURN_IF_ERROR(AdmitErasedContent(change));
  }
  std::vector<std::pair<std::string, std::string>> named = OfficesNamed(change);
  const Id origin = change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{};
  const bool user = change.getEntity() == EntityKind::USER;
  if (named.empty() && !user) return Status::Ok();
  const std::string enrolled = OfficeOf(origin);
  for (const auto& [field, office] : named) {
    if (office == enrolled) continue;
    return Status::PermissionDenied(
        "the record's " + field + " is '" + office + "', but the node that made it (" +
        origin.ToString() + ") is enrolled as " +
        (enrolled.empty() ? std::string("no office") : "office " + enrolled));
  }
  return user ? AdmitUser(change, enrolled) : Status::Ok();
}

Status DownstreamAdmission::AdmitErasedContent(schema::Change::Reader change) {
  // An erased copy erases the content wherever it is applied, so it is taken
  // only where there is nothing live to erase: a node erases content by
  // erasing its client, and every hub then scrubs its own copy. Otherwise
  // any office could blank any file of the chain by its hash.
  const Id id = IdFromWire(change.getId());
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  auto record = view.Get(EntityKind::FILE_CONTENT, id);
  if (!record.ok()) {
    return record.status().code() == StatusCode::kNotFound ? Status::Ok() : record.status();
  }
  if (record->stored().hasErased()) return Status::Ok();
  return Status::PermissionDenied("an erased copy of file content " + id.ToString() +
                                  ", which is live here: content is erased only with its client");
}

Status DownstreamAdmission::AdmitUser(schema::Change::Reader change, const std::string& enrolled) {
  const Id id = IdFromWire(change.getId());
  if (enrolled.empty() || enrolled == kHeadquartersOffice) {
    return Status::PermissionDenied("user " + id.ToString() +
                                    ": users are written by their own office or at headquarters, "
                                    "and the node that wrote this is enrolled as no office");
  }
  // The office the user belongs to: as stored here, and as the change sets
  // it. Both must be the writer's own office: an office may not edit
  // another's user or headquarters', nor take one over by setting `office`.
  std::string stored_office;
  bool stored = false;
  {
    CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
    auto record = view.Get(EntityKind::USER, id);
    if (record.ok()) {
      stored = true;
      stored_office = record->value<schema::User>().getOffice().cStr();
    } else if (record.status().code() != StatusCode::kNotFound) {
      return record.status();
    }
  }
  if (!stored) {
    MutexLock lock(&mutex_);
    auto admitted = admitted_users_.find(id);
    if (admitted != admitted_users_.end()) {
      stored = true;
      stored_office = admitted->second;
    }
  }
  if (stored && stored_office != enrolled) {
    return Status::PermissionDenied(
        "user " + id.ToString() + " belongs to " +
        (stored_office.empty() ? std::string("no office")
         : stored_office == kHeadquartersOffice ? std::string("headquarters")
                                                 : "office " + stored_office) +
        "; office " + enrolled + " may write only its own users");
  }
  const bool event = change.isEvent();
  const bool patch = change.isPatch();
  auto sets = [&](const char* name) {
    if (event) return true;
    if (!patch) return false;
    KJ_IF_MAYBE (field, capnp::Schema::from<schema::User>().findFieldByName(name)) {
      for (uint16_t ordinal : change.getPatch().getFields()) {
        if (ordinal == field->getProto().getOrdinal().getExplicit()) return true;
      }
    }
    return false;
  };
  if (!stored && !sets("office")) {
    return Status::PermissionDenied("user " + id.ToString() +
                                    " is not known here and the change does not say its office");
  }
  if (sets("role")) {
    schema::User::Reader user = event ? change.getEvent().getAs<schema::User>()
                                      : change.getPatch().getRecord().getAs<schema::User>();
    if (user.getRole() == schema::Role::HQ_MANAGER) {
      return Status::PermissionDenied("user " + id.ToString() +
                                      ": an HQ manager is a user of headquarters, made there; "
                                      "office " + enrolled + " may not make one");
    }
  }
  if (!stored) {
    // Its office is the enrolled one (Admit checked what `office` says).
    MutexLock lock(&mutex_);
    if (admitted_users_.size() >= 100'000) admitted_users_.clear();
    admitted_users_.emplace(id, enrolled);
  }
  return Status::Ok();
}

}  // namespace crm
