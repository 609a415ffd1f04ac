#include "node/frontdesk.h"

#include <capnp/message.h>
#include <kj/exception.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <future>
#include <memory>

#include "node/audit.h"
#include "node/crypto.h"
#include "node/frontdesk_internal.h"
#include "node/local_time.h"
#include "node/request_log.h"
#include "node/text.h"
#include "sync/codec.h"
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

int RoleRank(schema::Role role) {
  switch (role) {
    case schema::Role::CASHIER: return 0;
    case schema::Role::OFFICE_MANAGER: return 1;
    case schema::Role::HQ_MANAGER: return 2;
    case schema::Role::ADMIN: return 3;
  }
  return -1;
}

// The least role allowed to run each operation.
schema::Role MinimumRole(schema::Request::Which op) {
  using W = schema::Request::Which;
  switch (op) {
    case W::REFUND_SALE:
    case W::LIST_DUPLICATES:
    case W::LIST_CONFLICTS:
    case W::MERGE_CLIENTS:
    case W::DELETE_CLIENT:
    case W::ERASE_CLIENT: return schema::Role::OFFICE_MANAGER;
    case W::SAVE_PRODUCT: return schema::Role::HQ_MANAGER;
    case W::CREATE_USER:
    case W::UNLOCK_LOGIN: return schema::Role::ADMIN;
    default: return schema::Role::CASHIER;
  }
}

const char* OperationName(schema::Request::Which op) {
  using W = schema::Request::Which;
  switch (op) {
    case W::LOGIN: return "login";
    case W::LOGOUT: return "logout";
    case W::STATUS: return "status";
    case W::FIND_CLIENTS: return "find clients";
    case W::GET_CLIENT_CARD: return "open a client card";
    case W::SAVE_CLIENT: return "save a client";
    case W::RECORD_SALE: return "record a sale";
    case W::REFUND_SALE: return "refund a sale";
    case W::RECORD_PAYMENT: return "take a payment";
    case W::LOG_INTERACTION: return "log an interaction";
    case W::ADD_NOTE: return "add a note";
    case W::CREATE_TASK: return "create a task";
    case W::COMPLETE_TASK: return "complete a task";
    case W::SAVE_DEAL: return "save a deal";
    case W::RECORD_FEEDBACK: return "record feedback";
    case W::ATTACH_FILE: return "attach a file";
    case W::GET_FILE: return "download a file";
    case W::GET_SALE: return "show a sale";
    case W::SAVE_PRODUCT: return "save a product";
    case W::CREATE_USER: return "create a user";
    case W::LIST_DUPLICATES: return "list duplicate clients";
    case W::LIST_CONFLICTS: return "list conflicting edits";
    case W::MERGE_CLIENTS: return "merge clients";
    case W::DELETE_CLIENT: return "delete a client";
    case W::ERASE_CLIENT: return "erase a client";
    case W::UNLOCK_LOGIN: return "unlock a login";
  }
  return "unknown operation";
}

// A request that could not be read: bytes that are no message within the
// reader's limits (size, traversal, nesting), or a message whose fields
// could not be followed.
Status Malformed(std::string_view why) {
  return Status::InvalidArgument("request", "malformed request: " + std::string(why));
}

bool IsLogin(const DecodedMessage& decoded) {
  try {
    return decoded.Root<schema::Request>().which() == schema::Request::LOGIN;
  } catch (const kj::Exception&) {
    return false;  // Dispatch answers it
  }
}

