#include "hq/report.h"

#include "hq/client_resolver.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "node/local_time.h"
#include "schema/records.capnp.h"
#include "sync/merge.h"
#include "sync/wire.h"

namespace crm {

const char* DimensionName(SalesDimension dimension) {
  switch (dimension) {
    case SalesDimension::kOffice: return "office";
    case SalesDimension::kMonth: return "month";
    case SalesDimension::kEmployee: return "employee";
    case SalesDimension::kChannel: return "channel";
    case SalesDimension::kProduct: return "product";
    case SalesDimension::kCampaign: return "campaign";
    case SalesDimension::kTotal: return "total";
  }
  return "?";
}

std::optional<SalesDimension> DimensionFromName(std::string_view name) {
  for (SalesDimension d : {SalesDimension::kOffice, SalesDimension::kMonth, SalesDimension::kEmployee,
                           SalesDimension::kChannel, SalesDimension::kProduct, SalesDimension::kCampaign,
                           SalesDimension::kTotal}) {
    if (name == DimensionName(d)) return d;
  }
  return std::nullopt;
}

namespace {

std::string TextOr(capnp::Text::Reader text, const char* none) {
  return text.size() ? std::string(text.cStr(), text.size()) : std::string(none);
}

// Groups, and what each group has seen.
class SalesGroups {
 public:
  SalesRow& Row(const std::string& key, const std::string& currency) {
    SalesRow& row = rows_[{key, currency}];
    row.key = key;
    row.currency = currency;
    return row;
  }
  // A known client bought in this group on local day `day`.
  void Buyer(const std::string& key, const std::string& currency, const Id& client, int64_t day) {
    buyers_[{key, currency}].insert(client);
    visits_[{key, currency}].emplace(client, day);
  }
  std::vector<SalesRow> Take() {
    std::vector<SalesRow> out;
    for (auto& [k, row] : rows_) {
      row.clients = buyers_[k].size();
      row.visits = visits_[k].size();
      out.push_back(std::move(row));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const SalesRow& a, const SalesRow& b) { return a.revenue > b.revenue; });
    return out;
  }

 private:
  std::map<std::pair<std::string, std::string>, SalesRow> rows_;
  std::map<std::pair<std::string, std::string>, std::set<Id>> buyers_;
  std::map<std::pair<std::string, std::string>, std::set<std::pair<Id, int64_t>>> visits_;
};

}  // namespace

