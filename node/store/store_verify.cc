#include "node/store/store_verify.h"

#include <kj/exception.h>

#include <map>
#include <set>
#include <string_view>

#include "node/common/crypto.h"
#include "node/store/audit.h"
#include "node/store/checksum.h"
#include "node/store/file_content.h"
#include "node/store/internal.h"
#include "schema/change.capnp.h"
#include "sync/base/codec.h"
#include "sync/base/wire.h"
#include "sync/merge.h"
#include "sync/uplink.h"

namespace crm {
namespace {

// More lines than anyone reads: the rest are counted.
constexpr size_t kMaxProblems = 1000;
// How many stale entries of one index are named.
constexpr size_t kMaxStaleNamed = 20;

using store_internal::ReadBigEndian64;
using store_internal::RecordKey;

Id IdAt(std::string_view bytes) { return Id::FromBytes(reinterpret_cast<const uint8_t*>(bytes.data())); }

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes.substr(0, 40)) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  if (bytes.size() > 40) out += "...";
  return out;
}

// Text as it is if it is printable ASCII or UTF-8 letters, else hex.
std::string Printable(std::string_view bytes) {
  for (unsigned char c : bytes) {
    if (c < 0x20 || c == 0x7f) return "0x" + Hex(bytes);
  }
  return "'" + std::string(bytes) + "'";
}

bool IsRecordKey(std::string_view key) {
  return key.size() == 17 && IsKnownKind(static_cast<uint8_t>(key[0]));
}

EntityKind KindOf(std::string_view key) { return static_cast<EntityKind>(static_cast<uint8_t>(key[0])); }

std::string RecordName(std::string_view key) {
  if (!IsRecordKey(key)) return "a record under the malformed key 0x" + Hex(key);
  return std::string(EntityName(KindOf(key))) + " " + IdAt(key.substr(1)).ToString();
}

}  // namespace

// Friend of Store and StoreView: reads every table as stored.
class StoreChecker {
 public:
  StoreChecker(const Store& store, const StoreView& view, StoreCheck& check)
      : store_(store), view_(view), t_(store.tables_), txn_(view.txn_), check_(check) {}

  Status Run() {
    CRM_RETURN_IF_ERROR(Meta());
    CRM_RETURN_IF_ERROR(Records());
    CRM_RETURN_IF_ERROR(Indexes());
    CRM_RETURN_IF_ERROR(Log());
    for (const lmdb::Table& table : {t_.quarantine, t_.conflicts, t_.requests, t_.duplicates, t_.sessions}) {
      CRM_RETURN_IF_ERROR(Values(table));
    }
    CRM_RETURN_IF_ERROR(Files());
    return Status::Ok();
  }

 private:
  void Problem(std::string line) {
    if (check_.problems.size() < kMaxProblems) {
      check_.problems.push_back(std::move(line));
    } else {
      ++unlisted_;
    }
  }

 public:
  void Finish() {
    if (unlisted_ > 0) check_.problems.push_back("... and " + std::to_string(unlisted_) + " more");
  }

