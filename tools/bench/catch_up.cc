// sync-catch-up: see scenarios.h.
#include <thread>

#include "node/store/replica.h"
#include "node/store/runtime.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "schema/records.capnp.h"
#include "sync/change_builder.h"
#include "sync/transport.h"
#include "tools/bench/scenarios.h"

namespace crm::bench {
namespace {

struct Node {
  StoreRuntime runtime;
  std::unique_ptr<StoreReplica> replica;

  explicit Node(const std::filesystem::path& dir) {
    StoreOptions options;
    options.dir = dir;
    options.initial_map_bytes = size_t{1} << 30;
    Must(runtime.Open(options), "open store");
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
    Must(status, "filling the backlog");
    done += n;
  }
}

}  // namespace

CatchUpFigures RunCatchUp(size_t changes) {
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
  auto log = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  auto server = Must(HubServer::Start(
                         *hub.replica, hub.runtime.wall, hub_options,
                         [&](const std::string& key) -> std::optional<Enrollment> {
                           if (key != office_keys.public_key) return std::nullopt;
                           return Enrollment{"BENCH", "", office_node, {}, false};
                         },
                         {}, log),
                     "hub");
  UplinkClientOptions uplink_options;
  uplink_options.hub_endpoint = server->endpoint();
  uplink_options.hub_public_key = hub_keys.public_key;
  uplink_options.keys = office_keys;
  uplink_options.tick_ms = 5;
  auto start = std::chrono::steady_clock::now();
  auto client = Must(UplinkClient::Start(*office.replica, office.runtime.wall, uplink_options, log),
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
  client->Stop();
  server->Stop();
  CatchUpFigures figures;
  figures.seconds = seconds;
  figures.changes_per_s = static_cast<double>(changes) / seconds;
  figures.bytes_per_change =
      static_cast<double>(snapshot.uplink.bytes_sent) / static_cast<double>(changes);
  figures.hub_work_s = static_cast<double>(hub_writer.work_micros) / 1e6;
  figures.hub_commit_s = static_cast<double>(hub_writer.commit_micros) / 1e6;
  return figures;
}

}  // namespace crm::bench
