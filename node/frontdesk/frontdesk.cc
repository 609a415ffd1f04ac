#include "node/frontdesk/frontdesk.h"

#include <capnp/message.h>
#include <kj/exception.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <future>
#include <memory>

#include "node/common/crypto.h"
#include "node/common/local_time.h"
#include "node/common/text.h"
#include "node/frontdesk/internal.h"
#include "node/frontdesk/operations.h"
#include "node/store/audit.h"
#include "node/store/request_log.h"
#include "sync/base/codec.h"
#include "sync/merge.h"

namespace crm {

using frontdesk::Context;
using frontdesk::RoleName;
using frontdesk::Str;

namespace frontdesk {

std::string ErrorResponse(const Id& request_id, const Status& status,
                          schema::ErrorCode code_override, bool use_override) {
  capnp::MallocMessageBuilder message;
  auto response = message.initRoot<schema::Response>();
  if (!request_id.IsNull()) IdToWire(request_id, response.initRequestId());
  auto error = response.initError();
  error.setCode(use_override ? code_override : ErrorCodeOf(status.code()));
  error.setField(status.field());
  error.setMessage(status.message());
  return EncodeMessage(message);
}

}  // namespace frontdesk

using frontdesk::ErrorResponse;

namespace {

// A request that could not be read: bytes that are no message within the
// reader's limits (size, traversal, nesting), or a message whose fields
// could not be followed.
Status Malformed(std::string_view why) {
  return Status::InvalidArgument("request", "malformed request: " + std::string(why));
}

// True for a login, or a request that carries a manager's approval: a
// password to check.
bool ChecksPassword(const DecodedMessage& decoded) {
  try {
    auto request = decoded.Root<schema::Request>();
    const Operation* op = FindOperation(request.which());
    return op != nullptr &&
           (op->route == Route::kLogin || (op->approval && op->approval(request)));
  } catch (const kj::Exception&) {
    return false;  // Dispatch answers it
  }
}

}  // namespace

schema::ErrorCode ErrorCodeOf(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument: return schema::ErrorCode::INVALID_ARGUMENT;
    case StatusCode::kNotFound: return schema::ErrorCode::NOT_FOUND;
    case StatusCode::kAlreadyExists: return schema::ErrorCode::ALREADY_EXISTS;
    case StatusCode::kConflict: return schema::ErrorCode::CONFLICT;
    case StatusCode::kPermissionDenied: return schema::ErrorCode::PERMISSION_DENIED;
    case StatusCode::kUnauthenticated: return schema::ErrorCode::UNAUTHENTICATED;
    case StatusCode::kResourceExhausted: return schema::ErrorCode::RESOURCE_EXHAUSTED;
    case StatusCode::kUnavailable: return schema::ErrorCode::UNAVAILABLE;
    // A damaged record (docs/storage.md, "Checksums"): not served until the
    // node has fetched it back from its hub.
    case StatusCode::kCorruption: return schema::ErrorCode::UNAVAILABLE;
    default: return schema::ErrorCode::INTERNAL;
  }
}

Status OfficeConfig::Validate() const {
  if (code.size() < 2 || code.size() > 8 ||
      !std::all_of(code.begin(), code.end(),
                   [](char c) { return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); })) {
    return Status::InvalidArgument("office", "an office code is 2 to 8 capital letters or digits, got '" + code + "'");
  }
  if (phone_region.size() != 2) {
    return Status::InvalidArgument("phone_region", "a phone region is a two-letter country code");
  }
  if (currency.size() != 3 || !std::all_of(currency.begin(), currency.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c));
      })) {
    return Status::InvalidArgument("currency", "a currency is a three-letter ISO 4217 code");
  }
  return CheckTimeZone(time_zone);
}

FrontDesk::FrontDesk(Store& store, Writer& writer, Clock& wall, HybridClock& hlc,
                     OfficeConfig office)
    : store_(store),
      writer_(writer),
      wall_(wall),
      hlc_(hlc),
      office_(std::move(office)),
      guard_(wall, office_.login_guard),
      decoy_hash_([this] {
        auto decoy = HashPassword("a decoy, never anyone's password", office_.password_cost);
        return decoy.ok() ? *decoy : std::string();
      }()),
      logins_(office_.login_threads, "crm-desk-login") {}

