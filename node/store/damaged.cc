// Damaged records (docs/storage.md "Checksums"): noting them, naming them,
// and repairing them from what the hub sends back.
#include "node/store/store.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <kj/exception.h>

#include <algorithm>
#include <set>
#include <string>

#include "node/store/checksum.h"
#include "node/store/internal.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/merge.h"

namespace crm {
namespace {

using namespace store_internal;  // NOLINT(build/namespaces): node/store/internal.h

// What a read of a damaged value found, said shortly.
std::string DamageReason(const Status& found) {
  constexpr std::string_view kChecksum = "its checksum does not match";
  if (found.message().find(kChecksum) != std::string::npos) return std::string(kChecksum);
  return found.message();
}

}  // namespace

Status Store::DamagedRecord(std::string_view key, const Status& found) const {
  {
    MutexLock lock(&damaged_mutex_);
    damaged_.emplace(key);
  }
  return Status::Corruption("the stored " + RecordName(key) + " is damaged (" + DamageReason(found) +
                            ") and is not served. A node with a hub fetches it back from there by "
                            "itself; crm-admin verify --data " + dir_.string() +
                            " lists all damage (docs/storage.md, \"Checksums\")");
}

Status Store::DamagedLogEntry(uint64_t seq, const Status& found) const {
  return Status::Corruption("log entry " + std::to_string(seq) + " of this store is damaged (" +
                            DamageReason(found) + ") and is not served; crm-admin verify --data " +
                            dir_.string() +
                            " tells whether the hub holds its change already (docs/storage.md, "
                            "\"Checksums\")");
}

Result<DecodedMessage> StoreView::ReadRecordAt(const lmdb::Cursor& cursor,
                                               const Status& moved) const {
  if (cursor.key().size() != 17) return Status::Corruption("the store holds a " + RecordName(cursor.key()));
  if (!moved.ok()) return store_->DamagedRecord(cursor.key(), moved);
  auto message = DecodedMessage::DecodePacked(cursor.value());
  if (!message.ok()) return store_->DamagedRecord(cursor.key(), message.status());
  return message;
}

Result<std::vector<std::string>> StoreView::DamagedRecordKeys() const {
  std::set<std::string> candidates;
  {
    MutexLock lock(&store_->damaged_mutex_);
    candidates = store_->damaged_;
  }
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.meta));
  Status moved = cursor.Seek(kMetaDamagedPrefix);
  while (cursor.valid() && StartsWith(cursor.key(), kMetaDamagedPrefix)) {
    candidates.emplace(cursor.key().substr(kMetaDamagedPrefix.size()));
    moved = cursor.Next();
  }
  if (!cursor.valid()) CRM_RETURN_IF_ERROR(moved);
  // Only those still damaged: a record repaired or gone since is not.
  std::vector<std::string> keys;
  for (const std::string& key : candidates) {
    auto bytes = txn_.Get(store_->tables_.records, key);
    bool damaged = !bytes.ok() && bytes.status().code() == StatusCode::kCorruption;
    if (bytes.ok()) damaged = !DecodedMessage::DecodePacked(*bytes).ok();
    if (damaged) {
      keys.push_back(key);
    } else if (bytes.ok() || bytes.status().code() == StatusCode::kNotFound) {
      MutexLock lock(&store_->damaged_mutex_);
      store_->damaged_.erase(key);
    }
  }
  return keys;
}

Status StoreTxn::MarkDamaged(EntityKind kind, const Id& id) {
  return txn_.Put(store_->tables_.meta, std::string(kMetaDamagedPrefix) + RecordKey(kind, id), "");
}

