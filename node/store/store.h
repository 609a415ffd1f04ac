// The storage engine of a node: records, secondary indexes, the change log and
// metadata in one LMDB environment. A change, the record it produces, the
// record's index entries, the log entry and the HLC high-water mark are
// written in one transaction: all of them commit together or none does.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "node/store/client_index.h"
#include "node/store/lmdb.h"
#include "node/store/tables.h"
#include "schema/change.capnp.h"
#include "sync/base/clock.h"
#include "sync/base/codec.h"
#include "sync/base/entities.h"
#include "sync/base/hlc.h"
#include "sync/base/id.h"
#include "sync/base/mutex.h"
#include "sync/base/status.h"
#include "sync/merge.h"

namespace crm {

struct StoreOptions {
  std::filesystem::path dir;
  size_t initial_map_bytes = 64u << 20;    // grows on demand
  size_t max_map_bytes = size_t{1} << 40;  // writes fail with kResourceExhausted beyond
  // false: commits are not flushed to disk (MDB_NOSYNC). Tests and benchmarks only.
  bool durable = true;
  // Ids for a new store instead of random ones (deterministic simulations).
  Id new_node_id = {};
  Id new_instance_id = {};
  // true: open only a store that exists; kNotFound naming `dir` otherwise.
  // For tools that read a store, so a mistyped directory is an error and
  // not a new, empty store.
  bool must_exist = false;
  // A store written before checksums (format crm-store-4) is converted when
  // opened: every value of the checksummed tables is written again with its
  // checksum, at most `conversion_batch` per transaction, each transaction
  // recording how far it got, so a conversion cut short resumes there.
  size_t conversion_batch = 10000;
  // Told after each transaction of a conversion (the table and the entries
  // done in it so far); returning false stops the conversion there, and Open
  // fails with kUnavailable (opening the store again resumes it).
  std::function<bool(std::string_view table, uint64_t done)> on_conversion = {};
};

// A record read from the store, independent of the transaction it came from.
class Record {
 public:
  explicit Record(DecodedMessage message) : message_(std::move(message)) {}
  schema::StoredRecord::Reader stored() const { return message_.Root<schema::StoredRecord>(); }
  // The message holding it (a schema::StoredRecord), for keeping or sending.
  DecodedMessage TakeMessage() && { return std::move(message_); }
  // The merged value, as its records.capnp type.
  template <typename T>
  typename T::Reader value() const {
    return stored().getValue().template getAs<T>();
  }

 private:
  DecodedMessage message_;
};

// One entry of the change log.
struct LogEntry {
  uint64_t seq = 0;
  Id source;  // the peer that delivered it; null if made here
  // Refused here (quarantined): kept in the log only to go on upstream,
  // never applied here and never served downstream (StoreTxn::LogHeldBack).
  bool held_back = false;
  DecodedMessage message;
  schema::Change::Reader change() const { return message.Root<schema::Change>(); }
};

// What applying a change did.
struct Applied {
  uint64_t seq = 0;         // its position in this node's log; 0 for a duplicate
  uint64_t origin_seq = 0;  // its position in its origin's log
  bool duplicate = false;   // already applied before: nothing was written
};

class Store;
class ClientIndex;

// The unique key of a user in the directory: logins are per office, so
// `kate` of LON and `kate` of MSK are two users (docs/frontdesk.md, "Logins").
// Compared in any case.
std::string UserKey(std::string_view office, std::string_view login);
class BlobsView;
class Blobs;
class RequestTableView;
class RequestTable;
class AuditTableView;
class AuditTable;
class SessionTableView;
class SessionTable;

// An index entry a change adds or removes, worked out before writing.
struct IndexWrite {
  lmdb::Table table;
  std::string key;
  std::string value;
  bool add = true;
};
using IndexWrites = std::vector<IndexWrite>;

// What a record's new state asks of the indexes, worked out from the record
// alone (see Store::PlanIndexes); looking for duplicate clients, which needs
// the store, comes later.
struct IndexPlan {
  IndexWrites writes;
  // The client's phone, email and card keys before and after, as stored.
  ClientIndexKeys old_client_keys;
  ClientIndexKeys new_client_keys;
};

// The part of applying a change that reads nothing from the store: its
// checks, its log entry and, when asked for, what it makes of a record that
// does not exist yet. Store::Prepare makes one on any thread, so a caller
// can prepare the next changes while the writer applies earlier ones.
// Borrows the change: the message must outlive it.
class PreparedChange {
 public:
  schema::Change::Reader change() const { return change_; }