Status FrontDesk::BootstrapAdmin(std::string_view login, std::string_view display_name,
                                 std::string_view password) {
  if (!IsValidLogin(login)) {
    return Status::InvalidArgument("login", "a login is 3 to 64 letters, digits, '.', '_' or '-'");
  }
  CRM_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, office_.password_cost));
  SessionUser system{Id{}, "bootstrap", "bootstrap", schema::Role::ADMIN, 0};
  Context ctx{office_, wall_, hlc_, store_, system};
  return writer_.Run([&](StoreTxn& txn) -> Status {
    // A user of this office (made here, or received back after a restore)
    // means the node is set up; the directory's other offices' users and
    // headquarters' do not count.
    bool has_users = false;
    CRM_RETURN_IF_ERROR(txn.ForEachOfKind(
        EntityKind::USER, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
          auto user = stored.getValue().getAs<schema::User>();
          if (IsLive(stored) && Str(user.getOffice()) == office_.code) has_users = true;
          return Status::Ok();
        }));
    if (has_users) {
      return Status::AlreadyExists("this node already has users of office " + office_.code +
                                   "; an admin creates more");
    }
    Id id = Id::Generate(wall_.NowMillis());
    ChangeMessage change = frontdesk::NewPatch(ctx, EntityKind::USER, id);
    auto user = change.record<schema::User>();
    user.setLogin(std::string(login));
    user.setDisplayName(std::string(display_name.empty() ? login : display_name));
    user.setRole(schema::Role::ADMIN);
    user.setPasswordHash(hash);
    user.setOffice(office_.code);
    user.setActive(true);
    user.setSessionEpoch(frontdesk::NewSessionEpoch(wall_));
    for (const char* f : {"login", "displayName", "role", "passwordHash", "office", "active",
                          "sessionEpoch"}) {
      CRM_RETURN_IF_ERROR(change.Set(f));
    }
    CRM_RETURN_IF_ERROR(frontdesk::ApplyChange(txn, change));
    AuditEvent event = AuditOf(system, "create the first admin");
    event.detail = std::string(login);
    event.subjects.emplace_back(EntityKind::USER, id);
    return AppendAudit(txn, event);
  });
}

Status FrontDesk::CheckClock() const {
  const Stamp latest = hlc_.Latest();
  const int64_t now = wall_.NowMillis();
  if (latest.physical - now <= hlc_.max_skew_ms()) return Status::Ok();
  return Status::Unavailable(
      "this node's clock reads " + FormatUtc(now) + ", but it has stamped changes as late as " +
      FormatUtc(latest.physical) + " (" + FormatSpan(latest.physical - now) +
      " later): its clock was set ahead once, and anything written now would be stamped then and "
      "win over every later edit in the chain. Writes are refused until that is settled: if the "
      "clock is wrong, set it right; if it is right now, stop the node and run `crm-admin clock "
      "repair --data DIR` (docs/replication.md, \"Clocks\")");
}

AuditEvent FrontDesk::AuditOf(const SessionUser& user, std::string action) const {
  AuditEvent event;
  event.time_ms = wall_.NowMillis();
  event.user = user.user;
  event.login = user.login;
  event.role = user.role;
  event.action = std::move(action);
  return event;
}

void FrontDesk::AuditLater(AuditEvent event) {
  // Not waited for: the answer does not depend on it. A failure is rare (the
  // store full) and the caller's answer already says what happened.
  (void)writer_.Submit([event = std::move(event)](StoreTxn& txn) { return AppendAudit(txn, event); });
}

Result<FrontDesk::DeskRequest> FrontDesk::DecodeRequest(std::string_view bytes) {
  auto decoded = DecodedMessage::Decode(bytes);
  if (!decoded.ok()) return Malformed(decoded.status().message());
  return std::make_shared<const DecodedMessage>(std::move(*decoded));
}

