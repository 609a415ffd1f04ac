#include "node/store/erasure.h"

#include <capnp/dynamic.h>

#include <set>
#include <string>
#include <vector>

#include "node/store/blobs.h"
#include "node/store/file_content.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

// Clears the personal text fields of `record`, a records.capnp struct of
// `kind`. Cap'n Proto zeroes the bytes of a value it overwrites. True if
// any was set.
bool ClearPersonalText(EntityKind kind, capnp::DynamicStruct::Builder record) {
  bool cleared = false;
  for (std::string_view name : PersonalTextFields(kind)) {
    kj::StringPtr field_name(name.data(), name.size());
    if (!record.has(field_name)) continue;
    record.set(field_name, capnp::Text::Reader(""));
    cleared = true;
  }
  return cleared;
}

// A copy of `change` without personal text: a patch of the client itself
// sets nothing any more; a record linked to it keeps everything but its
// personal text.
std::unique_ptr<capnp::MallocMessageBuilder> ScrubChange(schema::Change::Reader change) {
  auto copy = std::make_unique<capnp::MallocMessageBuilder>();
  copy->setRoot(change);
  auto root = copy->getRoot<schema::Change>();
  const EntityKind kind = root.getEntity();
  if (kind == EntityKind::FILE_CONTENT) {
    // Nothing is left of the bytes, nor of which they were: an erased
    // copy every node logs and takes as no content (CheckFileContent).
    if (root.isEvent()) root.getEvent().initAs<schema::FileBytes>();
    return copy;
  }
  if (kind == EntityKind::CLIENT) {
    if (root.isPatch()) {
      auto patch = root.getPatch();
      patch.getRecord().initAs<schema::Client>();
      patch.initFields(0);
      patch.initElements(0);
      patch.initBases(0);
    }
    return copy;
  }
  capnp::StructSchema type = RecordSchema(kind);
  if (root.isEvent()) {
    ClearPersonalText(kind, root.getEvent().getAs<capnp::DynamicStruct>(type));
  } else if (root.isPatch()) {
    ClearPersonalText(kind, root.getPatch().getRecord().getAs<capnp::DynamicStruct>(type));
  }
  return copy;
}

// The client `record` (a records.capnp struct of `kind`) belongs to, if it
// names one.
std::optional<Id> ClientNamed(EntityKind kind, capnp::DynamicStruct::Reader record) {
  KJ_IF_MAYBE (field, RecordSchema(kind).findFieldByName("client")) {
    if (!record.has(*field)) return std::nullopt;
    Id id = IdFromWire(record.get(*field).as<schema::Id>());
    if (!id.IsNull()) return id;
  }
  return std::nullopt;
}

bool IsErased(const StoreView& view, const Id& client) {
  auto record = view.Get(EntityKind::CLIENT, client);
  return record.ok() && record->stored().hasErased();
}

}  // namespace

