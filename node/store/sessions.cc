#include "node/store/sessions.h"

#include <vector>

#include "node/store/internal.h"

namespace crm {
namespace {

using namespace store_internal;  // NOLINT(build/namespaces): node/store/internal.h

// user(16) + epoch(8) + created(8) + last used(8).
constexpr size_t kSessionBytes = 16 + 8 + 8 + 8;

std::string Encode(const StoredSession& session) {
  return IdBytes(session.user) + BigEndian64(session.epoch) +
         BigEndian64(static_cast<uint64_t>(session.created_ms)) +
         BigEndian64(static_cast<uint64_t>(session.last_used_ms));
}

Result<StoredSession> Decode(std::string_view value) {
  if (value.size() != kSessionBytes) {
    return Status::Corruption("a stored session of " + std::to_string(value.size()) +
                              " bytes, not " + std::to_string(kSessionBytes));
  }
  StoredSession session;
  session.user = IdFromBytes(value.substr(0, 16));
  session.epoch = ReadBigEndian64(value.substr(16, 8));
  session.created_ms = static_cast<int64_t>(ReadBigEndian64(value.substr(24, 8)));
  session.last_used_ms = static_cast<int64_t>(ReadBigEndian64(value.substr(32, 8)));
  return session;
}

}  // namespace

Result<std::optional<StoredSession>> SessionTableView::Find(std::string_view token_hash) const {
  auto value = txn_.Get(table_, token_hash);
  if (!value.ok()) {
    if (value.status().code() == StatusCode::kNotFound) return std::optional<StoredSession>();
    return value.status();
  }
  CRM_ASSIGN_OR_RETURN(StoredSession session, Decode(*value));
  return std::optional<StoredSession>(session);
}

Status SessionTableView::ForEach(
    const std::function<Status(std::string_view, const StoredSession&)>& each) const {
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(table_));
  for (Status moved = cursor.First(); cursor.valid(); moved = cursor.Next()) {
    CRM_RETURN_IF_ERROR(moved);
    CRM_ASSIGN_OR_RETURN(StoredSession session, Decode(cursor.value()));
    CRM_RETURN_IF_ERROR(each(cursor.key(), session));
  }
  return Status::Ok();
}

Status SessionTable::Put(std::string_view token_hash, const StoredSession& session) {
  return write_.Put(table_, token_hash, Encode(session));
}

Status SessionTable::Drop(std::string_view token_hash) {
  Status dropped = write_.Delete(table_, token_hash);
  return dropped.code() == StatusCode::kNotFound ? Status::Ok() : dropped;
}

Result<uint64_t> SessionTable::DropWhere(int64_t before_ms, const Id& user) {
  std::vector<std::string> keys;
  CRM_RETURN_IF_ERROR(ForEach([&](std::string_view key, const StoredSession& session) -> Status {
    if (session.last_used_ms < before_ms || (!user.IsNull() && session.user == user)) {
      keys.emplace_back(key);
    }
    return Status::Ok();
  }));
  for (const std::string& key : keys) CRM_RETURN_IF_ERROR(write_.Delete(table_, key));
  return static_cast<uint64_t>(keys.size());
}

Status SessionTable::Clear() {
  CRM_ASSIGN_OR_RETURN(uint64_t dropped, DropWhere(INT64_MAX));
  (void)dropped;
  return Status::Ok();
}

}  // namespace crm
