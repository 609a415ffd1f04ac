// What the front desk remembers of each write request, so that a retry with
// the same request id gets the first answer and nothing is done twice; and
// what makes a request id good for one request only. A request id is scoped
// by the user who sent it, the operation and a digest of the request itself:
// the same id with another user, operation or body is a conflict, never
// another request's answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "node/store/lmdb.h"
#include "schema/frontdesk.capnp.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

// Whose request an id belongs to, and what it asked.
struct RequestScope {
  Id user;
  uint16_t operation = 0;  // schema::Request::Which
  std::string digest;      // SHA-256 (hex) of the operation's arguments (see ScopeOf)

  bool operator==(const RequestScope&) const = default;
};

// The scope of `request` as sent by `user`. The session token, the request
// id and a password (an approval's, a new user's, a reset's) do not count: a retry after logging in again
// is the same request, and no digest of a password is kept.
RequestScope ScopeOf(const Id& user, schema::Request::Reader request);

// A remembered request: its scope (none for entries written before ids were
// scoped, which any retry matches) and the response sent.
struct RememberedRequest {
  std::optional<RequestScope> scope;
  std::string response;
};

// The stored form of a remembered request.
std::string EncodeRememberedRequest(const RequestScope& scope, std::string_view response);
// kCorruption if `stored` is not what EncodeRememberedRequest wrote (or a
// bare response, as stores kept them before ids were scoped).
Result<RememberedRequest> DecodeRememberedRequest(std::string_view stored);

// The first response to `request_id` if `remembered` was made by the same
// request; kConflict (field "requestId") naming what differs otherwise.
Result<std::string> MatchRetry(const Id& request_id, const RememberedRequest& remembered,
                               const RequestScope& retry);

// The remembered requests (table requests, request id -> the stored form
// above). Small classes over a store transaction: StoreView::requests()
// reads, StoreTxn::requests() writes too.
class RequestTableView {
 public:
  RequestTableView(const lmdb::Txn& txn, lmdb::Table table) : txn_(txn), table_(table) {}

  // The stored form of what was answered to `request_id`; nullopt if nothing.
  Result<std::optional<std::string>> Find(const Id& request_id) const;

 protected:
  const lmdb::Txn& txn_;
  lmdb::Table table_;
};

class RequestTable : public RequestTableView {
 public:
  RequestTable(lmdb::Txn& txn, lmdb::Table table) : RequestTableView(txn, table), write_(txn) {}

  // Remembers `stored` (EncodeRememberedRequest) as the answer to `request_id`.
  Status Remember(const Id& request_id, std::string_view stored);

 private:
  lmdb::Txn& write_;
};

}  // namespace crm
