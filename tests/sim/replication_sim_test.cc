// Deterministic simulation of replication: a hub (and optionally regional
// hubs) and offices in one process, over a simulated network driven by a
// seeded random generator: random front-desk writes, message drops,
// duplicates, reordering and delays, partitions, node crashes and restarts,
// and clock skew. After healing, every replica must hold the same state, with
// every acknowledged write and no event twice.
//
// CRM_SIM_SEEDS=N runs seeds 1..N (default 100); CRM_SIM_SEED=S runs only S.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "node/store/replica.h"
#include "schema/records.capnp.h"
#include "schema/sync.capnp.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"
#include "sync/hub.h"
#include "sync/log_retention.h"
#include "sync/uplink.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

// A node's view of the shared simulated time, with its own clock error.
class SkewedClock final : public Clock {
 public:
  SkewedClock(ManualClock& base, int64_t skew_ms) : base_(base), skew_ms_(skew_ms) {}
  int64_t NowMillis() override { return base_.NowMillis() + skew_ms_; }

 private:
  ManualClock& base_;
  int64_t skew_ms_;
};

struct SimOptions {
  int regions = 0;        // regional hubs between HQ and the offices
  int offices = 3;
  int steps = 300;
  double drop = 0.1;
  double duplicate = 0.05;
  int64_t max_delay_ms = 400;
  double crash = 0.01;    // per node and step
  double partition = 0.02;
  // Logs are pruned as soon as the peers have what they need (keeping only
  // the newest few entries), and hubs forget peers silent for a few seconds:
  // nodes that were away, and the late joiners, catch up from snapshots.
  bool prune = false;
  int late_joiners = 0;   // offices that first start halfway through
};

class Simulation {
 public:
  Simulation(uint64_t seed, SimOptions options)
      : rng_(seed), options_(options), base_clock_(1'795'000'000'000) {
    // Node 0 is HQ; then regional hubs; then offices, spread over the regions.
    int total = 1 + options.regions + options.offices;
    for (int i = 0; i < total; ++i) {
      auto node = std::make_unique<Node>();
      node->index = i;
      if (i == 0) {
        node->parent = -1;
      } else if (i <= options.regions) {
        node->parent = 0;
      } else {
        node->parent = options.regions == 0 ? 0 : 1 + (i - 1 - options.regions) % options.regions;
      }
      node->node_id = Id{0x1000u + static_cast<uint64_t>(i), rng_()};
      node->instance_id = Id{0x2000u + static_cast<uint64_t>(i), rng_()};
      node->clock = std::make_unique<SkewedClock>(
          base_clock_, std::uniform_int_distribution<int64_t>(-20'000, 20'000)(rng_));
      nodes_.push_back(std::move(node));
    }
    for (auto& node : nodes_) {
      if (node->parent >= 0) nodes_[node->parent]->children.push_back(node->index);
    }
    for (auto& node : nodes_) {
      bool late = node->index >= total - options.late_joiners;
      if (late) {
        node->restart_at = base_clock_.NowMillis() + options.steps * 30 / 2;
      } else {
        Open(*node);
      }
    }
  }

  void Run() {
    for (int step = 0; step < options_.steps; ++step) {
      base_clock_.Advance(Uniform(5, 60));
      for (auto& node : nodes_) {
        if (!node->up) {
          if (base_clock_.NowMillis() >= node->restart_at) Open(*node);
          continue;
        }
        if (Chance(options_.crash) && node->index != 0) Crash(*node);
      }
      if (Chance(options_.partition)) TogglePartition();
      int writes = static_cast<int>(Uniform(0, 3));
      for (int w = 0; w < writes; ++w) RandomWrite();
      Deliver();
      for (auto& node : nodes_) {
        if (node->up && node->uplink) node->uplink->Tick();
      }
      if (options_.prune && step % 10 == 0) PruneLogs();
    }
  }

  // Each node prunes what its uplink and its downstream peers no longer need.
  void PruneLogs() {
    for (auto& node : nodes_) {
      if (!node->up) continue;
      if (node->uplink) node->retention->Needs("upstream", node->uplink->NeededFrom());
      if (node->hub) node->retention->Needs("downstream", node->hub->NeededFrom(3000));
      auto log_seq = node->replica->LogSeq();
      REQUIRE(log_seq.ok());
      uint64_t below = node->retention->PrunableBelow(*log_seq);
      if (below == 0) continue;
      auto pruned = node->replica->PruneLog(below);
      REQUIRE(pruned.ok());
      pruned_ += *pruned;
    }
  }

