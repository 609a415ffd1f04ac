// crm-node: an office node. `crm-node serve` runs the front desk of one office
// over its local store; `crm-node bootstrap-admin` creates the first
// administrator of a new node (the password is read from standard input).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "node/common/serve_lock.h"
#include "node/frontdesk/frontdesk.h"
#include "node/server/desk_server.h"
#include "node/server/web_api.h"
#include "node/server/web_server.h"
#include "node/store/admission.h"
#include "node/store/file_content.h"
#include "node/store/offices.h"
#include "node/store/replica.h"
#include "node/store/runtime.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/uplink.h"

namespace crm {

// The browser front desk's files (node/server/web/), built in by CMake.
std::vector<WebAsset> FrontDeskAssets();

namespace {

struct NodeFlags {
  std::string data_dir;       // required: a node never makes a store where it happens to run
  std::string hub;           // endpoint of the upstream hub; empty: none
  std::string hub_key_file;  // the hub's public key
  std::string key_file;      // this node's key pair
  std::string desk_key_file;  // the front desk's key pair: pos talks CURVE to it
  std::string serve_sync;    // as a regional hub: where downstream offices connect
  std::string sync_endpoint_file;
  OfficeConfig office;
  ServerOptions server;
  std::string endpoint_file;
  WebServerOptions web;  // web.listen empty: no browser front desk
  std::string web_endpoint_file;
  int64_t max_skew_ms = 60'000;
  uint64_t log_keep = 100'000;   // newest log entries never pruned
  int64_t prune_every_ms = 10'000;
};

void AddOfficeOptions(CLI::App& app, NodeFlags& flags) {
  app.add_option("--data", flags.data_dir, "store directory")->required();
  app.add_option("--office", flags.office.code, "office code, printed on receipts")
      ->capture_default_str();
  app.add_option("--time-zone", flags.office.time_zone, "IANA time zone of the office")
      ->capture_default_str();
  app.add_option("--currency", flags.office.currency, "ISO 4217 currency of the office")
      ->capture_default_str();
  app.add_option("--phone-region", flags.office.phone_region,
                 "country of phone numbers written without a country code")
      ->capture_default_str();
  app.add_option("--max-file-bytes", flags.office.max_file_bytes, "largest attachment")
      ->capture_default_str();
}

// Everything a serving node owns, torn down in reverse order.
struct Node {
  StoreRuntime runtime;
  std::unique_ptr<FrontDesk> desk;
  std::unique_ptr<StoreReplica> replica;
  std::unique_ptr<DownstreamAdmission> admission;
  std::unique_ptr<HubServer> downstream;
  std::unique_ptr<UplinkClient> uplink;
  std::unique_ptr<LogRetention> retention;

  // The writer may outlive the uplink (members go in reverse order): its
  // commits stop waking it first, on every way out of Serve.
  ~Node() {
    if (runtime.writer) runtime.writer->NotifyCommits(nullptr);
  }

  // True if the node answers to a hub: --hub given, or its store knows the
  // instance of a hub it linked to.
  Result<bool> HasHub(const NodeFlags& flags) const {
    if (!flags.hub.empty()) return true;
    CRM_ASSIGN_OR_RETURN(StoreView view, runtime.store->Read());
    CRM_ASSIGN_OR_RETURN(Id hub, view.CursorId(kUplinkHubInstance));
    return !hub.IsNull();
  }

