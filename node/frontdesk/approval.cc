// Front desk: a manager's approval at the till. The approver gives their own
// login and password for one sale (beyond the seller's limits) or one refund
// (by a cashier); they are checked here as a login is (the
// same throttling and locks, the same hash, the same time for an unknown
// login, every refusal audited with the caller's address), and the password
// goes no further: the sale's record, its audit entry and its remembered
// answer name the approver only.
#include "node/common/text.h"
#include "node/frontdesk/frontdesk.h"
#include "node/frontdesk/internal.h"
#include "node/frontdesk/operations.h"
#include "node/frontdesk/password.h"

namespace crm {

using frontdesk::ErrorResponse;
using frontdesk::Locked;
using frontdesk::Str;

namespace {

// An approval's refusal: on the approval, never `unauthenticated` (the
// seller's session goes on).
Status OnApproval(const Status& status) {
  return Status(status.code() == StatusCode::kUnauthenticated ? StatusCode::kPermissionDenied
                                                              : status.code(),
                status.message(), "approval");
}

// What an approval of `op` is called in the audit log.
std::string ApprovalAction(const Operation& op) {
  return op.which == schema::Request::REFUND_SALE ? "approve a refund" : "approve a sale";
}

}  // namespace

std::string FrontDesk::ScreenApproval(schema::Request::Reader request, const Id& request_id,
                                      const Caller& caller) {
  auto seller = Authenticate(Str(request.getSession()));
  if (!seller.ok()) return ErrorResponse(request_id, seller.status());
  // Only requests whose operation carries an approval come here.
  const Operation* op = FindOperation(request.which());
  auto approval = op != nullptr && op->approval ? op->approval(request) : std::nullopt;
  if (!approval) return "";
  const std::string login = Str(approval->getLogin());
  LoginGuard::Verdict verdict = guard_.Check(login, caller.address);
  if (!verdict.status.ok()) {
    if (verdict.first) {
      AuditEvent attempt = AuditOf(*seller, ApprovalAction(*op));
      attempt.request_id = request_id;
      attempt.approver_login = login.substr(0, 64);
      attempt.refused = true;
      attempt.detail = "throttled: " + verdict.status.message() +
                       (caller.address.empty() ? "" : ", from " + caller.address);
      AuditLater(std::move(attempt));
    }
    return ErrorResponse(request_id, OnApproval(verdict.status));
  }
  if (logins_.Queued() >= office_.max_waiting_logins) {
    return ErrorResponse(request_id,
                         Status(StatusCode::kUnavailable,
                                "too many logins and approvals wait to be checked; try again in "
                                "a moment",
                                "approval"));
  }
  return "";
}

Result<SessionUser> FrontDesk::CheckApproval(const SessionUser& seller, const Id& request_id,
                                             const Operation& op,
                                             schema::Approval::Reader approval,
                                             const Caller& caller) {
  auto name = frontdesk::ParseDeskLogin(Str(approval.getLogin()), office_.code, "approval.login");
  if (!name.ok()) {
    return Status(StatusCode::kInvalidArgument,
                  "name the user who approves: a login of 3 to 64 letters, digits, '.', '_' or "
                  "'-' (anna@HQ for a user of headquarters)",
                  "approval.login");
  }
  const std::string login = name->canonical;
  // Copy what the check needs and let the snapshot go before the slow
  // password hash, as a login does.
  std::optional<SessionUser> approver;
  std::string password_hash;
  bool active = false;
  bool locked = false;
  {
    CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
    CRM_ASSIGN_OR_RETURN(auto lock, view.LoginLock(LoginKey(login)));
    locked = lock.has_value();
    // Who may log in here may approve here: this office's users and
    // headquarters'.
    Result<Id> found = Status::NotFound("no such login here");
    if (frontdesk::MayLogInAt(name->office, office_.code)) {
      found = view.FindByKey(EntityKind::USER, UserKey(name->office, name->login));
    }
    if (found.ok()) {
      CRM_ASSIGN_OR_RETURN(Record record, view.Get(EntityKind::USER, *found));
      auto user = record.value<schema::User>();
      approver = SessionUser{*found, login, Str(user.getDisplayName()), user.getRole(), 0};
      password_hash = Str(user.getPasswordHash());
      active = user.getActive();
    } else if (found.status().code() != StatusCode::kNotFound) {
      return found.status();
    }
  }
  AuditEvent attempt = AuditOf(seller, ApprovalAction(op));
  attempt.request_id = request_id;
  attempt.approver_login = approver ? approver->login : login;
  if (approver) attempt.approved_by = approver->user;
  const std::string from = caller.address.empty() ? "" : "from " + caller.address;
  auto refuse = [&](const Status& status, std::string why) -> Status {
    attempt.refused = true;
    attempt.detail = from.empty() ? std::move(why) : std::move(why) + ", " + from;
    AuditLater(std::move(attempt));
    return OnApproval(status);
  };
  if (locked) {
    // Attempts at a locked login count too, as a login's do.
    guard_.Failed(login, caller.address);
    return refuse(Locked(login), "the login is locked");
  }
  const Status denied = Status::PermissionDenied("wrong login or password for the approval");
  // A login that does not exist costs the same time as one that does.
  if (!VerifyPassword(Str(approval.getPassword()), approver ? password_hash : decoy_hash_) ||
      !approver) {
    if (CountFailedLogin(login, approver ? &*approver : nullptr, caller)) {
      return refuse(Locked(login), "wrong password; the login is now locked");
    }
    return refuse(denied, approver ? "wrong password" : "no such login");
  }
  if (!active) {
    return refuse(Status::PermissionDenied("the approver's user is deactivated"),
                  "the approver is deactivated");
  }
  guard_.Succeeded(login);
  return *approver;
}

}  // namespace crm