  size_t pruned() const { return pruned_; }
  size_t snapshot_records() const {
    size_t total = 0;
    for (auto& node : nodes_) {
      total += node->snapshot_records;
      if (node->uplink) total += node->uplink->status().snapshot_records;
    }
    return total;
  }

  // Stops the faults and runs until every link is idle. False if it never settles.
  bool Heal() {
    cut_.clear();
    options_.drop = 0;
    options_.duplicate = 0;
    for (auto& node : nodes_) {
      if (!node->up) Open(*node);
    }
    int quiet_rounds = 0;
    for (int round = 0; round < 20'000; ++round) {
      base_clock_.Advance(50);
      Deliver();
      for (auto& node : nodes_) {
        if (node->uplink) node->uplink->Tick();
      }
      Deliver();
      bool idle = in_flight_ == 0;  // heartbeats aside
      for (auto& node : nodes_) idle = idle && (!node->uplink || node->uplink->Idle());
      quiet_rounds = idle ? quiet_rounds + 1 : 0;
      if (quiet_rounds >= 3) return true;
    }
    for (auto& node : nodes_) {
      if (!node->uplink) continue;
      UplinkStatus s = node->uplink->status();
      auto log_seq = node->replica->LogSeq();
      UNSCOPED_INFO("node " << node->index << ": connected " << s.connected << " pushed "
                            << s.pushed_through << " of " << (log_seq.ok() ? *log_seq : 0)
                            << ", pulled " << s.pulled_through << " of " << s.hub_log_seq
                            << ", idle " << node->uplink->Idle() << ", in flight " << s.batches_in_flight
                            << " sent through " << s.sent_through << ", refusal '" << s.refusal
                            << "', snapshot " << s.in_snapshot << " (" << s.snapshot_records
                            << " records), dropped " << node->uplink->dropped_messages());
      auto slice = node->replica->ReadLogFor(nodes_[node->parent]->node_id, s.pushed_through, 400,
                                               Replica::Toward::kUpstream);
      auto hub_have = nodes_[node->parent]->replica->Have();
      if (slice.ok() && hub_have.ok()) {
        for (const auto& e : slice->entries) {
          UNSCOPED_INFO("   entry " << e.seq << " origin " << IndexOf(e.origin) << ":" << e.origin_seq
                                    << " hub has " << (*hub_have)[e.origin]);
        }
      }
    }
    return false;
  }

  std::vector<std::string> Digests() {
    std::vector<std::string> digests;
    for (auto& node : nodes_) {
      auto digest = StateDigest(*node->store);
      REQUIRE(digest.ok());
      digests.push_back(*digest);
    }
    return digests;
  }

  // Every acknowledged client and sale is at every node, and each sale once.
  void CheckAcknowledgedWrites() {
    for (auto& node : nodes_) {
      auto view = node->store->Read();
      REQUIRE(view.ok());
      for (const Id& id : acked_clients_) {
        INFO("node " << node->index << " client " << id.ToString());
        REQUIRE(view->Get(EntityKind::CLIENT, id).ok());
      }
      for (const auto& [id, total] : acked_sales_) {
        INFO("node " << node->index << " sale " << id.ToString());
        auto sale = view->Get(EntityKind::SALE, id);
        REQUIRE(sale.ok());
        REQUIRE(sale->value<schema::Sale>().getTotal() == total);
      }
      size_t sales = 0;
      REQUIRE(view->ForEachRecord([&](EntityKind kind, const Id&, schema::StoredRecord::Reader) {
                    if (kind == EntityKind::SALE) ++sales;
                    return Status::Ok();
                  }).ok());
      REQUIRE(sales == acked_sales_.size());
    }
  }

  size_t writes() const { return acked_clients_.size() + acked_sales_.size() + edits_; }
  // How many faults the run injected, so a test can tell it was not a fair-weather run.
  size_t faults() const { return crashes_ + dropped_ + duplicated_ + partitions_; }

 private:
  struct Node {
    int index = 0;
    int parent = -1;
    std::vector<int> children;
    Id node_id;
    Id instance_id;
    testing::TempDir dir;
    std::unique_ptr<SkewedClock> clock;
    std::unique_ptr<Store> store;
    std::unique_ptr<HybridClock> hlc;
    std::unique_ptr<Writer> writer;
    std::unique_ptr<StoreReplica> replica;
    std::unique_ptr<Uplink> uplink;
    std::unique_ptr<Hub> hub;
    std::unique_ptr<LogRetention> retention;
    size_t snapshot_records = 0;  // over every run of its uplink
    bool up = false;
    int64_t restart_at = 0;
  };

