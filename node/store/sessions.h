// The front desk's open sessions, kept so that they survive a restart of the
// node (docs/frontdesk.md, "Sessions"): local to this node, never
// replicated, never in a change or a snapshot. Keyed by the SHA-256 of the
// session's token: the token itself is kept nowhere, so whoever reads the
// store (or a backup of it) holds no session.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "node/store/lmdb.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

// One stored session.
struct StoredSession {
  Id user;
  uint64_t epoch = 0;         // the user's sessionEpoch when the session opened
  int64_t created_ms = 0;     // when it opened (UTC ms)
  int64_t last_used_ms = 0;   // when it was last used, as last stored (kept coarse)
};

// The table sessions (SHA-256 of the token in hex, 64 characters -> the
// session above).
// Small classes over a store transaction: StoreView::sessions() reads,
// StoreTxn::sessions() writes too.
class SessionTableView {
 public:
  SessionTableView(const lmdb::Txn& txn, lmdb::Table table) : txn_(txn), table_(table) {}

  // The session whose token hashes to `token_hash`; nullopt if none.
  // kCorruption for a value that is not a stored session.
  Result<std::optional<StoredSession>> Find(std::string_view token_hash) const;

  // Calls `each(token_hash, session)` for every session, in key order.
  Status ForEach(
      const std::function<Status(std::string_view, const StoredSession&)>& each) const;

 protected:
  const lmdb::Txn& txn_;
  lmdb::Table table_;
};

class SessionTable : public SessionTableView {
 public:
  SessionTable(lmdb::Txn& txn, lmdb::Table table) : SessionTableView(txn, table), write_(txn) {}

  // Stores (or replaces) the session of `token_hash`.
  Status Put(std::string_view token_hash, const StoredSession& session);
  // Drops it; OK if there was none.
  Status Drop(std::string_view token_hash);
  // Drops every session last used before `before_ms`, and every session of
  // `user` if it is not null. Returns how many went.
  Result<uint64_t> DropWhere(int64_t before_ms, const Id& user = Id{});
  // Drops every session (a store restored from a backup opens none it had).
  Status Clear();

 private:
  lmdb::Txn& write_;
};

}  // namespace crm