std::string FrontDesk::UnreadableResponse(const Status& status) {
  return ErrorResponse(Id{}, status);
}

std::string FrontDesk::RefusalOf(const DecodedMessage& request, const Status& status) {
  Id request_id;
  try {
    auto root = request.Root<schema::Request>();
    if (root.hasRequestId()) request_id = IdFromWire(root.getRequestId());
  } catch (const kj::Exception&) {
    // No id to read: the refusal goes without one.
  }
  return ErrorResponse(request_id, status);
}

std::string FrontDesk::Handle(std::string_view request_bytes, const Caller& caller) {
  auto request = DecodeRequest(request_bytes);
  if (!request.ok()) return UnreadableResponse(request.status());
  return Handle(std::move(*request), caller);
}

std::string FrontDesk::Handle(DeskRequest request, const Caller& caller) {
  // Shared with the reply, which may run on another thread until after this
  // has returned.
  auto answered = std::make_shared<std::promise<std::string>>();
  std::future<std::string> answer = answered->get_future();
  HandleAsync(
      std::move(request),
      [answered](std::string reply) { answered->set_value(std::move(reply)); }, caller);
  return answer.get();
}

void FrontDesk::HandleAsync(std::string_view request_bytes, Reply reply, const Caller& caller) {
  auto request = DecodeRequest(request_bytes);
  if (!request.ok()) {
    // Bytes that are no message within the limits: the sender's fault.
    reply(UnreadableResponse(request.status()));
    return;
  }
  HandleAsync(std::move(*request), std::move(reply), caller);
}

void FrontDesk::HandleAsync(DeskRequest request, Reply reply, const Caller& caller) {
  if (ChecksPassword(*request)) {
    // Refused at once if it may not be checked now; the password hash runs
    // on a login thread, never on the caller's (nor, for a sale's approval,
    // on the writer's).
    std::string refused = ScreenPasswordCheck(*request, caller);
    if (!refused.empty()) {
      reply(std::move(refused));
      return;
    }
    logins_.Submit([this, request, reply = std::move(reply), caller] {
      // A sale whose approval passed goes on to the writer, which answers it.
      std::string answer = Dispatch(request, reply, caller);
      if (!answer.empty()) reply(std::move(answer));
    });
    return;
  }
  std::string answer = Dispatch(std::move(request), reply, caller);
  if (!answer.empty()) reply(std::move(answer));
}

std::string FrontDesk::ScreenPasswordCheck(const DecodedMessage& decoded, const Caller& caller) {
  try {
    auto request = decoded.Root<schema::Request>();
    const Id request_id = request.hasRequestId() ? IdFromWire(request.getRequestId()) : Id{};
    return request.isLogin() ? ScreenLogin(request, request_id, caller)
                             : ScreenApproval(request, request_id, caller);
  } catch (const kj::Exception& e) {
    return ErrorResponse(Id{}, Malformed(e.getDescription().cStr()));
  }
}

Context FrontDesk::ContextFor(const SessionUser& user, const SessionUser* approver) {
  return Context{office_, wall_, hlc_, store_, user, approver, this};
}

