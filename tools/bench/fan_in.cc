// fan-in: see scenarios.h.
#include <sys/resource.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include "node/store/replica.h"
#include "node/store/runtime.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "schema/records.capnp.h"
#include "sync/base/mutex.h"
#include "sync/change_builder.h"
#include "sync/transport.h"
#include "sync/uplink.h"
#include "tools/bench/scenarios.h"

namespace crm::bench {
namespace {

// An office of the scenario: its own store (not flushed to disk: the hub's
// disk is what is measured) and the real uplink over CURVE, which takes
// nothing back from the hub. Two hundred offices all pulling every sale of
// the others would measure the fan-out to 200 offices instead (two million
// changes a second); one observer office pulls, as every office would.
class PushOnlyReplica final : public Replica {
 public:
  PushOnlyReplica(StoreReplica& inner, const Id& hub_instance)
      : inner_(inner), hub_instance_(hub_instance) {}

  Id node_id() const override { return inner_.node_id(); }
  Id instance_id() const override { return inner_.instance_id(); }
  Result<VersionVector> Have() override { return inner_.Have(); }
  Result<uint64_t> LogSeq() override { return inner_.LogSeq(); }
  Result<ApplyReport> Apply(const std::vector<schema::Change::Reader>& changes,
                            const std::vector<Id>& sources,
                            const std::map<std::string, uint64_t>& cursors, Order order,
                            const Admit& admit) override {
    return inner_.Apply(changes, sources, cursors, order, admit);
  }
  Status SetAwaitingOwnHistory(bool awaiting) override {
    return inner_.SetAwaitingOwnHistory(awaiting);
  }
  Result<LogSlice> ReadLogFor(const Id& peer, uint64_t after, size_t max, Toward toward) override {
    return inner_.ReadLogFor(peer, after, max, toward);
  }
  Result<uint64_t> OldestSeq() override { return inner_.OldestSeq(); }
  Result<SnapshotSlice> ReadSnapshot(const std::string& after, size_t max) override {
    return inner_.ReadSnapshot(after, max);
  }
  Status InstallSnapshot(const std::vector<schema::StoredRecord::Reader>& records,
                         const SnapshotEnd* end) override {
    return inner_.InstallSnapshot(records, end);
  }
  Result<uint64_t> PruneLog(uint64_t below) override { return inner_.PruneLog(below); }
  // The hub's log counts as pulled already, whatever it grows to.
  Result<uint64_t> Cursor(const std::string& name) override {
    if (name == kUplinkPullCursor) return uint64_t{1} << 62;
    return inner_.Cursor(name);
  }
  Result<Id> CursorId(const std::string& name) override {
    if (name == kUplinkHubInstance) return hub_instance_;
    return inner_.CursorId(name);
  }
  Status SetCursor(const std::string& name, uint64_t value) override {
    if (name == kUplinkPullCursor) return Status::Ok();
    return inner_.SetCursor(name, value);
  }
  Status SetCursorId(const std::string& name, const Id& value) override {
    return inner_.SetCursorId(name, value);
  }

 private:
  StoreReplica& inner_;
  const Id hub_instance_;
};

struct Node {
  StoreRuntime runtime;
  std::unique_ptr<StoreReplica> replica;

