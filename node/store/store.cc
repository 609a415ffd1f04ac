#include "node/store/store.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <kj/exception.h>

#include <algorithm>
#include <set>
#include <string>

#include "node/store/audit.h"
#include "node/store/blobs.h"
#include "node/store/checksum.h"
#include "node/store/client_index.h"
#include "node/store/file_content.h"
#include "node/store/internal.h"
#include "node/store/request_log.h"
#include "node/store/sessions.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/merge.h"

namespace crm {
namespace {

using namespace store_internal;  // NOLINT(build/namespaces): node/store/internal.h

// What is kept of a refused change: all of it but the bytes of file content,
// which were refused (too large, or not what they claim) and are not stored.
std::string RefusedCopy(schema::Change::Reader change) {
  if (change.getEntity() == EntityKind::FILE_CONTENT && change.isEvent()) {
    try {
      auto stripped = WithoutContent(change);
      return EncodeStruct(stripped->getRoot<schema::Change>().asReader(), Packing::kPacked);
    } catch (const kj::Exception&) {
      // Malformed: kept as it came, like any other malformed change.
    }
  }
  return EncodeStruct(change, Packing::kPacked);
}

}  // namespace

Blobs StoreTxn::blobs() { return Blobs(txn_, store_->tables_.blobs, *store_); }
RequestTable StoreTxn::requests() { return RequestTable(txn_, store_->tables_.requests); }
AuditTable StoreTxn::audit() { return AuditTable(txn_, store_->tables_.audit, store_->tables_.meta); }
SessionTable StoreTxn::sessions() { return SessionTable(txn_, store_->tables_.sessions); }

// ---- StoreTxn -------------------------------------------------------------

Status StoreTxn::SetMetaCounter(std::string_view name, uint64_t value) {
  return txn_.Put(store_->tables_.meta, name, BigEndian64(value));
}

Status StoreTxn::SetOriginSeq(const Id& origin, uint64_t seq) {
  return SetMetaCounter(std::string(kMetaVersionPrefix) + IdBytes(origin), seq);
}

Status StoreTxn::SetSource(uint64_t seq, const Id& source) {
  return txn_.Put(store_->tables_.log_source, BigEndian64(seq), IdBytes(source));
}

Status StoreTxn::SetCursor(std::string_view name, uint64_t value) {
  return SetMetaCounter("cursor/" + std::string(name), value);
}

Status StoreTxn::SetCursorId(std::string_view name, const Id& value) {
  return txn_.Put(store_->tables_.meta, "cursor-id/" + std::string(name), IdBytes(value));
}

Status StoreTxn::Quarantine(schema::Change::Reader change, std::string_view reason) {
  std::string key = IdBytes(change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{}) +
                    BigEndian64(change.getOriginSeq());
  std::string value(reason.substr(0, 1000));
  value += '\0';
  value += RefusedCopy(change);
  return txn_.Put(store_->tables_.quarantine, key, value);
}

Result<uint64_t> StoreTxn::LogHeldBack(schema::Change::Reader change, const Id& source) {
  CRM_ASSIGN_OR_RETURN(uint64_t seq, NextLogSeq());
  CRM_RETURN_IF_ERROR(txn_.Put(store_->tables_.log, BigEndian64(seq), RefusedCopy(change)));
  CRM_RETURN_IF_ERROR(
      txn_.Put(store_->tables_.log_source, BigEndian64(seq), IdBytes(source) + kHeldBackMark));
  return seq;
}

Result<uint64_t> StoreTxn::PruneLog(uint64_t below, size_t max) {
  CRM_ASSIGN_OR_RETURN(uint64_t last, LastSeq());
  below = std::min(below, last + 1);
  uint64_t removed = 0;
  uint64_t seq = 0;
  // From the first entry: a snapshot may have raised the floor above
  // entries still kept. Only keys are read: a damaged entry goes too.
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.log.Raw()));
  CRM_RETURN_IF_ERROR(cursor.First());
  std::vector<std::string> keys;
  while (cursor.valid() && removed < max) {
    seq = ReadBigEndian64(cursor.key());
    if (seq >= below) break;
    keys.emplace_back(cursor.key());
    ++removed;
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  for (const std::string& key : keys) {
    CRM_RETURN_IF_ERROR(txn_.Delete(store_->tables_.log, key));
    Status s = txn_.Delete(store_->tables_.log_source, key);
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  uint64_t new_floor = removed < max ? below : seq + 1;
  CRM_RETURN_IF_ERROR(SetLogFloor(new_floor));
  return removed;
}

Result<uint64_t> StoreTxn::SkipLogSeq() { return NextLogSeq(); }

Result<uint64_t> StoreTxn::NextLogSeq() {
  CRM_ASSIGN_OR_RETURN(uint64_t seq, LastSeq());
  taken_log_seq_ = seq + 1;
  return taken_log_seq_;
}

Status StoreTxn::SetLogFloor(uint64_t seq) {
  CRM_ASSIGN_OR_RETURN(uint64_t floor, LogFloor());
  if (seq <= floor) return Status::Ok();
  return SetMetaCounter(kMetaLogFloor, seq);
}

Status StoreTxn::SetAwaitingOwnHistory(bool awaiting) {
  if (awaiting) return txn_.Put(store_->tables_.meta, kMetaAwaitingOwnHistory, "1");
  Status deleted = txn_.Delete(store_->tables_.meta, kMetaAwaitingOwnHistory);
  return deleted.code() == StatusCode::kNotFound ? Status::Ok() : deleted;
}

Status StoreTxn::ScrubRecord(EntityKind kind, const Id& id, std::string_view packed) {
  store_->wipe_wanted_ = true;
  return Overwrite(txn_, store_->tables_.records, RecordKey(kind, id), packed);
}

Status StoreTxn::ScrubLogEntry(uint64_t seq, schema::Change::Reader change) {
  store_->wipe_wanted_ = true;
  return Overwrite(txn_, store_->tables_.log, BigEndian64(seq), EncodeStruct(change, Packing::kPacked));
}

Status StoreTxn::ScrubQuarantined(schema::Change::Reader change) {
  std::string key = IdBytes(change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{}) +
                    BigEndian64(change.getOriginSeq());
  CRM_ASSIGN_OR_RETURN(std::string_view stored, txn_.Get(store_->tables_.quarantine, key));
  size_t end = stored.find('\0');
  if (end == std::string_view::npos) return Status::Corruption("a quarantined change without its reason");
  std::string value(stored.substr(0, end + 1));
  value += EncodeStruct(change, Packing::kPacked);
  store_->wipe_wanted_ = true;
  return Overwrite(txn_, store_->tables_.quarantine, key, value);
}

Status StoreTxn::DropConflictsOf(EntityKind kind, const Id& id) {
  const std::string prefix = RecordKey(kind, id);
  std::vector<std::string> keys;
  {
    CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.conflicts));
    CRM_RETURN_IF_ERROR(cursor.Seek(prefix));
    while (cursor.valid() && StartsWith(cursor.key(), prefix)) {
      keys.emplace_back(cursor.key());
      CRM_RETURN_IF_ERROR(cursor.Next());
    }
  }
  for (const std::string& key : keys) {
    CRM_RETURN_IF_ERROR(Overwrite(txn_, store_->tables_.conflicts, key, std::nullopt));
  }
  if (!keys.empty()) store_->wipe_wanted_ = true;
  return Status::Ok();
}

