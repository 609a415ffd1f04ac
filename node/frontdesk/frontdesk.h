// The front desk of an office node: every operation of the front-desk API
// (schema/frontdesk.capnp) with its validation, role check and idempotent
// retry, over the store and the group-commit writer. Transport-free: the
// ZeroMQ server and tests hand it encoded requests and send back what it
// returns.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "node/common/thread_pool.h"
#include "node/frontdesk/login_guard.h"
#include "node/frontdesk/operations.h"
#include "node/frontdesk/password.h"
#include "node/store/audit.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "schema/frontdesk.capnp.h"
#include "schema/records.capnp.h"
#include "sync/base/clock.h"
#include "sync/base/codec.h"
#include "sync/base/hlc.h"
#include "sync/base/mutex.h"
#include "sync/base/status.h"
#include "sync/transport.h"  // SyncSnapshot

namespace crm {

namespace frontdesk {
struct Context;
}

struct OfficeConfig {
  std::string code = "MAIN";                // printed in receipt numbers
  std::string phone_region = "GB";          // for phones written without a country code
  std::string currency = "GBP";             // ISO 4217
  std::string time_zone = "Europe/London";  // IANA
  size_t max_file_bytes = 10u << 20;
  // A session unused for this long ends. Its last use is stored at most
  // every min(5 min, idle / 4), so after a restart it may end that much
  // sooner.
  int64_t session_idle_ms = 12 * 3600 * 1000;
  PasswordCost password_cost;  // of new password hashes (Argon2id)
  // Threads that answer logins (see FrontDesk::HandleAsync), and how many
  // logins may wait for them before more are refused at once.
  int login_threads = 2;
  size_t max_waiting_logins = 64;
  LoginGuardOptions login_guard;
  // This node answers to a hub (crm-node with --hub, or a store that has
  // linked to one): what headquarters owns (the catalogue) is refused at
  // its desk at once. False for a standalone shop and for the hub itself.
  bool under_hub = false;

  // kInvalidArgument naming the first bad setting.
  Status Validate() const;
};

// The front-desk API's error code for a status (kInternal for a code the
// API does not name).
schema::ErrorCode ErrorCodeOf(StatusCode code);

// Who sent a request, as its transport saw it: what login throttling counts
// failed attempts by, besides the login. A login's audit entry names it.
struct Caller {
  // The peer's IP address ("192.0.2.7", "2001:db8::7"); "" if the transport
  // has none (a local socket, a test).
  std::string address;
};

// After a refund from another node is applied (StoreReplica::SetAfterApply):
// notes its sale as an anomaly for managers if the sale's refunds now exceed
// what it sold, as two offices refunding it while apart can do. Only a
// store failure is an error.
Status NoteOverRefund(StoreTxn& txn, schema::Change::Reader change);

// A logged-in user, as the directory says now.
struct SessionUser {
  Id user;
  std::string login;  // as this desk names the user: `kate`, `anna@HQ`
  std::string display_name;
  schema::Role role = schema::Role::CASHIER;
  int64_t last_used_ms = 0;
};

class FrontDesk {
 public:
  // REQUIRES: office.Validate().ok(); the store, writer, clocks outlive this.
  FrontDesk(Store& store, Writer& writer, Clock& wall, HybridClock& hlc, OfficeConfig office);
  FrontDesk(const FrontDesk&) = delete;
  FrontDesk& operator=(const FrontDesk&) = delete;

  // A request decoded once by whoever received it, then handed on.
  using DeskRequest = std::shared_ptr<const DecodedMessage>;
  // kInvalidArgument ("malformed request: ...") for bytes that are no
  // message within the reader's limits.
  static Result<DeskRequest> DecodeRequest(std::string_view bytes);
  // The answer to bytes DecodeRequest refused with `status`.
  static std::string UnreadableResponse(const Status& status);
  // The answer refusing `request` with `status` (a server too busy to take
  // it), with the request's id.
  static std::string RefusalOf(const DecodedMessage& request, const Status& status);

