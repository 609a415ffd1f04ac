#include "hq/analytics/effectiveness.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "hq/analytics/employees.h"
#include "hq/analytics/campaign_tag.h"
#include "hq/analytics/client_resolver.h"
#include "node/sales/net_sales.h"
#include "schema/records.capnp.h"
#include "sync/base/money.h"
#include "sync/base/wire.h"
#include "sync/merge.h"

namespace crm {
namespace {

constexpr std::string_view kCampaignTagPrefix = "campaign:";

std::string TextOr(capnp::Text::Reader text, const char* none) {
  return text.size() ? std::string(text.cStr(), text.size()) : std::string(none);
}

bool InPeriod(int64_t time, const SalesFilter& period) {
  return time >= period.from_ms && time < period.to_ms;
}

// A live client that is not merged into another: the clients reports count.
struct ClientFacts {
  std::string channel;
  int64_t created_at = 0;
  std::vector<std::string> campaigns;  // codes of the campaign tags it carries
};

Result<std::unordered_map<Id, ClientFacts, IdHash>> Survivors(const StoreView& view) {
  std::unordered_map<Id, ClientFacts, IdHash> clients;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::CLIENT, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto client = stored.getValue().getAs<schema::Client>();
        if (client.hasMergedInto() && !IdFromWire(client.getMergedInto()).IsNull()) return Status::Ok();
        ClientFacts& facts = clients[id];
        facts.channel = TextOr(client.getAcquisitionChannel(), "(none)");
        facts.created_at = client.getCreatedAt();
        for (auto tag : client.getTags()) {
          std::string_view text(tag.cStr(), tag.size());
          if (text.substr(0, kCampaignTagPrefix.size()) == kCampaignTagPrefix && text.size() > kCampaignTagPrefix.size()) {
            facts.campaigns.emplace_back(text.substr(kCampaignTagPrefix.size()));
          }
        }
        return Status::Ok();
      }));
  return clients;
}

// Calls `each(the sale net of its refunds, the client it stands for now or a
// null id)` for every live sale in `currency`.
template <typename Each>
Status ForEachSale(const StoreView& view, ClientResolver& resolver, const std::string& currency, Each each) {
  return ForEachNetSale(view, [&](const NetSale& net) -> Status {
    if (net.sale.getCurrency() != currency) return Status::Ok();
    Id client;
    if (net.sale.hasClient() && !IdFromWire(net.sale.getClient()).IsNull()) {
      CRM_ASSIGN_OR_RETURN(client, resolver.Resolve(IdFromWire(net.sale.getClient())));
    }
    return each(net, client);
  });
}

}  // namespace

Result<std::vector<ChannelRow>> ChannelEffectiveness(const Store& store, const SalesFilter& period,
                                                     const std::string& currency) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  CRM_ASSIGN_OR_RETURN(auto clients, Survivors(view));
  struct Bought {
    uint64_t receipts = 0;
    int64_t revenue = 0;
    int64_t refunded = 0;
  };
  std::unordered_map<Id, Bought, IdHash> bought;
  ClientResolver resolver(view);
  CRM_RETURN_IF_ERROR(ForEachSale(view, resolver, currency,
                                  [&](const NetSale& net, const Id& client) -> Status {
                                    if (client.IsNull()) return Status::Ok();
                                    Bought& b = bought[client];
                                    ++b.receipts;
                                    b.revenue += net.sale.getTotal();
                                    b.refunded += net.refunded();
                                    return Status::Ok();
                                  }));
  std::map<std::string, ChannelRow> rows;
  for (const auto& [id, facts] : clients) {
    if (!InPeriod(facts.created_at, period)) continue;
    ChannelRow& row = rows[facts.channel];
    row.channel = facts.channel;
    ++row.clients;
    auto it = bought.find(id);
    if (it == bought.end()) continue;
    ++row.buyers;
    if (it->second.receipts >= 2) ++row.repeat_buyers;
    row.revenue += it->second.revenue;
    row.refunded += it->second.refunded;
  }
  std::vector<ChannelRow> out;
  for (auto& [channel, row] : rows) out.push_back(std::move(row));
  std::stable_sort(out.begin(), out.end(),
                   [](const ChannelRow& a, const ChannelRow& b) { return a.revenue > b.revenue; });
  return out;
}

