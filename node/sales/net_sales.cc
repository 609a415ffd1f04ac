#include "node/sales/net_sales.h"

#include <string>

#include "sync/base/entities.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

// The sale a refund names, or a null id.
Id SaleOf(schema::Refund::Reader refund) {
  return refund.hasSale() ? IdFromWire(refund.getSale()) : Id{};
}

}  // namespace

void SaleRefunds::Add(const Id& id, schema::Refund::Reader refund, std::string_view sale_currency,
                      unsigned sale_lines) {
  if (lines.size() < sale_lines) lines.resize(sale_lines);
  // Goods came back whatever the currency: the quantities always count, so
  // no line is refunded twice; money counts only in the sale's currency.
  const bool same_currency =
      std::string_view(refund.getCurrency().cStr(), refund.getCurrency().size()) == sale_currency;
  for (auto line : refund.getLines()) {
    if (line.getLineIndex() >= sale_lines) continue;
    lines[line.getLineIndex()].quantity += line.getQuantity();
    if (same_currency) lines[line.getLineIndex()].amount += line.getAmount();
  }
  if (!same_currency) {
    ++other_currency;
    return;
  }
  amount += refund.getAmount();
  refunds.push_back(RefundEntry{id, refund.getTime(), refund.getMethod(), refund.getAmount(),
                                refund.getOffice()});
}

int64_t SaleRefunds::OverRefunded(schema::Sale::Reader sale) const {
  int64_t over = 0;
  auto sold = sale.getLines();
  for (unsigned i = 0; i < sold.size() && i < lines.size(); ++i) {
    if (lines[i].amount > sold[i].getAmount()) over += lines[i].amount - sold[i].getAmount();
  }
  return over;
}

Result<SaleRefunds> RefundsOfSale(const StoreView& view, const Id& sale_id,
                                  schema::Sale::Reader sale) {
  SaleRefunds refunds;
  refunds.lines.resize(sale.getLines().size());
  std::string_view currency(sale.getCurrency().cStr(), sale.getCurrency().size());
  CRM_ASSIGN_OR_RETURN(auto links, view.RecordsLinkedTo(sale_id));
  for (const auto& [kind, id] : links) {
    if (kind != EntityKind::REFUND) continue;
    CRM_ASSIGN_OR_RETURN(Record record, view.Get(kind, id));
    if (!IsLive(record.stored())) continue;
    auto refund = record.value<schema::Refund>();
    if (SaleOf(refund) != sale_id) continue;  // names the sale as something else
    refunds.Add(id, refund, currency, sale.getLines().size());
  }
  return refunds;
}

Result<RefundsBySale> RefundsBySale::Read(const StoreView& view) {
  RefundsBySale out;
  // The sales' currencies and line counts, looked up once per refunded sale.
  struct SaleShape {
    std::string currency;  // empty: the sale is not here (yet)
    unsigned lines = 0;
  };
  std::unordered_map<Id, SaleShape, IdHash> sales;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::REFUND, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto refund = stored.getValue().getAs<schema::Refund>();
        const Id sale_id = SaleOf(refund);
        auto [known, fresh] = sales.try_emplace(sale_id);
        if (fresh) {
          auto sale = view.Get(EntityKind::SALE, sale_id);
          if (sale.ok()) {
            known->second.currency = sale->value<schema::Sale>().getCurrency();
            known->second.lines = sale->value<schema::Sale>().getLines().size();
          } else if (sale.status().code() != StatusCode::kNotFound) {
            return sale.status();
          }
        }
        // A refund whose sale has not arrived yet counts once the sale does.
        if (known->second.currency.empty()) return Status::Ok();
        out.by_sale_[sale_id].Add(id, refund, known->second.currency, known->second.lines);
        return Status::Ok();
      }));
  return out;
}

const SaleRefunds* RefundsBySale::Of(const Id& sale) const {
  auto it = by_sale_.find(sale);
  return it == by_sale_.end() ? nullptr : &it->second;
}

Status ForEachNetSale(const StoreView& view, const std::function<Status(const NetSale&)>& fn) {
  CRM_ASSIGN_OR_RETURN(RefundsBySale refunds, RefundsBySale::Read(view));
  return view.ForEachOfKind(EntityKind::SALE,
                            [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
                              if (!IsLive(stored)) return Status::Ok();
                              return fn(NetSale{id, stored.getValue().getAs<schema::Sale>(),
                                                refunds.Of(id)});
                            });
}

}  // namespace crm