Status ScrubErasedClient(StoreTxn& txn, const Id& client) {
  // The records that name the client, their personal text cleared.
  std::set<Id> linked;
  std::set<std::string> files;  // SHA-256 of the client's files
  CRM_ASSIGN_OR_RETURN(auto links, txn.RecordsLinkedTo(client));
  for (const auto& [kind, id] : links) {
    if (PersonalTextFields(kind).empty()) continue;
    linked.insert(id);
    CRM_ASSIGN_OR_RETURN(Record record, txn.Get(kind, id));
    capnp::MallocMessageBuilder copy;
    copy.setRoot(record.stored());
    auto value =
        copy.getRoot<schema::StoredRecord>().getValue().getAs<capnp::DynamicStruct>(RecordSchema(kind));
    if (kind == EntityKind::FILE) {
      std::string sha = value.get("sha256").as<capnp::Text>().cStr();
      if (!sha.empty()) files.insert(sha);
    }
    if (ClearPersonalText(kind, value)) {
      CRM_RETURN_IF_ERROR(txn.ScrubRecord(kind, id, EncodePackedMessage(copy)));
    }
    CRM_RETURN_IF_ERROR(txn.DropConflictsOf(kind, id));
  }
  CRM_RETURN_IF_ERROR(txn.DropConflictsOf(EntityKind::CLIENT, client));
  CRM_RETURN_IF_ERROR(txn.DropDuplicatesOf(client));

  // The files' content, on every node, even where another client's file
  // holds the same bytes: which nodes know of that other file differs while
  // changes travel, and every node must keep the same records.
  std::set<Id> contents;
  if (!files.empty()) {
    CRM_ASSIGN_OR_RETURN(Record erased_client, txn.Get(EntityKind::CLIENT, client));
    const Stamp erased = StampFromWire(erased_client.stored().getErased());
    for (const std::string& sha : files) {
      contents.insert(FileContentId(sha));
      CRM_RETURN_IF_ERROR(EraseFileContent(txn, sha, erased));
      CRM_RETURN_IF_ERROR(txn.blobs().Drop(sha));  // a store from before FileContent records
    }
  }

  // Every change in the log that carried any of it. The log is read whole:
  // an erase is rare, and a copy left in it would go on to every node that
  // pulls it.
  auto about = [&](schema::Change::Reader change) {
    if (!change.hasId()) return false;
    const Id id = IdFromWire(change.getId());
    if (change.getEntity() == EntityKind::CLIENT) return id == client && change.isPatch();
    if (change.getEntity() == EntityKind::FILE_CONTENT) return contents.count(id) > 0;
    return linked.count(id) > 0 && (change.isPatch() || change.isEvent());
  };
  constexpr size_t kPage = 4096;
  CRM_ASSIGN_OR_RETURN(uint64_t from, txn.LogFloor());
  for (;;) {
    bool cut = false;  // files' content makes few entries of many bytes
    CRM_ASSIGN_OR_RETURN(std::vector<LogEntry> entries, txn.ReadLog(from, kPage, 64u << 20, &cut));
    for (const LogEntry& entry : entries) {
      if (!about(entry.change())) continue;
      auto scrubbed = ScrubChange(entry.change());
      CRM_RETURN_IF_ERROR(txn.ScrubLogEntry(entry.seq, scrubbed->getRoot<schema::Change>()));
    }
    if (entries.size() < kPage && !cut) break;
    from = entries.back().seq + 1;
  }

  // Changes set aside (refused) that carried it.
  CRM_ASSIGN_OR_RETURN(auto quarantined, txn.Quarantined(SIZE_MAX));
  for (const QuarantinedChange& entry : quarantined) {
    auto change = entry.change.Root<schema::Change>();
    if (!about(change)) continue;
    auto scrubbed = ScrubChange(change);
    CRM_RETURN_IF_ERROR(txn.ScrubQuarantined(scrubbed->getRoot<schema::Change>()));
  }

  return Status::Ok();
}

Status EraseContentOfLateFile(StoreTxn& txn, schema::Change::Reader file) {
  if (file.getEntity() != EntityKind::FILE || !file.isEvent()) return Status::Ok();
  auto record = file.getEvent().getAs<schema::FileAttachment>();
  const std::string sha = record.getSha256().cStr();
  if (!IsSha256Hex(sha) || !record.hasClient()) return Status::Ok();
  CRM_ASSIGN_OR_RETURN(Record client, txn.Get(EntityKind::CLIENT, IdFromWire(record.getClient())));
  if (!client.stored().hasErased()) return Status::Ok();
  CRM_RETURN_IF_ERROR(EraseFileContent(txn, sha, StampFromWire(client.stored().getErased())));
  return txn.blobs().Drop(sha);
}

Result<std::unique_ptr<capnp::MallocMessageBuilder>> ScrubbedIfErased(
    const StoreView& view, schema::Change::Reader change) {
  std::unique_ptr<capnp::MallocMessageBuilder> none;
  const EntityKind kind = change.getEntity();
  if (PersonalTextFields(kind).empty() || !(change.isEvent() || change.isPatch())) return none;
  capnp::StructSchema type = RecordSchema(kind);
  auto record = change.isEvent() ? change.getEvent().getAs<capnp::DynamicStruct>(type)
                                 : change.getPatch().getRecord().getAs<capnp::DynamicStruct>(type);
  std::optional<Id> client = ClientNamed(kind, record);
  if (!client && change.isPatch() && change.hasId()) {
    // A later patch (a task's new title) names no client: its record does.
    auto stored = view.Get(kind, IdFromWire(change.getId()));
    if (stored.ok() && stored->stored().hasValue()) {
      client = ClientNamed(kind, stored->stored().getValue().getAs<capnp::DynamicStruct>(type));
    }
  }
  if (!client || !IsErased(view, *client)) return none;
  return ScrubChange(change);
}

}  // namespace crm
