#include "node/store/lmdb.h"

#include <lmdb.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <thread>
#include <cstring>
#include <string>
#include <system_error>

#include "node/store/checksum.h"

namespace crm::lmdb {
namespace {

MDB_val ToVal(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

std::string_view FromVal(const MDB_val& val) {
  return {static_cast<const char*>(val.mv_data), val.mv_size};
}

// The error policy: every LMDB or errno code becomes one Status code, with a
// message naming the operation. See docs/storage.md.
Status Translate(int rc, const char* what) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string message = std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_SUCCESS:
      return Status::Ok();
    case MDB_NOTFOUND:
      return Status::NotFound(std::move(message));
    case MDB_KEYEXIST:
      return Status::AlreadyExists(std::move(message));
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_DBS_FULL:
      return Status::ResourceExhausted(std::move(message));
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      // Nothing of the transaction is kept; the store is as before it.
      return Status::ResourceExhausted("the disk is full (" + message + "); free space, then retry");
    case MDB_READERS_FULL:
    case EAGAIN:
      return Status::Unavailable(std::move(message));
    case MDB_BAD_VALSIZE:
      return Status::InvalidArgument("key", std::move(message));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
    case MDB_INCOMPATIBLE:
      return Status::Corruption(std::move(message));
    case EACCES:
    case EPERM:
      return Status::PermissionDenied(std::move(message));
    default:
      return Status::IOError(std::move(message));
  }
}

// The key as hex, for messages about one entry.
std::string HexKey(std::string_view key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key.substr(0, 64)) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  if (key.size() > 64) out += "...";
  return out;
}

Status Damaged(const Table& table, std::string_view key) {
  return Status::Corruption("the value under key " + HexKey(key) + " in table '" + table.name +
                            "' is damaged: its checksum does not match");
}

}  // namespace

// ---- Env ------------------------------------------------------------------

Result<std::unique_ptr<Env>> Env::Open(const EnvOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return Status::IOError("cannot create data directory " + options.dir.string() + ": " +
                           ec.message());
  }
  ::chmod(options.dir.c_str(), 0700);

  std::unique_ptr<Env> env(new Env());
  env->max_map_bytes_ = options.max_map_bytes;
  int rc = mdb_env_create(&env->env_);
  if (rc != MDB_SUCCESS) return Translate(rc, "mdb_env_create");
  if ((rc = mdb_env_set_maxdbs(env->env_, options.max_tables)) != MDB_SUCCESS)
    return Translate(rc, "mdb_env_set_maxdbs");
  if ((rc = mdb_env_set_maxreaders(env->env_, options.max_readers)) != MDB_SUCCESS)
    return Translate(rc, "mdb_env_set_maxreaders");
  if ((rc = mdb_env_set_mapsize(env->env_, options.initial_map_bytes)) != MDB_SUCCESS)
    return Translate(rc, "mdb_env_set_mapsize");
  // MDB_NOTLS: read transactions are not tied to threads, so a request may be
  // served by any thread. An existing, larger data file keeps its size.
  unsigned flags = MDB_NOTLS | (options.durable ? 0u : MDB_NOSYNC);
  rc = mdb_env_open(env->env_, options.dir.c_str(), flags, 0600);
  if (rc != MDB_SUCCESS) return Translate(rc, ("opening store " + options.dir.string()).c_str());
  // Make a newly created store's directory entries durable too.
  for (const std::filesystem::path& dir : {options.dir, options.dir.parent_path()}) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  return env;
}

Env::~Env() {
  if (env_ != nullptr) mdb_env_close(env_);
}

Result<Table> Env::OpenTable(const char* name, bool multi, bool sealed) {
  auto txn = BeginWrite();
  if (!txn.ok()) return txn.status();
  unsigned flags = MDB_CREATE | (multi ? MDB_DUPSORT | MDB_DUPFIXED : 0u);
  MDB_dbi dbi = 0;
  int rc = mdb_dbi_open(txn->txn_, name, flags, &dbi);
  if (rc != MDB_SUCCESS) return Translate(rc, (std::string("opening table ") + name).c_str());
  CRM_RETURN_IF_ERROR(txn->Commit());
  return Table{dbi, multi, sealed && !multi, name};
}

Result<Txn> Env::BeginRead() { return Begin(false); }

Result<Txn> Env::BeginWrite() { return Begin(true); }

void ResizeGate::Enter() {
  MutexLock lock(&mutex_);
  while (resizing_) changed_.Wait(&mutex_);
  ++open_;
}

void ResizeGate::Leave() {
  MutexLock lock(&mutex_);
  if (--open_ == 0) changed_.NotifyAll();
}

