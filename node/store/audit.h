// The audit log of a node: an append-only record of who did what (every
// front-desk write, every login, every refusal, the operator's enrollments),
// kept in the store and hash-chained with SHA-256 so that tampering shows.
//
// Entry n is stored under seq n as HASH + ENTRY, where ENTRY is the packed
// schema::AuditEntry (it names seq n and the hash of entry n-1) and HASH is
// the SHA-256 of ENTRY in hex. The meta table keeps the head ("seq:hash" of
// the last entry), written with it. VerifyAudit recomputes the chain: an
// entry edited in place, removed, inserted or cut off the end breaks it, and
// the verdict names the first entry that no longer fits.
//
// An entry is appended in the transaction of the write it describes, so the
// two commit together or not at all. The chain shows tampering with the
// store's file; it does not stop someone who rewrites the whole chain from
// the first changed entry on (that needs the head kept elsewhere too).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/store/store.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

// What one audit entry says; the chain fields are the log's own business.
struct AuditEvent {
  int64_t time_ms = 0;
  Id user;            // null for the node itself or the operator's tool
  std::string login;  // the login used, or "crm-admin"
  schema::Role role = schema::Role::CASHIER;
  std::string action;  // "record a sale", "log in", "enroll an office" ...
  bool refused = false;
  std::string detail;  // a receipt number, an office code, why it was refused
  Id request_id;
  std::vector<std::pair<EntityKind, Id>> subjects;  // the records it wrote
  // Who approved it at the till (a sale beyond the seller's limits), or, in
  // a refused entry, whose approval was offered; null and "" if nobody's.
  Id approved_by;
  std::string approver_login;
};

// An entry read back, with its place in the chain.
struct AuditRecord {
  uint64_t seq = 0;
  std::string hash;  // hex
  AuditEvent event;
};

// The audit table and its head in the meta table. Small classes over a store
// transaction (StoreView::audit(), StoreTxn::audit()); AppendAudit,
// ReadAuditLog and VerifyAudit below are what the rest of the node uses.
class AuditTableView {
 public:
  AuditTableView(const lmdb::Txn& txn, lmdb::Table audit, lmdb::Table meta)
      : txn_(txn), audit_(audit), meta_(meta) {}

  // The stored entries (HASH + ENTRY) with seq >= `from`, at most `limit`.
  Result<std::vector<std::pair<uint64_t, std::string>>> Read(uint64_t from, size_t limit) const;
  // "seq:hash" of the last entry; empty if there is none.
  Result<std::string> Head() const;

 protected:
  const lmdb::Txn& txn_;
  lmdb::Table audit_;
  lmdb::Table meta_;
};

class AuditTable : public AuditTableView {
 public:
  AuditTable(lmdb::Txn& txn, lmdb::Table audit, lmdb::Table meta)
      : AuditTableView(txn, audit, meta), write_(txn) {}

  // Stores entry `seq` and makes `head` the head. REQUIRES: seq follows the head.
  Status Put(uint64_t seq, std::string_view entry, std::string_view head);

 private:
  lmdb::Txn& write_;
};

// Appends `event` to the chain in `txn`. Part of the caller's transaction:
// it commits or vanishes with the write it describes.
Status AppendAudit(StoreTxn& txn, const AuditEvent& event);

// The entries with seq >= `from`, at most `limit`. kCorruption for an entry
// that cannot be decoded (VerifyAudit says more).
Result<std::vector<AuditRecord>> ReadAuditLog(const StoreView& view, uint64_t from, size_t limit);

// The outcome of checking the chain.
struct AuditVerdict {
  uint64_t entries = 0;     // entries that fit the chain, from the first
  uint64_t broken_at = 0;   // the first entry that does not fit; 0 if intact
  std::string reason;       // what is wrong with it
  std::string head;         // the last good entry's hash (hex), empty if none
  bool intact() const { return broken_at == 0; }
};

// Walks the whole chain. An error is returned only when the store cannot be
// read; a broken chain is a verdict.
Result<AuditVerdict> VerifyAudit(const StoreView& view);

}  // namespace crm