std::string FrontDesk::Dispatch(DeskRequest decoded, const Reply& reply, const Caller& caller) {
  Id request_id;
  try {
    auto request = decoded->Root<schema::Request>();
    if (request.hasRequestId()) request_id = IdFromWire(request.getRequestId());
    if (request.getProtocolVersion() != schema::FRONT_DESK_PROTOCOL_VERSION) {
      return ErrorResponse(
          request_id,
          Status::InvalidArgument("protocolVersion",
                                  "this node speaks front-desk protocol " +
                                      std::to_string(schema::FRONT_DESK_PROTOCOL_VERSION) +
                                      ", the client " +
                                      std::to_string(request.getProtocolVersion())),
          schema::ErrorCode::VERSION_MISMATCH, true);
    }
    const Operation* op = FindOperation(request.which());
    if (op == nullptr) {
      return ErrorResponse(request_id, Status::InvalidArgument(
                                           "request", "unknown operation; is the node older "
                                                      "than the client?"));
    }
    if (op->route == Route::kLogin) return Login(request, request_id, caller);

    auto authenticated = Authenticate(Str(request.getSession()));
    if (!authenticated.ok()) return ErrorResponse(request_id, authenticated.status());
    auto session = std::make_shared<const SessionUser>(std::move(*authenticated));
    if (op->headquarters_owns != nullptr && office_.under_hub) {
      return ErrorResponse(
          request_id,
          Status::PermissionDenied("headquarters owns " + std::string(op->headquarters_owns) +
                                   " (office " + office_.code +
                                   " has a hub, so it may not " + op->name + ")"));
    }
    // An approval stands in for the caller's role: the approver's role must
    // allow the operation (checked once their password is, below).
    auto approval = op->approval ? op->approval(request) : std::nullopt;
    const bool role_allows = RoleAllows(session->role, op->minimum_role);
    if (!role_allows && !approval) {
      return RefuseRole(*op, *session, request_id);
    }
    switch (op->route) {
      case Route::kLogin:
        break;  // answered above
      case Route::kLogout:
        return Logout(request, request_id, reply);
      case Route::kInline:
      case Route::kWorker:
        return Read(*op, request, request_id, *session);
      case Route::kWrite: {
        // A request carrying an approval came through a login thread
        // (HandleAsync), where its password is checked now.
        std::shared_ptr<const SessionUser> approver;
        if (approval) {
          auto checked = CheckApproval(*session, request_id, *op, *approval, caller);
          if (!checked.ok()) return ErrorResponse(request_id, checked.status());
          approver = std::make_shared<const SessionUser>(std::move(checked).value());
          if (!role_allows && !RoleAllows(approver->role, op->minimum_role)) {
            return RefuseApproverRole(*op, *session, *approver, request_id);
          }
        }
        return SubmitWrite(*op, std::move(decoded), request_id, std::move(session),
                           std::move(approver), reply);
      }
    }
    return ErrorResponse(request_id, Status::Internal(std::string(op->name) + " has no route"));
  } catch (const kj::Exception& e) {
    return ErrorResponse(request_id, Malformed(e.getDescription().cStr()));
  } catch (const std::exception& e) {
    return ErrorResponse(request_id, Status::Internal(e.what()));
  }
}

std::string FrontDesk::RefuseRole(const Operation& op, const SessionUser& session,
                                  const Id& request_id) {
  Status refused = Status::PermissionDenied(std::string(RoleName(session.role)) + " may not " +
                                            op.name + "; it takes " +
                                            RoleName(op.minimum_role));
  AuditEvent event = AuditOf(session, op.name);
  event.request_id = request_id;
  event.refused = true;
  event.detail = refused.message();
  AuditLater(std::move(event));
  return ErrorResponse(request_id, refused);
}

std::string FrontDesk::RefuseApproverRole(const Operation& op, const SessionUser& session,
                                          const SessionUser& approver, const Id& request_id) {
  Status refused(StatusCode::kPermissionDenied,
                 approver.login + " is " + RoleName(approver.role) + " and may not approve: to " +
                     op.name + " takes " + RoleName(op.minimum_role),
                 "approval");
  AuditEvent event = AuditOf(session, op.name);
  event.request_id = request_id;
  event.refused = true;
  event.approved_by = approver.user;
  event.approver_login = approver.login;
  event.detail = refused.message();
  AuditLater(std::move(event));
  return ErrorResponse(request_id, refused);
}

std::string FrontDesk::Read(const Operation& op, schema::Request::Reader request,
                            const Id& request_id, const SessionUser& session) {
  // Reads run on the calling thread over a snapshot.
  capnp::MallocMessageBuilder message;
  auto response = message.initRoot<schema::Response>();
  if (!request_id.IsNull()) IdToWire(request_id, response.initRequestId());
  auto view = store_.Read();
  if (!view.ok()) return ErrorResponse(request_id, view.status());
  Context ctx = ContextFor(session);
  Status status = op.read(ctx, *view, request, response);
  if (!status.ok()) return ErrorResponse(request_id, status);
  return EncodeMessage(message);
}

