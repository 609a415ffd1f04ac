#include "hq/cli/hub_commands.h"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "hq/analytics/sales.h"
#include "hq/cli/log_failure.h"
#include "hq/dashboard/dashboard.h"
#include "node/common/serve_lock.h"
#include "node/server/web_api.h"
#include "node/store/admission.h"
#include "node/store/offices.h"
#include "node/store/replica.h"
#include "node/store/runtime.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/transport.h"

namespace crm {
namespace {

std::string StatusFile(const HubFlags& flags) {
  return flags.status_file.empty() ? flags.data_dir + "/hub-status.json" : flags.status_file;
}

nlohmann::json PeerJson(const PeerStatus& peer, uint64_t behind) {
  nlohmann::json below = nlohmann::json::array();
  for (const PeerStatus& office : peer.below) below.push_back(PeerJson(office, office.behind));
  return {{"office", peer.route},
          {"node", peer.node.ToString()},
          {"online", peer.online},
          {"last_contact_ms", peer.last_contact_ms},
          {"pulled_through", peer.pulled_through},
          {"behind", behind},
          {"applied_through", peer.applied_through},
          {"in_snapshot", peer.in_snapshot},
          {"reported", peer.reported},
          {"unsent", peer.unsent},
          {"oldest_unsent_ms", peer.oldest_unsent_ms},
          // Only an office online now can say nothing is left to send.
          {"safe_to_close", peer.online && peer.reported && peer.unsent == 0},
          {"held_from_office", peer.held_from_peer},
          {"rejected", peer.rejected},
          {"below", below}};
}

// What the hub knows of each office's link, as `crm-hq status` and the
// dashboard show it: the offices linked to it, each regional hub's own
// offices below it as it reported them, and every enrolled office.
nlohmann::json HubStatus(HubServer& server, const Store& store, Clock& clock) {
  nlohmann::json offices = nlohmann::json::array();
  nlohmann::json enrolled = nlohmann::json::array();
  uint64_t log_seq = 0;
  uint64_t oldest_seq = 1;
  if (auto view = store.Read(); view.ok()) {
    log_seq = view->LastSeq().ok() ? *view->LastSeq() : 0;
    oldest_seq = view->LogFloor().ok() ? *view->LogFloor() : 1;
    if (auto known = EnrolledOffices(*view); known.ok()) {
      for (const EnrolledOffice& office : *known) {
        enrolled.push_back({{"office", office.code},
                            {"parent", office.parent},
                            {"node", office.node.ToString()},
                            {"revoked", office.revoked}});
      }
    }
  }
  // An office that connected again has a new link; the newest stands for it.
  std::map<std::string, PeerStatus> newest;
  for (PeerStatus& peer : server.Peers()) {
    auto [at, added] = newest.emplace(peer.route, peer);
    if (!added && peer.last_contact_ms > at->second.last_contact_ms) at->second = std::move(peer);
  }
  for (const auto& [office, peer] : newest) {
    offices.push_back(
        PeerJson(peer, log_seq > peer.applied_through ? log_seq - peer.applied_through : 0));
  }
  return {{"now_ms", clock.NowMillis()},
          {"log_seq", log_seq},
          {"oldest_seq", oldest_seq},
          {"offices", offices},
          {"enrolled", enrolled}};
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
  if (!keys.ok()) return LogFailure(keys.status());
  StoreRuntime hq;
  if (Status opened = hq.Open({flags.data_dir}); !opened.ok()) return LogFailure(opened);
  auto serving = ServeLock::Take(flags.data_dir, "crm-hq");
  if (!serving.ok()) return LogFailure(serving.status());
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
  DownstreamAdmission admission(*hq.store, hq.wall, hq.hlc->max_skew_ms(),
                                flags.desk.max_file_bytes);
  auto server = HubServer::Start(
      replica, hq.wall, options,
      [raw_store](const std::string& key) { return FindEnrollment(*raw_store, key); },
      [&admission](schema::Change::Reader change) { return admission.Admit(change); },
      [](const std::string& line) { spdlog::warn("{}", line); });
  if (!server.ok()) return LogFailure(server.status());
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
    WebServerOptions web_options = flags.web;
    web_options.log = [](std::string_view line) { spdlog::warn("web: {}", line); };
    auto started = web_api->Serve(std::move(web_options));
    if (!started.ok()) return LogFailure(started.status());
    web = std::move(started).value();
    spdlog::info("managers' dashboard on {}", web->endpoint());
    if (!flags.web_endpoint_file.empty()) WriteLineFile(flags.web_endpoint_file, web->endpoint());
  }
  // The log also grows by writes no office pushed (the dashboard's desk, and
  // `crm-hq task add`, `product add`, `office limits`, `crm-admin enroll` in
  // processes of their own): the hub's look at its log every tick tells the
  // offices.
  int64_t status_written = 0;
  for (;;) {
    timespec tick{0, 200'000'000};
    int signal_number = sigtimedwait(&signals, nullptr, &tick);
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
    return LogFailure(Status::InvalidArgument("password", "no password on standard input"));
  }
  StoreRuntime hq;
  if (Status opened = hq.Open({flags.data_dir}); !opened.ok()) return LogFailure(opened);
  FrontDesk desk(*hq.store, *hq.writer, hq.wall, *hq.hlc, flags.desk);
  if (Status created = desk.BootstrapAdmin(login, name, password); !created.ok())
    return LogFailure(created);
  spdlog::info("administrator '{}' created", login);
  return 0;
}

// The office links of a status file as a tree: the offices linked to the
// hub, each regional hub's offices indented below it, and enrolled offices
// never heard from.
class StatusTable {
 public:
  StatusTable(const nlohmann::json& status, bool running)
      : now_(status.value("now_ms", int64_t{0})), running_(running) {
    for (const auto& office : status.value("enrolled", nlohmann::json::array())) {
      enrolled_.push_back(office);
    }
  }