Status StoreTxn::DropDuplicatesOf(const Id& client) {
  const std::string id = IdBytes(client);
  std::vector<std::string> keys;
  {
    CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.duplicates));
    CRM_RETURN_IF_ERROR(cursor.First());
    while (cursor.valid()) {
      std::string_view key = cursor.key();
      if (key.size() == 32 && (key.substr(0, 16) == id || key.substr(16) == id)) {
        keys.emplace_back(key);
      }
      CRM_RETURN_IF_ERROR(cursor.Next());
    }
  }
  for (const std::string& key : keys) {
    CRM_RETURN_IF_ERROR(Overwrite(txn_, store_->tables_.duplicates, key, std::nullopt));
  }
  if (!keys.empty()) store_->wipe_wanted_ = true;
  return Status::Ok();
}

Status StoreTxn::NoteAnomaly(EntityKind kind, const Id& id, std::string_view what) {
  return txn_.Put(store_->tables_.anomalies, RecordKey(kind, id), what.substr(0, 2000));
}

Status StoreTxn::LockLogin(std::string_view key, std::string_view reason) {
  return txn_.Put(store_->tables_.meta, std::string(kMetaLoginLockPrefix) + std::string(key),
                  reason);
}

Result<bool> StoreTxn::UnlockLogin(std::string_view key) {
  Status deleted =
      txn_.Delete(store_->tables_.meta, std::string(kMetaLoginLockPrefix) + std::string(key));
  if (deleted.code() == StatusCode::kNotFound) return false;
  CRM_RETURN_IF_ERROR(deleted);
  return true;
}

Status StoreTxn::SetOfficeCode(std::string_view code) {
  return txn_.Put(store_->tables_.meta, kMetaOfficeCode, code);
}

Result<uint64_t> StoreTxn::NextCounter(std::string_view name) {
  std::string key = "counter/" + std::string(name);
  CRM_ASSIGN_OR_RETURN(uint64_t value, MetaCounter(key));
  ++value;
  CRM_RETURN_IF_ERROR(SetMetaCounter(key, value));
  return value;
}

