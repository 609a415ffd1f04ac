// StoreView: the queries over one snapshot of a store.
#include "node/store/store.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <kj/exception.h>

#include <algorithm>
#include <set>
#include <string>

#include "node/store/audit.h"
#include "node/store/blobs.h"
#include "node/store/internal.h"
#include "node/store/request_log.h"
#include "node/store/sessions.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/merge.h"

namespace crm {
namespace {

using namespace store_internal;  // NOLINT(build/namespaces): node/store/internal.h

// Runs `fn`, a caller's work on the stored record under `key`: a record
// whose pointers lead nowhere throws when read, and becomes kCorruption
// naming it.
template <typename Fn>
Status CallOnRecord(std::string_view key, Fn&& fn) {
  try {
    return fn();
  } catch (const kj::Exception& e) {
    return Status::Corruption("the stored " + RecordName(key) +
                              " cannot be read: " + e.getDescription().cStr());
  }
}

}  // namespace

ClientIndex StoreView::client_index() const { return ClientIndex(*this, txn_, store_->tables_); }
BlobsView StoreView::blobs() const { return BlobsView(txn_, store_->tables_.blobs); }
RequestTableView StoreView::requests() const {
  return RequestTableView(txn_, store_->tables_.requests);
}
AuditTableView StoreView::audit() const {
  return AuditTableView(txn_, store_->tables_.audit, store_->tables_.meta);
}
SessionTableView StoreView::sessions() const {
  return SessionTableView(txn_, store_->tables_.sessions);
}

// ---- StoreView ------------------------------------------------------------

Result<Record> StoreView::Get(EntityKind kind, const Id& id) const {
  const std::string key = RecordKey(kind, id);
  auto bytes = txn_.Get(store_->tables_.records, key);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(std::string(EntityName(kind)) + " " + id.ToString() +
                              " does not exist");
    }
    if (bytes.status().code() == StatusCode::kCorruption) {
      return store_->DamagedRecord(key, bytes.status());
    }
    return bytes.status();
  }
  auto message = DecodedMessage::DecodePacked(*bytes);
  if (!message.ok()) return store_->DamagedRecord(key, message.status());
  return Record(std::move(message).value());
}

Result<std::vector<LogEntry>> StoreView::ReadLog(uint64_t from, size_t limit, size_t max_bytes,
                                                 bool* cut) const {
  std::vector<LogEntry> entries;
  size_t bytes = 0;
  if (cut != nullptr) *cut = false;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.log));
  Status moved = cursor.Seek(BigEndian64(from));
  while (cursor.valid() && entries.size() < limit) {
    if (bytes >= max_bytes) {
      if (cut != nullptr) *cut = true;
      break;
    }
    bytes += cursor.value().size();
    const uint64_t seq = ReadBigEndian64(cursor.key());
    if (!moved.ok()) return store_->DamagedLogEntry(seq, moved);
    auto message = DecodedMessage::DecodePacked(cursor.value());
    if (!message.ok()) return store_->DamagedLogEntry(seq, message.status());
    Id source;
    bool held_back = false;
    auto source_bytes = txn_.Get(store_->tables_.log_source, cursor.key());
    if (source_bytes.ok() && source_bytes->size() >= 16) {
      source = IdFromBytes(source_bytes->substr(0, 16));
      held_back = source_bytes->size() == 17 && (*source_bytes)[16] == kHeldBackMark;
    } else if (!source_bytes.ok() && source_bytes.status().code() != StatusCode::kNotFound) {
      return store_->DamagedLogEntry(seq, source_bytes.status());
    }
    entries.push_back(LogEntry{seq, source, held_back, std::move(message).value()});
    moved = cursor.Next();
  }
  // A damaged entry past the limit belongs to the next read.
  if (!cursor.valid()) CRM_RETURN_IF_ERROR(moved);
  return entries;
}

Result<bool> StoreView::AwaitingOwnHistory() const {
  auto flag = txn_.Get(store_->tables_.meta, kMetaAwaitingOwnHistory);
  if (flag.ok()) return true;
  if (flag.status().code() == StatusCode::kNotFound) return false;
  return flag.status();
}

Result<std::optional<std::string>> StoreView::LoginLock(std::string_view key) const {
  auto lock = txn_.Get(store_->tables_.meta, std::string(kMetaLoginLockPrefix) + std::string(key));
  if (lock.ok()) return std::optional<std::string>(std::string(*lock));
  if (lock.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
  return lock.status();
}

Result<std::vector<StoreView::Anomaly>> StoreView::Anomalies(size_t limit) const {
  std::vector<Anomaly> found;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.anomalies));
  CRM_RETURN_IF_ERROR(cursor.First());
  while (cursor.valid() && found.size() < limit) {
    std::string_view key = cursor.key();
    if (key.size() != 17) return Status::Corruption("malformed anomaly key");
    found.push_back(Anomaly{static_cast<EntityKind>(static_cast<uint8_t>(key[0])),
                            IdFromBytes(key.substr(1)), std::string(cursor.value())});
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return found;
}