Result<std::vector<SalesRow>> SalesBy(const Store& store, SalesDimension dimension,
                                      const SalesFilter& filter) {
  CRM_RETURN_IF_ERROR(CheckTimeZone(filter.time_zone));
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  ClientResolver clients(view);
  SalesGroups groups;
  std::unordered_map<Id, std::string, IdHash> logins;  // cashier id -> login
  std::unordered_map<int64_t, std::string> months;     // YYYYMM -> "YYYY-MM"
  std::unordered_map<int64_t, int64_t> days;           // quarter hour -> local day as YYYYMMDD
  // Every zone's offset is a whole number of quarter hours, so a quarter hour
  // lies in one local day: one ICU conversion per quarter hour.
  auto day_of = [&](int64_t time) {
    int64_t quarter = time / (15 * 60 * 1000);
    auto [it, fresh] = days.try_emplace(quarter);
    if (fresh) {
      LocalDate date = ToLocalDate(time, filter.time_zone);
      it->second = int64_t{date.year} * 10000 + date.month * 100 + date.day;
    }
    return it->second;
  };
  auto login_of = [&](const Id& user) -> Result<std::string> {
    if (user.IsNull()) return std::string("(none)");
    auto it = logins.find(user);
    if (it != logins.end()) return it->second;
    auto record = view.Get(EntityKind::USER, user);
    std::string login = record.ok() ? TextOr(record->value<schema::User>().getLogin(), "(unknown)")
                                    : user.ToString();
    if (!record.ok() && record.status().code() != StatusCode::kNotFound) return record.status();
    logins.emplace(user, login);
    return login;
  };
  // The group of a sale (all dimensions but product).
  auto key_of = [&](schema::Sale::Reader sale) -> Result<std::string> {
    switch (dimension) {
      case SalesDimension::kOffice: return TextOr(sale.getOffice(), "(none)");
      case SalesDimension::kMonth: {
        int64_t day = day_of(sale.getTime());
        auto [it, fresh] = months.try_emplace(day / 100);
        if (fresh) it->second = fmt::format("{:04}-{:02}", day / 10000, day / 100 % 100);
        return it->second;
      }
      case SalesDimension::kEmployee:
        return login_of(sale.hasCashier() ? IdFromWire(sale.getCashier()) : Id{});
      case SalesDimension::kChannel: return TextOr(sale.getChannel(), "(none)");
      case SalesDimension::kCampaign: return TextOr(sale.getCampaignCode(), "(none)");
      case SalesDimension::kTotal: return std::string("all");
      case SalesDimension::kProduct: break;
    }
    return std::string();
  };
  std::map<std::string, std::string> product_names;

  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::SALE, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto sale = stored.getValue().getAs<schema::Sale>();
        if (sale.getTime() < filter.from_ms || sale.getTime() >= filter.to_ms) return Status::Ok();
        std::string currency = sale.getCurrency();
        Id client;
        if (sale.hasClient() && !IdFromWire(sale.getClient()).IsNull()) {
          CRM_ASSIGN_OR_RETURN(client, clients.Resolve(IdFromWire(sale.getClient())));
        }
        if (dimension == SalesDimension::kProduct) {
          std::set<std::string> skus;
          for (auto line : sale.getLines()) {
            std::string sku = TextOr(line.getSku(), "(none)");
            SalesRow& row = groups.Row(sku, currency);
            row.units += static_cast<uint64_t>(std::max(line.getQuantity(), 0));
            row.revenue += line.getAmount();
            if (skus.insert(sku).second) ++row.sales;
            if (!client.IsNull()) groups.Buyer(sku, currency, client, day_of(sale.getTime()));
            if (line.getName().size()) product_names[sku] = line.getName();
          }
          return Status::Ok();
        }
        CRM_ASSIGN_OR_RETURN(std::string key, key_of(sale));
        SalesRow& row = groups.Row(key, currency);
        ++row.sales;
        row.revenue += sale.getTotal();
        for (auto line : sale.getLines()) row.units += static_cast<uint64_t>(std::max(line.getQuantity(), 0));
        if (!client.IsNull()) groups.Buyer(key, currency, client, day_of(sale.getTime()));
        return Status::Ok();
      }));

  // Refunds count against the group of the sale they refund.
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::REFUND, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto refund = stored.getValue().getAs<schema::Refund>();
        auto sale_record = view.Get(EntityKind::SALE, IdFromWire(refund.getSale()));
        if (!sale_record.ok()) {
          if (sale_record.status().code() == StatusCode::kNotFound) return Status::Ok();
          return sale_record.status();
        }
        auto sale = sale_record->value<schema::Sale>();
        if (sale.getTime() < filter.from_ms || sale.getTime() >= filter.to_ms) return Status::Ok();
        std::string currency = refund.getCurrency();
        if (dimension == SalesDimension::kProduct) {
          auto lines = sale.getLines();
          for (auto refunded : refund.getLines()) {
            if (refunded.getLineIndex() >= lines.size()) continue;
            groups.Row(TextOr(lines[refunded.getLineIndex()].getSku(), "(none)"), currency).refunded +=
                refunded.getAmount();
          }
          return Status::Ok();
        }
        CRM_ASSIGN_OR_RETURN(std::string key, key_of(sale));
        groups.Row(key, currency).refunded += refund.getAmount();
        return Status::Ok();
      }));

  std::vector<SalesRow> rows = groups.Take();
  if (dimension == SalesDimension::kProduct) {
    for (SalesRow& row : rows) row.label = product_names[row.key];
  }
  return rows;
}

}  // namespace crm

