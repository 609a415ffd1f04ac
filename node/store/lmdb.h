// The LMDB adapter: the only place in the project that calls LMDB. It offers an
// environment, RAII transactions (nested ones too), named tables and cursors,
// and translates every LMDB return code into a Status (see docs/storage.md,
// "Error policy").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "sync/base/mutex.h"
#include "sync/base/status.h"

struct MDB_env;
struct MDB_txn;
struct MDB_cursor;

namespace crm::lmdb {

struct EnvOptions {
  std::filesystem::path dir;             // created (mode 0700) if missing
  size_t initial_map_bytes = 64u << 20;  // grown on demand, see Env::GrowMap
  size_t max_map_bytes = size_t{1} << 40;  // GrowMap refuses to go past this
  unsigned max_tables = 32;
  unsigned max_readers = 512;
  // false sets MDB_NOSYNC: commits are not durable. Only for tests and
  // benchmarks that say so.
  bool durable = true;
};

// A named table (an LMDB database handle). Plain value; valid while its Env is.
struct Table {
  unsigned dbi = 0;
  // Keys may repeat, each with a set of fixed-size values (MDB_DUPSORT |
  // MDB_DUPFIXED); used by the secondary indexes.
  bool multi = false;
  // Every value carries a checksum (node/store/checksum.h): Put and Append add it,
  // Get and cursors check it and hand out the value without it; a value
  // whose checksum does not match is kCorruption. REQUIRES: not multi.
  bool sealed = false;
  const char* name = "";  // for messages

  // The same table read and written as stored, checksums included and
  // unchecked: for scans that need only keys, for converting a store to
  // checksums, and for checking a whole store.
  Table Raw() const {
    Table raw = *this;
    raw.sealed = false;
    return raw;
  }
};

class Txn;
class Cursor;

// Lets transactions in while the map keeps its size, and lets a resize wait
// until none is open (LMDB forbids resizing under an open transaction of the
// same process). Unlike a reader-writer lock it may be left on a thread other
// than the one that entered (read snapshots move between threads), and a
// pending resize stops new transactions from starving it.
class ResizeGate {
 public:
  void Enter();
  void Leave();
  // Runs `resize` with no transaction open.
  template <typename F>
  auto Exclusive(F&& resize) {
    MutexLock lock(&mutex_);
    resizing_ = true;
    while (open_ != 0) changed_.Wait(&mutex_);
    auto result = resize();
    resizing_ = false;
    changed_.NotifyAll();
    return result;
  }

 private:
  Mutex mutex_;
  CondVar changed_;
  int open_ GUARDED_BY(mutex_) = 0;
  bool resizing_ GUARDED_BY(mutex_) = false;
};

class Env {
 public:
  static Result<std::unique_ptr<Env>> Open(const EnvOptions& options);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  // Opens (creating if needed) a table. REQUIRES: called before concurrent
  // use; `name` outlives the Env (a literal); not both multi and sealed.
  Result<Table> OpenTable(const char* name, bool multi, bool sealed = false);

  // A read-only snapshot. Any thread; many at once.
  Result<Txn> BeginRead();
  // The write transaction. REQUIRES: one writer thread at a time.
  Result<Txn> BeginWrite();

  // Doubles the map size (up to max_map_bytes; kResourceExhausted beyond).
  // Waits for open transactions of this process to end; new ones wait for it.
  // REQUIRES: the calling thread holds no transaction.
  Status GrowMap();

  size_t map_bytes();
  // Number of entries in `table` (per key-value pair for multi tables).
  Result<uint64_t> Count(Table table);

  // Flushes to disk; needed only when durable is false.
  Status Sync();

  // Overwrites the free pages of the file with zeros: LMDB copies a page on
  // write and frees the old one, which keeps its bytes until reused, so data
  // taken away on purpose (an erased client) would linger there. Fills every
  // page the free list holds with zero-filled values of a scratch table in
  // one transaction, then empties it in another, `rounds` times (a page
  // freed by the latest transactions is reused only some transactions
  // later). Pages a reader still holds stay as they are. Returns the pages
  // overwritten. REQUIRES: the writer's thread, holding no transaction.
  Result<uint64_t> WipeFreePages(int rounds = 3);