// A sale with a manager's approval: the approver's password is hashed before
// the sale goes to the writer.
bool CarriesApproval(const DecodedMessage& decoded) {
  try {
    auto request = decoded.Root<schema::Request>();
    return request.which() == schema::Request::RECORD_SALE && request.getRecordSale().hasApproval();
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
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(std::string(token));
  if (it == sessions_.end()) return Status::Unauthenticated("the session is unknown; log in again");
  if (now - it->second.last_used_ms > office_.session_idle_ms) {
    sessions_.erase(it);
    return Status::Unauthenticated("the session expired; log in again");
  }
  it->second.last_used_ms = now;
  return it->second;
}

Status FrontDesk::BootstrapAdmin(std::string_view login, std::string_view display_name,
                                 std::string_view password) {
  if (!IsValidLogin(login)) {
    return Status::InvalidArgument("login", "a login is 3 to 64 letters, digits, '.', '_' or '-'");
  }
  CRM_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, office_.password_cost));
  SessionUser system{Id{}, "bootstrap", "bootstrap", schema::Role::ADMIN, 0};
  Context ctx{office_, wall_, hlc_, store_, system};
  return writer_.Run([&](StoreTxn& txn) -> Status {
    // Any user at all (made here or received) means the node is set up.
    CRM_ASSIGN_OR_RETURN(bool has_users, txn.AnyRecordOf(EntityKind::USER));
    if (has_users) {
      return Status::AlreadyExists("this node already has users; an admin creates more");
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
    for (const char* f : {"login", "displayName", "role", "passwordHash", "office", "active"}) {
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

std::string FrontDesk::Handle(std::string_view request_bytes, const Caller& caller) {
  // Shared with the reply, which may run on another thread until after this
  // has returned.
  auto answered = std::make_shared<std::promise<std::string>>();
  std::future<std::string> answer = answered->get_future();
  HandleAsync(
      request_bytes, [answered](std::string reply) { answered->set_value(std::move(reply)); },
      caller);
  return answer.get();
}

void FrontDesk::HandleAsync(std::string_view request_bytes, Reply reply, const Caller& caller) {
  auto decoded_bytes = DecodedMessage::Decode(request_bytes);
  if (!decoded_bytes.ok()) {
    // Bytes that are no message within the limits: the sender's fault.
    reply(ErrorResponse(Id{}, Malformed(decoded_bytes.status().message())));
    return;
  }
  // Shared with a write's work and a login, which run after this returns.
  auto decoded = std::make_shared<const DecodedMessage>(std::move(*decoded_bytes));
  if (IsLogin(*decoded) || CarriesApproval(*decoded)) {
    // Refused at once if it may not be checked now; the password hash runs
    // on a login thread, never on the caller's (nor, for a sale's approval,
    // on the writer's).
    std::string refused;
    try {
      auto request = decoded->Root<schema::Request>();
      const Id request_id = request.hasRequestId() ? IdFromWire(request.getRequestId()) : Id{};
      refused = request.isLogin() ? ScreenLogin(request, request_id, caller)
                                  : ScreenApproval(request, request_id, caller);
    } catch (const kj::Exception& e) {
      refused = ErrorResponse(Id{}, Malformed(e.getDescription().cStr()));
    }
    if (!refused.empty()) {
      reply(std::move(refused));
      return;
    }
    logins_.Submit([this, decoded, reply = std::move(reply), caller] {
      // A sale whose approval passed goes on to the writer, which answers it.
      std::string answer = Dispatch(decoded, reply, caller);
      if (!answer.empty()) reply(std::move(answer));
    });
    return;
  }
  std::string answer = Dispatch(std::move(decoded), reply, caller);
  if (!answer.empty()) reply(std::move(answer));
}

std::string FrontDesk::Dispatch(std::shared_ptr<const DecodedMessage> decoded, const Reply& reply,
                                const Caller& caller) {
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
    const auto op = request.which();

    capnp::MallocMessageBuilder message;
    auto response = message.initRoot<schema::Response>();
    if (!request_id.IsNull()) IdToWire(request_id, response.initRequestId());

    if (op == schema::Request::LOGIN) return Login(request, request_id, caller);

    auto authenticated = Authenticate(Str(request.getSession()));
    if (!authenticated.ok()) return ErrorResponse(request_id, authenticated.status());
    auto session = std::make_shared<const SessionUser>(std::move(*authenticated));
    if (RoleRank(session->role) < RoleRank(MinimumRole(op))) {
      Status refused = Status::PermissionDenied(std::string(RoleName(session->role)) + " may not " +
                                                OperationName(op) + "; it takes " +
                                                RoleName(MinimumRole(op)));
      AuditEvent event = AuditOf(*session, OperationName(op));
      event.request_id = request_id;
      event.refused = true;
      event.detail = refused.message();
      AuditLater(std::move(event));
      return ErrorResponse(request_id, refused);
    }
    Context ctx{office_, wall_, hlc_, store_, *session};

    // Reads run on this thread over a snapshot.
    auto read = [&](auto&& handler) -> std::string {
      auto view = store_.Read();
      if (!view.ok()) return ErrorResponse(request_id, view.status());
      Status status = handler(*view);
      if (!status.ok()) return ErrorResponse(request_id, status);
      return EncodeMessage(message);
    };
    // Writes run in the group commit and are answered through `reply` once
    // durable, on the writer's thread; a retried request id gets the first
    // outcome back and writes nothing again. The work runs after Dispatch has
    // returned: it keeps the request and the session alive, and each handler
    // takes its own copies of `ctx` and `request` (which point into them).
    // `approver`: whose approval came with the request (its refusal names it).
    auto write = [&](std::function<Status(StoreTxn&, schema::Response::Builder)> handler,
                     std::shared_ptr<const SessionUser> approver = nullptr) {
      if (request_id.IsNull()) {
        return ErrorResponse(request_id, Status::InvalidArgument(
                                             "requestId", "a write needs a request id for retries"));
      }
      auto outcome = std::make_shared<std::string>();
      auto scope = std::make_shared<const RequestScope>(ScopeOf(session->user, request));
      writer_.Submit(
          [this, handler = std::move(handler), decoded, session, outcome, request_id, op,
           scope](StoreTxn& txn) -> Status {
            CRM_ASSIGN_OR_RETURN(std::optional<std::string> earlier, txn.FindRequest(request_id));
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
            Status handled;
            try {
              handled = handler(txn, out);
            } catch (const kj::Exception& e) {
              // The request's fields run past the reader's limits (nesting,
              // traversal) when copied: the sender's fault, not the node's.
              handled = Malformed(e.getDescription().cStr());
            }
            CRM_RETURN_IF_ERROR(handled);
            *outcome = EncodeMessage(fresh);
            CRM_RETURN_IF_ERROR(
                txn.RecordRequest(request_id, EncodeRememberedRequest(*scope, *outcome)));
            // The audit entry commits with the write it tells of.
            AuditEvent event = AuditOf(*session, OperationName(op));
            event.request_id = request_id;
            if (out.isReceipt() && out.getReceipt().getSale().hasApprovedBy()) {
              event.approved_by = IdFromWire(out.getReceipt().getSale().getApprovedBy());
              event.approver_login = Str(out.getReceipt().getApprovedBy());
            }
            CRM_ASSIGN_OR_RETURN(uint64_t log_after, txn.LastSeq());
            CRM_ASSIGN_OR_RETURN(std::vector<LogEntry> written,
                                 txn.ReadLog(log_before + 1, log_after - log_before));
            for (const LogEntry& entry : written) {
              event.subjects.emplace_back(entry.change().getEntity(),
                                          IdFromWire(entry.change().getId()));
            }
            return AppendAudit(txn, event);
          },
          [this, reply, outcome, request_id, session, op, approver](Status status) {
            // What the desk does not allow (a sale beyond the limits at the
            // till) is audited as refused, as a role refusal is.
            if (status.code() == StatusCode::kPermissionDenied) {
              AuditEvent event = AuditOf(*session, OperationName(op));
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
    };

    using W = schema::Request::Which;
    switch (op) {
      case W::LOGIN:
        break;  // handled above
      case W::LOGOUT: {
        std::lock_guard lock(sessions_mutex_);
        sessions_.erase(Str(request.getSession()));
        response.setDone();
        return EncodeMessage(message);
      }
      case W::STATUS:
        return read([&](const StoreView& view) -> Status {
          auto status = response.initStatus();
          IdToWire(store_.node_id(), status.initNodeId());
          status.setOffice(office_.code);
          CRM_ASSIGN_OR_RETURN(uint64_t records, store_.CountRecords());
          status.setRecords(records);
          CRM_ASSIGN_OR_RETURN(uint64_t seq, view.LastSeq());
          status.setLogSeq(seq);
          // What this node made that the hub is not known to hold (all of
          // it for a node without a hub).
          SyncSnapshot sync = sync_status_ ? sync_status_() : SyncSnapshot{};
          CRM_ASSIGN_OR_RETURN(uint64_t made, view.LocalChangeCount());
          uint64_t unsent = made > sync.hub_holds_own ? made - sync.hub_holds_own : 0;
          status.setUnsentChanges(unsent);
          if (unsent > 0) {
            // The first change of this node's own after what the hub is known
            // to hold: its stamp tells how long it has waited.
            uint64_t after = sync.configured ? sync.uplink.pushed_through : 0;
            CRM_ASSIGN_OR_RETURN(std::vector<LogEntry> entries, view.ReadLog(after + 1, 2000));
            for (const LogEntry& entry : entries) {
              auto change = entry.change();
              if (IdFromWire(change.getOrigin()) == store_.node_id() &&
                  change.getOriginSeq() > sync.hub_holds_own) {
                status.setOldestUnsent(change.getStamp().getPhysical());
                break;
              }
            }
          }
          status.setLastHubContact(sync.configured ? sync.uplink.last_contact_ms : 0);
          FillSession(*session, status.initYou());
          status.setHubConfigured(sync.configured);
          status.setHubConnected(sync.configured && sync.uplink.connected);
          if (sync.configured) {
            status.setHubRefusal(sync.uplink.refusal);
            status.setHubRejected(sync.uplink.rejected);
            status.setLastHubRejection(sync.uplink.last_rejection);
          }
          if (Status clock = CheckClock(); !clock.ok()) status.setClockProblem(clock.message());
          status.setTimeZone(office_.time_zone);
          status.setCurrency(office_.currency);
          return Status::Ok();
        });
      case W::FIND_CLIENTS:
        return read([&](const StoreView& view) {
          return frontdesk::FindClients(ctx, view, request.getFindClients(), response);
        });
      case W::GET_CLIENT_CARD:
        return read([&](const StoreView& view) {
          return frontdesk::GetClientCard(ctx, view, IdFromWire(request.getGetClientCard()),
                                          response);
        });
      case W::GET_SALE:
        return read([&](const StoreView& view) {
          return frontdesk::GetSale(ctx, view, Str(request.getGetSale()), response);
        });
      case W::GET_FILE:
        return read([&](const StoreView& view) {
          return frontdesk::GetFile(ctx, view, Str(request.getGetFile()), response);
        });
      case W::SAVE_CLIENT:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::SaveClient(ctx, txn, request.getSaveClient(), out);
        });
      case W::RECORD_SALE: {
        // Routed to a login thread by HandleAsync when it carries an approval.
        std::shared_ptr<const SessionUser> approver;
        if (request.getRecordSale().hasApproval()) {
          auto checked =
              CheckApproval(*session, request_id, request.getRecordSale().getApproval(), caller);
          if (!checked.ok()) return ErrorResponse(request_id, checked.status());
          approver = std::make_shared<const SessionUser>(std::move(checked).value());
        }
        return write(
            [ctx, request, approver](StoreTxn& txn, schema::Response::Builder out) mutable {
              return frontdesk::RecordSale(ctx, txn, request.getRecordSale(), approver.get(), out);
            },
            approver);
      }
      case W::REFUND_SALE:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::RefundSale(ctx, txn, request.getRefundSale(), out);
        });
      case W::RECORD_PAYMENT:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::RecordPayment(ctx, txn, request.getRecordPayment(), out);
        });
      case W::LOG_INTERACTION:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::LogInteraction(ctx, txn, request.getLogInteraction(), out);
        });
      case W::ADD_NOTE:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::AddNote(ctx, txn, request.getAddNote(), out);
        });
      case W::CREATE_TASK:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::CreateTask(ctx, txn, request.getCreateTask(), out);
        });
      case W::COMPLETE_TASK:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::CompleteTask(ctx, txn, IdFromWire(request.getCompleteTask()), out);
        });
      case W::SAVE_DEAL:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::SaveDeal(ctx, txn, request.getSaveDeal(), out);
        });
      case W::RECORD_FEEDBACK:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::RecordFeedback(ctx, txn, request.getRecordFeedback(), out);
        });
      case W::ATTACH_FILE:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::AttachFile(ctx, txn, request.getAttachFile(), out);
        });
      case W::SAVE_PRODUCT:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::SaveProduct(ctx, txn, request.getSaveProduct(), out);
        });
      case W::CREATE_USER:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::CreateUser(ctx, txn, request.getCreateUser(), out);
        });
      case W::LIST_DUPLICATES:
        return read([&](const StoreView& view) {
          return frontdesk::ListDuplicates(ctx, view, response);
        });
      case W::LIST_CONFLICTS:
        return read([&](const StoreView& view) {
          return frontdesk::ListConflicts(ctx, view, response);
        });
      case W::MERGE_CLIENTS:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::MergeClients(ctx, txn, request.getMergeClients(), out);
        });
      case W::DELETE_CLIENT:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::RemoveClient(ctx, txn, IdFromWire(request.getDeleteClient()), false, out);
        });
      case W::ERASE_CLIENT:
        return write([ctx, request](StoreTxn& txn, schema::Response::Builder out) mutable {
          return frontdesk::RemoveClient(ctx, txn, IdFromWire(request.getEraseClient()), true, out);
        });
      case W::UNLOCK_LOGIN:
        return write([this, session, request](StoreTxn& txn, schema::Response::Builder out) {
          CRM_RETURN_IF_ERROR(UnlockLogin(txn, *session, Str(request.getUnlockLogin())));
          out.setDone();
          return Status::Ok();
        });
    }
    return ErrorResponse(request_id,
                         Status::InvalidArgument("request", "unknown operation; is the node older "
                                                            "than the client?"));
  } catch (const kj::Exception& e) {
    return ErrorResponse(request_id, Malformed(e.getDescription().cStr()));
  } catch (const std::exception& e) {
    return ErrorResponse(request_id, Status::Internal(e.what()));
  }
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

