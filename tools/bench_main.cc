// crm-bench: measures the system against its performance targets. Figures come
// from here, never from timed unit tests. Each scenario runs several times
// and reports medians; `--quick` shrinks the sizes for CI (it fails only on an
// error, never on a figure).
//
//   crm-bench sync-catch-up [--changes N] [--runs R] [--quick] [--json FILE]
//     An office with a backlog of N changes catches up with the hub over CURVE
//     on loopback: changes per second, bytes on the wire per change, time.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "node/replica.h"
#include "node/runtime.h"
#include "node/store.h"
#include "node/writer.h"
#include "schema/records.capnp.h"
#include "sync/change_builder.h"
#include "sync/transport.h"

namespace crm {
namespace {

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "crm-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    if (std::getenv("CRM_BENCH_KEEP_DATA") != nullptr) {
      fmt::print(stderr, "kept the stores in {}\n", path_.string());
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

[[noreturn]] void Die(const std::string& what, const Status& status) {
  fmt::print(stderr, "crm-bench: {}: {}\n", what, status.ToString());
  std::exit(1);
}

template <typename T>
T Must(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what, result.status());
  return std::move(result).value();
}

struct Node {
  StoreRuntime runtime;
  std::unique_ptr<StoreReplica> replica;

  explicit Node(const std::filesystem::path& dir) {
    StoreOptions options;
    options.dir = dir;
    options.initial_map_bytes = size_t{1} << 30;
    if (Status s = runtime.Open(options); !s.ok()) Die("open store", s);
    replica = std::make_unique<StoreReplica>(*runtime.store, *runtime.writer, *runtime.hlc);
  }
};

// Writes `count` client changes (as a busy front desk would have) into the
// office's log, in large transactions.
void FillBacklog(Node& office, size_t count) {
  const size_t per_txn = 5000;
  for (size_t done = 0; done < count;) {
    size_t n = std::min(per_txn, count - done);
    Status status = office.runtime.writer->Run([&](StoreTxn& txn) -> Status {
      for (size_t i = 0; i < n; ++i) {
        size_t k = done + i;
        ChangeMessage change = ChangeMessage::Patch(
            EntityKind::CLIENT, Id::Generate(office.runtime.wall.NowMillis()), office.runtime.hlc->Now(), Id{});
        auto client = change.record<schema::Client>();
        client.setFirstName(fmt::format("Client{}", k % 9973));
        client.setLastName(fmt::format("Office{}", k % 17));
        client.setLoyaltyCard(fmt::format("CARD-{:08}", k));
        CRM_RETURN_IF_ERROR(change.Set("firstName"));
        CRM_RETURN_IF_ERROR(change.Set("lastName"));
        CRM_RETURN_IF_ERROR(change.Set("loyaltyCard"));
        CRM_RETURN_IF_ERROR(change.AddElement("phones", fmt::format("+4420{:08}", k % 100'000'000)));
        CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
      }
      return Status::Ok();
    });
    if (!status.ok()) Die("filling the backlog", status);
    done += n;
  }
}

struct CatchUp {
  double seconds = 0;
  double changes_per_s = 0;
  double bytes_per_change = 0;
};

CatchUp RunCatchUp(size_t changes) {
  ScratchDir dir;
  Node hub(dir.path() / "hub");
  Node office(dir.path() / "office");
  FillBacklog(office, changes);

  CurveKeys hub_keys = Must(GenerateCurveKeys(), "keys");
  CurveKeys office_keys = Must(GenerateCurveKeys(), "keys");
  Id office_node = office.runtime.store->node_id();
  HubServerOptions hub_options;
  hub_options.endpoint = "tcp://127.0.0.1:*";
  hub_options.keys = hub_keys;
  auto server = Must(HubServer::Start(
                         *hub.replica, hub.runtime.wall, hub_options,
                         [&](const std::string& key) -> std::optional<Enrollment> {
                           if (key != office_keys.public_key) return std::nullopt;
                           return Enrollment{"BENCH", "", office_node, {}, false};
                         },
                         {}, [](const std::string& line) { fmt::print(stderr, "{}\n", line); }),
                     "hub");
  UplinkClientOptions uplink_options;
  uplink_options.hub_endpoint = server->endpoint();
  uplink_options.hub_public_key = hub_keys.public_key;
  uplink_options.keys = office_keys;
  uplink_options.tick_ms = 5;
  auto start = std::chrono::steady_clock::now();
  auto client = Must(UplinkClient::Start(*office.replica, office.runtime.wall, uplink_options,
                                         [](const std::string& line) { fmt::print(stderr, "{}\n", line); }),
                     "uplink");
  for (;;) {
    auto have = Must(hub.replica->Have(), "hub vv");
    if (have.count(office_node) && have.at(office_node) >= changes) break;
    if (std::chrono::steady_clock::now() - start > std::chrono::minutes(10)) {
      Die("catch-up", Status::Unavailable("did not finish in 10 minutes"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  SyncSnapshot snapshot = client->Snapshot();
  WriterStats hub_writer = hub.runtime.writer->stats();
  fmt::print(stderr, "hub writer: {} commits, {:.2f} s in requests, {:.2f} s committing\n",
             hub_writer.commits, hub_writer.work_micros / 1e6, hub_writer.commit_micros / 1e6);
  client->Stop();
  server->Stop();
  CatchUp result;
  result.seconds = seconds;
  result.changes_per_s = static_cast<double>(changes) / seconds;
  result.bytes_per_change = static_cast<double>(snapshot.uplink.bytes_sent) / static_cast<double>(changes);
  return result;
}

template <typename T, typename F>
double Median(const std::vector<T>& runs, F field) {
  std::vector<double> values;
  for (const T& run : runs) values.push_back(field(run));
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::string Machine() {
  utsname name{};
  uname(&name);
  return fmt::format("{} {} {}, {} cores", name.sysname, name.release, name.machine,
                     std::thread::hardware_concurrency());
}

}  // namespace
}  // namespace crm

int main(int argc, char** argv) {
  CLI::App app{"crm-bench: the CRM's performance, measured"};
  app.fallthrough();  // options may follow the scenario's name
  bool quick = false;
  size_t changes = 1'000'000;
  int runs = 3;
  std::string json_file;
  app.add_flag("--quick", quick, "small sizes, for CI");
  app.add_option("--changes", changes, "backlog size for sync-catch-up")->capture_default_str();
  app.add_option("--runs", runs, "runs per scenario (the median is reported)")->capture_default_str();
  app.add_option("--json", json_file, "also write the results here");
  auto* catch_up = app.add_subcommand("sync-catch-up", "an office's backlog catching up with the hub");
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    changes = std::min<size_t>(changes, 20'000);
    runs = 1;
  }
  (void)catch_up;

  std::vector<crm::CatchUp> results;
  for (int i = 0; i < runs; ++i) results.push_back(crm::RunCatchUp(changes));
  double per_s = crm::Median(results, [](const crm::CatchUp& r) { return r.changes_per_s; });
  double bytes = crm::Median(results, [](const crm::CatchUp& r) { return r.bytes_per_change; });
  double seconds = crm::Median(results, [](const crm::CatchUp& r) { return r.seconds; });
  fmt::print("{:<16} {:>10} {:>14} {:>16} {:>10} {:>12}\n", "scenario", "changes", "changes/s",
             "bytes/change", "seconds", "peak RSS kB");
  fmt::print("{:<16} {:>10} {:>14.0f} {:>16.1f} {:>10.2f} {:>12}\n", "sync-catch-up", changes,
             per_s, bytes, seconds, crm::PeakRssKb());
  fmt::print("medians of {} run(s) on {}\n", runs, crm::Machine());
  if (!json_file.empty()) {
    nlohmann::json out = {
        {"machine", crm::Machine()},
        {"scenarios",
         {{{"name", "sync-catch-up"},
           {"changes", changes},
           {"ops_per_s", per_s},
           {"bytes_per_change", bytes},
           {"seconds", seconds},
           {"runs", runs},
           {"peak_rss_kb", crm::PeakRssKb()}}}}};
    std::ofstream(json_file) << out.dump(2) << "\n";
  }
  return 0;
}