Result<Txn> Env::Begin(bool write) {
  gate_.Enter();
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, write ? 0u : MDB_RDONLY, &txn);
  if (rc == MDB_MAP_RESIZED) {
    // Another process (a backup tool, say) grew the map: adopt its size.
    gate_.Leave();
    rc = gate_.Exclusive([this] { return mdb_env_set_mapsize(env_, 0); });
    if (rc != MDB_SUCCESS) return Translate(rc, "adopting the new map size");
    gate_.Enter();
    rc = mdb_txn_begin(env_, nullptr, write ? 0u : MDB_RDONLY, &txn);
  }
  if (rc != MDB_SUCCESS) {
    gate_.Leave();
    return Translate(rc, write ? "begin write" : "begin read");
  }
  return Txn(txn, &gate_, std::make_shared<Txn::SharedState>());
}

Status Env::GrowMap() {
  return gate_.Exclusive([this]() -> Status {
    MDB_envinfo info;
    mdb_env_info(env_, &info);
    if (info.me_mapsize >= max_map_bytes_) {
      return Status::ResourceExhausted("the store is full: its map reached the limit of " +
                                       std::to_string(max_map_bytes_) + " bytes");
    }
    size_t bigger = std::min(info.me_mapsize * 2, max_map_bytes_);
    return Translate(mdb_env_set_mapsize(env_, bigger), "growing the map");
  });
}

size_t Env::map_bytes() {
  return gate_.Exclusive([this] {
    MDB_envinfo info;
    mdb_env_info(env_, &info);
    return info.me_mapsize;
  });
}

Result<uint64_t> Env::Count(Table table) {
  auto txn = BeginRead();
  if (!txn.ok()) return txn.status();
  MDB_stat stat;
  int rc = mdb_stat(txn->txn_, table.dbi, &stat);
  if (rc != MDB_SUCCESS) return Translate(rc, "mdb_stat");
  return static_cast<uint64_t>(stat.ms_entries);
}

Status Env::Sync() { return Translate(mdb_env_sync(env_, 1), "mdb_env_sync"); }

namespace {

// The snapshot (txn id) of the oldest read transaction open in any process,
// or UINT64_MAX if none: LMDB's reader table through mdb_reader_list, whose
// lines end with the reader's txn id ("-" for a free slot).
uint64_t OldestReader(MDB_env* env) {
  uint64_t oldest = UINT64_MAX;
  mdb_reader_list(
      env,
      [](const char* line, void* context) -> int {
        std::string_view text(line);
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
        size_t space = text.find_last_of(' ');
        std::string_view last = space == std::string_view::npos ? text : text.substr(space + 1);
        if (last.empty() || last == "-" || last.find_first_not_of("0123456789") != std::string_view::npos) {
          return 0;
        }
        auto& found = *static_cast<uint64_t*>(context);
        found = std::min<uint64_t>(found, std::stoull(std::string(last)));
        return 0;
      },
      &oldest);
  return oldest;
}

}  // namespace

