// Sessions at the front desk: logins (the password check, throttling of
// guesses and the locks an admin lifts, see node/frontdesk/login_guard.h and
// docs/frontdesk.md), the sessions they open, and logouts.
#include <capnp/message.h>

#include <optional>
#include <string>

#include "node/common/crypto.h"
#include "node/frontdesk/frontdesk.h"
#include "node/frontdesk/internal.h"
#include "sync/base/codec.h"
#include "sync/base/wire.h"

namespace crm {

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
}

Result<SessionUser> FrontDesk::Authenticate(std::string_view token) {
  if (token.empty()) return Status::Unauthenticated("log in first");
  int64_t now = wall_.NowMillis();
  MutexLock lock(&sessions_mutex_);
  auto it = sessions_.find(std::string(token));
  if (it == sessions_.end()) return Status::Unauthenticated("the session is unknown; log in again");
  if (now - it->second.last_used_ms > office_.session_idle_ms) {
    sessions_.erase(it);
    return Status::Unauthenticated("the session expired; log in again");
  }
  it->second.last_used_ms = now;
  return it->second;
}

std::string FrontDesk::Logout(schema::Request::Reader request, const Id& request_id) {
  {
    MutexLock lock(&sessions_mutex_);
    sessions_.erase(Str(request.getSession()));
  }
  capnp::MallocMessageBuilder message;
  auto response = message.initRoot<schema::Response>();
  if (!request_id.IsNull()) IdToWire(request_id, response.initRequestId());
  response.setDone();
  return EncodeMessage(message);
}

Status frontdesk::UnlockLoginOperation(Context& ctx, StoreTxn& txn,
                                       schema::Request::Reader request,
                                       schema::Response::Builder response) {
  CRM_RETURN_IF_ERROR(ctx.desk->UnlockLogin(txn, ctx.user, Str(request.getUnlockLogin())));
  response.setDone();
  return Status::Ok();
}

std::string FrontDesk::ScreenLogin(schema::Request::Reader request, const Id& request_id,
                                   const Caller& caller) {
  const std::string login = Str(request.getLogin().getLogin());
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
  const std::string login = Str(args.getLogin());
  const Status denied = Status::Unauthenticated("wrong login or password");
  // Copy what the check needs and let the snapshot go before the slow
  // password hash: an open snapshot holds up a growing map.
  std::optional<Id> user_id;
  std::string password_hash;
  SessionUser session;
  bool active = false;
  {
    auto view = store_.Read();
    if (!view.ok()) return ErrorResponse(request_id, view.status());
    auto lock = view->LoginLock(LoginKey(login));
    if (!lock.ok()) return ErrorResponse(request_id, lock.status());
    if (*lock) return ErrorResponse(request_id, Locked(login));
    auto found = view->FindByKey(EntityKind::USER, login);
    if (found.ok()) {
      auto record = view->Get(EntityKind::USER, *found);
      if (!record.ok()) return ErrorResponse(request_id, record.status());
      auto user = record->value<schema::User>();
      user_id = *found;
      password_hash = Str(user.getPasswordHash());
      active = user.getActive();
      session = SessionUser{*found, Str(user.getLogin()), Str(user.getDisplayName()),
                            user.getRole(), 0};
    } else if (found.status().code() != StatusCode::kNotFound) {
      return ErrorResponse(request_id, found.status());
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
  session.last_used_ms = wall_.NowMillis();
  std::string token = RandomToken();
  {
    MutexLock lock(&sessions_mutex_);
    // Sessions nobody used for the idle time are gone anyway: drop them.
    std::erase_if(sessions_, [&](const auto& entry) {
      return session.last_used_ms - entry.second.last_used_ms > office_.session_idle_ms;
    });
    sessions_[token] = session;
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

Status FrontDesk::UnlockLogin(StoreTxn& txn, const SessionUser& admin, std::string_view login) {
  if (login.empty()) return Status::InvalidArgument("unlockLogin", "name the login to unlock");
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