Result<std::string> StoreView::OfficeCode() const {
  auto code = txn_.Get(store_->tables_.meta, kMetaOfficeCode);
  if (code.ok()) return std::string(*code);
  if (code.status().code() == StatusCode::kNotFound) return std::string();
  return code.status();
}

Result<std::vector<std::pair<EntityKind, Id>>> StoreView::RecordsLinkedTo(const Id& id) const {
  std::vector<std::pair<EntityKind, Id>> linked;
  std::string key = IdBytes(id);
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.by_link));
  CRM_RETURN_IF_ERROR(cursor.Seek(key));
  while (cursor.valid() && cursor.key() == key) {
    std::string_view link = cursor.value();
    if (link.size() != 17) return Status::Corruption("malformed link index entry");
    linked.emplace_back(static_cast<EntityKind>(static_cast<uint8_t>(link[0])),
                        IdFromBytes(link.substr(1)));
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return linked;
}

Result<Id> StoreView::FindByKey(EntityKind kind, std::string_view key) const {
  CRM_ASSIGN_OR_RETURN(std::vector<Id> ids,
                       FindIds(txn_, store_->tables_.by_key, KeyIndexKey(kind, key)));
  if (ids.empty()) {
    return Status::NotFound("no " + std::string(EntityName(kind)) + " '" + std::string(key) + "'");
  }
  return ids.front();
}

Result<Id> StoreView::ResolveClient(const Id& id) const {
  std::vector<Id> path;
  Id current = id;
  for (;;) {
    auto record = Get(EntityKind::CLIENT, current);
    if (!record.ok()) {
      if (record.status().code() == StatusCode::kNotFound) return path.empty() ? id : path.back();
      return record.status();
    }
    auto client = record->value<schema::Client>();
    Id next = client.hasMergedInto() ? IdFromWire(client.getMergedInto()) : Id{};
    path.push_back(current);
    if (next.IsNull() || next == current) return current;
    auto seen = std::find(path.begin(), path.end(), next);
    if (seen != path.end()) return *std::min_element(seen, path.end());  // a cycle
    current = next;
  }
}

Result<std::vector<StoreView::DuplicatePair>> StoreView::Duplicates() const {
  std::vector<DuplicatePair> pairs;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.duplicates));
  CRM_RETURN_IF_ERROR(cursor.First());
  while (cursor.valid()) {
    if (cursor.key().size() != 32) return Status::Corruption("malformed duplicate entry");
    Id first = IdFromBytes(cursor.key().substr(0, 16));
    Id second = IdFromBytes(cursor.key().substr(16));
    CRM_ASSIGN_OR_RETURN(Id a, ResolveClient(first));
    CRM_ASSIGN_OR_RETURN(Id b, ResolveClient(second));
    auto one = Get(EntityKind::CLIENT, first);
    auto two = Get(EntityKind::CLIENT, second);
    if (a != b && one.ok() && two.ok() && IsLive(one->stored()) && IsLive(two->stored())) {
      pairs.push_back(DuplicatePair{first, second, std::string(cursor.value())});
    }
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return pairs;
}

Result<bool> StoreView::AnyRecordOf(EntityKind kind) const {
  std::string prefix(1, static_cast<char>(kind));
  // Only keys are read: a damaged record still exists.
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.records.Raw()));
  CRM_RETURN_IF_ERROR(cursor.Seek(prefix));
  return cursor.valid() && StartsWith(cursor.key(), prefix);
}

Result<uint64_t> StoreView::LocalChangeCount() const { return OriginSeqOf(store_->node_id_); }

Result<uint64_t> StoreView::OriginSeqOf(const Id& origin) const {
  return MetaCounter(std::string(kMetaVersionPrefix) + IdBytes(origin));
}

Result<std::map<Id, uint64_t>> StoreView::VersionVector() const {
  std::map<Id, uint64_t> vv;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.meta));
  CRM_RETURN_IF_ERROR(cursor.Seek(kMetaVersionPrefix));
  while (cursor.valid() && StartsWith(cursor.key(), kMetaVersionPrefix)) {
    std::string_view id = cursor.key().substr(kMetaVersionPrefix.size());
    if (id.size() != 16) return Status::Corruption("malformed version vector entry");
    vv[IdFromBytes(id)] = ReadBigEndian64(cursor.value());
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return vv;
}

Result<uint64_t> StoreView::Cursor(std::string_view name) const {
  return MetaCounter("cursor/" + std::string(name));
}

