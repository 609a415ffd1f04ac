// Front desk: a manager's approval at the till. The approver gives their own
// login and password for one sale; they are checked here, as a login is (the
// same hash, the same time for an unknown login, every refusal audited with
// the caller's address), and the password goes no further: the sale's
// record, its audit entry and its remembered answer name the approver only.
#include "node/crypto.h"
#include "node/frontdesk.h"
#include "node/frontdesk_internal.h"
#include "node/text.h"

namespace crm {

using frontdesk::Str;

Result<SessionUser> FrontDesk::CheckApproval(const SessionUser& seller, const Id& request_id,
                                             schema::Approval::Reader approval,
                                             const Caller& caller) {
  const std::string login = Str(approval.getLogin());
  if (!IsValidLogin(login)) {
    return Status(StatusCode::kInvalidArgument,
                  "name the user who approves: a login of 3 to 64 letters, digits, '.', '_' or '-'",
                  "approval.login");
  }
  // Copy what the check needs and let the snapshot go before the slow
  // password hash, as a login does.
  std::optional<SessionUser> approver;
  std::string password_hash;
  bool active = false;
  {
    CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
    auto found = view.FindByKey(EntityKind::USER, login);
    if (found.ok()) {
      CRM_ASSIGN_OR_RETURN(Record record, view.Get(EntityKind::USER, *found));
      auto user = record.value<schema::User>();
      approver =
          SessionUser{*found, Str(user.getLogin()), Str(user.getDisplayName()), user.getRole(), 0};
      password_hash = Str(user.getPasswordHash());
      active = user.getActive();
    } else if (found.status().code() != StatusCode::kNotFound) {
      return found.status();
    }
  }
  AuditEvent attempt = AuditOf(seller, "approve a sale");
  attempt.request_id = request_id;
  attempt.approver_login = approver ? approver->login : login;
  if (approver) attempt.approved_by = approver->user;
  const std::string from = caller.address.empty() ? "" : "from " + caller.address;
  auto refuse = [&](std::string message, std::string why) -> Status {
    attempt.refused = true;
    attempt.detail = from.empty() ? std::move(why) : std::move(why) + ", " + from;
    AuditLater(std::move(attempt));
    return Status(StatusCode::kPermissionDenied, std::move(message), "approval");
  };
  const std::string denied = "wrong login or password for the approval";
  if (!approver) {
    // Spend the same time as a real check, so logins cannot be probed.
    (void)VerifyPassword(
        Str(approval.getPassword()),
        "$pbkdf2-sha256$" + std::to_string(office_.password_iterations) +
            "$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    return refuse(denied, "no such login");
  }
  if (!VerifyPassword(Str(approval.getPassword()), password_hash)) {
    return refuse(denied, "wrong password");
  }
  if (!active) return refuse("the approver's user is deactivated", "the approver is deactivated");
  return *approver;
}

}  // namespace crm