 private:
  friend class Store;
  friend class StoreTxn;
  schema::Change::Reader change_;
  // The shape check; nothing below is set unless OK.
  Status valid_ = Status::Internal("the change was not prepared");
  std::string log_entry_;  // the change, packed, as the log keeps it
  // Its record if none exists yet: the record (packed), whether the change
  // makes one at all, the conflicts met on the way and the index plan.
  bool has_fresh_ = false;
  bool fresh_changed_ = false;
  std::string fresh_record_;
  std::vector<FieldConflict> fresh_conflicts_;
  IndexPlan fresh_plan_;
};

// A change set aside by StoreTxn::Quarantine, and why.
struct QuarantinedChange {
  std::string reason;
  DecodedMessage change;  // a schema::Change
};

// Queries over one consistent snapshot. Move-only; holds a transaction, so
// keep it short-lived. Thread-compatible: one thread at a time.
class StoreView {
 public:
  StoreView(StoreView&&) noexcept = default;
  StoreView& operator=(StoreView&&) noexcept = default;

  // The record (kind, id), or kNotFound. kCorruption, naming the record and
  // what to do, if its stored bytes are damaged (their checksum does not
  // match, see docs/storage.md "Checksums"): a damaged record is never
  // served, and is noted for the uplink to fetch back (DamagedRecordKeys).
  // Every read of records and log entries below checks the same way.
  Result<Record> Get(EntityKind kind, const Id& id) const;

  // The keys (kind(1) + id(16), as ReadRecords gives them) of the records
  // found damaged here and not repaired yet: by a read since this process
  // opened the store, or by crm-admin verify (StoreTxn::MarkDamaged).
  Result<std::vector<std::string>> DamagedRecordKeys() const;

  // A consistent view: never wait for a Writer while holding one (growing the
  // map waits for every open view).

  // The small classes over this snapshot that own their tables: the client
  // search indexes (node/store/client_index.h), the files attached to
  // records (node/store/blobs.h), the remembered front-desk requests
  // (node/store/request_log.h), the audit chain (node/store/audit.h) and
  // the front desk's open sessions (node/store/sessions.h, local to this
  // node). Each borrows the view: use it while the view lives.
  ClientIndex client_index() const;
  BlobsView blobs() const;
  RequestTableView requests() const;
  AuditTableView audit() const;
  SessionTableView sessions() const;

  // The records that name `id` in their `client` or `sale` field (a client's
  // sales, refunds, payments, interactions, feedback, notes, tasks, deals and
  // files; a sale's refunds, payments and feedback), oldest id first within
  // each kind.
  Result<std::vector<std::pair<EntityKind, Id>>> RecordsLinkedTo(const Id& id) const;

  // The record of `kind` with this unique key: a user by UserKey (its office
  // and login, any case), a product by SKU, a sale by receipt number.
  // kNotFound if none.
  Result<Id> FindByKey(EntityKind kind, std::string_view key) const;

  // The client `id` stands for now: its `mergedInto` chain followed to the
  // end (a cycle resolves to the smallest id in it, the same on every node).
  Result<Id> ResolveClient(const Id& id) const;

  // Pairs of live clients sharing a phone, email or card that are not merged
  // into one yet, with what they share.
  struct DuplicatePair {
    Id first;
    Id second;
    std::string shared;
  };
  Result<std::vector<DuplicatePair>> Duplicates() const;

  // Values per-field last-writer-wins overwrote concurrently (each a
  // schema::Conflict), at most `limit`, the last record in key order first.
  Result<std::vector<DecodedMessage>> Conflicts(size_t limit) const;

  // Changes this node refused and set aside (an office writing HQ-owned data,
  // an event id reused with other content ...), at most `limit`, in key
  // order (by origin, then origin seq).
  Result<std::vector<QuarantinedChange>> Quarantined(size_t limit) const;