std::string FrontDesk::SubmitWrite(const Operation& op, DeskRequest decoded, const Id& request_id,
                                   std::shared_ptr<const SessionUser> session,
                                   std::shared_ptr<const SessionUser> approver,
                                   const Reply& reply) {
  if (request_id.IsNull()) {
    return ErrorResponse(request_id, Status::InvalidArgument(
                                         "requestId", "a write needs a request id for retries"));
  }
  // Writes run in the group commit and are answered through `reply` once
  // durable, on the writer's thread; a retried request id gets the first
  // outcome back and writes nothing again. The work runs after this has
  // returned: it keeps the request and the sessions alive.
  auto scope =
      std::make_shared<const RequestScope>(ScopeOf(session->user, decoded->Root<schema::Request>()));
  auto outcome = std::make_shared<std::string>();
  writer_.Submit(
      [this, op = &op, decoded, session, approver, outcome, request_id,
       scope](StoreTxn& txn) -> Status {
        CRM_ASSIGN_OR_RETURN(std::optional<std::string> earlier, txn.requests().Find(request_id));
        if (earlier) {
          CRM_ASSIGN_OR_RETURN(RememberedRequest remembered, DecodeRememberedRequest(*earlier));
          CRM_ASSIGN_OR_RETURN(*outcome, MatchRetry(request_id, remembered, *scope));
          return Status::Ok();
        }
        CRM_RETURN_IF_ERROR(CheckClock());
        CRM_ASSIGN_OR_RETURN(bool restored, txn.AwaitingOwnHistory());
        if (restored) {
          return Status::Unavailable(
              "this office's store was restored from a backup: it takes changes again once "
              "the hub has sent back what the office made after the backup (is the hub "
              "reachable?)");
        }
        capnp::MallocMessageBuilder fresh;
        auto out = fresh.initRoot<schema::Response>();
        IdToWire(request_id, out.initRequestId());
        CRM_ASSIGN_OR_RETURN(uint64_t log_before, txn.LastSeq());
        Context ctx = ContextFor(*session, approver.get());
        Status handled;
        try {
          handled = op->write(ctx, txn, decoded->Root<schema::Request>(), out);
        } catch (const kj::Exception& e) {
          // The request's fields run past the reader's limits (nesting,
          // traversal) when copied: the sender's fault, not the node's.
          handled = Malformed(e.getDescription().cStr());
        }
        CRM_RETURN_IF_ERROR(handled);
        *outcome = EncodeMessage(fresh);
        CRM_RETURN_IF_ERROR(
            txn.requests().Remember(request_id, EncodeRememberedRequest(*scope, *outcome)));
        // The audit entry commits with the write it tells of.
        return AuditWrite(txn, *op, *session, approver.get(), request_id, out, log_before);
      },
      [this, reply, outcome, request_id, session, op = &op, approver](Status status) {
        // What the desk does not allow (a sale beyond the limits at the
        // till) is audited as refused, as a role refusal is.
        if (status.code() == StatusCode::kPermissionDenied) {
          AuditEvent event = AuditOf(*session, op->name);
          event.request_id = request_id;
          event.refused = true;
          event.detail = status.message();
          if (approver) {
            event.approved_by = approver->user;
            event.approver_login = approver->login;
          }
          AuditLater(std::move(event));
        }
        reply(status.ok() ? std::move(*outcome) : ErrorResponse(request_id, status));
      });
  return std::string();  // answered through `reply`
}