Result<StoreTxn> StoreTxn::BeginChild() {
  // The child reads the log seq from the meta table, and what it takes
  // reaches this transaction through the same table when it commits.
  if (taken_log_seq_ != 0) {
    CRM_RETURN_IF_ERROR(SetMetaCounter(kMetaLogSeq, taken_log_seq_));
    taken_log_seq_ = 0;
  }
  CRM_ASSIGN_OR_RETURN(lmdb::Txn child, txn_.BeginChild());
  return StoreTxn(*store_, std::move(child));
}

Status StoreTxn::Commit() {
  if (taken_log_seq_ != 0) {
    if (Status s = SetMetaCounter(kMetaLogSeq, taken_log_seq_); !s.ok()) return AsStoreFailure(s);
  }
  return txn_.Commit();
}

// ---- Store ----------------------------------------------------------------

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options, Clock& clock) {
  if (options.must_exist && !std::filesystem::exists(options.dir / "data.mdb")) {
    return Status::NotFound("there is no store in " + options.dir.string());
  }
  lmdb::EnvOptions env_options;
  env_options.dir = options.dir;
  env_options.initial_map_bytes = options.initial_map_bytes;
  env_options.max_map_bytes = options.max_map_bytes;
  env_options.durable = options.durable;
  std::unique_ptr<Store> store(new Store());
  CRM_ASSIGN_OR_RETURN(store->env_, lmdb::Env::Open(env_options));

  store->dir_ = options.dir;
  // Sealed tables keep a checksum with every value (docs/storage.md,
  // "Checksums"). The indexes are worked out from the records, the audit log
  // is its own hash chain, and a file's key is the SHA-256 of its content.
  StoreTables& t = store->tables_;
  CRM_ASSIGN_OR_RETURN(t.records, store->env_->OpenTable("records", false, true));
  CRM_ASSIGN_OR_RETURN(t.log, store->env_->OpenTable("log", false, true));
  CRM_ASSIGN_OR_RETURN(t.meta, store->env_->OpenTable("meta", false, true));
  CRM_ASSIGN_OR_RETURN(t.by_phone, store->env_->OpenTable("by_phone", true));
  CRM_ASSIGN_OR_RETURN(t.by_email, store->env_->OpenTable("by_email", true));
  CRM_ASSIGN_OR_RETURN(t.by_card, store->env_->OpenTable("by_card", true));
  CRM_ASSIGN_OR_RETURN(t.by_name, store->env_->OpenTable("by_name", true));
  CRM_ASSIGN_OR_RETURN(t.by_identity, store->env_->OpenTable("by_identity", true));
  CRM_ASSIGN_OR_RETURN(t.by_link, store->env_->OpenTable("by_link", true));
  CRM_ASSIGN_OR_RETURN(t.by_key, store->env_->OpenTable("by_key", true));
  CRM_ASSIGN_OR_RETURN(t.blobs, store->env_->OpenTable("blobs", false));
  CRM_ASSIGN_OR_RETURN(t.log_source, store->env_->OpenTable("log_source", false, true));
  CRM_ASSIGN_OR_RETURN(t.quarantine, store->env_->OpenTable("quarantine", false, true));
  CRM_ASSIGN_OR_RETURN(t.duplicates, store->env_->OpenTable("duplicates", false, true));
  CRM_ASSIGN_OR_RETURN(t.requests, store->env_->OpenTable("requests", false, true));
  CRM_ASSIGN_OR_RETURN(t.conflicts, store->env_->OpenTable("conflicts", false, true));
  CRM_ASSIGN_OR_RETURN(t.audit, store->env_->OpenTable("audit", false));
  CRM_ASSIGN_OR_RETURN(t.anomalies, store->env_->OpenTable("anomalies", false));
  CRM_ASSIGN_OR_RETURN(t.sessions, store->env_->OpenTable("sessions", false, true));

  CRM_ASSIGN_OR_RETURN(lmdb::Txn txn, store->env_->BeginWrite());
  // Read as stored: a store from before checksums has its format unsealed.
  auto format = txn.Get(t.meta.Raw(), kMetaFormat);
  if (format.ok() && *format == kFormatBeforeChecksums) {
    txn.Abort();
    CRM_RETURN_IF_ERROR(store->ConvertToChecksums(options));
    CRM_ASSIGN_OR_RETURN(txn, store->env_->BeginWrite());
    format = txn.Get(t.meta.Raw(), kMetaFormat);
  }
  if (format.ok()) {
    std::string_view name;
    if (!Unseal(kMetaFormat, *format, &name)) {
      if (format->substr(0, kFormatVersion.size()) == kFormatVersion) {
        return Status::Corruption("store " + options.dir.string() +
                                  " has a damaged format marker; restore it from a backup");
      }
      name = *format;
    }
    if (name != kFormatVersion) {
      return Status::Corruption("store " + options.dir.string() + " has format '" +
                                std::string(name) + "', this build reads '" +
                                std::string(kFormatVersion) + "' (and converts '" +
                                std::string(kFormatBeforeChecksums) + "')");
    }
    CRM_ASSIGN_OR_RETURN(std::string_view node_id, txn.Get(t.meta, kMetaNodeId));
    CRM_ASSIGN_OR_RETURN(std::string_view instance_id, txn.Get(t.meta, kMetaInstanceId));
    if (node_id.size() != 16 || instance_id.size() != 16) {
      return Status::Corruption("store " + options.dir.string() + " has a malformed node id");
    }
    store->node_id_ = IdFromBytes(node_id);
    store->instance_id_ = IdFromBytes(instance_id);
    txn.Abort();
    // A store from before logins were per office keeps its users able to
    // log in: their index entries are made the new way.
    CRM_RETURN_IF_ERROR(store->RebuildUserKeys());
    // And its clients are found by their names transliterated.
    CRM_RETURN_IF_ERROR(store->RebuildClientKeys(options));
  } else if (format.status().code() == StatusCode::kNotFound) {
    store->node_id_ =
        options.new_node_id.IsNull() ? Id::Generate(clock.NowMillis()) : options.new_node_id;
    store->instance_id_ = options.new_instance_id.IsNull() ? Id::Generate(clock.NowMillis())
                                                           : options.new_instance_id;
    CRM_RETURN_IF_ERROR(txn.Put(t.meta, kMetaNodeId, IdBytes(store->node_id_)));
    CRM_RETURN_IF_ERROR(txn.Put(t.meta, kMetaInstanceId, IdBytes(store->instance_id_)));
    CRM_RETURN_IF_ERROR(txn.Put(t.meta, kMetaFormat, kFormatVersion));
    CRM_RETURN_IF_ERROR(txn.Commit());
    CRM_RETURN_IF_ERROR(store->RebuildUserKeys());  // marks how user keys are made
    CRM_RETURN_IF_ERROR(store->RebuildClientKeys(options));  // and client keys
  } else {
    return format.status();
  }
  return store;
}