  // Records whose replicated state breaks a rule that no single change
  // broke (a sale refunded beyond what it sold, by refunds made apart), at
  // most `limit`, in key order: (kind, id, what is wrong).
  struct Anomaly {
    EntityKind kind;
    Id id;
    std::string what;
  };
  Result<std::vector<Anomaly>> Anomalies(size_t limit) const;

  // True if any record of `kind` exists.
  Result<bool> AnyRecordOf(EntityKind kind) const;

  // How many changes this node has made itself (its origin seq).
  Result<uint64_t> LocalChangeCount() const;

  // The version vector: for each origin, the highest contiguous origin seq
  // held (this node's own included).
  Result<std::map<Id, uint64_t>> VersionVector() const;
  Result<uint64_t> OriginSeqOf(const Id& origin) const;

  // A named replication cursor (0 if never set).
  Result<uint64_t> Cursor(std::string_view name) const;
  Result<Id> CursorId(std::string_view name) const;

  // Calls `fn(kind, id, stored)` for every record, in key order.
  Status ForEachRecord(
      const std::function<Status(EntityKind, const Id&, schema::StoredRecord::Reader)>& fn) const;
  // The same for the records of one kind only.
  Status ForEachOfKind(EntityKind kind,
                       const std::function<Status(const Id&, schema::StoredRecord::Reader)>& fn) const;

  // Log entries with seq >= `from`, in order, at most `limit`, and no more
  // once `max_bytes` of them (as stored) are read: the entry that reaches it
  // is the last (so one larger entry, a file's content, still comes alone).
  // `*cut` (if given) says whether `max_bytes` ended the read.
  Result<std::vector<LogEntry>> ReadLog(uint64_t from, size_t limit, size_t max_bytes = SIZE_MAX,
                                        bool* cut = nullptr) const;

  // The seq of the newest log entry (0 for an empty log), in a write
  // transaction its own included.
  Result<uint64_t> LastSeq() const;
  // The oldest seq the log can still serve: entries below it were pruned, or
  // came before a snapshot this node installed (1 if neither happened).
  Result<uint64_t> LogFloor() const;

  // Records in key order after the key `after` (from the first if empty),
  // at most `limit`, each with its key: pages of a snapshot. Bounded by
  // `max_bytes` like ReadLog, `*cut` saying whether that ended the read.
  Result<std::vector<std::pair<std::string, DecodedMessage>>> ReadRecords(
      std::string_view after, size_t limit, size_t max_bytes = SIZE_MAX, bool* cut = nullptr) const;
  // The newest HLC stamp any committed change carried.
  Result<Stamp> HlcHighWater() const;

  // Why login `key` (LoginKey, node/frontdesk/login_guard.h) is locked, if it is.
  Result<std::optional<std::string>> LoginLock(std::string_view key) const;

  // The office code this store serves as, fixed the first time a server ran
  // on it (see StoreTxn::SetOfficeCode); "" if none ran yet.
  Result<std::string> OfficeCode() const;

  // True while a store restored from a backup waits for the hub to send back
  // what this node made after the backup was taken (see Store::RestoreBackup):
  // until then a change made here could reuse an origin seq the hub holds.
  Result<bool> AwaitingOwnHistory() const;

 protected:
  friend class Store;
  friend class StoreChecker;
  StoreView(const Store& store, lmdb::Txn txn) : store_(&store), txn_(std::move(txn)) {}
  Result<uint64_t> MetaCounter(std::string_view name) const;
  // The record a cursor over the records table is on, `moved` being what
  // moving there returned; kCorruption naming it if it is damaged.
  Result<DecodedMessage> ReadRecordAt(const lmdb::Cursor& cursor, const Status& moved) const;

  const Store* store_;
  lmdb::Txn txn_;
  // In a write transaction, the last log seq it took, once it took one:
  // kept here rather than rewritten in the meta table for every change, and
  // stored at commit (0 in a read view).
  uint64_t taken_log_seq_ = 0;
};

// The write transaction. Only the writer thread holds one (see Writer).
class StoreTxn : public StoreView {
 public:
  StoreTxn(StoreTxn&&) noexcept = default;
  StoreTxn& operator=(StoreTxn&&) noexcept = default;

  // Applies a change made on this node: stamps it with this node as origin and
  // the next origin seq, records for a patch the stamps of the values it
  // replaces (Patch.bases), applies it as Apply does, and raises the HLC
  // high-water mark to its stamp.
  Result<Applied> ApplyLocal(schema::Change::Builder change);