Status StoreView::ForEachOfKind(
    EntityKind kind,
    const std::function<Status(const Id&, schema::StoredRecord::Reader)>& fn) const {
  std::string prefix(1, static_cast<char>(kind));
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.records));
  Status moved = cursor.Seek(prefix);
  while (cursor.valid() && StartsWith(cursor.key(), prefix)) {
    CRM_ASSIGN_OR_RETURN(DecodedMessage message, ReadRecordAt(cursor, moved));
    CRM_RETURN_IF_ERROR(CallOnRecord(cursor.key(), [&] {
      return fn(IdFromBytes(cursor.key().substr(1)), message.Root<schema::StoredRecord>());
    }));
    moved = cursor.Next();
  }
  return cursor.valid() ? Status::Ok() : moved;
}

Result<Id> StoreView::CursorId(std::string_view name) const {
  auto bytes = txn_.Get(store_->tables_.meta, "cursor-id/" + std::string(name));
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return Id{};
    return bytes.status();
  }
  if (bytes->size() != 16) return Status::Corruption("malformed cursor id");
  return IdFromBytes(*bytes);
}

Status StoreView::ForEachRecord(
    const std::function<Status(EntityKind, const Id&, schema::StoredRecord::Reader)>& fn) const {
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.records));
  Status moved = cursor.First();
  while (cursor.valid()) {
    CRM_ASSIGN_OR_RETURN(DecodedMessage message, ReadRecordAt(cursor, moved));
    auto kind = static_cast<EntityKind>(static_cast<uint8_t>(cursor.key()[0]));
    CRM_RETURN_IF_ERROR(CallOnRecord(cursor.key(), [&] {
      return fn(kind, IdFromBytes(cursor.key().substr(1)), message.Root<schema::StoredRecord>());
    }));
    moved = cursor.Next();
  }
  return cursor.valid() ? Status::Ok() : moved;
}

Result<std::vector<DecodedMessage>> StoreView::Conflicts(size_t limit) const {
  std::vector<DecodedMessage> found;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.conflicts));
  CRM_RETURN_IF_ERROR(cursor.Last());
  while (cursor.valid() && found.size() < limit) {
    CRM_ASSIGN_OR_RETURN(DecodedMessage message, DecodedMessage::DecodePacked(cursor.value()));
    found.push_back(std::move(message));
    CRM_RETURN_IF_ERROR(cursor.Prev());
  }
  return found;
}

Result<std::vector<QuarantinedChange>> StoreView::Quarantined(size_t limit) const {
  std::vector<QuarantinedChange> found;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.quarantine));
  CRM_RETURN_IF_ERROR(cursor.First());
  while (cursor.valid() && found.size() < limit) {
    std::string_view value = cursor.value();
    size_t end = value.find('\0');
    if (end == std::string_view::npos) return Status::Corruption("a quarantined change without its reason");
    CRM_ASSIGN_OR_RETURN(DecodedMessage change, DecodedMessage::DecodePacked(value.substr(end + 1)));
    found.push_back({std::string(value.substr(0, end)), std::move(change)});
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return found;
}

Result<uint64_t> StoreView::MetaCounter(std::string_view name) const {
  auto bytes = txn_.Get(store_->tables_.meta, name);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return uint64_t{0};
    return bytes.status();
  }
  return ReadBigEndian64(*bytes);
}

Result<uint64_t> StoreView::LastSeq() const {
  if (taken_log_seq_ != 0) return taken_log_seq_;
  return MetaCounter(kMetaLogSeq);
}

Result<uint64_t> StoreView::LogFloor() const {
  CRM_ASSIGN_OR_RETURN(uint64_t floor, MetaCounter(kMetaLogFloor));
  return std::max<uint64_t>(floor, 1);
}

Result<std::vector<std::pair<std::string, DecodedMessage>>> StoreView::ReadRecords(
    std::string_view after, size_t limit, size_t max_bytes, bool* cut) const {
  std::vector<std::pair<std::string, DecodedMessage>> records;
  size_t bytes = 0;
  if (cut != nullptr) *cut = false;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.records));
  Status moved;
  if (after.empty()) {
    moved = cursor.First();
  } else {
    moved = cursor.Seek(after);
    if (cursor.valid() && cursor.key() == after) moved = cursor.Next();
  }
  while (cursor.valid() && records.size() < limit) {
    if (bytes >= max_bytes) {
      if (cut != nullptr) *cut = true;
      break;
    }
    bytes += cursor.value().size();
    CRM_ASSIGN_OR_RETURN(DecodedMessage message, ReadRecordAt(cursor, moved));
    records.emplace_back(std::string(cursor.key()), std::move(message));
    moved = cursor.Next();
  }
  // A damaged entry past the limit belongs to the next read.
  if (!cursor.valid()) CRM_RETURN_IF_ERROR(moved);
  return records;
}

Result<Stamp> StoreView::HlcHighWater() const {
  auto bytes = txn_.Get(store_->tables_.meta, kMetaHlc);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return Stamp{};
    return bytes.status();
  }
  return DecodeStamp(*bytes);
}

}  // namespace crm