  // Answers one encoded Request with an encoded Response. Malformed bytes,
  // unknown operations and failures all become error responses; never throws.
  // Thread-safe.
  std::string Handle(std::string_view request_bytes, const Caller& caller = {});
  std::string Handle(DeskRequest request, const Caller& caller = {});

  // Takes an encoded Response (see HandleAsync).
  using Reply = std::function<void(std::string response)>;

  // Handle without holding the caller through a write or a login: `reply`
  // is called once with the response, on the calling thread for everything
  // but a write and a login; for a write on the writer's thread once it is
  // durable; for a login on one of the desk's login threads, since it hashes
  // a password (slow on purpose). A sale that carries a manager's approval
  // has the approver's password checked on a login thread too, then goes to
  // the writer. So `reply` must be quick and must not throw. Thread-safe.
  void HandleAsync(std::string_view request_bytes, Reply reply, const Caller& caller = {});
  void HandleAsync(DeskRequest request, Reply reply, const Caller& caller = {});

  // Creates the first administrator. kAlreadyExists if any user exists.
  Status BootstrapAdmin(std::string_view login, std::string_view display_name,
                        std::string_view password);

  const OfficeConfig& office() const { return office_; }

  // The session of `token`, touched, with its user as the directory says
  // now (role, name); kUnauthenticated if none, expired, or revoked: the
  // user was deactivated, deleted or had the password reset, here or at any
  // office, once that change is in this store. Sessions are kept in the
  // store (never the token, its SHA-256), so a restart keeps them.
  // Thread-safe. (For transports that add requests of their own, such as
  // the HQ dashboard's reports.)
  Result<SessionUser> Authenticate(std::string_view token);

  // Where `status` learns about the link to the hub. REQUIRES: called before
  // serving requests.
  void SetSyncStatus(std::function<SyncSnapshot()> provider) { sync_status_ = std::move(provider); }

  // ---- for the operations about the desk itself (status.cc, sessions.cc)

  // What the link to the hub reports (nothing configured without one).
  SyncSnapshot SyncStatus() const { return sync_status_ ? sync_status_() : SyncSnapshot{}; }
  // kUnavailable, saying what to do, while this node's newest stamp lies
  // further ahead of its wall clock than the skew bound (its clock was set
  // ahead, then back): a write now would be stamped in that future.
  Status CheckClock() const;
  // Who `user` is, as a session answer shows it (without the token).
  void FillSession(const SessionUser& user, schema::Session::Builder out) const;
  // Lifts the lock of a login (an admin's request), audited.
  Status UnlockLogin(StoreTxn& txn, const SessionUser& admin, std::string_view login);

