// Sales net of refunds: the one read model every figure of money sold comes
// from — the card's figures and sale list, the receipt, the managers'
// analytics (sales, effectiveness, credit) and the CSV export. A refund
// counts against the sale it refunds, line by line, in the sale's currency.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "node/store/store.h"
#include "schema/records.capnp.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

// The refunded quantity and amount of one line of a sale so far.
struct RefundedLine {
  int64_t quantity = 0;
  int64_t amount = 0;
};

// One refund of a sale, as the figures need it.
struct RefundEntry {
  Id id;
  int64_t time = 0;
  schema::PaymentMethod method = schema::PaymentMethod::CASH;
  int64_t amount = 0;  // minor units
  std::string office;  // where it was made
};

// What was refunded of one sale.
struct SaleRefunds {
  int64_t amount = 0;                // minor units refunded, in the sale's currency
  std::vector<RefundedLine> lines;   // one per line of the sale
  std::vector<RefundEntry> refunds;  // in the order they were added
  // Refunds in another currency than the sale's. The front desk and the
  // importer never write one; a change from elsewhere could. Their
  // quantities count in `lines`, their money nowhere (money never mixes
  // currencies).
  uint32_t other_currency = 0;

  // Adds one live refund of a sale in `sale_currency` with `sale_lines`
  // lines (a line index beyond them names no line and is left out).
  void Add(const Id& id, schema::Refund::Reader refund, std::string_view sale_currency,
           unsigned sale_lines);
  // The part refunded beyond what each line sold (0 normally: only refunds
  // made apart, at two offices while their link was down, can do it).
  int64_t OverRefunded(schema::Sale::Reader sale) const;
};

// The refunds of one sale, found through the records that name it.
Result<SaleRefunds> RefundsOfSale(const StoreView& view, const Id& sale_id,
                                  schema::Sale::Reader sale);

// Every live refund of a snapshot, by the sale it refunds: one scan of the
// refunds, for the reports that go over every sale.
class RefundsBySale {
 public:
  static Result<RefundsBySale> Read(const StoreView& view);

  // The refunds of `sale`; null if it has none.
  const SaleRefunds* Of(const Id& sale) const;

 private:
  std::unordered_map<Id, SaleRefunds, IdHash> by_sale_;
};

// A live sale with what was refunded of it.
struct NetSale {
  Id id;
  schema::Sale::Reader sale;
  const SaleRefunds* refunds = nullptr;  // null if none

  int64_t refunded() const { return refunds != nullptr ? refunds->amount : 0; }
  int64_t net() const { return sale.getTotal() - refunded(); }
};

// Calls `fn` for every live sale of the snapshot, in key order, with its
// refunds; stops at the first error `fn` returns.
Status ForEachNetSale(const StoreView& view, const std::function<Status(const NetSale&)>& fn);

}  // namespace crm
