#include "hq/analytics/credit.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "hq/analytics/client_resolver.h"
#include "node/sales/net_sales.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

// One client's account: credits as they were given, and what settled them.
struct Account {
  std::vector<std::pair<int64_t, int64_t>> credits;  // (sale time, amount)
  int64_t settled = 0;                               // payments and refunds to the account
  int64_t last_credit = 0;
  std::string office;
};

}  // namespace

Result<std::vector<CreditRow>> CreditOutstanding(const Store& store, const CreditOptions& options) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  ClientResolver resolver(view);
  std::unordered_map<Id, Account, IdHash> accounts;
  const int64_t as_of = options.as_of_ms > 0 ? options.as_of_ms : INT64_MAX;
  // The account an event belongs to, if it is counted.
  auto account_of = [&](auto record, int64_t time) -> Result<Account*> {
    if (record.getCurrency() != options.currency || time >= as_of || !record.hasClient() ||
        IdFromWire(record.getClient()).IsNull()) {
      return nullptr;
    }
    CRM_ASSIGN_OR_RETURN(Id client, resolver.Resolve(IdFromWire(record.getClient())));
    return &accounts[client];
  };

  // Credit given with each sale, and what its refunds returned to the
  // account (node/sales/net_sales.h), each counted at its own time.
  CRM_RETURN_IF_ERROR(ForEachNetSale(view, [&](const NetSale& net) -> Status {
    auto sale = net.sale;
    int64_t credit = 0;
    for (auto part : sale.getPayments()) {
      if (part.getMethod() == schema::PaymentMethod::CREDIT) credit += part.getAmount();
    }
    if (credit != 0) {
      CRM_ASSIGN_OR_RETURN(Account * account, account_of(sale, sale.getTime()));
      if (account != nullptr) {
        account->credits.emplace_back(sale.getTime(), credit);
        if (sale.getTime() >= account->last_credit) {
          account->last_credit = sale.getTime();
          account->office = sale.getOffice();
        }
      }
    }
    if (net.refunds == nullptr) return Status::Ok();
    for (const RefundEntry& refund : net.refunds->refunds) {
      if (refund.method != schema::PaymentMethod::CREDIT) continue;
      CRM_ASSIGN_OR_RETURN(Account * account, account_of(sale, refund.time));
      if (account != nullptr) account->settled += refund.amount;
    }
    return Status::Ok();
  }));
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::PAYMENT, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto payment = stored.getValue().getAs<schema::Payment>();
        CRM_ASSIGN_OR_RETURN(Account * account, account_of(payment, payment.getTime()));
        if (account != nullptr) account->settled += payment.getAmount();
        return Status::Ok();
      }));

  std::vector<CreditRow> rows;
  for (auto& [client, account] : accounts) {
    CreditRow row;
    row.client = client;
    row.office = account.office;
    std::sort(account.credits.begin(), account.credits.end());
    int64_t settled = account.settled;  // settles the oldest credit first
    int64_t given = 0;
    for (const auto& [time, amount] : account.credits) {
      given += amount;
      int64_t unpaid = std::max<int64_t>(0, amount - settled);
      settled = std::max<int64_t>(0, settled - amount);
      if (unpaid == 0) continue;
      int64_t due = time + options.terms_ms;
      if (due < as_of) row.overdue += unpaid;
      if (row.oldest_due_ms == 0) row.oldest_due_ms = due;
    }
    row.outstanding = given - account.settled;
    if (row.outstanding == 0) continue;
    auto record = view.Get(EntityKind::CLIENT, client);
    if (record.ok()) {
      auto c = record->value<schema::Client>();
      row.card = c.getLoyaltyCard();
      row.name = c.getCompanyName().size() ? std::string(c.getCompanyName().cStr())
                                           : std::string(c.getFirstName().cStr()) +
                                                 (c.getLastName().size() ? " " : "") + c.getLastName().cStr();
    } else if (record.status().code() != StatusCode::kNotFound) {
      return record.status();
    }
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const CreditRow& a, const CreditRow& b) {
    return std::tie(b.overdue, b.outstanding, a.card, a.client) < std::tie(a.overdue, a.outstanding, b.card, b.client);
  });
  return rows;
}

}  // namespace crm