 private:
  // Answers a decoded request (node/frontdesk/operations.h says how each
  // operation runs): returns the response, or "" for a write, which answers
  // through `reply` once durable.
  std::string Dispatch(DeskRequest decoded, const Reply& reply, const Caller& caller);
  // The refusal of `op` to `session`'s role, audited.
  std::string RefuseRole(const Operation& op, const SessionUser& session, const Id& request_id);
  // The refusal of an approval whose approver's role may not run `op`
  // either (field "approval"), audited.
  std::string RefuseApproverRole(const Operation& op, const SessionUser& session,
                                 const SessionUser& approver, const Id& request_id);
  // Runs a read over a snapshot on the calling thread.
  std::string Read(const Operation& op, schema::Request::Reader request, const Id& request_id,
                   const SessionUser& session);
  // Queues a write for the group commit; "" (it answers through `reply`) or
  // the error of a write that cannot be queued.
  std::string SubmitWrite(const Operation& op, DeskRequest decoded, const Id& request_id,
                          std::shared_ptr<const SessionUser> session,
                          std::shared_ptr<const SessionUser> approver, const Reply& reply);
  // The audit entry of a write, naming what it changed (the log entries
  // after `log_before`) and who approved it (a sale names its approver
  // only if a line needed one), committed with it.
  Status AuditWrite(StoreTxn& txn, const Operation& op, const SessionUser& session,
                    const SessionUser* approver, const Id& request_id,
                    schema::Response::Reader out, uint64_t log_before) const;
  // What a handler is given.
  frontdesk::Context ContextFor(const SessionUser& user, const SessionUser* approver = nullptr);
  // Closes the request's session; answers through `reply` once that is
  // stored, and returns "".
  std::string Logout(schema::Request::Reader request, const Id& request_id, const Reply& reply);
  // An open session, as kept in memory (the store keeps the same, with its
  // last use coarser: node/store/sessions.h).
  struct OpenSession {
    Id user;
    uint64_t epoch = 0;
    int64_t created_ms = 0;
    int64_t last_used_ms = 0;
    int64_t stored_last_used_ms = 0;
  };
  // Forgets the session of `token_hash`, here and in the store (soon).
  void DropSession(const std::string& token_hash);
  // An audit entry of `action` by `user`, stamped now.
  AuditEvent AuditOf(const SessionUser& user, std::string action) const;
  // Appends `event` to the audit log in a transaction of its own, soon.
  void AuditLater(AuditEvent event);

  // A login's or an approval's refusal before its password is checked, or
  // "" if it may go to a login thread.
  std::string ScreenPasswordCheck(const DecodedMessage& decoded, const Caller& caller);
  // Logins (node/frontdesk/sessions.cc). The answer to a login refused before
  // its password is checked (too many failures, a locked login, too many
  // logins waiting), or "" if it may go to a login thread. Cheap.
  std::string ScreenLogin(schema::Request::Reader request, const Id& request_id,
                          const Caller& caller);
  // Checks the password (slow on purpose) and opens a session. On a login
  // thread.
  std::string Login(schema::Request::Reader request, const Id& request_id, const Caller& caller);
  // Counts a failed password check of `login` from `caller` for the
  // throttling, a login's or an approval's; at the limit of failures in a
  // row locks the login of `user` (null: no such user), audited. True if it
  // locked it.
  bool CountFailedLogin(std::string_view login, const SessionUser* user, const Caller& caller);

  // A manager's approval at the till (node/frontdesk/approval.cc) of a sale
  // beyond the seller's limits, or of a refund by a cashier.
  // The answer to a request whose approval may not be checked now (its login
  // throttled or locked, too many checks waiting), or "" if it may go to a
  // login thread. Cheap.
  std::string ScreenApproval(schema::Request::Reader request, const Id& request_id,
                             const Caller& caller);
  // The user who approves `seller`'s request `request_id`, if `approval`
  // holds their right password and they are active and their login is not
  // locked; otherwise kPermissionDenied (field "approval"), audited with the
  // caller's address, a wrong password counted as a failed login. Hashes the
  // password (slow on purpose): on a login thread, never the writer's.
  Result<SessionUser> CheckApproval(const SessionUser& seller, const Id& request_id,
                                    const Operation& op, schema::Approval::Reader approval,
                                    const Caller& caller);

  Store& store_;
  Writer& writer_;
  Clock& wall_;
  HybridClock& hlc_;
  const OfficeConfig office_;
  std::function<SyncSnapshot()> sync_status_;

  Mutex sessions_mutex_;
  // By the SHA-256 (hex) of the token; loaded from the store on first use.
  std::unordered_map<std::string, OpenSession> sessions_ GUARDED_BY(sessions_mutex_);

  LoginGuard guard_;
  // A hash of nothing anyone types, checked for a login that does not exist
  // so that it takes as long as one that does.
  const std::string decoy_hash_;

  // Answers logins. Last: its threads finish the logins queued, which use
  // everything above, before the rest goes.
  ThreadPool logins_;
};

}  // namespace crm