  Status Open(const NodeFlags& flags) {
    CRM_RETURN_IF_ERROR(flags.office.Validate());
    StoreOptions options;
    options.dir = flags.data_dir;
    options.on_conversion = [](std::string_view table, uint64_t done) {
      spdlog::info("adding checksums to a store from before them: {} {} entries done", table, done);
      return true;
    };
    CRM_RETURN_IF_ERROR(runtime.Open(options, flags.max_skew_ms));
    CRM_RETURN_IF_ERROR(BindOffice(*runtime.writer, flags.office.code));
    OfficeConfig office = flags.office;
    // Under a hub headquarters owns the catalogue: so for a node started
    // with --hub, and for one that has linked to a hub before and runs
    // without it for now (its products would only be refused upstream).
    CRM_ASSIGN_OR_RETURN(office.under_hub, HasHub(flags));
    desk = std::make_unique<FrontDesk>(*runtime.store, *runtime.writer, runtime.wall, *runtime.hlc,
                                       office);
    return Status::Ok();
  }
};

// Files a store from before replicated content kept only in its blobs
// table go out as FileContent events, a few per transaction (the till's
// writes wait behind each).
Status PublishLegacyFiles(StoreRuntime& runtime) {
  size_t total = 0;
  for (;;) {
    size_t published = 0;
    CRM_RETURN_IF_ERROR(runtime.writer->Run([&](StoreTxn& txn) -> Status {
      CRM_ASSIGN_OR_RETURN(published, PublishLegacyBlobs(txn, *runtime.hlc, 8));
      return Status::Ok();
    }));
    if (published == 0) break;
    total += published;
  }
  if (total > 0) spdlog::info("{} files kept only here are published to the hub now", total);
  return Status::Ok();
}

int Fail(const Status& status) {
  spdlog::error("{}", status.ToString());
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int Serve(const NodeFlags& flags) {
  // Signals are taken by sigwait below, not by whichever thread they hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A file that may grow no more (a file size limit) must fail the write
  // that hit it, like a full disk, not kill the server.
  signal(SIGXFSZ, SIG_IGN);

  // The front desk's settings are checked before anything starts: a node
  // that may not serve its desk does not open its store or link to the hub.
  ServerOptions server_options = flags.server;
  if (!flags.desk_key_file.empty()) {
    auto desk_keys = ReadKeyFile(flags.desk_key_file);
    if (!desk_keys.ok()) return Fail(desk_keys.status());
    server_options.keys = *desk_keys;
  }
  if (Status s = server_options.Validate(); !s.ok()) return Fail(s);

  Node node;
  if (Status s = node.Open(flags); !s.ok()) return Fail(s);
  auto serving = ServeLock::Take(flags.data_dir, "crm-node");
  if (!serving.ok()) return Fail(serving.status());
  if (Status s = PublishLegacyFiles(node.runtime); !s.ok()) return Fail(s);
  if (!flags.serve_sync.empty() && flags.hub.empty()) {
    return Fail(Status::InvalidArgument("serve-sync", "a regional hub needs its own --hub"));
  }
  if (!flags.hub.empty()) {
    auto hub_key = ReadPublicKey(flags.hub_key_file);
    if (!hub_key.ok()) return Fail(hub_key.status());
    auto keys = ReadKeyFile(flags.key_file);
    if (!keys.ok()) return Fail(keys.status());
    node.replica = std::make_unique<StoreReplica>(*node.runtime.store, *node.runtime.writer,
                                                  *node.runtime.hlc);
    node.replica->SetAfterApply(NoteOverRefund);
    auto log = [](const std::string& line) { spdlog::warn("{}", line); };
    // The log goes once the hub holds this node's changes and, for a
    // regional hub, its offices have pulled them.
    std::vector<std::string> parties = {"upstream"};
    if (!flags.serve_sync.empty()) parties.push_back("downstream");
    node.retention = std::make_unique<LogRetention>(parties, flags.log_keep);
    PruneOptions prune;
    prune.retention = node.retention.get();
    prune.every_ms = flags.prune_every_ms;
    if (!flags.serve_sync.empty()) {
      // A regional hub: offices enrolled at headquarters with this office as
      // their parent connect here; the enrollments arrive from headquarters.
      HubServerOptions options;
      options.endpoint = flags.serve_sync;
      options.keys = *keys;
      options.prune = prune;
      Store* store = node.runtime.store.get();
      std::string code = flags.office.code;
      // The same rules as headquarters: what HQ would refuse must not settle
      // here either.
      node.admission = std::make_unique<DownstreamAdmission>(
          *store, node.runtime.wall, flags.max_skew_ms, flags.office.max_file_bytes);
      DownstreamAdmission* admission = node.admission.get();
      auto downstream = HubServer::Start(
          *node.replica, node.runtime.wall, options,
          [store, code](const std::string& key) -> std::optional<Enrollment> {
            auto enrolled = FindEnrollment(*store, key);
            if (!enrolled || enrolled->parent != code) return std::nullopt;
            return enrolled;
          },
          [admission](schema::Change::Reader change) { return admission->Admit(change); }, log);
      if (!downstream.ok()) return Fail(downstream.status());
      node.downstream = std::move(downstream).value();
      spdlog::info("serving downstream offices on {}", node.downstream->endpoint());
      if (!flags.sync_endpoint_file.empty()) {
        WriteLineFile(flags.sync_endpoint_file, node.downstream->endpoint());
      }
    }
    UplinkClientOptions options;
    options.uplink.office = flags.office.code;
    options.hub_endpoint = flags.hub;
    options.hub_public_key = *hub_key;
    options.keys = *keys;
    options.prune = prune;
    if (node.downstream) {
      HubServer* downstream = node.downstream.get();
      options.below = [downstream] { return downstream->Peers(); };
    }
    auto uplink = UplinkClient::Start(*node.replica, node.runtime.wall, options, log);
    if (!uplink.ok()) return Fail(uplink.status());
    node.uplink = std::move(uplink).value();
    UplinkClient* client = node.uplink.get();
    node.desk->SetSyncStatus([client] { return client->Snapshot(); });
    // A commit here (a sale, a pulled change) wakes the uplink to push it;
    // a regional hub's offices hear of it from its look at its log.
    node.runtime.writer->NotifyCommits([client] { client->Wake(); });
    spdlog::info("replicating to the hub at {}", flags.hub);
  }
  auto server = FrontDeskServer::Start(*node.desk, server_options);
  if (!server.ok()) return Fail(server.status());
  spdlog::info("crm-node {} (node {}) serving the front desk on {}{}", flags.office.code,
               node.runtime.store->node_id().ToString(), (*server)->endpoint(),
               server_options.keys ? " over CURVE" : "");
  if (!flags.endpoint_file.empty()) {
    WriteLineFile(flags.endpoint_file, (*server)->endpoint());
  }
  std::unique_ptr<WebApi> web_api;
  std::unique_ptr<WebServer> web;
  if (!flags.web.listen.empty()) {
    web_api = std::make_unique<WebApi>(*node.desk, FrontDeskAssets(), "/index.html");
    WebServerOptions web_options = flags.web;
    web_options.log = [](std::string_view line) { spdlog::warn("web: {}", line); };
    auto started = web_api->Serve(std::move(web_options));
    if (!started.ok()) return Fail(started.status());
    web = std::move(started).value();
    spdlog::info("browser front desk on {}", web->endpoint());
    if (!flags.web_endpoint_file.empty()) WriteLineFile(flags.web_endpoint_file, web->endpoint());
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  spdlog::info("signal {}: finishing requests in progress", signal_number);
  if (web) web->Stop();
  (*server)->Stop();
  node.runtime.writer->NotifyCommits(nullptr);
  if (node.uplink) node.uplink->Stop();
  if (node.downstream) node.downstream->Stop();
  // Writes the desk queued run on its behalf (their jobs and answers use
  // it): finish them while it is alive.
  (void)node.runtime.writer->Run([](StoreTxn&) { return Status::Ok(); });
  node.desk.reset();
  node.runtime.writer.reset();
  spdlog::info("crm-node stopped; every acknowledged write is on disk");
  return 0;
}

int BootstrapAdmin(const NodeFlags& flags, const std::string& login, const std::string& name) {
  std::string password;
  if (isatty(STDIN_FILENO)) std::fprintf(stderr, "Password for %s: ", login.c_str());
  if (!std::getline(std::cin, password)) {
    return Fail(Status::InvalidArgument("password", "no password on standard input"));
  }
  Node node;
  if (Status s = node.Open(flags); !s.ok()) return Fail(s);
  Status created = node.desk->BootstrapAdmin(login, name, password);
  if (!created.ok()) return Fail(created);
  spdlog::info("administrator '{}' created", login);
  return 0;
}

}  // namespace
}  // namespace crm

int main(int argc, char** argv) {
  // Logs go to stderr; stdout stays for what a command prints.
  spdlog::set_default_logger(spdlog::stderr_color_mt("crm-node"));
  CLI::App app{"crm-node: an office node of the point-of-sale CRM"};
  app.require_subcommand(1);
  crm::NodeFlags flags;

  // Node options belong to the program, so one config file (keys named as the
  // long options) serves every command; fallthrough lets them follow the
  // command name on the command line too.
  app.set_config("--config", "", "read options from this TOML/INI file");
  app.fallthrough();
  crm::AddOfficeOptions(app, flags);
  app.add_option("--listen", flags.server.endpoint,
                 "ZeroMQ endpoint for pos clients (beyond loopback only with --desk-key)")
      ->capture_default_str();
  app.add_option("--desk-key", flags.desk_key_file,
                 "the front desk's key file (.key, from crm-admin keygen): pos clients talk "
                 "CURVE, given its .pub as --node-key");
  app.add_option("--workers", flags.server.workers, "request threads")->capture_default_str();
  app.add_option("--endpoint-file", flags.endpoint_file,
                 "write the bound endpoint here once listening");
  app.add_option("--hub", flags.hub, "the hub to replicate with (tcp://host:port)");
  app.add_option("--hub-key", flags.hub_key_file, "the hub's public key file (.pub)");
  app.add_option("--key", flags.key_file, "this node's key file (.key, from crm-admin keygen)");
  app.add_option("--serve-sync", flags.serve_sync,
                 "as a regional hub: accept the offices enrolled under this office here");
  app.add_option("--sync-endpoint-file", flags.sync_endpoint_file,
                 "write the bound --serve-sync endpoint here");
  app.add_option("--log-keep", flags.log_keep,
                 "newest log entries kept even once every peer has them")
      ->capture_default_str();
  app.add_option("--prune-every-ms", flags.prune_every_ms, "how often the log is pruned")
      ->capture_default_str();
  app.add_option("--web", flags.web.listen,
                 "serve the browser front desk on HOST:PORT (loopback, or anywhere with --web-cert)");
  app.add_option("--web-cert", flags.web.cert_file, "PEM certificate: serve the browser front desk over HTTPS");
  app.add_option("--web-key", flags.web.key_file, "PEM private key of --web-cert");
  app.add_option("--web-endpoint-file", flags.web_endpoint_file, "write the browser front desk's URL here");
  app.add_option("--web-name", flags.web.names,
                 "a name browsers use for the front desk besides localhost and 127.x (repeatable)");
  auto* serve = app.add_subcommand("serve", "serve the front desk");

  std::string login = "admin";
  std::string name;
  auto* bootstrap = app.add_subcommand("bootstrap-admin",
                                       "create the first administrator (password on stdin)");
  bootstrap->add_option("--login", login, "login of the administrator")->capture_default_str();
  bootstrap->add_option("--name", name, "display name");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*serve) return crm::Serve(flags);
  return crm::BootstrapAdmin(flags, login, name);
}