  Node(const std::filesystem::path& dir, bool durable, size_t map_bytes) {
    StoreOptions options;
    options.dir = dir;
    options.durable = durable;
    options.initial_map_bytes = map_bytes;
    Must(runtime.Open(options), "open store");
    replica = std::make_unique<StoreReplica>(*runtime.store, *runtime.writer, *runtime.hlc);
  }
};

struct Office {
  std::unique_ptr<Node> node;
  std::unique_ptr<PushOnlyReplica> replica;
  CurveKeys keys;
  std::string code;
  std::unique_ptr<UplinkClient> uplink;
  uint64_t sales = 0;
};

// One sale as a till writes it: three lines and one payment.
Status RingUp(Office& office, StoreTxn& txn) {
  StoreRuntime& rt = office.node->runtime;
  const int64_t now = rt.wall.NowMillis();
  ChangeMessage change =
      ChangeMessage::Event(EntityKind::SALE, Id::Generate(now), rt.hlc->Now(), Id{});
  auto sale = change.record<schema::Sale>();
  sale.setOffice(office.code);
  sale.setReceiptNo(fmt::format("{}-{:08}", office.code, ++office.sales));
  sale.setTime(now);
  sale.setCurrency("EUR");
  auto lines = sale.initLines(3);
  int64_t total = 0;
  for (unsigned i = 0; i < 3; ++i) {
    lines[i].setSku(fmt::format("SKU-{}", (office.sales * 7 + i) % 500));
    lines[i].setName("Article");
    lines[i].setQuantity(1 + static_cast<int32_t>(i));
    lines[i].setUnitPrice(250 + 100 * i);
    lines[i].setAmount((1 + i) * (250 + 100 * i));
    total += lines[i].getAmount();
  }
  auto payment = sale.initPayments(1)[0];
  payment.setMethod(schema::PaymentMethod::CARD);
  payment.setAmount(total);
  sale.setTotal(total);
  sale.setChannel("store");
  return txn.ApplyLocal(change.change()).status();
}

// A task headquarters writes for an office, as `crm-hq task add` does from
// its own process: nothing tells the hub but its look at its log.
Status AssignTask(Node& hub, int number, StoreTxn& txn) {
  StoreRuntime& rt = hub.runtime;
  const int64_t now = rt.wall.NowMillis();
  ChangeMessage change =
      ChangeMessage::Patch(EntityKind::TASK, Id::Generate(now), rt.hlc->Now(), Id{});
  auto task = change.record<schema::Task>();
  task.setTitle(fmt::format("call back, number {}", number));
  task.setOffice("OBS");
  task.setDue(now + 86'400'000);
  task.setCreatedAt(now);
  for (const char* field : {"title", "office", "due", "createdAt"}) {
    CRM_RETURN_IF_ERROR(change.Set(field));
  }
  return txn.ApplyLocal(change.change()).status();
}

// Every office holds a few sockets and a store: more descriptors than the
// usual soft limit.
void RaiseFileLimit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

// The keys the hub lets in, by public key; offices are enrolled while the
// hub runs.
class Enrollments {
 public:
  void Add(const std::string& public_key, Enrollment enrollment) {
    MutexLock lock(&mutex_);
    by_key_[public_key] = std::move(enrollment);
  }
  std::optional<Enrollment> Find(const std::string& public_key) {
    MutexLock lock(&mutex_);
    auto it = by_key_.find(public_key);
    if (it == by_key_.end()) return std::nullopt;
    return it->second;
  }

 private:
  Mutex mutex_;
  std::map<std::string, Enrollment> by_key_ GUARDED_BY(mutex_);
};

void Log(const std::string& line) { fmt::print(stderr, "{}\n", line); }

// How an office reaches the hub.
struct HubLink {
  std::string endpoint;
  std::string public_key;

  std::unique_ptr<UplinkClient> Connect(Replica& replica, Clock& clock,
                                        const CurveKeys& keys) const {
    UplinkClientOptions options;  // the product's tick, window and wake-up on commit
    options.hub_endpoint = endpoint;
    options.hub_public_key = public_key;
    options.keys = keys;
    return Must(UplinkClient::Start(replica, clock, options, Log), "uplink");
  }
};

// The hub's log and the observer's, read as they grow on a thread of their
// own: each sale's delay from its office's commit (its stamp) to its arrival
// at the hub, and at the observer, measured by `clock`.
class DelayWatcher {
 public:
  DelayWatcher(Store& hub, Store& observer, Clock& clock)
      : thread_([this, &hub, &observer, &clock] { Watch(hub, observer, clock); }) {}
  DelayWatcher(const DelayWatcher&) = delete;
  DelayWatcher& operator=(const DelayWatcher&) = delete;
  ~DelayWatcher() { Stop(); }

  // Stops watching; the delays are read once it returns.
  void Stop() {
    watching_ = false;
    if (thread_.joinable()) thread_.join();
  }

  std::vector<double> hub_delays_ms;  // commit at an office to arrival at the hub
  std::vector<double> delays_ms;      // commit at an office to arrival at the observer
  std::vector<double> hq_delays_ms;   // commit at the hub to arrival at the observer