Result<uint64_t> Env::WipeFreePages(int rounds) {
  MDB_stat env_stat;
  CRM_RETURN_IF_ERROR(Translate(mdb_env_stat(env_, &env_stat), "mdb_env_stat"));
  // A value this size takes exactly one overflow page of its own (a page
  // header is 16 bytes), so each put overwrites one whole free page.
  const std::string zeros(env_stat.ms_psize - 16, '\0');
  uint64_t wiped = 0;
  for (int round = 0; round < rounds; ++round) {
    // A page is reused only once no reader's snapshot is as old as the
    // transaction that freed it: give the readers open now (a pull, a card)
    // a moment to end.
    MDB_envinfo info;
    CRM_RETURN_IF_ERROR(Translate(mdb_env_info(env_, &info), "mdb_env_info"));
    for (int waited = 0; waited < 500 && OldestReader(env_) < info.me_last_txnid; ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    // The free list (LMDB's database 0, read only in a read transaction):
    // per freeing transaction, its pages; those freed before the last
    // commit are reusable by the next write.
    auto snapshot = BeginRead();
    if (!snapshot.ok()) return snapshot.status();
    MDB_cursor* cursor = nullptr;
    CRM_RETURN_IF_ERROR(
        Translate(mdb_cursor_open(snapshot->txn_, 0, &cursor), "mdb_cursor_open (free list)"));
    const size_t reusable_before = mdb_txn_id(snapshot->txn_);
    uint64_t free_pages = 0;
    MDB_val key, data;
    for (int rc = mdb_cursor_get(cursor, &key, &data, MDB_FIRST); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(cursor, &key, &data, MDB_NEXT)) {
      size_t freed_by = 0;
      std::memcpy(&freed_by, key.mv_data, std::min(key.mv_size, sizeof freed_by));
      if (freed_by >= reusable_before) continue;
      size_t count = 0;
      std::memcpy(&count, data.mv_data, std::min(data.mv_size, sizeof count));
      free_pages += count;
    }
    mdb_cursor_close(cursor);
    snapshot->Abort();
    if (free_pages == 0) break;
    // A margin: the scratch table's own pages take some free ones too, and
    // a page left over would keep its bytes. The extra few grow the file.
    free_pages += free_pages / 8 + 8;
    auto txn = BeginWrite();
    if (!txn.ok()) return txn.status();
    MDB_dbi scratch = 0;
    CRM_RETURN_IF_ERROR(
        Translate(mdb_dbi_open(txn->txn_, "wipe", MDB_CREATE, &scratch), "mdb_dbi_open"));
    for (uint64_t i = 0; i < free_pages; ++i) {
      uint64_t big_endian = __builtin_bswap64(i);
      MDB_val k{sizeof big_endian, &big_endian};
      MDB_val v{zeros.size(), const_cast<char*>(zeros.data())};
      int rc = mdb_put(txn->txn_, scratch, &k, &v, 0);
      if (rc == MDB_MAP_FULL) return wiped;  // aborted; the rest waits for the next wipe
      CRM_RETURN_IF_ERROR(Translate(rc, "mdb_put"));
    }
    CRM_RETURN_IF_ERROR(txn->Commit());
    auto empty = BeginWrite();
    if (!empty.ok()) return empty.status();
    CRM_RETURN_IF_ERROR(Translate(mdb_drop(empty->txn_, scratch, 0), "mdb_drop"));
    CRM_RETURN_IF_ERROR(empty->Commit());
    wiped += free_pages;
  }
  return wiped;
}

Status Env::CopyCompacted(const std::filesystem::path& dir) {
  CRM_RETURN_IF_ERROR(Translate(mdb_env_copy2(env_, dir.c_str(), MDB_CP_COMPACT), "mdb_env_copy2"));
  std::filesystem::path file = dir / "data.mdb";
  std::error_code error;
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               error);
  if (error) return Status::Internal("cannot make " + file.string() + " private: " + error.message());
  int fd = ::open(file.c_str(), O_RDONLY);
  if (fd < 0 || ::fsync(fd) != 0) {
    int saved = errno;
    if (fd >= 0) ::close(fd);
    return Status::Internal("cannot flush " + file.string() + ": " + std::strerror(saved));
  }
  ::close(fd);
  return Status::Ok();
}

// ---- Txn ------------------------------------------------------------------

Txn::Txn(MDB_txn* txn, ResizeGate* gate, std::shared_ptr<SharedState> state)
    : txn_(txn), gate_(gate), state_(std::move(state)) {}

Txn::Txn(Txn&& other) noexcept
    : txn_(std::exchange(other.txn_, nullptr)),
      gate_(std::exchange(other.gate_, nullptr)),
      state_(std::move(other.state_)) {}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    Abort();
    txn_ = std::exchange(other.txn_, nullptr);
    gate_ = std::exchange(other.gate_, nullptr);
    state_ = std::move(other.state_);
  }
  return *this;
}

Txn::~Txn() { Abort(); }

Status Txn::Check(int rc, const char* what) const {
  if (rc == MDB_MAP_FULL && state_) state_->map_full = true;
  return Translate(rc, what);
}

Status Txn::Ended() const { return Status::Internal("use of a transaction that has ended"); }

void Txn::End() {
  txn_ = nullptr;
  if (gate_ != nullptr) std::exchange(gate_, nullptr)->Leave();
}

Result<std::string_view> Txn::Get(Table table, std::string_view key) const {
  if (txn_ == nullptr) return Ended();
  MDB_val k = ToVal(key);
  MDB_val v;
  int rc = mdb_get(txn_, table.dbi, &k, &v);
  if (rc != MDB_SUCCESS) return Check(rc, "get");
  if (!table.sealed) return FromVal(v);
  std::string_view value;
  if (!Unseal(key, FromVal(v), &value)) return Damaged(table, key);
  return value;
}

Result<bool> Txn::Contains(Table table, std::string_view key, std::string_view value) const {
  if (txn_ == nullptr) return Ended();
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_, table.dbi, &cursor);
  if (rc != MDB_SUCCESS) return Check(rc, "open cursor");
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  rc = mdb_cursor_get(cursor, &k, &v, MDB_GET_BOTH);
  mdb_cursor_close(cursor);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return Check(rc, "get pair");
  return true;
}

