// crm-hq: the headquarters hub. `crm-hq serve` accepts enrolled offices over
// CURVE, takes their changes and fans the log out to every office;
// `crm-hq status` shows each office's link as the running hub last saw it.
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>

#include "hq/actions/reminders.h"
#include "hq/analytics/sales.h"
#include "hq/cli/campaign_commands.h"
#include "hq/cli/office_commands.h"
#include "hq/dashboard/dashboard.h"
#include "hq/reports/html_report.h"
#include "hq/reports/print_credit.h"
#include "hq/reports/print_effectiveness.h"
#include "hq/reports/print_sales.h"
#include "hq/reports/print_segments.h"
#include "node/common/csv_field.h"
#include "node/common/local_time.h"
#include "node/common/private_file.h"
#include "node/common/serve_lock.h"
#include "node/frontdesk/frontdesk.h"
#include "node/server/web_api.h"
#include "node/server/web_server.h"
#include "node/store/admission.h"
#include "node/store/offices.h"
#include "node/store/replica.h"
#include "node/store/runtime.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/money.h"
#include "sync/transport.h"

namespace crm {
namespace {

struct HubFlags {
  std::string data_dir = "hq-data";
  std::string listen = "tcp://127.0.0.1:7800";
  std::string key_file = "hq.key";
  std::string endpoint_file;
  std::string status_file;
  uint64_t log_keep = 100'000;
  int64_t prune_every_ms = 10'000;
  WebServerOptions web;  // web.listen empty: no dashboard
  std::string web_endpoint_file;
  OfficeConfig desk;  // the hub's own front desk, behind the dashboard
};

int Fail(const Status& status) {
  spdlog::error("{}", status.ToString());
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

std::string StatusFile(const HubFlags& flags) {
  return flags.status_file.empty() ? flags.data_dir + "/hub-status.json" : flags.status_file;
}

// What the hub knows of each office's link, as `crm-hq status` and the
// dashboard show it.
nlohmann::json HubStatus(HubServer& server, const Store& store, Clock& clock) {
  nlohmann::json offices = nlohmann::json::array();
  uint64_t log_seq = 0;
  uint64_t oldest_seq = 1;
  if (auto view = store.Read(); view.ok()) {
    log_seq = view->LastSeq().ok() ? *view->LastSeq() : 0;
    oldest_seq = view->LogFloor().ok() ? *view->LogFloor() : 1;
  }
  for (const PeerStatus& peer : server.Peers()) {
    offices.push_back(
        {{"office", peer.route},
         {"node", peer.node.ToString()},
         {"online", peer.online},
         {"last_contact_ms", peer.last_contact_ms},
         {"pulled_through", peer.pulled_through},
         {"behind", log_seq > peer.applied_through ? log_seq - peer.applied_through : 0},
         {"applied_through", peer.applied_through},
         {"in_snapshot", peer.in_snapshot},
         {"reported", peer.reported},
         {"unsent", peer.unsent},
         {"oldest_unsent_ms", peer.oldest_unsent_ms},
         // Only an office online now can say nothing is left to send.
         {"safe_to_close", peer.online && peer.reported && peer.unsent == 0},
         {"held_from_office", peer.held_from_peer},
         {"rejected", peer.rejected}});
  }
  nlohmann::json status = {{"now_ms", clock.NowMillis()},
                           {"log_seq", log_seq},
                           {"oldest_seq", oldest_seq},
                           {"offices", offices}};
  return status;
}

void WriteStatus(const HubFlags& flags, HubServer& server, const Store& store, Clock& clock) {
  WriteLineFile(StatusFile(flags), HubStatus(server, store, clock).dump(2));
}

int Serve(const HubFlags& flags) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A file that may grow no more (a file size limit) must fail the write
  // that hit it, like a full disk, not kill the server.
  signal(SIGXFSZ, SIG_IGN);

  auto keys = ReadKeyFile(flags.key_file);
  if (!keys.ok()) return Fail(keys.status());
  StoreRuntime hq;
  if (Status opened = hq.Open({flags.data_dir}); !opened.ok()) return Fail(opened);
  auto serving = ServeLock::Take(flags.data_dir, "crm-hq");
  if (!serving.ok()) return Fail(serving.status());
  StoreReplica replica(*hq.store, *hq.writer, *hq.hlc);
  replica.SetAfterApply(NoteOverRefund);
  HubServerOptions options;
  options.endpoint = flags.listen;
  options.keys = *keys;
  // The log goes once every office heard from lately has pulled it; an
  // office away for longer takes a snapshot when it returns.
  LogRetention retention({"downstream"}, flags.log_keep);
  options.prune.retention = &retention;
  options.prune.every_ms = flags.prune_every_ms;
  Store* raw_store = hq.store.get();
  DownstreamAdmission admission(*hq.store, hq.wall, hq.hlc->max_skew_ms());
  auto server = HubServer::Start(
      replica, hq.wall, options,
      [raw_store](const std::string& key) { return FindEnrollment(*raw_store, key); },
      [&admission](schema::Change::Reader change) { return admission.Admit(change); },
      [](const std::string& line) { spdlog::warn("{}", line); });
  if (!server.ok()) return Fail(server.status());
  spdlog::info("crm-hq (node {}) accepting offices on {}", hq.store->node_id().ToString(),
               (*server)->endpoint());
  if (!flags.endpoint_file.empty()) {
    WriteLineFile(flags.endpoint_file, (*server)->endpoint());
  }
  // The dashboard: the hub's own front desk (login, duplicates, merges,
  // conflicts) and the reports, office links and anomalies.
  std::unique_ptr<FrontDesk> desk;
  std::unique_ptr<WebApi> web_api;
  std::unique_ptr<WebServer> web;
  if (!flags.web.listen.empty()) {
    desk = std::make_unique<FrontDesk>(*hq.store, *hq.writer, hq.wall, *hq.hlc, flags.desk);
    web_api = std::make_unique<WebApi>(*desk, DashboardAssets(), "/dashboard.html");
    HubServer* hub = server->get();
    const Store* store = hq.store.get();
    Clock* clock = &hq.wall;
    AddDashboardRoutes(*web_api, *hq.store,
                       [hub, store, clock] { return HubStatus(*hub, *store, *clock); });
    WebApi* api = web_api.get();
    WebServerOptions web_options = flags.web;
    web_options.log = [](std::string_view line) { spdlog::warn("web: {}", line); };
    auto started =
        WebServer::Start(std::move(web_options), [api](WebRequest request, WebRespond respond) {
          api->Handle(std::move(request), std::move(respond));
        });
    if (!started.ok()) return Fail(started.status());
    web = std::move(started).value();
    spdlog::info("managers' dashboard on {}", web->endpoint());
    if (!flags.web_endpoint_file.empty()) WriteLineFile(flags.web_endpoint_file, web->endpoint());
  }
  // The log also grows by writes no office pushed: the dashboard's desk, and
  // other processes on this store (`crm-hq office limits`, `reminders
  // --make-tasks`, `crm-admin enroll`). The offices are told of them within
  // a fifth of a second, as of the changes pushed to the hub.
  auto log_seq = [&hq]() -> uint64_t {
    auto view = hq.store->Read();
    if (!view.ok()) return 0;
    auto seq = view->LastSeq();
    return seq.ok() ? *seq : 0;
  };
  uint64_t announced = log_seq();
  int64_t status_written = 0;
  for (;;) {
    timespec tick{0, 200'000'000};
    int signal_number = sigtimedwait(&signals, nullptr, &tick);
    if (uint64_t seq = log_seq(); seq > announced) {
      announced = seq;
      (*server)->LogGrew();
    }
    const int64_t now = hq.wall.NowMillis();
    if (signal_number > 0 || now - status_written >= 1000) {
      WriteStatus(flags, **server, *hq.store, hq.wall);
      status_written = now;
    }
    if (signal_number > 0) {
      spdlog::info("signal {}: stopping", signal_number);
      break;
    }
  }
  if (web) web->Stop();
  // Writes the dashboard's desk queued run on its behalf: finish them while
  // it is alive (it goes before the writer does).
  if (desk) (void)hq.writer->Run([](StoreTxn&) { return Status::Ok(); });
  (*server)->Stop();
  return 0;
}

int BootstrapAdmin(const HubFlags& flags, const std::string& login, const std::string& name) {
  std::string password;
  if (isatty(STDIN_FILENO)) std::fprintf(stderr, "Password for %s: ", login.c_str());
  if (!std::getline(std::cin, password)) {
    return Fail(Status::InvalidArgument("password", "no password on standard input"));
  }
  StoreRuntime hq;
  if (Status opened = hq.Open({flags.data_dir}); !opened.ok()) return Fail(opened);
  FrontDesk desk(*hq.store, *hq.writer, hq.wall, *hq.hlc, flags.desk);
  if (Status created = desk.BootstrapAdmin(login, name, password); !created.ok())
    return Fail(created);
  spdlog::info("administrator '{}' created", login);
  return 0;
}

int WriteHtmlReport(const HubFlags& flags, const HtmlReportOptions& options,
                    const std::string& out) {
  if (Status zone = CheckTimeZone(options.time_zone); !zone.ok()) return Fail(zone);
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return Fail(opened);
  auto page = HtmlReport(*hq.store, options);
  if (!page.ok()) return Fail(page.status());
  if (out.empty()) {
    fmt::print("{}", *page);
    return 0;
  }
  if (Status created = CreatePrivateFile(out); !created.ok()) return Fail(created);
  std::ofstream file(out, std::ios::trunc);
  file << *page;
  if (!file) return Fail(Status::IOError("cannot write " + out));
  fmt::print("{} written\n", out);
  return 0;
}

int Remind(const HubFlags& flags, const std::string& as_of_text, const std::string& zone,
           int within_days, bool make_tasks, bool json) {
  if (Status checked = CheckTimeZone(zone); !checked.ok()) return Fail(checked);
  int64_t as_of = 0;
  if (!as_of_text.empty()) {
    auto day = DayStartUtc(as_of_text, zone, "as-of");
    if (!day.ok()) return Fail(day.status());
    as_of = *day;
  }
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return Fail(opened);
  auto due = RepurchaseReminders(*hq.store, as_of, int64_t{within_days} * 86'400'000);
  if (!due.ok()) return Fail(due.status());
  size_t made = 0;
  if (make_tasks) {
    auto tasks = MakeReminderTasks(*hq.writer, *hq.hlc, *due, hq.wall.NowMillis());
    if (!tasks.ok()) return Fail(tasks.status());
    made = *tasks;
  }
  if (json) {
    nlohmann::json out = {{"as_of", FormatLocalTime(as_of, "UTC")}, {"tasks_made", made}};
    out["clients"] = nlohmann::json::array();
    for (const Reminder& r : *due) {
      out["clients"].push_back({{"client", r.client.ToString()},
                                {"card", r.card},
                                {"office", r.office},
                                {"receipts", r.receipts},
                                {"last_sale_ms", r.last_sale},
                                {"interval_ms", r.interval_ms},
                                {"due_ms", r.due_ms}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{} clients overdue to buy again as of {} UTC\n", due->size(),
             FormatLocalTime(as_of, "UTC"));
  fmt::print("{:<26} {:<10} {:<8} {:>8} {:>10} {:>17} {:>17}\n", "CLIENT", "CARD", "OFFICE",
             "RECEIPTS", "EVERY", "LAST", "DUE");
  for (const Reminder& r : *due) {
    fmt::print("{:<26} {:<10} {:<8} {:>8} {:>9}d {:>17} {:>17}\n", r.client.ToString(), r.card,
               r.office, r.receipts, r.interval_ms / 86'400'000,
               FormatLocalTime(r.last_sale, "UTC"), FormatLocalTime(r.due_ms, "UTC"));
  }
  if (make_tasks)
    fmt::print("{} new tasks for the offices ({} made on an earlier run)\n", made,
               due->size() - made);
  return 0;
}

int ShowStatus(const HubFlags& flags) {
  std::ifstream in(StatusFile(flags));
  if (!in)
    return Fail(Status::NotFound("no status at " + StatusFile(flags) + "; is crm-hq running?"));
  nlohmann::json status = nlohmann::json::parse(in, nullptr, false);
  if (status.is_discarded()) return Fail(Status::Corruption("unreadable " + StatusFile(flags)));
  int64_t now = status.value("now_ms", int64_t{0});
  auto ago = [now](int64_t ms) { return ms > 0 ? fmt::format("{}s ago", (now - ms) / 1000) : "-"; };
  fmt::print("hub log seq {} (kept from {})\n", status.value("log_seq", uint64_t{0}),
             status.value("oldest_seq", uint64_t{1}));
  fmt::print("{:<8} {:<7} {:>8} {:>8} {:>14} {:>12} {:>9} {:>14}  {}\n", "OFFICE", "ONLINE",
             "BEHIND", "UNSENT", "OLDEST UNSENT", "LAST SEEN", "REJECTED", "SAFE TO CLOSE", "NODE");
  for (const auto& office : status["offices"]) {
    bool reported = office.value("reported", false);
    fmt::print("{:<8} {:<7} {:>8} {:>8} {:>14} {:>12} {:>9} {:>14}  {}\n",
               office.value("office", std::string("?")),
               office.value("online", false) ? "yes" : "no", office.value("behind", uint64_t{0}),
               reported ? std::to_string(office.value("unsent", uint64_t{0})) : "?",
               ago(office.value("oldest_unsent_ms", int64_t{0})),
               ago(office.value("last_contact_ms", int64_t{0})),
               office.value("rejected", uint64_t{0}),
               !reported                              ? "unknown"
               : office.value("safe_to_close", false) ? "yes"
                                                      : "no",
               office.value("node", std::string()));
  }
  // What managers must look at: sales refunded beyond what they sold
  // (refunds made while offices were apart) and changes the hub refused.
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return Fail(opened);
  auto view = hq.store->Read();
  if (!view.ok()) return Fail(view.status());
  constexpr size_t kShown = 20;
  auto anomalies = view->Anomalies(kShown + 1);
  if (!anomalies.ok()) return Fail(anomalies.status());
  auto quarantined = view->Quarantined(1000);
  if (!quarantined.ok()) return Fail(quarantined.status());
  fmt::print("anomalies: {}{}; changes refused and quarantined: {}{}\n",
             std::min(anomalies->size(), kShown), anomalies->size() > kShown ? "+" : "",
             quarantined->size(), quarantined->size() == 1000 ? "+" : "");
  for (size_t i = 0; i < anomalies->size() && i < kShown; ++i) {
    fmt::print("  {} {}: {}\n", EntityName((*anomalies)[i].kind), (*anomalies)[i].id.ToString(),
               (*anomalies)[i].what);
  }
  return 0;
}

}  // namespace
}  // namespace crm

int main(int argc, char** argv) {
  // Logs go to stderr; stdout stays for what a command prints.
  spdlog::set_default_logger(spdlog::stderr_color_mt("crm-hq"));
  CLI::App app{"crm-hq: the headquarters hub of the point-of-sale CRM"};
  app.set_config("--config", "", "read options from this TOML/INI file");
  app.fallthrough();
  app.require_subcommand(1);
  crm::HubFlags flags;
  app.add_option("--data", flags.data_dir, "store directory")->capture_default_str();
  app.add_option("--listen", flags.listen, "ZeroMQ endpoint for offices")->capture_default_str();
  app.add_option("--key", flags.key_file, "the hub's key file (crm-admin keygen)")
      ->capture_default_str();
  app.add_option("--endpoint-file", flags.endpoint_file, "write the bound endpoint here");
  app.add_option("--log-keep", flags.log_keep,
                 "newest log entries kept even once every office has them")
      ->capture_default_str();
  app.add_option("--prune-every-ms", flags.prune_every_ms, "how often the log is pruned")
      ->capture_default_str();
  app.add_option("--status-file", flags.status_file,
                 "where serve writes, and status reads, the office links");
  flags.desk.code = "HQ";
  app.add_option(
      "--web", flags.web.listen,
      "serve the managers' dashboard on HOST:PORT (loopback, or anywhere with --web-cert)");
  app.add_option("--web-cert", flags.web.cert_file,
                 "PEM certificate: serve the dashboard over HTTPS");
  app.add_option("--web-key", flags.web.key_file, "PEM private key of --web-cert");
  app.add_option("--web-endpoint-file", flags.web_endpoint_file, "write the dashboard's URL here");
  app.add_option("--web-name", flags.web.names,
                 "a name browsers use for the dashboard besides localhost and 127.x (repeatable)");
  app.add_option("--desk-currency", flags.desk.currency,
                 "ISO 4217 currency of the dashboard's front desk (merges, conflicts)")
      ->capture_default_str();
  app.add_option("--desk-time-zone", flags.desk.time_zone,
                 "IANA time zone of the dashboard's front desk")
      ->capture_default_str();
  auto* serve = app.add_subcommand("serve", "accept offices and replicate");
  std::string admin_login = "admin", admin_name;
  auto* bootstrap = app.add_subcommand(
      "bootstrap-admin", "create the dashboard's first administrator (password on stdin)");
  bootstrap->add_option("--login", admin_login, "login of the administrator")
      ->capture_default_str();
  bootstrap->add_option("--name", admin_name, "display name");
  app.add_subcommand("status", "the offices' links as the running hub sees them");
  auto* report = app.add_subcommand("report", "managers' reports over the hub's store");
  report->require_subcommand(1);
  crm::SalesReportFlags sales_flags;
  bool sales_json = false, sales_csv = false;
  auto* sales = report->add_subcommand(
      "sales",
      "sales by office, month, employee, channel, product or campaign (or in total): count, units, "
      "revenue, refunds, average ticket, clients");
  sales->add_option("--by", sales_flags.by, "office, month, employee, channel, product, campaign, or total (one row per currency, with its distinct clients)")
      ->capture_default_str();
  sales->add_option("--from", sales_flags.from, "first day, YYYY-MM-DD");
  sales->add_option("--to", sales_flags.to, "the day after the last, YYYY-MM-DD");
  sales->add_option("--time-zone", sales_flags.time_zone, "IANA zone of days and months")
      ->capture_default_str();
  sales->add_option("--top", sales_flags.top, "only the first N rows (biggest revenue first)");
  sales->add_flag("--json", sales_json, "print JSON");
  sales->add_flag("--csv", sales_csv, "print CSV");

  crm::SegmentReportFlags segment_flags;
  bool segment_json = false, segment_csv = false;
  auto segment_options = [&](CLI::App* command) {
    command->add_option("--currency", segment_flags.currency, "ISO 4217 code")
        ->capture_default_str();
    command->add_flag("--json", segment_json, "print JSON");
    command->add_flag("--csv", segment_csv, "print CSV");
  };
  auto* rfm =
      report->add_subcommand("rfm", "recency, frequency and monetary scores, and client segments");
  segment_options(rfm);
  rfm->add_option("--as-of", segment_flags.as_of,
                  "the day to measure recency to (default: after the last sale)");
  rfm->add_option("--time-zone", segment_flags.time_zone, "IANA zone of --as-of")
      ->capture_default_str();
  rfm->add_flag("--clients", segment_flags.clients, "one row per client instead of per segment");
  auto* abc =
      report->add_subcommand("abc", "ABC analysis: products or clients by their share of revenue");
  segment_options(abc);
  abc->add_option("--of", segment_flags.of, "products or clients")->capture_default_str();
  abc->add_option("--top", segment_flags.top, "only the first N rows");
  auto* xyz =
      report->add_subcommand("xyz", "XYZ analysis: products by the variation of monthly demand");
  segment_options(xyz);
  xyz->add_option("--time-zone", segment_flags.time_zone, "IANA zone of months")
      ->capture_default_str();
  xyz->add_option("--top", segment_flags.top,
                  "only the N products with the most units a month (otherwise every product, in SKU order)");
  auto* abc_xyz = report->add_subcommand("abc-xyz", "the ABC-XYZ matrix of products");
  segment_options(abc_xyz);
  abc_xyz->add_option("--time-zone", segment_flags.time_zone, "IANA zone of months")
      ->capture_default_str();
  std::string remind_as_of, remind_zone = "UTC";
  int remind_within_days = 90;
  bool remind_tasks = false, remind_json = false;
  auto* reminders = app.add_subcommand(
      "reminders",
      "clients overdue to buy again by their own rhythm; --make-tasks sends them to offices");
  reminders->add_option("--as-of", remind_as_of,
                        "the day to judge by (default: after the last sale)");
  reminders->add_option("--time-zone", remind_zone, "IANA zone of --as-of")->capture_default_str();
  reminders
      ->add_option("--within", remind_within_days,
                   "only clients due at most this many days ago (0: all)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  reminders->add_flag("--make-tasks", remind_tasks,
                      "make an open task for each, for the office of the client's last purchase");
  reminders->add_flag("--json", remind_json, "print JSON");
  // Actions that flow back to the offices (hq/cli/campaign_commands.h).
  crm::BirthdayFlags birthday_flags;
  bool birthday_json = false, birthday_csv = false;
  auto* birthdays = app.add_subcommand("birthdays",
                                       "live clients whose birthday falls in the next days; "
                                       "--make-tasks sends greetings to offices");
  birthdays->add_option("--from", birthday_flags.from,
                        "the first day, YYYY-MM-DD (default: today in --time-zone)");
  birthdays->add_option("--days", birthday_flags.days, "how many days from --from")
      ->capture_default_str();
  birthdays
      ->add_option("--time-zone", birthday_flags.time_zone,
                   "IANA zone of today and of the tasks' 09:00")
      ->capture_default_str();
  birthdays->add_flag("--make-tasks", birthday_flags.make_tasks,
                      "make an open greeting task for the office of the client's last purchase");
  birthdays->add_flag("--json", birthday_json, "print JSON");
  birthdays->add_flag("--csv", birthday_csv, "print CSV");
  crm::CampaignListFlags campaign_flags;
  bool campaign_json = false, campaign_csv = false;
  auto* campaign_list = app.add_subcommand(
      "campaign-list",
      "clients of an RFM segment or ABC class with consent and a contact for a channel");
  campaign_list->add_option("--segment", campaign_flags.segment,
                            "an RFM segment, e.g. \"at risk\"");
  campaign_list->add_option("--abc", campaign_flags.abc, "or an ABC class of clients: A, B or C");
  campaign_list
      ->add_option("--channel", campaign_flags.channel, "email, sms, phone, post or messenger")
      ->required();
  campaign_list->add_option("--code", campaign_flags.code, "the campaign code");
  campaign_list->add_flag("--tag", campaign_flags.tag,
                          "tag each listed client campaign:CODE (needs --code)");
  campaign_list->add_option("--out", campaign_flags.out,
                            "write the list to this file (CSV unless --json)");
  campaign_list->add_option("--currency", campaign_flags.currency, "ISO 4217 code of the sales")
      ->capture_default_str();
  campaign_list->add_flag("--json", campaign_json, "print JSON");
  campaign_list->add_flag("--csv", campaign_csv, "print CSV");
  auto* forecast = report->add_subcommand(
      "forecast",
      "units per product for the next months, with the method's error on held-out months");
  segment_options(forecast);
  forecast->add_option("--time-zone", segment_flags.time_zone, "IANA zone of months")
      ->capture_default_str();
  forecast->add_option("--window", segment_flags.window, "months averaged")
      ->capture_default_str()
      ->check(CLI::Range(1, 24));
  forecast
      ->add_option("--held-out", segment_flags.held_out,
                   "last months kept out to measure the error")
      ->capture_default_str()
      ->check(CLI::Range(1, 24));
  forecast->add_option("--ahead", segment_flags.ahead, "months forecast")
      ->capture_default_str()
      ->check(CLI::Range(1, 24));
  forecast->add_option("--top", segment_flags.top, "only the N products with the biggest forecast");
  crm::EffectivenessFlags effect_flags;
  bool effect_json = false, effect_csv = false;
  auto* effectiveness = report->add_subcommand(
      "effectiveness",
      "of acquisition channels, campaigns (audience, response rate) and employees, "
      "the deal pipeline's stage conversion, and the purchase funnel where clients drop off");
  effectiveness
      ->add_option("--of", effect_flags.of, "channels, campaigns, employees, deals or funnel")
      ->capture_default_str();
  effectiveness->add_option("--from", effect_flags.from, "first day, YYYY-MM-DD");
  effectiveness->add_option("--to", effect_flags.to, "the day after the last, YYYY-MM-DD");
  effectiveness->add_option("--time-zone", effect_flags.time_zone, "IANA zone of the days")
      ->capture_default_str();
  effectiveness->add_option("--currency", effect_flags.currency, "ISO 4217 code")
      ->capture_default_str();
  effectiveness->add_flag("--json", effect_json, "print JSON");
  effectiveness->add_flag("--csv", effect_csv, "print CSV");
  crm::CreditReportFlags credit_flags;
  bool credit_json = false, credit_csv = false;
  auto* credit =
      report->add_subcommand("credit", "what each client owes on account, and how much is overdue");
  credit->add_option("--as-of", credit_flags.as_of, "the day to judge by (default: now)");
  credit->add_option("--terms-days", credit_flags.terms_days, "days a credit may stay unpaid")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  credit->add_option("--time-zone", credit_flags.time_zone, "IANA zone of --as-of")
      ->capture_default_str();
  credit->add_option("--currency", credit_flags.currency, "ISO 4217 code")->capture_default_str();
  credit->add_flag("--json", credit_json, "print JSON");
  credit->add_flag("--csv", credit_csv, "print CSV");
  crm::OfficeLimitFlags limit_flags;
  auto* office = app.add_subcommand("office", "what headquarters sets for its offices");
  office->require_subcommand(1);
  auto* limits = office->add_subcommand(
      "limits",
      "the limits at the till per office and role (price cuts and discounts beyond them need a "
      "manager's approval); without --role, shows them");
  limits->add_option("--office", limit_flags.office, "an enrolled office's code");
  limits->add_flag("--chain", limit_flags.chain,
                   "the chain-wide default, for offices without their own");
  limits->add_option("--role", limit_flags.role, "cashier, office-manager, hq-manager or admin");
  limits->add_option(
      "--max-discount", limit_flags.max_discount,
      "the largest discount of a line, of its price: 10%, 2.5%, unlimited, or default "
      "(the chain-wide or built-in one)");
  limits->add_option("--max-price-cut", limit_flags.max_price_cut,
                     "the largest cut of a unit price below the catalogue's: 0%, 20%, unlimited, "
                     "or default");
  limits->add_flag("--json", limit_flags.json, "print JSON");
  crm::HtmlReportOptions html_options;
  std::string html_out;
  auto* html = report->add_subcommand(
      "html", "one self-contained HTML page with charts: months, best sellers, segments, ABC-XYZ");
  html->add_option("--out", html_out, "write it here (default: standard output)");
  html->add_option("--title", html_options.title, "the page's title")->capture_default_str();
  html->add_option("--currency", html_options.currency, "ISO 4217 code")->capture_default_str();
  html->add_option("--time-zone", html_options.time_zone, "IANA zone of months")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*serve) return crm::Serve(flags);
  if (*sales) {
    sales_flags.data_dir = flags.data_dir;
    sales_flags.output = sales_json  ? crm::Output::kJson
                         : sales_csv ? crm::Output::kCsv
                                     : crm::Output::kTable;
    return crm::RunReport(flags.data_dir, [&](const crm::Store& store, std::FILE* out) {
      return crm::WriteSales(store, sales_flags, out);
    });
  }
  segment_flags.data_dir = flags.data_dir;
  segment_flags.output = segment_json  ? crm::Output::kJson
                         : segment_csv ? crm::Output::kCsv
                                       : crm::Output::kTable;
  if (*rfm)
    return crm::RunReport(segment_flags.data_dir, [&](const crm::Store& store, std::FILE* out) {
      return crm::WriteRfm(store, segment_flags, out);
    });
  if (*abc)
    return crm::RunReport(segment_flags.data_dir, [&](const crm::Store& store, std::FILE* out) {
      return crm::WriteAbc(store, segment_flags, out);
    });
  if (*xyz)
    return crm::RunReport(segment_flags.data_dir, [&](const crm::Store& store, std::FILE* out) {
      return crm::WriteXyz(store, segment_flags, out);
    });
  if (*abc_xyz)
    return crm::RunReport(segment_flags.data_dir, [&](const crm::Store& store, std::FILE* out) {
      return crm::WriteAbcXyz(store, segment_flags, out);
    });
  if (*forecast)
    return crm::RunReport(segment_flags.data_dir, [&](const crm::Store& store, std::FILE* out) {
      return crm::WriteForecast(store, segment_flags, out);
    });
  if (*html) return crm::WriteHtmlReport(flags, html_options, html_out);
  if (*credit) {
    credit_flags.data_dir = flags.data_dir;
    credit_flags.output = credit_json  ? crm::Output::kJson
                          : credit_csv ? crm::Output::kCsv
                                       : crm::Output::kTable;
    return crm::RunReport(credit_flags.data_dir, [&](const crm::Store& store, std::FILE* out) {
      return crm::WriteCredit(store, credit_flags, out);
    });
  }
  if (*effectiveness) {
    effect_flags.data_dir = flags.data_dir;
    effect_flags.output = effect_json  ? crm::Output::kJson
                          : effect_csv ? crm::Output::kCsv
                                       : crm::Output::kTable;
    return crm::RunReport(effect_flags.data_dir, [&](const crm::Store& store, std::FILE* out) {
      return crm::WriteEffectiveness(store, effect_flags, out);
    });
  }
  if (*reminders) {
    return crm::Remind(flags, remind_as_of, remind_zone, remind_within_days, remind_tasks,
                       remind_json);
  }
  auto output = [](bool json, bool csv) {
    return json ? crm::Output::kJson : csv ? crm::Output::kCsv : crm::Output::kTable;
  };
  if (*birthdays) {
    birthday_flags.data_dir = flags.data_dir;
    birthday_flags.output = output(birthday_json, birthday_csv);
    return crm::ListBirthdays(birthday_flags);
  }
  if (*campaign_list) {
    campaign_flags.data_dir = flags.data_dir;
    campaign_flags.output = output(campaign_json, campaign_csv);
    return crm::ListCampaignAudience(campaign_flags);
  }
  if (*limits) {
    limit_flags.data_dir = flags.data_dir;
    return crm::OfficeLimits(limit_flags);
  }
  if (*bootstrap) return crm::BootstrapAdmin(flags, admin_login, admin_name);
  return crm::ShowStatus(flags);
}
