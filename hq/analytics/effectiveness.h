// Effectiveness over the hub's store: of acquisition channels, of campaigns,
// of employees, and the purchase funnel where clients drop off. One
// currency each; merged clients count as the client they were merged into;
// a refund counts against the sale it returns. docs/reports.md states every
// definition, and the report test computes each again in SQL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hq/analytics/sales.h"
#include "node/store/store.h"

namespace crm {

// The clients acquired through one channel (the client's acquisition
// channel) in the period, and what they bought, whenever they bought it.
struct ChannelRow {
  std::string channel;          // "(none)" if the client's is empty
  uint64_t clients = 0;         // created in the period
  uint64_t buyers = 0;          // of them, with at least one sale
  uint64_t repeat_buyers = 0;   // with two sales or more
  int64_t revenue = 0;          // their sales' totals, minor units
  int64_t refunded = 0;         // refunds of those sales
};

// One campaign code: its audience (clients tagged CampaignTag(code)) and the
// sales in the period that carry the code.
struct CampaignRow {
  std::string code;
  std::string name;             // the campaign's, if HQ has a record of it
  uint64_t audience = 0;
  uint64_t responders = 0;      // audience clients who bought with the code in the period
  uint64_t sales = 0;           // receipts with the code in the period
  int64_t revenue = 0;
  int64_t refunded = 0;
  uint64_t buyers = 0;          // distinct clients among those receipts
  uint64_t new_clients = 0;     // buyers whose first purchase ever (by time, then receipt
                                // number) is one of them
};

// One employee in the period: the sales they rang up (as SalesBy by
// employee), the interactions they logged, and the tasks assigned to them
// that were done.
struct EmployeeRow {
  std::string login;            // "(none)" for sales without a cashier
  std::string name;             // display name
  uint64_t sales = 0;
  int64_t revenue = 0;
  int64_t refunded = 0;
  uint64_t clients = 0;
  uint64_t interactions = 0;
  uint64_t tasks_done = 0;      // completed in the period
};

// One step of the purchase funnel: the clients with at least `purchases`
// receipts in the period (0: every client on record).
struct FunnelStep {
  uint64_t purchases = 0;
  uint64_t clients = 0;
  uint64_t dropped = 0;         // reached the step before but not this one
};

// One stage of the deal pipeline (lead, qualified, proposal, negotiation,
// won) over the deals opened in the period: how many got this far, how many
// are open at it now, and how many were lost with it as their furthest.
struct DealStep {
  std::string stage;
  uint64_t reached = 0;         // a won deal reached every stage; a skipped stage counts as passed
  uint64_t open_here = 0;
  uint64_t lost_here = 0;
  int64_t amount_reached = 0;   // the deals' expected amounts, minor units
};

// Biggest revenue first; ties by channel or code or login.
Result<std::vector<ChannelRow>> ChannelEffectiveness(const Store& store, const SalesFilter& period,
                                                     const std::string& currency);
// Campaigns by revenue, then audience; codes from sales, tags and campaign
// records alike, so a campaign nobody answered shows with zeros.
Result<std::vector<CampaignRow>> CampaignEffectiveness(const Store& store, const SalesFilter& period,
                                                       const std::string& currency);
Result<std::vector<EmployeeRow>> EmployeeEffectiveness(const Store& store, const SalesFilter& period,
                                                       const std::string& currency);
// Deals in `currency` opened in the period, stage by stage.
Result<std::vector<DealStep>> DealFunnel(const Store& store, const SalesFilter& period, const std::string& currency);
// Steps 0 to 5 purchases: how many clients make each next purchase.
Result<std::vector<FunnelStep>> PurchaseFunnel(const Store& store, const SalesFilter& period,
                                               const std::string& currency);

}  // namespace crm