Status Txn::Put(Table table, std::string_view key, std::string_view value) {
  if (txn_ == nullptr) return Ended();
  if (table.sealed) {
    Seal(key, value, sealed_);
    value = sealed_;
  }
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  return Check(mdb_put(txn_, table.dbi, &k, &v, 0), "put");
}

Status Txn::Append(Table table, std::string_view key, std::string_view value) {
  if (txn_ == nullptr) return Ended();
  if (table.sealed) {
    Seal(key, value, sealed_);
    value = sealed_;
  }
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  return Check(mdb_put(txn_, table.dbi, &k, &v, MDB_APPEND), "append");
}

Status Txn::Delete(Table table, std::string_view key, std::string_view value) {
  if (txn_ == nullptr) return Ended();
  MDB_val k = ToVal(key);
  MDB_val v = ToVal(value);
  return Check(mdb_del(txn_, table.dbi, &k, table.multi ? &v : nullptr), "delete");
}

Status Txn::Clear(Table table) {
  if (txn_ == nullptr) return Ended();
  return Check(mdb_drop(txn_, table.dbi, 0), "clear");
}

Result<Cursor> Txn::OpenCursor(Table table) const {
  if (txn_ == nullptr) return Ended();
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_, table.dbi, &cursor);
  if (rc != MDB_SUCCESS) return Check(rc, "open cursor");
  return Cursor(cursor, table);
}

Result<Txn> Txn::BeginChild() {
  if (txn_ == nullptr) return Ended();
  MDB_txn* child = nullptr;
  int rc = mdb_txn_begin(mdb_txn_env(txn_), txn_, 0, &child);
  if (rc != MDB_SUCCESS) return Check(rc, "begin nested");
  return Txn(child, nullptr, state_);
}

namespace {

// LMDB reports a short write as EIO, and a write that ran out of disk (or
// into the file size limit) is short. Tells those apart from a failing disk.
int CauseOfShortWrite(MDB_env* env) {
  constexpr uint64_t kSlack = 1u << 20;  // less than this left counts as full
  mdb_filehandle_t fd;
  if (mdb_env_get_fd(env, &fd) != MDB_SUCCESS) return EIO;
  struct statvfs disk;
  if (fstatvfs(fd, &disk) == 0 && uint64_t{disk.f_bavail} * disk.f_frsize < kSlack) return ENOSPC;
  struct rlimit limit;
  struct stat file;
  if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      fstat(fd, &file) == 0 && static_cast<uint64_t>(file.st_size) + kSlack >= limit.rlim_cur) {
    return EFBIG;
  }
  return EIO;
}

}  // namespace

Status Txn::Commit() {
  if (txn_ == nullptr) return Ended();
  MDB_env* env = mdb_txn_env(txn_);
  int rc = mdb_txn_commit(txn_);  // frees the transaction even when it fails
  End();
  if (rc == EIO) rc = CauseOfShortWrite(env);
  return Check(rc, "commit");
}

void Txn::Abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  End();
}

// ---- Cursor ---------------------------------------------------------------

Cursor::Cursor(Cursor&& other) noexcept
    : cursor_(std::exchange(other.cursor_, nullptr)),
      table_(other.table_),
      valid_(other.valid_),
      key_(other.key_),
      value_(other.value_) {}

Cursor& Cursor::operator=(Cursor&& other) noexcept {
  if (this != &other) {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
    cursor_ = std::exchange(other.cursor_, nullptr);
    table_ = other.table_;
    valid_ = other.valid_;
    key_ = other.key_;
    value_ = other.value_;
  }
  return *this;
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

Status Cursor::Move(int op, std::string_view seek_key) {
  MDB_val k = ToVal(seek_key);
  MDB_val v{0, nullptr};
  int rc = mdb_cursor_get(cursor_, &k, &v, static_cast<MDB_cursor_op>(op));
  if (rc == MDB_NOTFOUND) {
    valid_ = false;
    return Status::Ok();
  }
  if (rc != MDB_SUCCESS) {
    valid_ = false;
    return Translate(rc, "cursor");
  }
  valid_ = true;
  key_ = FromVal(k);
  value_ = FromVal(v);
  if (table_.sealed && !Unseal(key_, value_, &value_)) return Damaged(table_, key_);
  return Status::Ok();
}

Status Cursor::Seek(std::string_view key) { return Move(MDB_SET_RANGE, key); }
Status Cursor::First() { return Move(MDB_FIRST); }
Status Cursor::Last() { return Move(MDB_LAST); }
Status Cursor::Next() { return Move(MDB_NEXT); }
Status Cursor::Prev() { return Move(MDB_PREV); }

}  // namespace crm::lmdb