  void Print(const nlohmann::json& offices) {
    fmt::print("{:<10} {:<7} {:>8} {:>8} {:>14} {:>12} {:>9} {:>14}  {}\n", "OFFICE", "ONLINE",
               "BEHIND", "UNSENT", "OLDEST UNSENT", "LAST SEEN", "REJECTED", "SAFE TO CLOSE",
               "NODE");
    Level(offices, "", 0);
  }

 private:
  // `ms` as "12s ago" before the status was written; `none` if 0.
  std::string Ago(int64_t ms, const char* none) const {
    return ms > 0 ? fmt::format("{}s ago", std::max<int64_t>(0, now_ - ms) / 1000) : none;
  }

  void Row(const nlohmann::json& office, int depth) {
    const bool reported = office.value("reported", false);
    // With the hub stopped, nobody is known to be online or safe to close.
    const std::string online = !running_ ? "?" : office.value("online", false) ? "yes" : "no";
    const std::string safe = !running_ || !reported                   ? "unknown"
                             : office.value("safe_to_close", false) ? "yes"
                                                                    : "no";
    fmt::print("{:<10} {:<7} {:>8} {:>8} {:>14} {:>12} {:>9} {:>14}  {}\n",
               std::string(2 * depth, ' ') + office.value("office", std::string("?")), online,
               office.value("behind", uint64_t{0}),
               reported ? std::to_string(office.value("unsent", uint64_t{0})) : "?",
               Ago(office.value("oldest_unsent_ms", int64_t{0}), "-"),
               Ago(office.value("last_contact_ms", int64_t{0}), "never"),
               office.value("rejected", uint64_t{0}), safe, office.value("node", std::string()));
  }

  // `linked`: the offices linked to the hub of code `parent` ("" for HQ).
  void Level(const nlohmann::json& linked, const std::string& parent, int depth) {
    std::set<std::string> shown;
    for (const auto& office : linked) {
      const std::string code = office.value("office", std::string());
      shown.insert(code);
      Row(office, depth);
      if (depth < 8) Level(office.value("below", nlohmann::json::array()), code, depth + 1);
    }
    for (const auto& office : enrolled_) {
      const std::string code = office.value("office", std::string());
      if (office.value("parent", std::string()) != parent || shown.count(code)) continue;
      const bool revoked = office.value("revoked", false);
      fmt::print("{:<10} {:<7} {:>8} {:>8} {:>14} {:>12} {:>9} {:>14}  {}\n",
                 std::string(2 * depth, ' ') + code, revoked ? "revoked" : "never", "-", "-", "-",
                 "never", "-", "unknown", office.value("node", std::string()));
      if (depth < 8) Level(nlohmann::json::array(), code, depth + 1);
    }
  }