Status FrontDesk::AuditWrite(StoreTxn& txn, const Operation& op, const SessionUser& session,
                             const SessionUser* approver, const Id& request_id,
                             schema::Response::Reader out, uint64_t log_before) const {
  AuditEvent event = AuditOf(session, op.name);
  event.request_id = request_id;
  if (out.isReceipt()) {
    // A sale keeps its approver only when a line needed the approval.
    if (out.getReceipt().getSale().hasApprovedBy()) {
      event.approved_by = IdFromWire(out.getReceipt().getSale().getApprovedBy());
      event.approver_login = Str(out.getReceipt().getApprovedBy());
    }
  } else if (approver != nullptr) {
    event.approved_by = approver->user;
    event.approver_login = approver->login;
  }
  // What the write changed, from the log entries it appended.
  CRM_ASSIGN_OR_RETURN(uint64_t log_after, txn.LastSeq());
  CRM_ASSIGN_OR_RETURN(std::vector<LogEntry> written,
                       txn.ReadLog(log_before + 1, log_after - log_before));
  for (const LogEntry& entry : written) {
    event.subjects.emplace_back(entry.change().getEntity(), IdFromWire(entry.change().getId()));
  }
  return AppendAudit(txn, event);
}

}  // namespace crm

namespace crm::frontdesk {

const char* RoleName(schema::Role role) {
  switch (role) {
    case schema::Role::CASHIER: return "a cashier";
    case schema::Role::OFFICE_MANAGER: return "an office manager";
    case schema::Role::HQ_MANAGER: return "an HQ manager";
    case schema::Role::ADMIN: return "an admin";
  }
  return "an unknown role";
}

Status CheckText(std::string_view field, std::string_view value, size_t max_bytes, bool required) {
  if (required && value.find_first_not_of(" \t\n") == std::string_view::npos) {
    return Status::InvalidArgument(std::string(field), "is required");
  }
  if (value.size() > max_bytes) {
    return Status::InvalidArgument(std::string(field), "is longer than " +
                                                           std::to_string(max_bytes) + " bytes");
  }
  if (!IsCleanUtf8(value)) {
    return Status::InvalidArgument(std::string(field),
                                   "is not valid UTF-8 text or holds control characters");
  }
  return Status::Ok();
}

ChangeMessage NewPatch(Context& ctx, EntityKind kind, const Id& id) {
  return ChangeMessage::Patch(kind, id, ctx.hlc.Now(), ctx.user.user);
}

ChangeMessage NewEvent(Context& ctx, EntityKind kind, const Id& id) {
  return ChangeMessage::Event(kind, id, ctx.hlc.Now(), ctx.user.user);
}

Status ApplyChange(StoreTxn& txn, ChangeMessage& change) {
  return txn.ApplyLocal(change.change()).status();
}

Result<Record> Require(const StoreView& view, EntityKind kind, const Id& id,
                       std::string_view field) {
  if (id.IsNull()) return Status::InvalidArgument(std::string(field), "is required");
  auto record = view.Get(kind, id);
  if (!record.ok() && record.status().code() == StatusCode::kNotFound) {
    return Status(StatusCode::kNotFound, record.status().message(), std::string(field));
  }
  if (record.ok() && !IsLive(record->stored())) {
    return Status(StatusCode::kNotFound,
                  std::string(EntityName(kind)) + " " + id.ToString() +
                      (record->stored().hasErased() ? " was erased" : " was deleted"),
                  std::string(field));
  }
  return record;
}

Result<std::pair<Id, Record>> FindSale(const StoreView& view, std::string_view receipt_or_id,
                                       std::string_view field) {
  if (receipt_or_id.empty()) return Status::InvalidArgument(std::string(field), "is required");
  Id id;
  auto by_receipt = view.FindByKey(EntityKind::SALE, receipt_or_id);
  if (by_receipt.ok()) {
    id = *by_receipt;
  } else if (auto parsed = Id::Parse(receipt_or_id); parsed.ok()) {
    id = *parsed;
  } else {
    return Status(StatusCode::kNotFound,
                  "no sale with receipt number '" + std::string(receipt_or_id) + "'",
                  std::string(field));
  }
  CRM_ASSIGN_OR_RETURN(Record record, Require(view, EntityKind::SALE, id, field));
  return std::make_pair(id, std::move(record));
}

}  // namespace crm::frontdesk
