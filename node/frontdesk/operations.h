// Every front-desk operation, defined once (node/frontdesk/operations.cc):
// its name, the least role that may run it, how the servers run it and its
// handler. The desk's dispatch, its role checks and audit entries, and the
// ZeroMQ server's routing all read this table; adding an operation is its
// schema, one entry here and its handler.
#pragma once

#include <optional>
#include <span>

#include "node/store/store.h"
#include "schema/frontdesk.capnp.h"
#include "sync/base/status.h"

namespace crm {

namespace frontdesk {
struct Context;
}

// How an operation is run.
enum class Route {
  // A quick read over a snapshot (microseconds): the ZeroMQ server's own
  // thread answers it, with no hand-off.
  kInline,
  // A read that can take milliseconds (a card, a file, a list): a worker
  // thread answers it, so it never holds up the others.
  kWorker,
  // A write: the group commit runs it and it is answered once durable; a
  // retried request id gets the first outcome back.
  kWrite,
  // Opening a session: the password hash runs on the desk's login threads.
  kLogin,
  // Closing a session.
  kLogout,
};

struct Operation {
  using ReadHandler = Status (*)(frontdesk::Context& ctx, const StoreView& view,
                                 schema::Request::Reader request,
                                 schema::Response::Builder response);
  using WriteHandler = Status (*)(frontdesk::Context& ctx, StoreTxn& txn,
                                  schema::Request::Reader request,
                                  schema::Response::Builder response);
  // The manager's approval a request of this operation carries, if any (its
  // password is checked on a login thread before the handler runs).
  using ApprovalOf =
      std::optional<schema::Approval::Reader> (*)(schema::Request::Reader request);

  schema::Request::Which which;
  // "record a sale": in refusals ("a cashier may not ...") and the audit.
  const char* name;
  schema::Role minimum_role;
  Route route;
  ReadHandler read = nullptr;    // kInline and kWorker
  WriteHandler write = nullptr;  // kWrite
  ApprovalOf approval = nullptr;
  // For a write of records headquarters owns: what they are and how HQ
  // writes them ("the catalogue: ..."). A node under a hub
  // (OfficeConfig::under_hub) refuses the operation at once, saying so.
  const char* headquarters_owns = nullptr;
};

// The operation a request names, or null for one this node does not know
// (a newer client's).
const Operation* FindOperation(schema::Request::Which which);

// Every operation (in no particular order).
std::span<const Operation> Operations();

// True if `role` may run what takes `minimum`.
bool RoleAllows(schema::Role role, schema::Role minimum);

}  // namespace crm