  // Applies a change (local or received): checks its shape, merges it into
  // its record, updates the indexes, keeps the conflicts the merge found and
  // appends the change to the log, all or nothing.
  // A write-once event seen before with the same content is a duplicate
  // (nothing written); with other content it is kConflict.
  Result<Applied> Apply(schema::Change::Reader change);
  // The same for a change Store::Prepare made ready.
  Result<Applied> Apply(const PreparedChange& prepared);

  // Merges a record of another replica's state (a snapshot page) into this
  // one, indexes included; it is not logged. Returns whether anything
  // changed. kInvalidArgument for a malformed record. A record held here
  // damaged cannot be merged: it is replaced (RepairRecords).
  Result<bool> InstallRecord(schema::StoredRecord::Reader record);

  // Replaces damaged records, each given by its key (kind(1) + id(16)) and
  // a copy (the hub's, or null if it has none), with the copy merged with
  // every change of the record in this node's log (what the hub may not hold
  // yet), and rebuilds their index entries; one scan of the log serves them
  // all. A record that reads fine (repaired meanwhile) is not replaced: its
  // copy is merged into it as InstallRecord does. Returns the keys of those
  // that stay damaged: neither a copy nor the log gives a record.
  using Repair = std::pair<std::string, const schema::StoredRecord::Reader*>;
  Result<std::vector<std::string>> RepairRecords(const std::vector<Repair>& repairs);

  // Adds the record (kind, id) to the records found damaged (crm-admin
  // verify), for the uplink to fetch back; RepairRecords removes it.
  Status MarkDamaged(EntityKind kind, const Id& id);

  // Deletes log entries below seq `below` (at most `max` of them) and raises
  // the log floor past them. Returns how many went.
  Result<uint64_t> PruneLog(uint64_t below, size_t max);
  // Raises the log floor to `seq` (after installing a snapshot, the log no
  // longer tells the whole story below it).
  Status SetLogFloor(uint64_t seq);
  // Takes the next log seq without writing an entry under it; returns it.
  Result<uint64_t> SkipLogSeq();

  // Raises the stored HLC high-water mark to `stamp` (for received stamps the
  // clock accepted; see HybridClock::Observe).
  Status RaiseHlcHighWater(const Stamp& stamp);

  // For `crm-admin clock repair` only (node/store/clock_repair.h), which brings a
  // store whose clock ran ahead back to the present:
  // Sets the HLC high-water mark to `stamp`, lower than it was.
  Status SetHlcHighWater(const Stamp& stamp);
  // Replaces every stamp of record (kind, id) later than `limit` ms with
  // `stamp`, the value untouched. Returns the ordinals of the fields and the
  // (field, element) pairs whose stamp it replaced. kNotFound if no record.
  struct Restamped {
    std::vector<uint16_t> fields;
    std::vector<std::pair<uint16_t, std::string>> elements;
    bool written = false;  // its created or updated stamp (an event's own)
    bool deleted = false;  // its tombstone's
    bool erased = false;   // its erasure's
    bool any() const {
      return !fields.empty() || !elements.empty() || written || deleted || erased;
    }
  };
  Result<Restamped> RestampRecord(EntityKind kind, const Id& id, int64_t limit, const Stamp& stamp);
  // Logs `change`, made here, with the next origin seq, without merging it:
  // its record already holds what it says (RestampRecord).
  Result<uint64_t> LogLocal(schema::Change::Builder change);

  // Sets the version vector entry of `origin`.
  Status SetOriginSeq(const Id& origin, uint64_t seq);
  // Records which peer delivered log entry `seq` (ReadLog reports a null
  // source for an entry without one).
  Status SetSource(uint64_t seq, const Id& source);
  Status SetCursor(std::string_view name, uint64_t value);
  Status SetCursorId(std::string_view name, const Id& value);
  // Notes what is wrong with record (kind, id) for managers (see
  // StoreView::Anomalies), replacing an earlier note of it.
  Status NoteAnomaly(EntityKind kind, const Id& id, std::string_view what);

