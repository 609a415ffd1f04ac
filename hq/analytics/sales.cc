#include "hq/analytics/sales.h"

#include "hq/analytics/employees.h"
#include "hq/analytics/client_resolver.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "node/common/local_time.h"
#include "node/sales/net_sales.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"

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

// Groups, and what each group has seen. A report reads every line of every
// sale, so a line costs one hash lookup of its group.
class SalesGroups {
 public:
  struct VisitHash {
    size_t operator()(const std::pair<Id, int64_t>& visit) const {
      return IdHash()(visit.first) ^ std::hash<int64_t>()(visit.second) * 0x9E3779B97F4A7C15ULL;
    }
  };
  struct Group {
    SalesRow row;
    std::unordered_set<Id, IdHash> buyers;
    std::unordered_set<std::pair<Id, int64_t>, VisitHash> visits;  // (client, local day)
  };

  Group& At(const std::string& key, const std::string& currency) {
    // The key's length first, so no key and currency can pass for another pair.
    lookup_.assign(std::to_string(key.size()));
    lookup_ += ':';
    lookup_ += key;
    lookup_ += currency;
    auto [it, fresh] = groups_.try_emplace(lookup_);
    if (fresh) {
      it->second.row.key = key;
      it->second.row.currency = currency;
    }
    return it->second;
  }
  // A known client bought in `group` on local day `day`.
  static void Buyer(Group& group, const Id& client, int64_t day) {
    group.buyers.insert(client);
    group.visits.emplace(client, day);
  }
  // Biggest revenue first, ties in key then currency order.
  std::vector<SalesRow> Take() {
    std::vector<SalesRow> out;
    out.reserve(groups_.size());
    for (auto& [k, group] : groups_) {
      group.row.clients = group.buyers.size();
      group.row.visits = group.visits.size();
      out.push_back(std::move(group.row));
    }
    std::sort(out.begin(), out.end(), [](const SalesRow& a, const SalesRow& b) {
      if (a.revenue != b.revenue) return a.revenue > b.revenue;
      return std::tie(a.key, a.currency) < std::tie(b.key, b.currency);
    });
    return out;
  }

 private:
  std::unordered_map<std::string, Group> groups_;
  std::string lookup_;  // reused for every lookup
};

}  // namespace

Result<std::vector<SalesRow>> SalesBy(const Store& store, SalesDimension dimension,
                                      const SalesFilter& filter) {
  CRM_RETURN_IF_ERROR(CheckTimeZone(filter.time_zone));
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  ClientResolver clients(view);
  SalesGroups groups;
  CRM_ASSIGN_OR_RETURN(EmployeeNames employees, EmployeeNames::Load(view));
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
  auto login_of = [&](const Id& user) -> Result<std::string> { return employees.Name(user); };
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

  // Each sale with its refunds (node/sales/net_sales.h): a refund counts
  // against the group of the sale it refunds, whenever it was made.
  CRM_RETURN_IF_ERROR(ForEachNetSale(view, [&](const NetSale& net) -> Status {
    auto sale = net.sale;
    if (sale.getTime() < filter.from_ms || sale.getTime() >= filter.to_ms) return Status::Ok();
    std::string currency = sale.getCurrency();
    Id client;
    if (sale.hasClient() && !IdFromWire(sale.getClient()).IsNull()) {
      CRM_ASSIGN_OR_RETURN(client, clients.Resolve(IdFromWire(sale.getClient())));
    }
    if (dimension == SalesDimension::kProduct) {
      std::set<std::string> skus;
      auto lines = sale.getLines();
      for (unsigned i = 0; i < lines.size(); ++i) {
        auto line = lines[i];
        std::string sku = TextOr(line.getSku(), "(none)");
        SalesGroups::Group& group = groups.At(sku, currency);
        SalesRow& row = group.row;
        row.units += static_cast<uint64_t>(std::max(line.getQuantity(), 0));
        row.revenue += line.getAmount();
        if (net.refunds != nullptr) row.refunded += net.refunds->lines[i].amount;
        if (skus.insert(sku).second) ++row.sales;
        if (!client.IsNull()) SalesGroups::Buyer(group, client, day_of(sale.getTime()));
        if (line.getName().size()) product_names[sku] = line.getName();
      }
      return Status::Ok();
    }
    CRM_ASSIGN_OR_RETURN(std::string key, key_of(sale));
    SalesGroups::Group& group = groups.At(key, currency);
    SalesRow& row = group.row;
    ++row.sales;
    row.revenue += sale.getTotal();
    row.refunded += net.refunded();
    for (auto line : sale.getLines()) row.units += static_cast<uint64_t>(std::max(line.getQuantity(), 0));
    if (!client.IsNull()) SalesGroups::Buyer(group, client, day_of(sale.getTime()));
    return Status::Ok();
  }));

  std::vector<SalesRow> rows = groups.Take();
  if (dimension == SalesDimension::kProduct) {
    for (SalesRow& row : rows) row.label = product_names[row.key];
  }
  return rows;
}

}  // namespace crm

