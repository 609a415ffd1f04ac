// Sessions at the front desk: logins (the password check, throttling of
// guesses and the locks an admin lifts, see node/frontdesk/login_guard.h and
// docs/frontdesk.md), the sessions they open (kept in the store, checked
// against the directory on every request), and logouts.
#include <capnp/message.h>

#include <optional>
#include <string>

#include "node/common/crypto.h"
#include "node/frontdesk/frontdesk.h"
#include "node/frontdesk/internal.h"
#include "node/store/sessions.h"
#include "sync/base/codec.h"
#include "sync/base/wire.h"

namespace crm {

using frontdesk::CanonicalLogin;
using frontdesk::DeskLogin;
using frontdesk::ErrorResponse;
using frontdesk::Locked;
using frontdesk::Str;

Status frontdesk::Locked(std::string_view login) {
  return Status::PermissionDenied("the login '" + std::string(login.substr(0, 64)) +
                                  "' is locked after too many failed attempts; an admin can "
                                  "unlock it (pos user unlock LOGIN, or crm-admin unlock)");
}

namespace {

std::string From(const Caller& caller) {
  return caller.address.empty() ? std::string() : "from " + caller.address;
}

}  // namespace

void FrontDesk::FillSession(const SessionUser& user, schema::Session::Builder out) const {
  IdToWire(user.user, out.initUser());
  out.setLogin(user.login);
  out.setDisplayName(user.display_name);
  out.setRole(user.role);
  out.setOffice(office_.code);
  out.setCurrency(office_.currency);
  out.setTimeZone(office_.time_zone);
}

Result<SessionUser> FrontDesk::Authenticate(std::string_view token) {
  if (token.empty()) return Status::Unauthenticated("log in first");
  const int64_t now = wall_.NowMillis();
  const std::string token_hash = Sha256Hex(token);
  std::optional<OpenSession> open;
  {
    MutexLock lock(&sessions_mutex_);
    auto it = sessions_.find(token_hash);
    if (it != sessions_.end()) open = it->second;
  }
  const bool in_memory = open.has_value();
  // One snapshot for the session (after a restart) and the user's record:
  // a point lookup or two.
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  if (!open) {
    CRM_ASSIGN_OR_RETURN(std::optional<StoredSession> stored, view.sessions().Find(token_hash));
    if (!stored) return Status::Unauthenticated("the session is unknown; log in again");
    open = OpenSession{stored->user, stored->epoch, stored->created_ms, stored->last_used_ms,
                       stored->last_used_ms};
  }
  if (now - open->last_used_ms > office_.session_idle_ms) {
    DropSession(token_hash);
    return Status::Unauthenticated("the session expired; log in again");
  }
  // The user as the directory says now: a deactivation or a password reset
  // made anywhere ends the session once it is here; a new role applies at once.
  auto record = view.Get(EntityKind::USER, open->user);
  if (!record.ok() && record.status().code() != StatusCode::kNotFound) return record.status();
  std::string revoked;
  std::optional<schema::User::Reader> user;
  if (!record.ok() || !IsLive(record->stored())) {
    revoked = "the user no longer exists";
  } else {
    user = record->value<schema::User>();
    if (!user->getActive()) {
      revoked = "this user was deactivated";
    } else if (user->getSessionEpoch() != open->epoch) {
      revoked = "the session was revoked (the password was reset)";
    } else if (!frontdesk::MayLogInAt(Str(user->getOffice()), office_.code)) {
      revoked = "this user does not log in at " + office_.code;
    }
  }
  if (!revoked.empty()) {
    DropSession(token_hash);
    return Status::Unauthenticated(revoked + "; log in again");
  }
  open->last_used_ms = now;
  // The last use is stored now and then, not on every request.
  const int64_t store_every = std::min<int64_t>(5 * 60'000, office_.session_idle_ms / 4);
  const bool store_use = now - open->stored_last_used_ms >= store_every;
  if (store_use) open->stored_last_used_ms = now;
  {
    // In place: a logout or a revocation while this request was checked
    // took the session out, and it stays out.
    MutexLock lock(&sessions_mutex_);
    auto it = sessions_.find(token_hash);
    if (it != sessions_.end()) {
      it->second.last_used_ms = now;
      if (store_use) it->second.stored_last_used_ms = now;
    } else if (in_memory) {
      return Status::Unauthenticated("the session ended; log in again");
    } else {
      sessions_.emplace(token_hash, *open);  // read back from the store after a restart
    }
  }
  if (store_use) {
    StoredSession stored{open->user, open->epoch, open->created_ms, now};
    (void)writer_.Submit([token_hash, stored](StoreTxn& txn) -> Status {
      // Not if it ended meanwhile (a logout, a revocation).
      CRM_ASSIGN_OR_RETURN(auto still, txn.sessions().Find(token_hash));
      if (!still) return Status::Ok();
      return txn.sessions().Put(token_hash, stored);
    });
  }
  const std::string office = Str(user->getOffice());
  return SessionUser{open->user, CanonicalLogin(Str(user->getLogin()), office, office_.code),
                     Str(user->getDisplayName()), user->getRole(), now};
}

void FrontDesk::DropSession(const std::string& token_hash) {
  {
    MutexLock lock(&sessions_mutex_);
    sessions_.erase(token_hash);
  }
  (void)writer_.Submit([token_hash](StoreTxn& txn) { return txn.sessions().Drop(token_hash); });
}

std::string FrontDesk::Logout(schema::Request::Reader request, const Id& request_id,
                              const Reply& reply) {
  const std::string token_hash = Sha256Hex(Str(request.getSession()));
  {
    MutexLock lock(&sessions_mutex_);
    sessions_.erase(token_hash);
  }
  // Answered once the session is gone from the store too: a restart does
  // not bring it back.
  writer_.Submit([token_hash](StoreTxn& txn) { return txn.sessions().Drop(token_hash); },
                 [this, token_hash, reply, request_id](Status status) {
                   {
                     // A first use after a restart may have read it back
                     // from the store meanwhile.
                     MutexLock lock(&sessions_mutex_);
                     sessions_.erase(token_hash);
                   }
                   if (!status.ok()) {
                     reply(ErrorResponse(request_id, status));
                     return;
                   }
                   capnp::MallocMessageBuilder message;
                   auto response = message.initRoot<schema::Response>();
                   if (!request_id.IsNull()) IdToWire(request_id, response.initRequestId());
                   response.setDone();
                   reply(EncodeMessage(message));
                 });
  return std::string();
}

Status frontdesk::UnlockLoginOperation(Context& ctx, StoreTxn& txn,
                                       schema::Request::Reader request,
                                       schema::Response::Builder response) {
  CRM_RETURN_IF_ERROR(ctx.desk->UnlockLogin(txn, ctx.user, Str(request.getUnlockLogin())));
  response.setDone();
  return Status::Ok();
}

namespace {

// The login as this desk names it (`kate`, `anna@HQ`): what throttling and
// locks count by. As typed if it is no login (it then finds nobody).
std::string LoginAsNamed(std::string_view typed, std::string_view desk_office) {
  auto parsed = frontdesk::ParseDeskLogin(typed, desk_office, "login");
  return parsed.ok() ? parsed->canonical : std::string(typed);
}

}  // namespace

std::string FrontDesk::ScreenLogin(schema::Request::Reader request, const Id& request_id,
                                   const Caller& caller) {
  const std::string login = LoginAsNamed(Str(request.getLogin().getLogin()), office_.code);
  auto audit_refusal = [&](const std::string& why) {
    AuditEvent attempt = AuditOf(SessionUser{}, "log in");
    attempt.login = login.substr(0, 64);
    attempt.refused = true;
    attempt.detail = why + (caller.address.empty() ? "" : ", " + From(caller));
    AuditLater(std::move(attempt));
  };
  LoginGuard::Verdict verdict = guard_.Check(login, caller.address);
  if (!verdict.status.ok()) {
    // A flood of refused attempts leaves one entry per wait, not one each.
    if (verdict.first) audit_refusal("throttled: " + verdict.status.message());
    return ErrorResponse(request_id, verdict.status);
  }
  auto view = store_.Read();
  if (!view.ok()) return ErrorResponse(request_id, view.status());
  auto lock = view->LoginLock(LoginKey(login));
  if (!lock.ok()) return ErrorResponse(request_id, lock.status());
  if (*lock) {
    // Attempts at a locked login count too: their waits grow.
    guard_.Failed(login, caller.address);
    audit_refusal("the login is locked (" + **lock + ")");
    return ErrorResponse(request_id, Locked(login));
  }
  if (logins_.Queued() >= office_.max_waiting_logins) {
    return ErrorResponse(request_id, Status::Unavailable("too many logins wait to be checked; "
                                                         "try again in a moment"));
  }
  return "";
}

std::string FrontDesk::Login(schema::Request::Reader request, const Id& request_id,
                             const Caller& caller) {
  auto args = request.getLogin();
  const std::string login = LoginAsNamed(Str(args.getLogin()), office_.code);
  const Status denied = Status::Unauthenticated("wrong login or password");
  // Logins are per office: `kate` is this office's kate, `anna@HQ` a user of
  // headquarters; a user of another office finds nobody here.
  auto name = frontdesk::ParseDeskLogin(Str(args.getLogin()), office_.code, "login");
  const bool may_log_in = name.ok() && frontdesk::MayLogInAt(name->office, office_.code);
  // Copy what the check needs and let the snapshot go before the slow
  // password hash: an open snapshot holds up a growing map.
  std::optional<Id> user_id;
  std::string password_hash;
  SessionUser session;
  uint64_t epoch = 0;
  bool active = false;
  {
    auto view = store_.Read();
    if (!view.ok()) return ErrorResponse(request_id, view.status());
    auto lock = view->LoginLock(LoginKey(login));
    if (!lock.ok()) return ErrorResponse(request_id, lock.status());
    if (*lock) return ErrorResponse(request_id, Locked(login));
    Result<Id> found = Status::NotFound("no such login here");
    if (may_log_in) found = view->FindByKey(EntityKind::USER, UserKey(name->office, name->login));
    std::optional<Record> record;
    if (found.ok()) {
      auto got = view->Get(EntityKind::USER, *found);
      if (!got.ok()) return ErrorResponse(request_id, got.status());
      if (IsLive(got->stored())) record = std::move(got).value();
    } else if (found.status().code() != StatusCode::kNotFound) {
      return ErrorResponse(request_id, found.status());
    }
    if (record) {
      auto user = record->value<schema::User>();
      user_id = *found;
      password_hash = Str(user.getPasswordHash());
      active = user.getActive();
      epoch = user.getSessionEpoch();
      session = SessionUser{*found, name->canonical, Str(user.getDisplayName()), user.getRole(), 0};
    }
  }
  // Every attempt is audited, with where it came from; the login as typed
  // is cut to a bounded length.
  AuditEvent attempt = AuditOf(session, "log in");
  if (!user_id) attempt.login = login.substr(0, 64);
  const std::string from = From(caller);
  attempt.detail = from;
  auto refuse = [&](Status status, std::string why) {
    attempt.refused = true;
    attempt.detail = from.empty() ? std::move(why) : std::move(why) + ", " + from;
    AuditLater(std::move(attempt));
    return ErrorResponse(request_id, status);
  };
  // A login that does not exist costs the same time as one that does, so
  // logins cannot be probed by timing.
  if (!VerifyPassword(Str(args.getPassword()), user_id ? password_hash : decoy_hash_) ||
      !user_id) {
    if (CountFailedLogin(login, user_id ? &session : nullptr, caller)) {
      return refuse(Locked(login), "wrong password; the login is now locked");
    }
    return refuse(denied, user_id ? "wrong password" : "no such login");
  }
  if (!active) {
    return refuse(Status::PermissionDenied("this user is deactivated"), "the user is deactivated");
  }
  guard_.Succeeded(login);
  AuditLater(std::move(attempt));
  const int64_t now = wall_.NowMillis();
  session.last_used_ms = now;
  std::string token = RandomToken();
  const std::string token_hash = Sha256Hex(token);
  const OpenSession open{*user_id, epoch, now, now, now};
  // Stored before it is handed out, so a restart keeps it; sessions nobody
  // used for the idle time are gone anyway: they go with it.
  const int64_t idle_before = now - office_.session_idle_ms;
  Status stored = writer_.Run([&](StoreTxn& txn) -> Status {
    CRM_ASSIGN_OR_RETURN(uint64_t expired, txn.sessions().DropWhere(idle_before));
    (void)expired;
    return txn.sessions().Put(token_hash, StoredSession{open.user, open.epoch, now, now});
  });
  if (!stored.ok()) return ErrorResponse(request_id, stored);
  {
    MutexLock lock(&sessions_mutex_);
    std::erase_if(sessions_, [&](const auto& entry) {
      return entry.second.last_used_ms < idle_before;
    });
    sessions_[token_hash] = open;
  }
  capnp::MallocMessageBuilder message;
  auto response = message.initRoot<schema::Response>();
  if (!request_id.IsNull()) IdToWire(request_id, response.initRequestId());
  auto out = response.initSession();
  out.setToken(token);
  FillSession(session, out);
  return EncodeMessage(message);
}

bool FrontDesk::CountFailedLogin(std::string_view login, const SessionUser* user,
                                 const Caller& caller) {
  const int in_a_row = guard_.Failed(login, caller.address);
  if (!user || in_a_row < guard_.options().lock_after) return false;
  const std::string from = From(caller);
  std::string reason = std::to_string(in_a_row) + " failed logins in a row, the last at " +
                       FormatUtc(wall_.NowMillis()) + (from.empty() ? "" : " " + from);
  AuditEvent lock_event = AuditOf(*user, "lock a login");
  lock_event.refused = true;
  lock_event.detail = reason;
  (void)writer_.Submit([key = LoginKey(login), reason, lock_event](StoreTxn& txn) -> Status {
    CRM_RETURN_IF_ERROR(txn.LockLogin(key, reason));
    return AppendAudit(txn, lock_event);
  });
  return true;
}

Status FrontDesk::UnlockLogin(StoreTxn& txn, const SessionUser& admin, std::string_view typed) {
  if (typed.empty()) return Status::InvalidArgument("unlockLogin", "name the login to unlock");
  const std::string login = LoginAsNamed(typed, office_.code);
  CRM_ASSIGN_OR_RETURN(bool was_locked, txn.UnlockLogin(LoginKey(login)));
  if (!was_locked) {
    return Status(StatusCode::kNotFound, "the login '" + std::string(login) + "' is not locked",
                  "unlockLogin");
  }
  guard_.Forget(login);
  AuditEvent event = AuditOf(admin, "lift a login's lock");
  event.detail = std::string(login);
  return AppendAudit(txn, event);
}

}  // namespace crm