 private:
  void Watch(Store& hub, Store& observer, Clock& clock) {
    struct Watched {
      Store& store;
      std::vector<double>& delays;
      std::vector<double>* task_delays;  // the hub's own writes, where they arrive
      uint64_t next = 1;
    };
    Watched watched[] = {{hub, hub_delays_ms, nullptr}, {observer, delays_ms, &hq_delays_ms}};
    while (watching_.load()) {
      bool idle = true;
      for (Watched& w : watched) {
        auto view = Must(w.store.Read(), "watched view");
        auto entries = Must(view.ReadLog(w.next, 20'000), "watched log");
        const int64_t now = clock.NowMillis();
        for (const LogEntry& entry : entries) {
          auto change = entry.change();
          const double delay = static_cast<double>(now - change.getStamp().getPhysical());
          if (change.getEntity() == EntityKind::SALE) w.delays.push_back(delay);
          if (change.getEntity() == EntityKind::TASK && w.task_delays) {
            w.task_delays->push_back(delay);
          }
          w.next = entry.seq + 1;
        }
        idle = idle && entries.empty();
      }
      if (idle) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  std::atomic<bool> watching_{true};
  std::thread thread_;  // last: starts once the rest is built
};

// Makes `sites.size()` offices, each with its store under `dir`, enrolled
// and connected to the hub.
void OpenOffices(std::vector<Office>& sites, const std::filesystem::path& dir,
                 const Id& hub_instance, Enrollments& enrolled, const HubLink& hub) {
  for (size_t i = 0; i < sites.size(); ++i) {
    Office& office = sites[i];
    office.code = fmt::format("O{:03}", i);
    office.node = std::make_unique<Node>(dir / office.code, false, size_t{64} << 20);
    office.replica = std::make_unique<PushOnlyReplica>(*office.node->replica, hub_instance);
    office.keys = Must(GenerateCurveKeys(), "keys");
    enrolled.Add(office.keys.public_key,
                 Enrollment{office.code, "", office.node->runtime.store->node_id(), {}, false});
    office.uplink = hub.Connect(*office.replica, office.node->runtime.wall, office.keys);
    // As crm-node does: a commit wakes the uplink to push it.
    office.node->runtime.writer->NotifyCommits([uplink = office.uplink.get()] { uplink->Wake(); });
  }
}

// What the tills offered: the sales committed and the seconds it took.
struct OfferedLoad {
  uint64_t sales = 0;
  double seconds = 0;
};

// The tills: each office rings up a sale every 1/sales_per_s seconds for
// `seconds`, the offices spread evenly over that interval.
OfferedLoad RingUpSales(std::vector<Office>& sites, int sales_per_s, double seconds) {
  OfferedLoad offered;
  const int offices = static_cast<int>(sites.size());
  const auto interval = std::chrono::nanoseconds(1'000'000'000 / sales_per_s);
  const auto start = std::chrono::steady_clock::now();
  const auto until = start + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::duration<double>(seconds));
  std::deque<std::future<Status>> pending;
  for (auto due = start; due < until; due += interval) {
    for (int i = 0; i < offices; ++i) {
      std::this_thread::sleep_until(due + interval * i / offices);
      Office& office = sites[static_cast<size_t>(i)];
      pending.push_back(office.node->runtime.writer->Submit(
          [&office](StoreTxn& txn) { return RingUp(office, txn); }));
      ++offered.sales;
      while (!pending.empty() &&
             pending.front().wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        Must(pending.front().get(), "ringing up a sale");
        pending.pop_front();
      }
    }
  }
  for (auto& done : pending) Must(done.get(), "ringing up a sale");
  offered.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return offered;
}

// How many sales of the offices the observer holds, once it holds
// `offered` or at `deadline`.
uint64_t WaitForArrivals(Node& observer, uint64_t offered,
                         std::chrono::steady_clock::time_point deadline) {
  uint64_t arrived = 0;
  for (;;) {
    auto view = Must(observer.runtime.store->Read(), "observer view");
    arrived = 0;
    for (const auto& [origin, seq] : Must(view.VersionVector(), "observer vv")) {
      if (origin != observer.runtime.store->node_id()) arrived += seq;
    }
    if (arrived >= offered || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return arrived;
}

}  // namespace

FanInFigures RunFanIn(int offices, int sales_per_s, double seconds) {
  RaiseFileLimit();
  ScratchDir dir;
  Node hub(dir.path() / "hub", true, size_t{1} << 30);
  Node observer(dir.path() / "observer", true, size_t{256} << 20);
  CurveKeys hub_keys = Must(GenerateCurveKeys(), "keys");
  CurveKeys observer_keys = Must(GenerateCurveKeys(), "keys");

  // The simulated offices stand for machines of their own: the hub and the
  // observer must not share the two cores with them. Every thread an office
  // starts (its writer, its uplink, its ZeroMQ I/O threads) is started from a
  // thread under SCHED_IDLE, which Linux threads inherit: they run when the
  // hub and the observer leave a core free. (A nice value would not do: it
  // weighs each thread, and six hundred of them at nice 10 still outweigh
  // the hub's few.) An office held up shows in the figures: a lower offered
  // rate, a longer delay.
  std::vector<Office> sites(static_cast<size_t>(offices));
  Enrollments enrolled;
  enrolled.Add(observer_keys.public_key,
               Enrollment{"OBS", "", observer.runtime.store->node_id(), {}, false});

  HubServerOptions hub_options;
  hub_options.endpoint = "tcp://127.0.0.1:*";
  hub_options.keys = hub_keys;
  auto server = Must(HubServer::Start(
                         *hub.replica, hub.runtime.wall, hub_options,
                         [&](const std::string& key) { return enrolled.Find(key); }, {}, Log),
                     "hub");
  const HubLink link{server->endpoint(), hub_keys.public_key};
  auto observer_link = link.Connect(*observer.replica, observer.runtime.wall, observer_keys);
  DelayWatcher watcher(*hub.runtime.store, *observer.runtime.store, observer.runtime.wall);

  const uint64_t hub_seq_before = Must(hub.replica->LogSeq(), "hub log seq");
  OfferedLoad offered;
  std::thread offices_thread([&] {
    sched_param idle{};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle) != 0) {
      fmt::print(stderr, "fan-in: cannot put the offices under SCHED_IDLE; they compete with the hub\n");
    }
    OpenOffices(sites, dir.path(), hub.runtime.store->instance_id(), enrolled, link);
    offered = RingUpSales(sites, sales_per_s, seconds);
  });
  // Headquarters assigns work while the offices sell: a task every 100 ms,
  // committed at the hub as another process on its store would.
  std::atomic<bool> selling{true};
  std::thread hq_thread([&] {
    for (int number = 1; selling.load(); ++number) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      Must(hub.runtime.writer->Run(
               [&hub, number](StoreTxn& txn) { return AssignTask(hub, number, txn); }),
           "an HQ task");
    }
  });
  offices_thread.join();
  selling = false;
  hq_thread.join();
  const uint64_t hub_applied = Must(hub.replica->LogSeq(), "hub log seq") - hub_seq_before;

  // Every sale should reach the observer; the last ones are timed too. One
  // that has not after a minute counts as a minute late (a lower bound).
  const auto wait_started = std::chrono::steady_clock::now();
  const uint64_t arrived =
      WaitForArrivals(observer, offered.sales, wait_started + std::chrono::minutes(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  watcher.Stop();
  WriterStats hub_writer = hub.runtime.writer->stats();

  for (Office& office : sites) {
    office.node->runtime.writer->NotifyCommits(nullptr);
    office.uplink->Stop();
  }
  observer_link->Stop();
  server->Stop();

  FanInFigures figures;
  figures.offered_per_s = static_cast<double>(offered.sales) / offered.seconds;
  figures.hub_applied_per_s = static_cast<double>(hub_applied) / offered.seconds;
  figures.sales_per_commit =
      hub_writer.commits == 0
          ? 0
          : static_cast<double>(hub_applied) / static_cast<double>(hub_writer.commits);
  if (arrived < offered.sales) {
    const double late_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wait_started)
            .count();
    watcher.delays_ms.insert(watcher.delays_ms.end(), offered.sales - arrived, late_ms);
  }
  LatencyFigures delay = Summarize(watcher.delays_ms, offered.seconds);
  figures.p50_ms = delay.p50_us;  // Summarize takes whatever unit it is given
  figures.p99_ms = delay.p99_us;
  LatencyFigures to_hub = Summarize(watcher.hub_delays_ms, offered.seconds);
  figures.hub_p50_ms = to_hub.p50_us;
  figures.hub_p99_ms = to_hub.p99_us;
  LatencyFigures from_hq = Summarize(watcher.hq_delays_ms, offered.seconds);
  figures.hq_p50_ms = from_hq.p50_us;
  figures.hq_p99_ms = from_hq.p99_us;
  figures.hq_writes = watcher.hq_delays_ms.size();
  figures.sales = offered.sales;
  figures.arrived = arrived;
  return figures;
}

}  // namespace crm::bench