  // Keeps a change that was refused, with the reason, for managers to review.
  Status Quarantine(schema::Change::Reader change, std::string_view reason);
  // Appends a change this node refused to the log, marked held back (see
  // LogEntry::held_back), delivered by `source`. Returns its log seq.
  Result<uint64_t> LogHeldBack(schema::Change::Reader change, const Id& source);

  // Locks login `key` (LoginKey) with the reason, until UnlockLogin.
  Status LockLogin(std::string_view key, std::string_view reason);
  // Lifts the lock of login `key`; false if it was not locked.
  Result<bool> UnlockLogin(std::string_view key);

  // Records the office code the store serves as (receipt numbers and every
  // record's office say it, and the hub checks it against the office's
  // enrollment). Set once; BindOffice (node/store/offices.h) refuses another later.
  Status SetOfficeCode(std::string_view code);

  // Sets or clears what AwaitingOwnHistory reports.
  Status SetAwaitingOwnHistory(bool awaiting);

  // The small classes of StoreView, writing too (in this transaction).
  using StoreView::audit;
  using StoreView::blobs;
  using StoreView::requests;
  using StoreView::sessions;
  Blobs blobs();
  RequestTable requests();
  AuditTable audit();
  SessionTable sessions();

  // Increments the named counter (created at 0) and returns its new value.
  Result<uint64_t> NextCounter(std::string_view name);

  // ---- erasure (node/store/erasure.h): personal data goes, every copy of it.
  // Each first overwrites what it replaces with zeros of the same length, in
  // place, so the bytes do not linger in a page the store keeps using.
  // Replaces stored record (kind, id) with `packed` (a StoredRecord whose
  // indexed values are the same: a scrub of free text).
  Status ScrubRecord(EntityKind kind, const Id& id, std::string_view packed);
  // Replaces log entry `seq` with `change`.
  Status ScrubLogEntry(uint64_t seq, schema::Change::Reader change);
  // Replaces the quarantined copy of `change` (same origin and origin seq),
  // keeping its reason.
  Status ScrubQuarantined(schema::Change::Reader change);
  // Drops the conflicts kept of record (kind, id) and the duplicate pairs
  // that name client `id` (file content: Blobs::Drop).
  Status DropConflictsOf(EntityKind kind, const Id& id);
  Status DropDuplicatesOf(const Id& client);

  // A nested transaction: its writes vanish if it is dropped uncommitted.
  Result<StoreTxn> BeginChild();
  Status Commit();
  // True if an operation ran out of map space: abort, Store::GrowMap, retry.
  bool map_full() const { return txn_.map_full(); }

 private:
  friend class Store;
  using StoreView::StoreView;
  // Adds to `writes` a duplicate-list entry for every other client holding
  // one of the client's new phone, email or card keys in `plan`.
  Status PlanDuplicates(const Id& id, const IndexPlan& plan, IndexWrites& writes) const;
  Status SetMetaCounter(std::string_view name, uint64_t value);
  // Puts the name and identity keys of live client `id` (by Store::
  // RebuildClientKeys), and a duplicate pair with each of the first other
  // holders of an identity key that is not listed already.
  Status RekeyClient(const Id& id, schema::Client::Reader client);
  // Puts the record and then every planned index write.
  Status WritePlanned(const std::string& key, std::string_view record, const IndexWrites& writes,
                      const IndexWrites& duplicates);
  // Deletes every index entry naming the record (kind, id): a damaged
  // record's entries cannot be worked out from it. Scans the index tables.
  Status DropIndexEntriesOf(EntityKind kind, const Id& id);
  Status FillBases(schema::Change::Builder change);
  // Apply, once a change with personal text for an erased client is scrubbed.
  Result<Applied> ApplyPrepared(const PreparedChange& prepared);
  // Takes the next log seq; Commit stores the last one taken.
  Result<uint64_t> NextLogSeq();
};

class Store {
 public:
  // Opens the store in options.dir, creating it (with a new node id) if empty.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options, Clock& clock);

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // This node's id, fixed when the store was created.
  const Id& node_id() const { return node_id_; }
  // Changes when a store is restored from a backup (see DESIGN.md).
  const Id& instance_id() const { return instance_id_; }

  // Writes a compacted copy of the store, as of one consistent snapshot, to
  // `dir` (created owner-only; it must not hold a store already). The node
  // goes on serving meanwhile; this may run in another process.
  Status Backup(const std::filesystem::path& dir) const;

