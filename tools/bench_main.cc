// crm-bench: measures the system against its performance targets, and beside
// a baseline measured in the same run. Figures come from here, never from
// timed unit tests. Each scenario runs several times and reports medians;
// `--quick` shrinks the sizes for CI (it fails only on an error, never on a
// figure).
//
//   crm-bench [--quick] [--runs R] [--json FILE] [SCENARIO...]   (all if none named)
//     sync-catch-up [--changes N]: an office's backlog reaching the hub over CURVE
//     sale-commit: 1, 8 and 32 front-desk clients ringing up durable sales,
//                  this node against SQLite
//     client-lookup [--clients N]: searches by phone, card, email and name
//                  prefix among N clients, this node against SQLite
//     client-card: the full card of a client with 200 events, this node
//                  against SQLite
//     fan-in [--offices N] [--sales-per-s R] [--seconds S]: N offices each
//                  ringing up R sales/s and pushing them to one hub; the
//                  hub's apply rate and the delay until another office
//                  sees a sale
//     cold-start [--clients N]: from starting crm-node over N clients (out of
//                  the page cache) to its first lookup answered, against a
//                  sqlite3 process answering the same query
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <vector>

#include "tools/bench/common.h"
#include "tools/bench/scenarios.h"

namespace crm::bench {
namespace {

nlohmann::json CatchUp(size_t changes, int runs) {
  std::vector<CatchUpFigures> results;
  for (int i = 0; i < runs; ++i) results.push_back(RunCatchUp(changes));
  double per_s = Median(results, [](const CatchUpFigures& r) { return r.changes_per_s; });
  double bytes = Median(results, [](const CatchUpFigures& r) { return r.bytes_per_change; });
  double seconds = Median(results, [](const CatchUpFigures& r) { return r.seconds; });
  double work = Median(results, [](const CatchUpFigures& r) { return r.hub_work_s; });
  double commit = Median(results, [](const CatchUpFigures& r) { return r.hub_commit_s; });
  fmt::print("{:<16} {:>10} {:>12} {:>14} {:>10} {:>22}\n", "scenario", "changes", "changes/s",
             "bytes/change", "seconds", "hub work / commit s");
  fmt::print("{:<16} {:>10} {:>12.0f} {:>14.1f} {:>10.2f} {:>13.2f} / {:<6.2f}\n\n", "sync-catch-up",
             changes, per_s, bytes, seconds, work, commit);
  return {{"name", "sync-catch-up"},   {"changes", changes},       {"ops_per_s", per_s},
          {"bytes_per_change", bytes}, {"seconds", seconds},       {"hub_work_s", work},
          {"hub_commit_s", commit},    {"runs", runs},             {"peak_rss_kb", PeakRssKb()}};
}

nlohmann::json FanIn(int offices, int sales_per_s, double seconds, int runs) {
  std::vector<FanInFigures> results;
  for (int i = 0; i < runs; ++i) {
    results.push_back(RunFanIn(offices, sales_per_s, seconds));
    const FanInFigures& r = results.back();
    // The spread between runs is wide on a shared machine: each run is shown.
    fmt::print(stderr,
               "fan-in run {} of {}: to the hub p50 {:.0f} ms, p99 {:.0f} ms; "
               "to the other office p50 {:.0f} ms, p99 {:.0f} ms; "
               "HQ's writes to the office p50 {:.0f} ms, p99 {:.0f} ms ({} writes)\n",
               i + 1, runs, r.hub_p50_ms, r.hub_p99_ms, r.p50_ms, r.p99_ms, r.hq_p50_ms,
               r.hq_p99_ms, r.hq_writes);
  }
  auto offered = Median(results, [](const FanInFigures& r) { return r.offered_per_s; });
  auto applied = Median(results, [](const FanInFigures& r) { return r.hub_applied_per_s; });
  auto per_commit = Median(results, [](const FanInFigures& r) { return r.sales_per_commit; });
  auto p50 = Median(results, [](const FanInFigures& r) { return r.p50_ms; });
  auto p99 = Median(results, [](const FanInFigures& r) { return r.p99_ms; });
  auto hub_p50 = Median(results, [](const FanInFigures& r) { return r.hub_p50_ms; });
  auto hub_p99 = Median(results, [](const FanInFigures& r) { return r.hub_p99_ms; });
  auto hq_p50 = Median(results, [](const FanInFigures& r) { return r.hq_p50_ms; });
  auto hq_p99 = Median(results, [](const FanInFigures& r) { return r.hq_p99_ms; });
  auto arrived = Median(results, [](const FanInFigures& r) {
    return r.sales == 0 ? 0.0 : 100.0 * static_cast<double>(r.arrived) / static_cast<double>(r.sales);
  });
  fmt::print(
      "{:<10} {:>8} {:>8} {:>8} {:>10} {:>14} {:>11} {:>11} {:>11} {:>8} {:>8} {:>10} {:>10} "
      "{:>9}\n",
      "scenario", "offices", "each/s", "seconds", "offered/s", "hub applied/s", "per commit",
      "hub p50 ms", "hub p99 ms", "p50 ms", "p99 ms", "HQ p50 ms", "HQ p99 ms", "arrived");
  fmt::print(
      "{:<10} {:>8} {:>8} {:>8.0f} {:>10.0f} {:>14.0f} {:>11.1f} {:>11.0f} {:>11.0f} {:>8.0f} {:>8.0f} "
      "{:>10.0f} {:>10.0f} {:>8.1f}%\n\n",
      "fan-in", offices, sales_per_s, seconds, offered, applied, per_commit, hub_p50, hub_p99, p50,
      p99, hq_p50, hq_p99, arrived);
  return {{"name", "fan-in"},
          {"clients", offices},
          {"sales_per_s_each", sales_per_s},
          {"seconds", seconds},
          {"ops_per_s", applied},
          {"offered_per_s", offered},
          {"sales_per_commit", per_commit},
          {"arrived_percent", arrived},
          {"p50_us", p50 * 1000},
          {"p99_us", p99 * 1000},
          {"hub_p50_us", hub_p50 * 1000},
          {"hub_p99_us", hub_p99 * 1000},
          {"hq_write_p50_us", hq_p50 * 1000},
          {"hq_write_p99_us", hq_p99 * 1000},
          {"peak_rss_kb", PeakRssKb()},
          {"baseline", nullptr},
          {"runs", runs}};
}

nlohmann::json ColdStart(size_t clients, int runs) {
  std::vector<ColdStartFigures> results;
  for (int i = 0; i < runs; ++i) results.push_back(RunColdStart(clients));
  double ready = Median(results, [](const ColdStartFigures& r) { return r.ready_ms; });
  double first = Median(results, [](const ColdStartFigures& r) { return r.first_lookup_ms; });
  double sqlite = Median(results, [](const ColdStartFigures& r) { return r.sqlite_ms; });
  double ratio = first > 0 ? sqlite / first : 0;
  fmt::print("{:<12} {:>9} {:>12} {:>18} {:>14} {:>7}\n", "scenario", "clients", "ready ms",
             "first lookup ms", "sqlite3 ms", "ratio");
  fmt::print("{:<12} {:>9} {:>12.1f} {:>18.1f} {:>14.1f} {:>7.2f}\n\n", "cold-start", clients,
             ready, first, sqlite, ratio);
  return {{"name", "cold-start"},
          {"clients", clients},
          {"ready_ms", ready},
          {"first_lookup_ms", first},
          {"p50_us", first * 1000},
          {"peak_rss_kb", PeakRssKb()},
          {"baseline", {{"first_lookup_ms", sqlite}, {"p50_us", sqlite * 1000}}},
          {"ratio", ratio},
          {"runs", runs}};
}

nlohmann::json Reports(size_t sales, int runs) {
  std::vector<ReportsFigures> results;
  for (int i = 0; i < runs; ++i) results.push_back(RunReports(sales));
  auto median = [&](double ReportsFigures::*field) {
    return Median(results, [field](const ReportsFigures& r) { return r.*field; });
  };
  double import = median(&ReportsFigures::import_s), month = median(&ReportsFigures::by_month_s),
         product = median(&ReportsFigures::by_product_s), rfm = median(&ReportsFigures::rfm_s),
         abc = median(&ReportsFigures::abc_s), xyz = median(&ReportsFigures::xyz_s);
  fmt::print("{:<10} {:>9} {:>9} {:>10} {:>11} {:>7} {:>7} {:>7}   (seconds)\n", "scenario", "sales",
             "import", "by month", "by product", "rfm", "abc", "xyz");
  fmt::print("{:<10} {:>9} {:>9.2f} {:>10.2f} {:>11.2f} {:>7.2f} {:>7.2f} {:>7.2f}\n\n", "reports", sales,
             import, month, product, rfm, abc, xyz);
  return {{"name", "reports"},
          {"clients", sales},
          {"sales", sales},
          {"import_s", import},
          {"seconds", {{"sales_by_month", month}, {"sales_by_product", product}, {"rfm", rfm},
                       {"abc_clients", abc}, {"xyz_products", xyz}}},
          {"p50_us", (month + product + rfm + abc + xyz) * 1e6},
          {"peak_rss_kb", PeakRssKb()},
          {"baseline", nullptr},
          {"runs", runs}};
}

nlohmann::json SaleCommit(bool quick, int runs) {
  nlohmann::json out = nlohmann::json::array();
  // The floor first: no durable commit here can beat the disk's own flush.
  std::vector<DiskFlushFigures> floors;
  for (int i = 0; i < runs; ++i) floors.push_back(RunDiskFlush(quick ? 50 : 1000));
  auto one_p50 = [](const DiskFlushFigures& f) { return f.one.p50_us; };
  auto one_p99 = [](const DiskFlushFigures& f) { return f.one.p99_us; };
  auto two_p50 = [](const DiskFlushFigures& f) { return f.two.p50_us; };
  auto two_p99 = [](const DiskFlushFigures& f) { return f.two.p99_us; };
  fmt::print("disk floor: one write+fdatasync p50 {:.0f} us, p99 {:.0f} us (SQLite's WAL commit); "
             "two in turn p50 {:.0f} us, p99 {:.0f} us (an LMDB commit)\n",
             Median(floors, one_p50), Median(floors, one_p99), Median(floors, two_p50),
             Median(floors, two_p99));
  out.push_back({{"name", "disk-flush"},
                 {"p50_us", Median(floors, two_p50)},
                 {"p99_us", Median(floors, two_p99)},
                 {"one_flush", {{"p50_us", Median(floors, one_p50)}, {"p99_us", Median(floors, one_p99)}}},
                 {"peak_rss_kb", PeakRssKb()},
                 {"baseline", nullptr},
                 {"runs", runs}});

  fmt::print("{:<12} {:>7} {:>10} {:>9} {:>9} {:>9} {:>12} {:>9} {:>9} {:>7}\n", "scenario",
             "clients", "sales/s", "p50 us", "p99 us", "per flush", "SQLite/s", "p50 us", "p99 us",
             "ratio");
  for (int clients : {1, 8, 32}) {
    int sales_each = quick ? std::max(2, 64 / clients) : std::max(20, 2000 / clients);
    std::vector<SaleCommitFigures> ours;
    std::vector<LatencyFigures> base;
    for (int i = 0; i < runs; ++i) {
      ours.push_back(RunSaleCommit(clients, sales_each));
      base.push_back(RunSqliteSaleCommit(clients, sales_each));
    }
    auto ops = [](const LatencyFigures& f) { return f.ops_per_s; };
    auto p50 = [](const LatencyFigures& f) { return f.p50_us; };
    auto p99 = [](const LatencyFigures& f) { return f.p99_us; };
    auto our_ops = [](const SaleCommitFigures& f) { return f.latency.ops_per_s; };
    auto our_p50 = [](const SaleCommitFigures& f) { return f.latency.p50_us; };
    auto our_p99 = [](const SaleCommitFigures& f) { return f.latency.p99_us; };
    auto per_flush = [](const SaleCommitFigures& f) { return f.sales_per_flush; };
    double ratio = Median(base, ops) > 0 ? Median(ours, our_ops) / Median(base, ops) : 0;
    fmt::print("{:<12} {:>7} {:>10.0f} {:>9.0f} {:>9.0f} {:>9.1f} {:>12.0f} {:>9.0f} {:>9.0f} {:>7.2f}\n",
               "sale-commit", clients, Median(ours, our_ops), Median(ours, our_p50),
               Median(ours, our_p99), Median(ours, per_flush), Median(base, ops), Median(base, p50),
               Median(base, p99), ratio);
    out.push_back({{"name", "sale-commit"},
                   {"clients", clients},
                   {"ops_per_s", Median(ours, our_ops)},
                   {"p50_us", Median(ours, our_p50)},
                   {"p99_us", Median(ours, our_p99)},
                   {"sales_per_flush", Median(ours, per_flush)},
                   {"peak_rss_kb", PeakRssKb()},
                   {"baseline",
                    {{"ops_per_s", Median(base, ops)},
                     {"p50_us", Median(base, p50)},
                     {"p99_us", Median(base, p99)}}},
                   {"ratio", ratio},
                   {"runs", runs}});
  }
  fmt::print("\n");
  return out;
}

// Runs a read scenario and its SQLite baseline `runs` times each; prints and
// returns the medians. `size` is what the scenario's first column shows.
template <typename Ours, typename Base>
nlohmann::json ReadScenario(const std::string& name, const std::string& size_label, size_t size,
                            int runs, Ours ours_run, Base base_run) {
  std::vector<LatencyFigures> ours;
  std::vector<LatencyFigures> base;
  for (int i = 0; i < runs; ++i) {
    ours.push_back(ours_run());
    base.push_back(base_run());
  }
  auto ops = [](const LatencyFigures& f) { return f.ops_per_s; };
  auto p50 = [](const LatencyFigures& f) { return f.p50_us; };
  auto p99 = [](const LatencyFigures& f) { return f.p99_us; };
  double ratio = Median(base, ops) > 0 ? Median(ours, ops) / Median(base, ops) : 0;
  fmt::print("{:<14} {:>9} {:>10} {:>9} {:>9} {:>12} {:>9} {:>9} {:>7}\n", "scenario", size_label,
             "ops/s", "p50 us", "p99 us", "SQLite/s", "p50 us", "p99 us", "ratio");
  fmt::print("{:<14} {:>9} {:>10.0f} {:>9.0f} {:>9.0f} {:>12.0f} {:>9.0f} {:>9.0f} {:>7.2f}\n\n",
             name, size, Median(ours, ops), Median(ours, p50), Median(ours, p99),
             Median(base, ops), Median(base, p50), Median(base, p99), ratio);
  return {{"name", name},
          {size_label, size},
          {"ops_per_s", Median(ours, ops)},
          {"p50_us", Median(ours, p50)},
          {"p99_us", Median(ours, p99)},
          {"peak_rss_kb", PeakRssKb()},
          {"baseline",
           {{"ops_per_s", Median(base, ops)}, {"p50_us", Median(base, p50)}, {"p99_us", Median(base, p99)}}},
          {"ratio", ratio},
          {"runs", runs}};
}

}  // namespace
}  // namespace crm::bench