  int64_t now_;
  bool running_;
  std::vector<nlohmann::json> enrolled_;
};

// Exit code of `crm-hq status` when no hub serves the store (as LSB's
// `status` actions say "not running").
constexpr int kNotRunning = 3;

int ShowStatus(const HubFlags& flags) {
  const std::optional<std::string> server = ServeLock::Server(flags.data_dir);
  std::ifstream in(StatusFile(flags));
  nlohmann::json status = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
  if (in && status.is_discarded()) {
    return LogFailure(Status::Corruption("unreadable " + StatusFile(flags)));
  }
  const bool known = in && status.is_object();
  const int64_t now = SystemClock().NowMillis();
  if (!server) {
    fmt::print("hub not running: no crm-hq serves {}{}\n", flags.data_dir,
               known ? fmt::format("; what it last saw, {}s ago:",
                                   (now - status.value("now_ms", now)) / 1000)
                     : "");
  } else if (known && now - status.value("now_ms", now) > 10'000) {
    fmt::print("hub not answering: {} serves {} but wrote no status for {}s\n", *server,
               flags.data_dir, (now - status.value("now_ms", now)) / 1000);
  }
  if (known) {
    fmt::print("hub log seq {} (kept from {})\n", status.value("log_seq", uint64_t{0}),
               status.value("oldest_seq", uint64_t{1}));
    StatusTable(status, server.has_value()).Print(status["offices"]);
  } else if (server) {
    return LogFailure(Status::NotFound("no status at " + StatusFile(flags) + " yet; " + *server +
                                       " writes it every second"));
  }
  // What managers must look at: sales refunded beyond what they sold
  // (refunds made while offices were apart) and changes the hub refused.
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return LogFailure(opened);
  auto view = hq.store->Read();
  if (!view.ok()) return LogFailure(view.status());
  constexpr size_t kShown = 20;
  auto anomalies = view->Anomalies(kShown + 1);
  if (!anomalies.ok()) return LogFailure(anomalies.status());
  auto quarantined = view->Quarantined(1000);
  if (!quarantined.ok()) return LogFailure(quarantined.status());
  fmt::print("anomalies: {}{}; changes refused and quarantined: {}{}\n",
             std::min(anomalies->size(), kShown), anomalies->size() > kShown ? "+" : "",
             quarantined->size(), quarantined->size() == 1000 ? "+" : "");
  for (size_t i = 0; i < anomalies->size() && i < kShown; ++i) {
    fmt::print("  {} {}: {}\n", EntityName((*anomalies)[i].kind), (*anomalies)[i].id.ToString(),
               (*anomalies)[i].what);
  }
  return server ? 0 : kNotRunning;
}

}  // namespace

HubCommands::HubCommands(CLI::App& app) {
  app.add_option("--data", flags_.data_dir, "store directory")->capture_default_str();
  app.add_option("--listen", flags_.listen, "ZeroMQ endpoint for offices")->capture_default_str();
  app.add_option("--key", flags_.key_file, "the hub's key file (crm-admin keygen)")
      ->capture_default_str();
  app.add_option("--endpoint-file", flags_.endpoint_file, "write the bound endpoint here");
  app.add_option("--log-keep", flags_.log_keep,
                 "newest log entries kept even once every office has them")
      ->capture_default_str();
  app.add_option("--prune-every-ms", flags_.prune_every_ms, "how often the log is pruned")
      ->capture_default_str();
  app.add_option("--max-file-bytes", flags_.desk.max_file_bytes,
                 "largest attached file taken from the offices (larger content is refused)")
      ->capture_default_str();
  app.add_option("--status-file", flags_.status_file,
                 "where serve writes, and status reads, the office links");
  flags_.desk.code = "HQ";
  app.add_option(
      "--web", flags_.web.listen,
      "serve the managers' dashboard on HOST:PORT (loopback, or anywhere with --web-cert)");
  app.add_option("--web-cert", flags_.web.cert_file,
                 "PEM certificate: serve the dashboard over HTTPS");
  app.add_option("--web-key", flags_.web.key_file, "PEM private key of --web-cert");
  app.add_option("--web-endpoint-file", flags_.web_endpoint_file, "write the dashboard's URL here");
  app.add_option("--web-name", flags_.web.names,
                 "a name browsers use for the dashboard besides localhost and 127.x (repeatable)");
  app.add_option("--desk-currency", flags_.desk.currency,
                 "ISO 4217 currency of the dashboard's front desk (merges, conflicts)")
      ->capture_default_str();
  app.add_option("--desk-time-zone", flags_.desk.time_zone,
                 "IANA time zone of the dashboard's front desk")
      ->capture_default_str();
  serve_ = app.add_subcommand("serve", "accept offices and replicate");
  bootstrap_ = app.add_subcommand("bootstrap-admin",
                                  "create the dashboard's first administrator (password on stdin)");
  bootstrap_->add_option("--login", admin_login_, "login of the administrator")
      ->capture_default_str();
  bootstrap_->add_option("--name", admin_name_, "display name");
  app.add_subcommand("status", "the offices' links as the running hub sees them");
}

int HubCommands::Run() {
  if (*serve_) return Serve(flags_);
  if (*bootstrap_) return BootstrapAdmin(flags_, admin_login_, admin_name_);
  return ShowStatus(flags_);
}

}  // namespace crm