  // Makes `dir` a store again from a copy Backup wrote to `backup`. The store
  // keeps its node id, gets a new instance id (its peers see it was restored)
  // and awaits its own history (AwaitingOwnHistory) until its uplink has
  // fetched what the hub holds of it. REQUIRES: `dir` holds no store.
  static Status RestoreBackup(const std::filesystem::path& backup, const std::filesystem::path& dir,
                              Clock& clock);

  // A read snapshot. Any thread.
  Result<StoreView> Read() const;
  // The write transaction. REQUIRES: only one thread writes (the Writer).
  Result<StoreTxn> BeginWrite();
  // Doubles the map. REQUIRES: the calling thread holds no transaction.
  Status GrowMap() { return env_->GrowMap(); }
  size_t map_bytes() { return env_->map_bytes(); }

  // The number of records of all kinds.
  Result<uint64_t> CountRecords() const;

  // True once since a transaction erased personal data (then false until
  // the next): the writer calls WipeFreePages after such a commit.
  bool TakeWipeRequest() { return wipe_wanted_.exchange(false); }
  void RequestWipe() const { wipe_wanted_ = true; }
  // Overwrites the file's free pages with zeros, so the bytes an erase took
  // away do not linger in pages LMDB freed (lmdb::Env::WipeFreePages).
  // REQUIRES: the writer's thread, holding no transaction.
  Result<uint64_t> WipeFreePages() { return env_->WipeFreePages(); }

  enum class Fresh { kSkip, kPrepare };
  // Checks `change` and encodes its log entry; with Fresh::kPrepare also
  // merges it as if its record did not exist yet (what StoreTxn::Apply then
  // uses if that is so). Reads nothing from the store. Any thread.
  PreparedChange Prepare(schema::Change::Reader change, Fresh fresh) const;

 private:
  friend class StoreView;
  friend class StoreTxn;
  friend class StoreChecker;
  // The meta key naming the store's format, and the formats this build reads.
  static constexpr std::string_view kMetaFormat = "format";
  static constexpr std::string_view kFormatVersion = "crm-store-5";
  static constexpr std::string_view kFormatBeforeChecksums = "crm-store-4";

  Store() = default;
  // The index writes taking a record of `kind` from `before` (null if it is
  // new) to `after`. Pure: no store reads.
  Status PlanIndexes(EntityKind kind, const schema::StoredRecord::Reader* before,
                     schema::StoredRecord::Reader after, const Id& id, IndexPlan& plan) const;
  // Works out the user entries of the unique-key index again if the store
  // made them another way (by login alone, before logins were per office);
  // once, when opened (node/store/indexes.cc).
  Status RebuildUserKeys();
  // Makes the client search keys (by_name, by_identity) again if the store
  // made them another way (before transliteration), and lists the clients
  // that then share a name and birth date or an address as duplicates; once,
  // when opened, in batches of options.conversion_batch clients, each
  // transaction recording how far it got, so a rebuild cut short resumes
  // (options.on_conversion is told after each batch, as table "client
  // keys"). node/store/client_keys.cc.
  Status RebuildClientKeys(const StoreOptions& options);
  // Writes every value of the checksummed tables of a crm-store-4 store
  // again with its checksum, then marks the store crm-store-5 (see
  // StoreOptions::conversion_batch; node/store/store_format.cc).
  Status ConvertToChecksums(const StoreOptions& options);
  // kCorruption naming the record under `key` (or log entry `seq`), what
  // `found` says of it and what to do; the record is noted as damaged.
  Status DamagedRecord(std::string_view key, const Status& found) const;
  Status DamagedLogEntry(uint64_t seq, const Status& found) const;

  std::unique_ptr<lmdb::Env> env_;
  StoreTables tables_;
  std::filesystem::path dir_;
  Id node_id_;
  Id instance_id_;
  // Set when a transaction took personal data away (an erase): the writer
  // then wipes the free pages (see WipeFreePages).
  mutable std::atomic<bool> wipe_wanted_{false};
  mutable Mutex damaged_mutex_;
  // Keys of records a read found damaged since the store was opened.
  mutable std::set<std::string> damaged_ GUARDED_BY(damaged_mutex_);
};

}  // namespace crm
