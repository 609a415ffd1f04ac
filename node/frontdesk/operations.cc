#include "node/frontdesk/operations.h"

#include <array>

#include "node/frontdesk/internal.h"

namespace crm {

namespace {

using frontdesk::Context;
using frontdesk::Str;
using Request = schema::Request::Reader;
using Response = schema::Response::Builder;
using Role = schema::Role;
using W = schema::Request::Which;

// Every operation. The handlers live beside their kind of record
// (clients.cc, sales.cc, activity.cc, review.cc, users.cc) or of the desk's
// own (status.cc, sessions.cc).
const Operation kOperations[] = {
    {W::LOGIN, "login", Role::CASHIER, Route::kLogin},
    {W::LOGOUT, "logout", Role::CASHIER, Route::kLogout},
    {W::STATUS, "status", Role::CASHIER, Route::kInline, frontdesk::DeskStatus},
    {W::FIND_CLIENTS, "find clients", Role::CASHIER, Route::kInline,
     [](Context& ctx, const StoreView& view, Request request, Response out) {
       return frontdesk::FindClients(ctx, view, request.getFindClients(), out);
     }},
    {W::GET_CLIENT_CARD, "open a client card", Role::CASHIER, Route::kWorker,
     [](Context& ctx, const StoreView& view, Request request, Response out) {
       return frontdesk::GetClientCard(ctx, view, IdFromWire(request.getGetClientCard()), out);
     }},
    {W::SAVE_CLIENT, "save a client", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::SaveClient(ctx, txn, request.getSaveClient(), out);
     }},
    {W::RECORD_SALE, "record a sale", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::RecordSale(ctx, txn, request.getRecordSale(), ctx.approver, out);
     },
     [](Request request) -> std::optional<schema::Approval::Reader> {
       if (!request.getRecordSale().hasApproval()) return std::nullopt;
       return request.getRecordSale().getApproval();
     }},
    {W::REFUND_SALE, "refund a sale", Role::OFFICE_MANAGER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::RefundSale(ctx, txn, request.getRefundSale(), out);
     },
     // A cashier refunds with the approval of someone whose role may.
     [](Request request) -> std::optional<schema::Approval::Reader> {
       if (!request.getRefundSale().hasApproval()) return std::nullopt;
       return request.getRefundSale().getApproval();
     }},
    {W::RECORD_PAYMENT, "take a payment", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::RecordPayment(ctx, txn, request.getRecordPayment(), out);
     }},
    {W::LOG_INTERACTION, "log an interaction", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::LogInteraction(ctx, txn, request.getLogInteraction(), out);
     }},
    {W::ADD_NOTE, "add a note", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::AddNote(ctx, txn, request.getAddNote(), out);
     }},
    {W::CREATE_TASK, "create a task", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::CreateTask(ctx, txn, request.getCreateTask(), out);
     }},
    {W::COMPLETE_TASK, "complete a task", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::CompleteTask(ctx, txn, IdFromWire(request.getCompleteTask()), out);
     }},
    {W::SAVE_DEAL, "save a deal", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::SaveDeal(ctx, txn, request.getSaveDeal(), out);
     }},
    {W::RECORD_FEEDBACK, "record feedback", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::RecordFeedback(ctx, txn, request.getRecordFeedback(), out);
     }},
    {W::ATTACH_FILE, "attach a file", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::AttachFile(ctx, txn, request.getAttachFile(), out);
     }},
    {W::GET_FILE, "download a file", Role::CASHIER, Route::kWorker,
     [](Context& ctx, const StoreView& view, Request request, Response out) {
       return frontdesk::GetFile(ctx, view, Str(request.getGetFile()), out);
     }},
    {W::GET_SALE, "show a sale", Role::CASHIER, Route::kWorker,
     [](Context& ctx, const StoreView& view, Request request, Response out) {
       return frontdesk::GetSale(ctx, view, Str(request.getGetSale()), out);
     }},
    {W::SAVE_PRODUCT, "save a product", Role::HQ_MANAGER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::SaveProduct(ctx, txn, request.getSaveProduct(), out);
     },
     nullptr,
     "the catalogue: products and their prices are added and changed there, with `crm-hq "
     "product add|edit SKU ... --data HQ_DIR` or on the dashboard's Catalogue page, and reach "
     "every office by themselves"},
    {W::LIST_PRODUCTS, "list the catalogue", Role::CASHIER, Route::kWorker,
     [](Context& ctx, const StoreView& view, Request request, Response out) {
       return frontdesk::ListProducts(ctx, view, request.getListProducts(), out);
     }},
    {W::CREATE_USER, "create a user", Role::ADMIN, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::CreateUser(ctx, txn, request.getCreateUser(), out);
     }},
    {W::LIST_DUPLICATES, "list duplicate clients", Role::OFFICE_MANAGER, Route::kWorker,
     [](Context& ctx, const StoreView& view, Request, Response out) {
       return frontdesk::ListDuplicates(ctx, view, out);
     }},
    {W::LIST_CONFLICTS, "list conflicting edits", Role::OFFICE_MANAGER, Route::kWorker,
     [](Context& ctx, const StoreView& view, Request, Response out) {
       return frontdesk::ListConflicts(ctx, view, out);
     }},
    {W::MERGE_CLIENTS, "merge clients", Role::OFFICE_MANAGER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::MergeClients(ctx, txn, request.getMergeClients(), out);
     }},
    {W::DELETE_CLIENT, "delete a client", Role::OFFICE_MANAGER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::RemoveClient(ctx, txn, IdFromWire(request.getDeleteClient()), false,
                                      out);
     }},
    {W::ERASE_CLIENT, "erase a client", Role::OFFICE_MANAGER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::RemoveClient(ctx, txn, IdFromWire(request.getEraseClient()), true, out);
     }},
    {W::UNLOCK_LOGIN, "unlock a login", Role::ADMIN, Route::kWrite, nullptr,
     frontdesk::UnlockLoginOperation},
    {W::LIST_TASKS, "list the work queue", Role::CASHIER, Route::kWorker,
     [](Context& ctx, const StoreView& view, Request request, Response out) {
       return frontdesk::ListTasks(ctx, view, request.getListTasks(), out);
     }},
    {W::REASSIGN_TASK, "reassign a task", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::ReassignTask(ctx, txn, request.getReassignTask(), out);
     }},
    {W::SNOOZE_TASK, "snooze a task", Role::CASHIER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::SnoozeTask(ctx, txn, request.getSnoozeTask(), out);
     }},
    {W::LIST_DEALS, "list the deals", Role::CASHIER, Route::kWorker,
     [](Context& ctx, const StoreView& view, Request request, Response out) {
       return frontdesk::ListDeals(ctx, view, request.getListDeals(), out);
     }},
    {W::LIST_USERS, "list users", Role::OFFICE_MANAGER, Route::kWorker,
     [](Context& ctx, const StoreView& view, Request request, Response out) {
       return frontdesk::ListUsers(ctx, view, request.getListUsers(), out);
     }},
    {W::SET_USER_ACTIVE, "deactivate or activate a user", Role::OFFICE_MANAGER, Route::kWrite,
     nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::SetUserActive(ctx, txn, request.getSetUserActive(), out);
     }},
    {W::SET_USER_ROLE, "change a user's role", Role::OFFICE_MANAGER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::SetUserRole(ctx, txn, request.getSetUserRole(), out);
     }},
    {W::RESET_PASSWORD, "reset a password", Role::OFFICE_MANAGER, Route::kWrite, nullptr,
     [](Context& ctx, StoreTxn& txn, Request request, Response out) {
       return frontdesk::ResetPassword(ctx, txn, request.getResetPassword(), out);
     }},
};

int RoleRank(Role role) {
  switch (role) {
    case Role::CASHIER: return 0;
    case Role::OFFICE_MANAGER: return 1;
    case Role::HQ_MANAGER: return 2;
    case Role::ADMIN: return 3;
  }
  return -1;
}

}  // namespace

const Operation* FindOperation(schema::Request::Which which) {
  // Indexed by the union's discriminant, built once.
  static const std::array<const Operation*, 256> kByWhich = [] {
    std::array<const Operation*, 256> index{};
    for (const Operation& op : kOperations) index.at(static_cast<size_t>(op.which)) = &op;
    return index;
  }();
  const auto raw = static_cast<size_t>(which);
  return raw < kByWhich.size() ? kByWhich[raw] : nullptr;
}

std::span<const Operation> Operations() { return kOperations; }

bool RoleAllows(Role role, Role minimum) {
  const int rank = RoleRank(role);
  return rank >= 0 && rank >= RoleRank(minimum);
}

}  // namespace crm