Result<std::vector<std::string>> StoreTxn::RepairRecords(const std::vector<Repair>& repairs) {
  // The damaged ones: what each is rebuilt from so far.
  struct Rebuilt {
    std::unique_ptr<capnp::MallocMessageBuilder> record;
    bool have = false;
  };
  std::map<std::string, Rebuilt> damaged;
  for (const auto& [key, copy] : repairs) {
    if (key.size() != 17 || !IsKnownKind(static_cast<uint8_t>(key[0]))) {
      return Status::InvalidArgument("key", "not a record key: a " + RecordName(key));
    }
    const auto kind = static_cast<EntityKind>(static_cast<uint8_t>(key[0]));
    const Id id = IdFromBytes(key.substr(1));
    if (copy != nullptr) {
      CRM_RETURN_IF_ERROR(CheckStoredShape(*copy));
      if (copy->getEntity() != kind || IdFromWire(copy->getId()) != id) {
        return Status::InvalidArgument("record", "the copy sent for the " + RecordName(key) +
                                                     " is another record");
      }
    }
    auto existing = Get(kind, id);
    if (existing.ok() || existing.status().code() == StatusCode::kNotFound) {
      // Not damaged (any more): the copy merges as a snapshot's record does.
      if (copy != nullptr) CRM_RETURN_IF_ERROR(InstallRecord(*copy).status());
      Status unmarked = txn_.Delete(store_->tables_.meta, std::string(kMetaDamagedPrefix) + key);
      if (!unmarked.ok() && unmarked.code() != StatusCode::kNotFound) return unmarked;
      continue;
    }
    if (existing.status().code() != StatusCode::kCorruption) return existing.status();
    Rebuilt& rebuilt = damaged[key];
    rebuilt.record = std::make_unique<capnp::MallocMessageBuilder>(kSmallRecordWords);
    if (copy != nullptr) {
      rebuilt.record->setRoot(*copy);
      rebuilt.have = true;
    }
  }
  std::vector<std::string> unrepaired;
  if (damaged.empty()) return unrepaired;
  try {
    // Every change of them in this log merged in: what this node applied
    // that a copy may lack (its own changes not yet at the hub, or changes
    // that came while the record was damaged here).
    CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.log.Raw()));
    Status moved = cursor.First();
    for (; moved.ok() && cursor.valid(); moved = cursor.Next()) {
      std::string_view bytes;
      if (!Unseal(cursor.key(), cursor.value(), &bytes)) continue;  // a damaged entry: verify names it
      auto message = DecodedMessage::DecodePacked(bytes);
      if (!message.ok()) continue;
      auto change = message->Root<schema::Change>();
      if (!change.hasId() || !IsKnownKind(static_cast<uint16_t>(change.getEntity()))) continue;
      auto it = damaged.find(RecordKey(change.getEntity(), IdFromWire(change.getId())));
      if (it == damaged.end()) continue;
      auto source = txn_.Get(store_->tables_.log_source, cursor.key());
      if (source.ok() && source->size() == 17 && (*source)[16] == kHeldBackMark) continue;
      Rebuilt& rebuilt = it->second;
      auto next = std::make_unique<capnp::MallocMessageBuilder>(kSmallRecordWords);
      auto out = next->initRoot<schema::StoredRecord>();
      if (change.isEvent()) {
        if (rebuilt.have) continue;
        StoreEvent(change, out);
      } else {
        schema::StoredRecord::Reader before;
        if (rebuilt.have) before = rebuilt.record->getRoot<schema::StoredRecord>().asReader();
        auto outcome = MergeChange(change, rebuilt.have ? &before : nullptr, out);
        if (!outcome.ok() || !outcome->changed) continue;
      }
      rebuilt.record = std::move(next);
      rebuilt.have = true;
    }
    CRM_RETURN_IF_ERROR(moved);
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("repairing damaged records: ") + e.getDescription().cStr());
  }
  for (auto& [key, rebuilt] : damaged) {
    if (!rebuilt.have) {
      unrepaired.push_back(key);
      continue;
    }
    const auto kind = static_cast<EntityKind>(static_cast<uint8_t>(key[0]));
    const Id id = IdFromBytes(std::string_view(key).substr(1));
    IndexPlan plan;
    IndexWrites duplicates;
    try {
      CRM_RETURN_IF_ERROR(store_->PlanIndexes(
          kind, nullptr, rebuilt.record->getRoot<schema::StoredRecord>().asReader(), id, plan));
      if (kind == EntityKind::CLIENT) CRM_RETURN_IF_ERROR(PlanDuplicates(id, plan, duplicates));
    } catch (const kj::Exception& e) {
      return Status::Corruption("repairing the " + RecordName(key) + ": " + e.getDescription().cStr());
    }
    // A damaged record's index entries cannot be read from it. An event's
    // are fixed by its content, which the copy shares; a mutable record's may
    // have changed since.
    if (!IsEventKind(kind)) CRM_RETURN_IF_ERROR(DropIndexEntriesOf(kind, id));
    Status written =
        WritePlanned(key, EncodePackedMessage(*rebuilt.record), plan.writes, duplicates);
    if (!written.ok()) return AsStoreFailure(written);
    Status unmarked = txn_.Delete(store_->tables_.meta, std::string(kMetaDamagedPrefix) + key);
    if (!unmarked.ok() && unmarked.code() != StatusCode::kNotFound) return unmarked;
  }
  return unrepaired;
}

}  // namespace crm