  struct Message {
    int64_t at;
    uint64_t order;
    int from;
    int to;
    std::string bytes;
    bool heartbeat;
    bool operator>(const Message& other) const {
      return at != other.at ? at > other.at : order > other.order;
    }
  };

  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  // Whether `origin` is `peer` or lies below it in the tree.
  bool InSubtree(const Id& origin, int peer) {
    for (auto& node : nodes_) {
      if (node->node_id != origin) continue;
      for (int i = node->index; i >= 0; i = nodes_[i]->parent) {
        if (i == peer) return true;
      }
    }
    return false;
  }

  void Open(Node& node) {
    StoreOptions options;
    options.dir = node.dir.path();
    options.durable = false;
    options.new_node_id = node.node_id;
    options.new_instance_id = node.instance_id;
    auto store = Store::Open(options, *node.clock);
    REQUIRE(store.ok());
    node.store = std::move(store).value();
    node.hlc = std::make_unique<HybridClock>(*node.clock, node.node_id, 60'000);
    {
      auto view = node.store->Read();
      node.hlc->Restore(*view->HlcHighWater());
    }
    node.writer = std::make_unique<Writer>(*node.store);
    node.replica = std::make_unique<StoreReplica>(*node.store, *node.writer, *node.hlc);
    std::vector<std::string> parties;
    if (node.parent >= 0) parties.push_back("upstream");
    if (!node.children.empty()) parties.push_back("downstream");
    node.retention = std::make_unique<LogRetention>(parties, 5);
    const int self = node.index;
    if (!node.children.empty()) {
      node.hub = std::make_unique<Hub>(
          *node.replica, *node.clock, HubOptions{},
          [this, self](const std::string& route, std::string bytes) {
            Send(self, std::stoi(route), std::move(bytes));
          },
          [this](const Id& peer, const Id& origin) {
            int peer_index = IndexOf(peer);
            return peer_index >= 0 && InSubtree(origin, peer_index);
          });
    }
    if (node.parent >= 0) {
      UplinkOptions uplink_options;
      uplink_options.batch_changes = 7;  // small batches exercise the window
      uplink_options.window = 3;
      uplink_options.pull_max = 11;
      uplink_options.snapshot_page = 13;
      node.uplink = std::make_unique<Uplink>(
          *node.replica, *node.clock, uplink_options,
          [this, self](std::string bytes) { Send(self, nodes_[self]->parent, std::move(bytes)); });
      if (node.hub) {
        Hub* hub = node.hub.get();
        node.uplink->OnApplied([hub] { hub->LogGrew(); });
      }
      node.uplink->Connect();
    }
    node.up = true;
  }

  void Crash(Node& node) {
    if (node.uplink) node.snapshot_records += node.uplink->status().snapshot_records;
    node.uplink.reset();
    node.hub.reset();
    node.replica.reset();
    node.writer.reset();
    node.hlc.reset();
    node.store.reset();
    node.up = false;
    ++crashes_;
    node.restart_at = base_clock_.NowMillis() + Uniform(100, 3000);
  }

  int IndexOf(const Id& node_id) {
    for (auto& node : nodes_) {
      if (node->node_id == node_id) return node->index;
    }
    return -1;
  }

  void TogglePartition() {
    int child = static_cast<int>(Uniform(1, static_cast<int64_t>(nodes_.size()) - 1));
    std::pair<int, int> link{nodes_[child]->parent, child};
    if (cut_.count(link)) {
      cut_.erase(link);
    } else {
      cut_.insert(link);
      ++partitions_;
    }
  }

  void Send(int from, int to, std::string bytes) {
    std::pair<int, int> link{std::min(from, to), std::max(from, to)};
    if (cut_.count(link) || Chance(options_.drop)) {
      ++dropped_;
      return;
    }
    int copies = Chance(options_.duplicate) ? 2 : 1;
    duplicated_ += static_cast<size_t>(copies - 1);
    bool heartbeat = false;
    if (auto decoded = DecodedMessage::Decode(bytes); decoded.ok()) {
      auto message = decoded->Root<schema::SyncMessage>();
      // A hub answers a heartbeat with a notify saying its log seq.
      heartbeat = message.isHeartbeat() ||
                  (message.isNotify() && message.getNotify().getAnswersHeartbeat());
    }
    for (int i = 0; i < copies; ++i) {
      if (!heartbeat) ++in_flight_;
      queue_.push(Message{base_clock_.NowMillis() + Uniform(1, options_.max_delay_ms), next_order_++,
                          from, to, bytes, heartbeat});
    }
  }

  void Deliver() {
    while (!queue_.empty() && queue_.top().at <= base_clock_.NowMillis()) {
      Message message = queue_.top();
      queue_.pop();
      if (!message.heartbeat) --in_flight_;
      Node& to = *nodes_[message.to];
      if (!to.up) continue;  // lost with the crashed process
      if (to.parent == message.from) {
        if (to.uplink) to.uplink->OnMessage(message.bytes);
      } else if (to.hub) {
        to.hub->OnMessage(std::to_string(message.from), message.bytes);
      }
    }
    // Pushes that arrived together are applied together.
    for (auto& node : nodes_) {
      if (!node->up || !node->hub) continue;
      node->hub->Flush();
      // Changes a regional hub took from below go on up.
      if (node->uplink) node->uplink->LocalChanges();
    }
  }

  Id NewId() {
    return Id{(static_cast<uint64_t>(base_clock_.NowMillis()) << 16) | (rng_() & 0xFFFF), rng_()};
  }

  void RandomWrite() {
    std::vector<Node*> up;
    for (auto& node : nodes_) {
      if (node->up) up.push_back(node.get());
    }
    if (up.empty()) return;
    Node& node = *up[static_cast<size_t>(Uniform(0, static_cast<int64_t>(up.size()) - 1))];
    int kind = static_cast<int>(Uniform(0, 9));
    std::shared_ptr<ChangeMessage> change;
    enum { kNone, kClient, kSale, kEdit } what = kNone;
    int64_t total = 0;
    if (kind < 3 || clients_.empty()) {
      change = std::make_shared<ChangeMessage>(
          ChangeMessage::Patch(EntityKind::CLIENT, NewId(), node.hlc->Now(), Id{}));
      auto client = change->record<schema::Client>();
      client.setFirstName(fmt::format("Client{}", Uniform(0, 999)));
      client.setLastName(fmt::format("Office{}", node.index));
      REQUIRE(change->Set("firstName").ok());
      REQUIRE(change->Set("lastName").ok());
      REQUIRE(change->AddElement("phones", fmt::format("+4420{:08}", Uniform(0, 99'999'999))).ok());
      what = kClient;
    } else {
      Id client_id = clients_[static_cast<size_t>(Uniform(0, static_cast<int64_t>(clients_.size()) - 1))];
      if (kind == 3 && Chance(0.15)) {
        // Deletions and, rarer, erasures race with the edits.
        change = std::make_shared<ChangeMessage>(
            Chance(0.3) ? ChangeMessage::Erase(EntityKind::CLIENT, client_id, node.hlc->Now(), Id{})
                        : ChangeMessage::Tombstone(EntityKind::CLIENT, client_id, node.hlc->Now(), Id{}));
        what = kEdit;
      } else if (kind < 6) {
        // Concurrent edits of the same clients at different nodes.
        change = std::make_shared<ChangeMessage>(
            ChangeMessage::Patch(EntityKind::CLIENT, client_id, node.hlc->Now(), Id{}));
        auto client = change->record<schema::Client>();
        switch (Uniform(0, 4)) {
          case 0:
            client.setFirstName(fmt::format("Renamed{}", Uniform(0, 99)));
            REQUIRE(change->Set("firstName").ok());
            break;
          case 1:
            client.setLoyaltyCard(fmt::format("CARD-{}", Uniform(0, 50)));
            REQUIRE(change->Set("loyaltyCard").ok());
            break;
          case 2:
            REQUIRE(change->AddElement("phones", fmt::format("+4479{:08}", Uniform(0, 999))).ok());
            break;
          case 3:
            REQUIRE(change->RemoveElement("phones", fmt::format("+4479{:08}", Uniform(0, 999))).ok());
            break;
          default:
            REQUIRE(change->AddElement("tags", fmt::format("tag{}", Uniform(0, 5))).ok());
            break;
        }
        what = kEdit;
      } else {
        change = std::make_shared<ChangeMessage>(
            ChangeMessage::Event(EntityKind::SALE, NewId(), node.hlc->Now(), Id{}));
        auto sale = change->record<schema::Sale>();
        IdToWire(client_id, sale.initClient());
        total = Uniform(1, 100'000);
        sale.setTotal(total);
        sale.setOffice(fmt::format("N{}", node.index));
        what = kSale;
      }
    }
    Status written = node.writer->Run(
        [change](StoreTxn& txn) { return txn.ApplyLocal(change->change()).status(); });
    // An edit of a value another node stamped beyond this node's skewed
    // clock would lose to it: the store refuses it instead of storing a
    // write that could never show (nothing was acknowledged).
    if (what == kEdit && written.code() == StatusCode::kConflict) {
      ++edits_refused_;
      return;
    }
    INFO(written.ToString());
    REQUIRE(written.ok());
    Id id = IdFromWire(change->change().getId());
    if (what == kClient) {
      clients_.push_back(id);
      acked_clients_.insert(id);
    } else if (what == kSale) {
      acked_sales_[id] = total;
    } else {
      ++edits_;
    }
    if (node.uplink) node.uplink->LocalChanges();
    if (node.hub) node.hub->LogGrew();
  }

  std::mt19937_64 rng_;
  SimOptions options_;
  ManualClock base_clock_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::priority_queue<Message, std::vector<Message>, std::greater<Message>> queue_;
  uint64_t next_order_ = 0;
  uint64_t edits_refused_ = 0;  // local edits that would have lost to a stamp beyond the clock
  size_t in_flight_ = 0;  // messages other than heartbeats
  std::set<std::pair<int, int>> cut_;
  std::vector<Id> clients_;
  std::set<Id> acked_clients_;
  std::map<Id, int64_t> acked_sales_;
  size_t edits_ = 0;
  size_t crashes_ = 0;
  size_t dropped_ = 0;
  size_t duplicated_ = 0;
  size_t partitions_ = 0;
  size_t pruned_ = 0;
};

std::vector<uint64_t> Seeds(uint64_t default_count) {
  if (const char* one = std::getenv("CRM_SIM_SEED")) return {std::strtoull(one, nullptr, 10)};
  uint64_t count = default_count;
  if (const char* many = std::getenv("CRM_SIM_SEEDS")) count = std::strtoull(many, nullptr, 10);
  std::vector<uint64_t> seeds;
  for (uint64_t s = 1; s <= count; ++s) seeds.push_back(s);
  return seeds;
}

// What a run did, beyond converging.
struct RunFigures {
  size_t pruned = 0;            // log entries pruned
  size_t snapshot_records = 0;  // records received in snapshots
};

// `salt` keeps the test cases' random streams apart for the same seed.
RunFigures RunSeed(uint64_t seed, uint64_t salt, const SimOptions& options) {
  INFO("failing seed: reproduce with CRM_SIM_SEED=" << seed);
  Simulation sim(seed * 0x9E3779B97F4A7C15ULL + salt, options);
  sim.Run();
  REQUIRE(sim.Heal());
  auto digests = sim.Digests();
  for (size_t i = 1; i < digests.size(); ++i) {
    INFO("node " << i << " differs from HQ");
    REQUIRE(digests[i] == digests[0]);
  }
  sim.CheckAcknowledgedWrites();
  REQUIRE(sim.writes() > 0);
  REQUIRE(sim.faults() > 0);
  return RunFigures{sim.pruned(), sim.snapshot_records()};
}

TEST_CASE("offices and a hub converge under drops, duplicates, partitions, crashes and skew",
          "[sim][replication]") {
  for (uint64_t seed : Seeds(100)) RunSeed(seed, 1, SimOptions{});
}

TEST_CASE("offices away longer than the hub keeps its log, and late joiners, catch up from snapshots",
          "[sim][replication][snapshot]") {
  SimOptions options;
  options.prune = true;
  options.late_joiners = 1;
  options.offices = 4;
  size_t pruned = 0;
  size_t snapshot_records = 0;
  for (uint64_t seed : Seeds(40)) {
    RunFigures figures = RunSeed(seed, 3, options);
    pruned += figures.pruned;
    snapshot_records += figures.snapshot_records;
  }
  // The runs did prune, and nodes did take snapshots.
  CHECK(pruned > 0);
  CHECK(snapshot_records > 0);
}

TEST_CASE("three levels (HQ, regions, offices) converge under the same faults",
          "[sim][replication]") {
  SimOptions options;
  options.regions = 2;
  options.offices = 4;
  for (uint64_t seed : Seeds(50)) RunSeed(seed, 2, options);
}

TEST_CASE("three levels converge with pruned logs: regional hubs pass snapshots on",
          "[sim][replication][snapshot]") {
  SimOptions options;
  options.regions = 2;
  options.offices = 4;
  options.prune = true;
  options.late_joiners = 1;
  for (uint64_t seed : Seeds(30)) RunSeed(seed, 4, options);
}

}  // namespace
}  // namespace crm