  // Writes a compacted copy of the environment, as of one read snapshot, to
  // `dir`/data.mdb (owner-only, flushed to disk). Writers go on meanwhile,
  // in this process or another. REQUIRES: `dir` exists and has no data.mdb.
  Status CopyCompacted(const std::filesystem::path& dir);

 private:
  Env() = default;
  Result<Txn> Begin(bool write);

  MDB_env* env_ = nullptr;
  size_t max_map_bytes_ = 0;
  ResizeGate gate_;
};

// A transaction. Move-only; aborts when destroyed uncommitted. Values
// returned by Get and cursors point into the map (and may be unaligned); they
// are valid until the transaction ends, in a write transaction only until its
// next Put or Delete. A write transaction ends on the thread that began it.
// A thread holds at most one top-level transaction at a time, and a child
// ends before its parent.
class Txn {
 public:
  Txn(Txn&& other) noexcept;
  Txn& operator=(Txn&& other) noexcept;
  ~Txn();

  // The value under `key`; kNotFound if absent; kCorruption if the table is
  // sealed and the value's checksum does not match.
  Result<std::string_view> Get(Table table, std::string_view key) const;
  // Whether a multi table holds the pair key/value. REQUIRES: table.multi.
  Result<bool> Contains(Table table, std::string_view key, std::string_view value) const;

  // Stores `value` under `key` (adds it to the key's set in a multi table).
  Status Put(Table table, std::string_view key, std::string_view value);
  // Put for a key greater than every key of `table` (cheaper: no search).
  // kAlreadyExists (MDB_KEYEXIST) if it is not. REQUIRES: `table` is not multi.
  Status Append(Table table, std::string_view key, std::string_view value);
  // Removes `key` (in a multi table: only the pair key/value). kNotFound if absent.
  Status Delete(Table table, std::string_view key, std::string_view value = {});
  // Removes every entry of `table` (the table stays).
  Status Clear(Table table);

  Result<Cursor> OpenCursor(Table table) const;

  // A nested write transaction: its changes join this one on Commit and vanish
  // on Abort. REQUIRES: this is a write transaction; no other child is open.
  Result<Txn> BeginChild();

  Status Commit();
  void Abort();

  // True once any operation of this transaction tree hit MDB_MAP_FULL: the
  // whole tree must be aborted and the map grown (Env::GrowMap) before retrying.
  bool map_full() const { return state_ && state_->map_full; }

 private:
  friend class Env;
  struct SharedState {
    bool map_full = false;
  };
  Txn(MDB_txn* txn, ResizeGate* gate, std::shared_ptr<SharedState> state);
  Status Check(int rc, const char* what) const;
  Status Ended() const;
  void End();

  MDB_txn* txn_ = nullptr;
  ResizeGate* gate_ = nullptr;  // entered while open; null for child transactions
  std::shared_ptr<SharedState> state_;
  std::string sealed_;  // a value with its checksum, on its way into a sealed table
};

// Iterates a table in key order. Move-only; REQUIRES its Txn outlives it.
// On a sealed table, a move onto a value whose checksum does not match
// returns kCorruption and stays there: valid() holds, key() names the entry,
// value() is the bytes as stored, and Next() goes on past it.
class Cursor {
 public:
  Cursor(Cursor&& other) noexcept;
  Cursor& operator=(Cursor&& other) noexcept;
  ~Cursor();

  // Positions at the first key >= `key`. valid() tells whether there is one.
  Status Seek(std::string_view key);
  Status First();
  Status Last();
  // Next pair (next value of the same key first in multi tables).
  Status Next();
  Status Prev();

  bool valid() const { return valid_; }
  // REQUIRES: valid()
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }

 private:
  friend class Txn;
  Cursor(MDB_cursor* cursor, Table table) : cursor_(cursor), table_(table) {}
  Status Move(int op, std::string_view seek_key = {});

  MDB_cursor* cursor_ = nullptr;
  Table table_;
  bool valid_ = false;
  std::string_view key_;
  std::string_view value_;
};

}  // namespace crm::lmdb
