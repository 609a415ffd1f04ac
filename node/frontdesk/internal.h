// Shared by the front-desk handler files; not part of the node's interface.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

#include "node/frontdesk/frontdesk.h"
#include "node/sales/net_sales.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"

namespace crm::frontdesk {

// What a handler needs besides its arguments.
struct Context {
  const OfficeConfig& office;
  Clock& wall;
  HybridClock& hlc;
  const Store& store;
  const SessionUser& user;
  // The manager whose approval came with the request, their password
  // checked; null if none came.
  const SessionUser* approver = nullptr;
  // The desk itself, for the operations about it (status, unlocking a login).
  FrontDesk* desk = nullptr;
};

inline std::string Str(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

// An encoded error Response to `request_id` (null: none) for `status`, with
// its error code, or `code_override` if `use_override`.
std::string ErrorResponse(const Id& request_id, const Status& status,
                          schema::ErrorCode code_override = schema::ErrorCode::INTERNAL,
                          bool use_override = false);

// "a cashier", "an office manager" ...
const char* RoleName(schema::Role role);

// What a locked login is told, whatever the password (node/frontdesk/sessions.cc).
Status Locked(std::string_view login);

// The highest unit price of a product or a sale line, in minor units: 100
// million in major units.
constexpr int64_t kMaxUnitPrice = 10'000'000'000;

// kInvalidArgument naming `field` unless 0 <= price <= kMaxUnitPrice; the
// message states the limit in the office's currency.
Status CheckUnitPrice(const Context& ctx, std::string_view field, int64_t price);

// Checks a text input: well-formed UTF-8 without control characters, at most
// `max_bytes`, non-empty if `required`. Errors name `field`.
Status CheckText(std::string_view field, std::string_view value, size_t max_bytes, bool required);

// A new change stamped now and authored by the session's user.
ChangeMessage NewPatch(Context& ctx, EntityKind kind, const Id& id);
ChangeMessage NewEvent(Context& ctx, EntityKind kind, const Id& id);

// Applies a change made here; the error of a refused change is returned.
Status ApplyChange(StoreTxn& txn, ChangeMessage& change);

// The name a person at the desk knows a client by: "First Last", a
// company's name (with its contact's), else the loyalty card.
std::string ClientLabel(schema::Client::Reader client);

// Names of the clients and users a list shows (node/frontdesk/names.cc),
// each looked up once: lists show people by name, never by id.
class NameBook {
 public:
  // REQUIRES: `view` outlives this.
  NameBook(const StoreView& view, std::string desk_office);

  // The client's name as the card shows it (the survivor's, after a merge);
  // "" for a null id; a placeholder naming the id if the client has not
  // arrived here yet.
  Result<std::string> Client(const Id& client);

  struct Person {
    std::string login;         // as this desk names the user: `kate`, `anna@HQ`
    std::string display_name;  // may be empty
  };
  // The user's login and display name; empty for a null id; a placeholder
  // login if the user's directory entry has not arrived here yet.
  Result<Person> User(const Id& user);

 private:
  const StoreView& view_;
  std::string desk_office_;
  std::unordered_map<Id, std::string, IdHash> clients_;
  std::unordered_map<Id, Person, IdHash> users_;
};

// The record, or kNotFound naming `field` ("client 01H... does not exist").
Result<Record> Require(const StoreView& view, EntityKind kind, const Id& id, std::string_view field);

// A sale named by receipt number or id.
Result<std::pair<Id, Record>> FindSale(const StoreView& view, std::string_view receipt_or_id,
                                       std::string_view field);

// A client's money in one currency.
struct CurrencyFigures {
  int64_t sales_total = 0;  // sales, before refunds
  int64_t refunded = 0;
  int64_t outstanding = 0;  // owed on credit
  int64_t redeemed = 0;     // paid with bonus points
  uint32_t sales = 0;
  int64_t spent() const { return sales_total - refunded; }
};
// Figures derived from a client's events (see docs/frontdesk.md). The
// headline money figures count only amounts in `currency` (the office's
// own); `money` has every currency the client ever paid or owes in; visits
// count every office.
struct ClientFigures {
  std::map<std::string, CurrencyFigures> money;  // by ISO 4217 code
  int64_t total_spent = 0;     // sales minus refunds
  uint32_t visit_count = 0;    // distinct office-local days with a sale or a visit
  int64_t last_visit = 0;
  int64_t average_ticket = 0;  // total of sales / number of sales
  int64_t loyalty_balance = 0; // points: 1 per whole currency unit spent, minus redeemed
  int64_t outstanding = 0;     // owed on credit
};
Result<ClientFigures> ComputeFigures(const StoreView& view, const Id& client,
                                     std::string_view time_zone, std::string_view currency);

// Everything linked to a client and to the duplicates merged into it.
struct LinkedRecord {
  EntityKind kind;
  Id id;
  Record record;
};
struct ClientHistory {
  std::vector<Id> group;  // the client first, then the clients merged into it
  std::vector<LinkedRecord> records;
};
Result<ClientHistory> LoadClientHistory(const StoreView& view, const Id& client);
ClientFigures FiguresOf(const ClientHistory& history, std::string_view time_zone,
                        std::string_view currency);
// The refunds of each sale in `history` (node/sales/net_sales.h), by sale.
std::map<Id, SaleRefunds> RefundsInHistory(const ClientHistory& history);


// ---- handlers: reads take a view, writes a transaction --------------------
// The table of operations (node/frontdesk/operations.cc) calls them.

// The node, its link to the hub and the caller (node/frontdesk/status.cc).
Status DeskStatus(Context& ctx, const StoreView& view, schema::Request::Reader request,
                  schema::Response::Builder response);
// Lifts the lock of a login (node/frontdesk/sessions.cc).
Status UnlockLoginOperation(Context& ctx, StoreTxn& txn, schema::Request::Reader request,
                            schema::Response::Builder response);

Status FindClients(Context& ctx, const StoreView& view, schema::FindClients::Reader args,
                   schema::Response::Builder response);
Status GetClientCard(Context& ctx, const StoreView& view, const Id& client,
                     schema::Response::Builder response);
Status SaveClient(Context& ctx, StoreTxn& txn, schema::SaveClient::Reader args,
                  schema::Response::Builder response);

// `approver`: the user whose approval came with the sale, its password
// checked (FrontDesk::CheckApproval), or null. A line beyond the seller's
// limits at the till (node/frontdesk/till_limits.h) needs it, within the approver's.
Status RecordSale(Context& ctx, StoreTxn& txn, schema::NewSale::Reader args,
                  const SessionUser* approver, schema::Response::Builder response);
Status GetSale(Context& ctx, const StoreView& view, std::string_view receipt_or_id,
               schema::Response::Builder response);
Status RefundSale(Context& ctx, StoreTxn& txn, schema::NewRefund::Reader args,
                  schema::Response::Builder response);
Status RecordPayment(Context& ctx, StoreTxn& txn, schema::NewPayment::Reader args,
                     schema::Response::Builder response);

Status LogInteraction(Context& ctx, StoreTxn& txn, schema::NewInteraction::Reader args,
                      schema::Response::Builder response);
Status AddNote(Context& ctx, StoreTxn& txn, schema::NewNote::Reader args,
               schema::Response::Builder response);
Status CreateTask(Context& ctx, StoreTxn& txn, schema::NewTask::Reader args,
                  schema::Response::Builder response);
// The work queue's actions (node/frontdesk/task_actions.cc). Each refuses a
// task that is not open (kConflict) and one the caller may not work
// (MayWorkTask, kPermissionDenied).
Status CompleteTask(Context& ctx, StoreTxn& txn, const Id& task,
                    schema::Response::Builder response);
// Gives the task to an active user of the caller's office.
Status ReassignTask(Context& ctx, StoreTxn& txn, schema::ReassignTask::Reader args,
                    schema::Response::Builder response);
// Moves the task's due time later (schema/frontdesk.capnp, SnoozeTask).
Status SnoozeTask(Context& ctx, StoreTxn& txn, schema::SnoozeTask::Reader args,
                  schema::Response::Builder response);
// Whether the caller may complete, reassign or snooze `task`: one assigned
// to them (at any office); an unassigned one of their office; a manager
// (office manager and above) any task of their office.
bool MayWorkTask(const Context& ctx, schema::Task::Reader task);
// Opens a deal, or moves an open one to another stage (won or lost close it).
Status SaveDeal(Context& ctx, StoreTxn& txn, schema::SaveDeal::Reader args,
                schema::Response::Builder response);
Status RecordFeedback(Context& ctx, StoreTxn& txn, schema::NewFeedback::Reader args,
                      schema::Response::Builder response);
Status AttachFile(Context& ctx, StoreTxn& txn, schema::NewFile::Reader args,
                  schema::Response::Builder response);
// Fills `card.people` with every user the card's records name (cashiers,
// approvers, authors, assignees, the responsible employee), as a desk of
// `desk_office` names them; a user not in this store's directory is left out.
Status FillCardPeople(const StoreView& view, std::string_view desk_office,
                      schema::ClientCard::Builder card);

// The bytes of a file named by its content's SHA-256, or by the file's id
// (then with its record: name, media type, client).
Status GetFile(Context& ctx, const StoreView& view, std::string_view sha256_or_id,
               schema::Response::Builder response);

Status ListDuplicates(Context& ctx, const StoreView& view, schema::Response::Builder response);
Status ListTasks(Context& ctx, const StoreView& view, schema::ListTasks::Reader args,
                 schema::Response::Builder response);
// The office's deals and their pipeline (node/frontdesk/deals.cc).
Status ListDeals(Context& ctx, const StoreView& view, schema::ListDeals::Reader args,
                 schema::Response::Builder response);
// Fills `out` with `deal` (its id `id`) as lists show it: client and owner by
// name, its age in days at `now_ms`.
Status FillDealItem(NameBook& names, const Id& id, schema::Deal::Reader deal, int64_t now_ms,
                    schema::DealItem::Builder out);
// The newest conflicts the merge kept (at most 500).
Status ListConflicts(Context& ctx, const StoreView& view, schema::Response::Builder response);
Status MergeClients(Context& ctx, StoreTxn& txn, schema::MergeClients::Reader args,
                    schema::Response::Builder response);
// Deletes (erase false) or erases (erase true) a client.
Status RemoveClient(Context& ctx, StoreTxn& txn, const Id& client, bool erase,
                    schema::Response::Builder response);

// The client `id` stands for (after merges) and every client merged into it.
Result<std::vector<Id>> ClientGroup(const StoreView& view, const Id& id);

// The catalogue (node/frontdesk/catalogue.cc). Adds or edits a product:
// its name and category, on sale, and the prices and overrides named
// (schema/frontdesk.capnp, saveProduct).
Status SaveProduct(Context& ctx, StoreTxn& txn, schema::Product::Reader args,
                   schema::Response::Builder response);
// Every product (on sale, or all) with the price this office charges.
Status ListProducts(Context& ctx, const StoreView& view, schema::ListProducts::Reader args,
                    schema::Response::Builder response);

// ---- the directory of users (node/frontdesk/users.cc, docs/frontdesk.md "Users")

// A user as named at a desk of office `desk_office`: `kate` is the user kate
// of that office, `anna@HQ` (any case) the user anna of office HQ.
struct DeskLogin {
  std::string login;      // as stored in the directory (the part before '@')
  std::string office;     // the user's office code
  std::string canonical;  // how this desk names the user: `kate`, `anna@HQ`
};
// kInvalidArgument naming `field` unless `typed` is a login (3 to 64 letters,
// digits, '.', '_', '-') with an optional `@OFFICE`.
Result<DeskLogin> ParseDeskLogin(std::string_view typed, std::string_view desk_office,
                                 std::string_view field);
// How a desk of `desk_office` names the user `login` of `office`.
std::string CanonicalLogin(std::string_view login, std::string_view office,
                           std::string_view desk_office);
// True if a user of `user_office` may log in (and keep a session) at a desk
// of `desk_office`: their own office's, and headquarters' users everywhere.
bool MayLogInAt(std::string_view user_office, std::string_view desk_office);
// The user `name` names; kNotFound naming `field` if none.
Result<Id> FindUser(const StoreView& view, const DeskLogin& name, std::string_view field);
// A fresh value of User.sessionEpoch: the sessions opened before it are refused.
uint64_t NewSessionEpoch(Clock& wall);

Status CreateUser(Context& ctx, StoreTxn& txn, schema::NewUser::Reader args,
                  schema::Response::Builder response);
// The users this desk's caller manages: at an office its own users, at
// headquarters every user of the chain (narrowed to `args.office`).
Status ListUsers(Context& ctx, const StoreView& view, schema::ListUsers::Reader args,
                 schema::Response::Builder response);
// Deactivates (revoking the user's sessions everywhere) or activates a user.
Status SetUserActive(Context& ctx, StoreTxn& txn, schema::SetUserActive::Reader args,
                     schema::Response::Builder response);
Status SetUserRole(Context& ctx, StoreTxn& txn, schema::SetUserRole::Reader args,
                   schema::Response::Builder response);
// Sets a new password, revoking the user's sessions everywhere.
Status ResetPassword(Context& ctx, StoreTxn& txn, schema::ResetPassword::Reader args,
                     schema::Response::Builder response);

}  // namespace crm::frontdesk