Result<std::vector<CampaignRow>> CampaignEffectiveness(const Store& store, const SalesFilter& period,
                                                       const std::string& currency) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  CRM_ASSIGN_OR_RETURN(auto clients, Survivors(view));
  std::map<std::string, CampaignRow> rows;
  auto row_of = [&](const std::string& code) -> CampaignRow& {
    CampaignRow& row = rows[code];
    row.code = code;
    return row;
  };
  std::map<std::string, std::set<Id>> audience;
  for (const auto& [id, facts] : clients) {
    for (const std::string& code : facts.campaigns) {
      if (audience[code].insert(id).second) ++row_of(code).audience;
    }
  }
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::CAMPAIGN, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto campaign = stored.getValue().getAs<schema::Campaign>();
        if (campaign.getCode().size() == 0) return Status::Ok();
        row_of(campaign.getCode()).name = TextOr(campaign.getName(), "");
        return Status::Ok();
      }));

  // Each client's first purchase ever (by time, then receipt number), and
  // who bought with which code in the period.
  std::unordered_map<Id, std::tuple<int64_t, std::string, std::string>, IdHash> first;
  std::map<std::string, std::set<Id>> buyers;
  ClientResolver resolver(view);
  CRM_RETURN_IF_ERROR(ForEachSale(
      view, resolver, currency, [&](const NetSale& net, const Id& client) -> Status {
        auto sale = net.sale;
        std::string code(sale.getCampaignCode().cStr(), sale.getCampaignCode().size());
        if (!client.IsNull()) {
          auto candidate = std::make_tuple(sale.getTime(), std::string(sale.getReceiptNo().cStr()),
                                           InPeriod(sale.getTime(), period) ? code : "");
          auto [it, fresh] = first.try_emplace(client, candidate);
          if (!fresh && std::tie(std::get<0>(candidate), std::get<1>(candidate)) <
                            std::tie(std::get<0>(it->second), std::get<1>(it->second))) {
            it->second = candidate;
          }
        }
        if (code.empty() || !InPeriod(sale.getTime(), period)) return Status::Ok();
        CampaignRow& row = row_of(code);
        ++row.sales;
        row.revenue += sale.getTotal();
        row.refunded += net.refunded();
        if (!client.IsNull() && buyers[code].insert(client).second) {
          ++row.buyers;
          if (audience[code].count(client)) ++row.responders;
        }
        return Status::Ok();
      }));
  for (const auto& [client, purchase] : first) {
    const std::string& code = std::get<2>(purchase);
    if (!code.empty()) ++row_of(code).new_clients;
  }
  std::vector<CampaignRow> out;
  for (auto& [code, row] : rows) out.push_back(std::move(row));
  std::stable_sort(out.begin(), out.end(), [](const CampaignRow& a, const CampaignRow& b) {
    return std::tie(b.revenue, b.audience) < std::tie(a.revenue, a.audience);
  });
  return out;
}

Result<std::vector<EmployeeRow>> EmployeeEffectiveness(const Store& store, const SalesFilter& period,
                                                       const std::string& currency) {
  CRM_ASSIGN_OR_RETURN(std::vector<SalesRow> sales, SalesBy(store, SalesDimension::kEmployee, period));
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  std::map<std::string, EmployeeRow> rows;
  auto row_of = [&](const std::string& login) -> EmployeeRow& {
    EmployeeRow& row = rows[login];
    row.login = login;
    return row;
  };
  for (const SalesRow& s : sales) {
    if (s.currency != currency) continue;
    EmployeeRow& row = row_of(s.key);
    row.sales = s.sales;
    row.revenue = s.revenue;
    row.refunded = s.refunded;
    row.clients = s.clients;
  }
  // Users by id, named as SalesBy names them (hq/analytics/employees.h),
  // and their display names by that name.
  CRM_ASSIGN_OR_RETURN(EmployeeNames employees, EmployeeNames::Load(view));
  std::map<std::string, std::string> names = employees.DisplayNamesByName();
  auto login_of = [&](const Id& user) -> EmployeeRow* {
    if (!employees.Knows(user)) return nullptr;  // no one, or a user HQ does not know
    return &row_of(employees.Name(user));
  };
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::INTERACTION, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto interaction = stored.getValue().getAs<schema::Interaction>();
        if (!InPeriod(interaction.getTime(), period) || !interaction.hasEmployee()) return Status::Ok();
        if (EmployeeRow* row = login_of(IdFromWire(interaction.getEmployee()))) ++row->interactions;
        return Status::Ok();
      }));
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::TASK, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto task = stored.getValue().getAs<schema::Task>();
        if (task.getStatus() != schema::TaskStatus::DONE || !InPeriod(task.getCompletedAt(), period) ||
            !task.hasAssignee()) {
          return Status::Ok();
        }
        if (EmployeeRow* row = login_of(IdFromWire(task.getAssignee()))) ++row->tasks_done;
        return Status::Ok();
      }));
  std::vector<EmployeeRow> out;
  for (auto& [login, row] : rows) {
    row.name = names[login];
    out.push_back(std::move(row));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const EmployeeRow& a, const EmployeeRow& b) { return a.revenue > b.revenue; });
  return out;
}

