// Credit outstanding and overdue payments over the hub's store: what each
// client owes on account, and how much of it is past its terms. The balance
// is the client card's (node/frontdesk/clients.cc): credit parts of sales,
// less refunds to the account, less payments. One currency; merged clients
// count as the client they were merged into.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/store/store.h"

namespace crm {

struct CreditRow {
  Id client;
  std::string card;            // loyalty card
  std::string name;            // "First Last", or the company's name
  std::string office;          // of the client's latest sale on credit
  int64_t outstanding = 0;     // minor units owed (negative: paid ahead)
  int64_t overdue = 0;         // of it, owed on sales older than the terms
  int64_t oldest_due_ms = 0;   // when the oldest unpaid credit fell due; 0 if none unpaid
};

struct CreditOptions {
  int64_t as_of_ms = 0;        // events at or after it are not counted
  int64_t terms_ms = 30LL * 86'400'000;  // a credit falls due this long after its sale
  std::string currency;        // ISO 4217: the sales and payments counted
};

// Every client whose outstanding balance as of `as_of_ms` is not zero,
// most overdue first (then most outstanding, then card). Payments and
// refunds to the account settle the oldest credit first, so what is
// overdue is the unpaid rest of credits whose due time is before as_of.
Result<std::vector<CreditRow>> CreditOutstanding(const Store& store, const CreditOptions& options);

}  // namespace crm