int main(int argc, char** argv) {
  CLI::App app{"crm-bench: the CRM's performance, measured beside a baseline"};
  app.fallthrough();  // options may follow the scenario's name
  bool quick = false;
  size_t changes = 1'000'000;
  int runs = 3;
  std::string json_file;
  app.add_flag("--quick", quick, "small sizes and one run, for CI");
  app.add_option("--changes", changes, "backlog size for sync-catch-up")->capture_default_str();
  app.add_option("--runs", runs, "runs per scenario (the median is reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  size_t lookup_clients = 1'000'000;
  app.add_option("--clients", lookup_clients, "clients in the store for client-lookup and cold-start")
      ->capture_default_str();
  app.add_option("--json", json_file, "also write the results here");
  int offices = 200;
  int office_sales_per_s = 50;
  double fan_in_seconds = 60;
  app.add_option("--offices", offices, "offices pushing to the hub in fan-in")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--sales-per-s", office_sales_per_s, "sales per second at each office in fan-in")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--seconds", fan_in_seconds, "how long fan-in runs")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  auto* catch_up = app.add_subcommand("sync-catch-up", "an office's backlog catching up with the hub");
  auto* sale_commit =
      app.add_subcommand("sale-commit", "front-desk clients ringing up durable sales, and SQLite");
  auto* client_lookup =
      app.add_subcommand("client-lookup", "searches among many clients, and SQLite");
  auto* client_card =
      app.add_subcommand("client-card", "the full card of a client with 200 events, and SQLite");
  auto* fan_in = app.add_subcommand("fan-in", "many offices pushing sales to one hub");
  auto* cold_start = app.add_subcommand(
      "cold-start", "from starting crm-node to its first lookup, and a sqlite3 process");
  size_t report_sales = 1'000'000;
  auto* reports = app.add_subcommand("reports", "HQ reports over a year of imported sales");
  reports->add_option("--sales", report_sales, "receipts imported")->capture_default_str();
  app.require_subcommand(0, 7);
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    changes = std::min<size_t>(changes, 20'000);
    lookup_clients = std::min<size_t>(lookup_clients, 20'000);
    offices = std::min(offices, 10);
    fan_in_seconds = std::min(fan_in_seconds, 2.0);
    report_sales = std::min<size_t>(report_sales, 20'000);
    runs = 1;
  }
  bool all = !*catch_up && !*sale_commit && !*client_lookup && !*client_card && !*fan_in &&
             !*cold_start && !*reports;

  nlohmann::json scenarios = nlohmann::json::array();
  if (all || *sale_commit) {
    for (auto& entry : crm::bench::SaleCommit(quick, runs)) scenarios.push_back(entry);
  }
  if (all || *client_lookup) {
    int lookups = quick ? 400 : 20'000;
    scenarios.push_back(crm::bench::ReadScenario(
        "client-lookup", "clients", lookup_clients, runs,
        [&] { return crm::bench::RunClientLookup(lookup_clients, lookups); },
        [&] { return crm::bench::RunSqliteClientLookup(lookup_clients, lookups); }));
  }
  if (all || *client_card) {
    int opens = quick ? 50 : 2'000;
    scenarios.push_back(crm::bench::ReadScenario(
        "client-card", "events", 200, runs, [&] { return crm::bench::RunClientCard(opens); },
        [&] { return crm::bench::RunSqliteClientCard(opens); }));
  }
  if (all || *catch_up) scenarios.push_back(crm::bench::CatchUp(changes, runs));
  if (all || *cold_start) scenarios.push_back(crm::bench::ColdStart(lookup_clients, runs));
  if (all || *reports) scenarios.push_back(crm::bench::Reports(report_sales, runs));
  if (all || *fan_in) scenarios.push_back(crm::bench::FanIn(offices, office_sales_per_s, fan_in_seconds, runs));
  fmt::print("medians of {} run(s) on {}; peak RSS {} kB\n", runs, crm::bench::Machine(),
             crm::bench::PeakRssKb());
  if (!json_file.empty()) {
    nlohmann::json out = {{"machine", crm::bench::Machine()}, {"scenarios", scenarios}};
    std::ofstream file(json_file);
    file << out.dump(2) << "\n";
    if (!file) crm::bench::Die("writing " + json_file, crm::Status::IOError("cannot write"));
  }
  return 0;
}