Status Store::Backup(const std::filesystem::path& dir) const {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::exists(dir / "data.mdb", error)) {
    return Status::AlreadyExists(dir.string() + " already holds a store; back up to a new directory");
  }
  fs::create_directories(dir, error);
  if (error) return Status::Internal("cannot create " + dir.string() + ": " + error.message());
  fs::permissions(dir, fs::perms::owner_all, error);
  return env_->CopyCompacted(dir);
}

Status Store::RestoreBackup(const std::filesystem::path& backup, const std::filesystem::path& dir,
                            Clock& clock) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(backup / "data.mdb", error)) {
    return Status::NotFound("there is no backup in " + backup.string());
  }
  if (fs::exists(dir / "data.mdb", error)) {
    return Status::AlreadyExists(dir.string() +
                                 " already holds a store; move it aside before restoring into it");
  }
  fs::create_directories(dir, error);
  if (error) return Status::Internal("cannot create " + dir.string() + ": " + error.message());
  fs::permissions(dir, fs::perms::owner_all, error);
  // Copied under a temporary name and renamed: an interrupted restore leaves
  // no half-copied store behind to be opened by mistake.
  fs::path partial = dir / "data.mdb.restoring";
  fs::copy_file(backup / "data.mdb", partial, fs::copy_options::overwrite_existing, error);
  if (error) return Status::Internal("cannot copy the backup: " + error.message());
  fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write, error);
  fs::rename(partial, dir / "data.mdb", error);
  if (error) return Status::Internal("cannot move the restored store in place: " + error.message());

  StoreOptions options;
  options.dir = dir;
  CRM_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Open(options, clock));
  CRM_ASSIGN_OR_RETURN(StoreTxn txn, store->BeginWrite());
  Id instance = Id::Generate(clock.NowMillis());
  CRM_RETURN_IF_ERROR(txn.txn_.Put(store->tables_.meta, kMetaInstanceId, IdBytes(instance)));
  CRM_RETURN_IF_ERROR(txn.SetAwaitingOwnHistory(true));
  // The sessions of the store's past are not reopened by a restore.
  CRM_RETURN_IF_ERROR(txn.sessions().Clear());
  return txn.Commit();
}

Result<StoreView> Store::Read() const {
  CRM_ASSIGN_OR_RETURN(lmdb::Txn txn, env_->BeginRead());
  return StoreView(*this, std::move(txn));
}

Result<StoreTxn> Store::BeginWrite() {
  CRM_ASSIGN_OR_RETURN(lmdb::Txn txn, env_->BeginWrite());
  return StoreTxn(*this, std::move(txn));
}

Result<uint64_t> Store::CountRecords() const { return env_->Count(tables_.records); }

}  // namespace crm