Status SaveProduct(Context& ctx, StoreTxn& txn, schema::Product::Reader args,
                   schema::Response::Builder response) {
  std::string sku = Str(args.getSku());
  CRM_RETURN_IF_ERROR(CheckText("sku", sku, 64, true));
  CRM_RETURN_IF_ERROR(CheckText("name", Str(args.getName()), 300, true));
  CRM_RETURN_IF_ERROR(CheckText("category", Str(args.getCategory()), 100, false));
  CRM_RETURN_IF_ERROR(CheckUnitPrice(ctx, "price", args.getPrice()));
  std::string currency = args.getCurrency().size() ? Str(args.getCurrency()) : ctx.office.currency;
  if (currency != ctx.office.currency) {
    return Status::InvalidArgument("currency", "this office sells in " + ctx.office.currency);
  }
  auto existing = txn.FindByKey(EntityKind::PRODUCT, sku);
  Id id = existing.ok() ? *existing : Id::Generate(ctx.wall.NowMillis());
  ChangeMessage change = NewPatch(ctx, EntityKind::PRODUCT, id);
  auto product = change.record<schema::Product>();
  product.setSku(sku);
  product.setName(args.getName());
  product.setPrice(args.getPrice());
  product.setCurrency(currency);
  product.setCategory(args.getCategory());
  product.setActive(true);
  for (const char* f : {"sku", "name", "price", "currency", "category", "active"}) {
    CRM_RETURN_IF_ERROR(change.Set(f));
  }
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

Status CreateUser(Context& ctx, StoreTxn& txn, schema::NewUser::Reader args,
                  schema::Response::Builder response) {
  std::string login = Str(args.getLogin());
  if (!IsValidLogin(login)) {
    return Status::InvalidArgument("login", "a login is 3 to 64 letters, digits, '.', '_' or '-'");
  }
  CRM_RETURN_IF_ERROR(CheckText("displayName", Str(args.getDisplayName()), 200, false));
  if (RoleRank(args.getRole()) < 0) return Status::InvalidArgument("role", "unknown role");
  if (txn.FindByKey(EntityKind::USER, login).ok()) {
    return Status(StatusCode::kAlreadyExists, "login '" + login + "' is taken", "login");
  }
  CRM_ASSIGN_OR_RETURN(std::string hash,
                       HashPassword(Str(args.getPassword()), ctx.office.password_cost));
  Id id = Id::Generate(ctx.wall.NowMillis());
  ChangeMessage change = NewPatch(ctx, EntityKind::USER, id);
  auto user = change.record<schema::User>();
  user.setLogin(login);
  user.setDisplayName(args.getDisplayName().size() ? Str(args.getDisplayName()) : login);
  user.setRole(args.getRole());
  user.setPasswordHash(hash);
  user.setOffice(ctx.office.code);
  user.setActive(true);
  for (const char* f : {"login", "displayName", "role", "passwordHash", "office", "active"}) {
    CRM_RETURN_IF_ERROR(change.Set(f));
  }
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

}  // namespace crm::frontdesk