Result<std::vector<DealStep>> DealFunnel(const Store& store, const SalesFilter& period,
                                         const std::string& currency) {
  using Stage = schema::DealStage;
  constexpr Stage kStages[] = {Stage::LEAD, Stage::QUALIFIED, Stage::PROPOSAL, Stage::NEGOTIATION, Stage::WON};
  constexpr const char* kNames[] = {"lead", "qualified", "proposal", "negotiation", "won"};
  std::vector<DealStep> steps;
  for (const char* name : kNames) steps.push_back(DealStep{name});
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::DEAL, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto deal = stored.getValue().getAs<schema::Deal>();
        if (deal.getCurrency() != currency || !InPeriod(deal.getCreatedAt(), period)) return Status::Ok();
        const Stage stage = deal.getStage();
        const auto furthest = static_cast<uint16_t>(deal.getFurthestStage());
        for (size_t i = 0; i < std::size(kStages); ++i) {
          const auto here = static_cast<uint16_t>(kStages[i]);
          bool reached = stage == Stage::WON || (kStages[i] != Stage::WON && furthest >= here);
          if (!reached) continue;
          ++steps[i].reached;
          if (!AddMoney(steps[i].amount_reached, deal.getAmount())) {
            return Status::ResourceExhausted(
                "the amounts of the deals that reached '" + std::string(kNames[i]) +
                "' add up to more than a report can count (deal amounts are at most " +
                FormatMoney(kMaxAmount, currency) + " " + currency + " each)");
          }
          if (stage == kStages[i] && stage != Stage::WON) ++steps[i].open_here;
          if (stage == Stage::LOST && furthest == here) ++steps[i].lost_here;
        }
        return Status::Ok();
      }));
  return steps;
}

Result<std::vector<FunnelStep>> PurchaseFunnel(const Store& store, const SalesFilter& period,
                                               const std::string& currency) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  CRM_ASSIGN_OR_RETURN(auto clients, Survivors(view));
  std::unordered_map<Id, uint64_t, IdHash> receipts;
  ClientResolver resolver(view);
  CRM_RETURN_IF_ERROR(ForEachSale(view, resolver, currency,
                                  [&](const NetSale& net, const Id& client) -> Status {
                                    if (!client.IsNull() && InPeriod(net.sale.getTime(), period)) ++receipts[client];
                                    return Status::Ok();
                                  }));
  std::vector<FunnelStep> steps;
  for (uint64_t purchases : {0, 1, 2, 3, 4, 5}) {
    FunnelStep step;
    step.purchases = purchases;
    if (purchases == 0) {
      step.clients = clients.size();
      // A client merged away still counts once, as the one it was merged into.
      for (const auto& [client, n] : receipts) step.clients += clients.count(client) ? 0 : 1;
    } else {
      for (const auto& [client, n] : receipts) step.clients += n >= purchases ? 1 : 0;
    }
    step.dropped = steps.empty() ? 0 : steps.back().clients - step.clients;
    steps.push_back(step);
  }
  return steps;
}

}  // namespace crm