 private:
  // Calls `each(key, value)` for every entry of `table` as stored.
  template <typename Each>
  Status Scan(const lmdb::Table& table, Each&& each) {
    CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(table.Raw()));
    CRM_RETURN_IF_ERROR(cursor.First());
    while (cursor.valid()) {
      each(cursor.key(), cursor.value());
      CRM_RETURN_IF_ERROR(cursor.Next());
    }
    return Status::Ok();
  }

  Status Meta() {
    return Scan(t_.meta, [&](std::string_view key, std::string_view stored) {
      ++check_.other_values;
      std::string_view value;
      if (!Unseal(key, stored, &value)) {
        Problem("meta value " + Printable(key) +
                " is damaged (its checksum does not match); restore the store from a backup");
      }
    });
  }

  Status Records() {
    return Scan(t_.records, [&](std::string_view key, std::string_view stored) {
      ++check_.records;
      std::string_view value;
      if (!IsRecordKey(key)) {
        Problem("the records hold " + RecordName(key) + " (a damaged key?)");
        return;
      }
      if (!Unseal(key, stored, &value)) {
        Damaged(key, "its checksum does not match");
        return;
      }
      auto message = DecodedMessage::DecodePacked(value);
      if (!message.ok()) {
        Damaged(key, message.status().message());
        return;
      }
      try {
        auto record = message->Root<schema::StoredRecord>();
        if (Status shape = CheckStoredShape(record); !shape.ok()) {
          Damaged(key, "malformed: " + shape.message());
          return;
        }
        if (record.getEntity() != KindOf(key) || IdFromWire(record.getId()) != IdAt(key.substr(1))) {
          Problem("the " + RecordName(key) + " holds the record of " +
                  RecordName(RecordKey(record.getEntity(), IdFromWire(record.getId()))));
          return;
        }
        if (record.getEntity() == EntityKind::FILE_CONTENT) {
          // A file's bytes against their SHA-256 (the checksum above covers
          // the stored value, not what was attached).
          ++check_.files;
          if (Status content = CheckFileContentRecord(record); !content.ok()) {
            Damaged(key, "its file content does not match its SHA-256: " + content.message());
            return;
          }
        }
        IndexPlan plan;
        if (Status planned = store_.PlanIndexes(KindOf(key), nullptr, record, IdAt(key.substr(1)), plan);
            !planned.ok()) {
          Damaged(key, planned.message());
          return;
        }
        for (const IndexWrite& write : plan.writes) {
          ++expected_[write.table.dbi];
          auto held = txn_.Contains(write.table, write.key, write.value);
          if (held.ok() && !*held) {
            Problem("index " + std::string(write.table.name) + " lacks the " + RecordName(key) +
                    " under " + IndexKeyName(write.table, write.key));
          }
        }
      } catch (const kj::Exception& e) {
        Damaged(key, e.getDescription().cStr());
      }
    });
  }

  void Damaged(std::string_view key, const std::string& why) {
    Problem("the " + RecordName(key) + " is damaged (" + why +
            "); a node with a hub fetches it back from there");
    damaged_keys_.emplace(key);
    check_.damaged_records.emplace_back(KindOf(key), IdAt(key.substr(1)));
  }

  std::string IndexKeyName(const lmdb::Table& table, std::string_view key) const {
    if (table.dbi == t_.by_link.dbi && key.size() == 16) return IdAt(key).ToString();
    if (table.dbi == t_.by_key.dbi && !key.empty()) return Printable(key.substr(1));
    return Printable(key);
  }

  // The record an index entry names, as a records key.
  std::string NamedRecord(const lmdb::Table& table, std::string_view key, std::string_view value) const {
    if (table.dbi == t_.by_link.dbi) return std::string(value);
    if (table.dbi == t_.by_key.dbi) {
      return key.empty() || value.size() != 16 ? std::string() : RecordKey(KindOf(key), IdAt(value));
    }
    return value.size() == 16 ? RecordKey(EntityKind::CLIENT, IdAt(value)) : std::string();
  }

  // Every entry the records make is in its index (Records); an index with as
  // many entries as that holds nothing else. Only when the counts differ is
  // each entry looked at, to name those no record makes.
  Status Indexes() {
    for (const lmdb::Table& table : {t_.by_phone, t_.by_email, t_.by_card, t_.by_name,
                                     t_.by_identity, t_.by_link, t_.by_key}) {
      uint64_t entries = 0;
      CRM_RETURN_IF_ERROR(Scan(table, [&](std::string_view, std::string_view) { ++entries; }));
      check_.index_entries += entries;
      if (entries <= expected_[table.dbi]) continue;
      size_t named = 0;
      uint64_t stale = 0;
      CRM_RETURN_IF_ERROR(Scan(table, [&](std::string_view key, std::string_view value) {
        std::string record = NamedRecord(table, key, value);
        if (damaged_keys_.count(record) > 0) return;  // named already
        std::string why = Stale(table, key, value, record);
        if (why.empty()) return;
        ++stale;
        if (named++ < kMaxStaleNamed) {
          Problem("index " + std::string(table.name) + " names " + why + " under " + IndexKeyName(table, key));
        }
      }));
      if (named > kMaxStaleNamed) {
        Problem("index " + std::string(table.name) + " has " + std::to_string(stale) +
                " entries that no record makes");
      }
    }
    return Status::Ok();
  }

  // Why the index entry is not one its record makes; empty if it is.
  std::string Stale(const lmdb::Table& table, std::string_view key, std::string_view value,
                    const std::string& record_key) const {
    if (!IsRecordKey(record_key)) return "a malformed record key 0x" + Hex(value);
    auto stored = txn_.Get(t_.records, record_key);
    if (!stored.ok()) return "the " + RecordName(record_key) + ", which does not exist";
    auto message = DecodedMessage::DecodePacked(*stored);
    if (!message.ok()) return {};
    try {
      IndexPlan plan;
      if (!store_.PlanIndexes(KindOf(record_key), nullptr, message->Root<schema::StoredRecord>(),
                              IdAt(record_key.substr(1)), plan)
               .ok()) {
        return {};
      }
      for (const IndexWrite& write : plan.writes) {
        if (write.table.dbi == table.dbi && write.key == key && write.value == value) return {};
      }
    } catch (const kj::Exception&) {
      return {};
    }
    return "the " + RecordName(record_key) + ", which does not hold it";
  }

  Status Log() {
    // (A damaged meta value is named already; the checks it feeds are left out.)
    auto last = view_.LastSeq();
    auto push = view_.Cursor(kUplinkPushCursor);
    const uint64_t pushed = push.ok() ? *push : 0;
    auto advice = [&](uint64_t seq) -> std::string {
      if (seq <= pushed) {
        return "the hub holds its change already (this node pushed through seq " + std::to_string(pushed) +
               "): nothing is lost, and the entry goes when the log is pruned";
      }
      return "its change may be held nowhere else: nodes that need it stop at it; restore the store from a "
             "backup taken after it (docs/storage.md, \"Checksums\")";
    };
    CRM_RETURN_IF_ERROR(Scan(t_.log, [&](std::string_view key, std::string_view stored) {
      ++check_.log_entries;
      if (key.size() != 8) {
        Problem("the log holds an entry under the malformed key 0x" + Hex(key));
        return;
      }
      const uint64_t seq = ReadBigEndian64(key);
      std::string_view value;
      if (!Unseal(key, stored, &value)) {
        Problem("log entry " + std::to_string(seq) + " is damaged (its checksum does not match); " + advice(seq));
        return;
      }
      auto message = DecodedMessage::DecodePacked(value);
      if (!message.ok()) {
        Problem("log entry " + std::to_string(seq) + " is damaged (" + message.status().message() + "); " +
                advice(seq));
        return;
      }
      if (last.ok() && seq > *last) {
        Problem("log entry " + std::to_string(seq) + " lies beyond the log's last seq " +
                std::to_string(*last));
      }
    }));
    return Scan(t_.log_source, [&](std::string_view key, std::string_view stored) {
      ++check_.other_values;
      std::string_view value;
      if (!Unseal(key, stored, &value)) {
        Problem("the source of log entry " + std::to_string(ReadBigEndian64(key)) +
                " is damaged (its checksum does not match); " + advice(ReadBigEndian64(key)));
      }
    });
  }

  Status Values(const lmdb::Table& table) {
    return Scan(table, [&](std::string_view key, std::string_view stored) {
      ++check_.other_values;
      std::string_view value;
      if (!Unseal(key, stored, &value)) {
        Problem("an entry of table " + std::string(table.name) + " (key 0x" + Hex(key) +
                ") is damaged (its checksum does not match)");
        return;
      }
      std::string_view packed;
      if (table.dbi == t_.conflicts.dbi) packed = value;
      if (table.dbi == t_.quarantine.dbi) {
        size_t end = value.find('\0');
        packed = end == std::string_view::npos ? std::string_view() : value.substr(end + 1);
        if (packed.empty()) {
          Problem("a quarantined change (key 0x" + Hex(key) + ") has lost its reason");
          return;
        }
      }
      if (table.dbi == t_.sessions.dbi && (key.size() != 64 || value.size() != 40)) {
        Problem("a stored session (key 0x" + Hex(key) + ") is malformed");
        return;
      }
      if (!packed.empty() && !DecodedMessage::DecodePacked(packed).ok()) {
        Problem("an entry of table " + std::string(table.name) + " (key 0x" + Hex(key) + ") cannot be decoded");
      }
    });
  }

  Status Files() {
    return Scan(t_.blobs, [&](std::string_view key, std::string_view content) {
      ++check_.files;
      if (Sha256Hex(content) != key) {
        Problem("file " + std::string(key) + " is damaged: its content does not match its SHA-256");
      }
    });
  }

  const Store& store_;
  const StoreView& view_;
  const StoreTables& t_;
  const lmdb::Txn& txn_;
  StoreCheck& check_;
  std::map<unsigned, uint64_t> expected_;  // by table: the entries the records make
  std::set<std::string> damaged_keys_;
  uint64_t unlisted_ = 0;
};

Result<StoreCheck> VerifyStore(const Store& store) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  StoreCheck check;
  StoreChecker checker(store, view, check);
  CRM_RETURN_IF_ERROR(checker.Run());
  auto audit = VerifyAudit(view);
  if (!audit.ok()) {
    // Its head in meta is damaged (named above), say.
    check.problems.push_back("the audit log cannot be checked: " + audit.status().ToString());
  } else {
    check.audit_entries = audit->entries;
    if (!audit->intact()) {
      check.problems.push_back("the audit log is broken at entry " + std::to_string(audit->broken_at) +
                               ": " + audit->reason + " (crm-admin audit verify)");
    }
  }
  checker.Finish();
  return check;
}

}  // namespace crm
