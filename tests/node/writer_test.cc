#include "node/store/writer.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "schema/records.capnp.h"
#include "tests/support/clients.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using testing::NewClientChange;
using testing::TempDir;

struct WriterFixture {
  TempDir dir;
  ManualClock wall{1'700'000'000'000};
  std::unique_ptr<Store> store;
  std::unique_ptr<HybridClock> hlc;

  explicit WriterFixture(size_t initial_map_bytes = 4u << 20) {
    auto opened = Store::Open({dir.path(), initial_map_bytes, 1u << 30, true}, wall);
    REQUIRE(opened.ok());
    store = std::move(opened).value();
    hlc = std::make_unique<HybridClock>(wall, store->node_id(), 60'000);
  }

  // Work that creates a client with a unique phone; fails after writing if
  // `fail_after_write`, which must leave no trace.
  Writer::Work CreateClient(const Id& id, const std::string& phone, bool fail_after_write) {
    auto change = std::make_shared<ChangeMessage>(
        NewClientChange(id, hlc->Now(), {"Client", phone, {phone}}));
    return [change, fail_after_write](StoreTxn& txn) -> Status {
      auto applied = txn.ApplyLocal(change->change());
      if (!applied.ok()) return applied.status();
      if (fail_after_write) return Status::InvalidArgument("payment", "payment does not cover the total");
      return Status::Ok();
    };
  }
};

std::string PhoneFor(int n) {
  std::string digits = std::to_string(n);
  return "+4420" + std::string(8 - digits.size(), '0') + digits;
}

TEST_CASE("a failed write leaves no record, index entry or log entry", "[node][writer]") {
  WriterFixture f;
  Writer writer(*f.store);
  Id good = Id::Generate(1);
  Id bad = Id::Generate(2);
  REQUIRE(writer.Run(f.CreateClient(good, PhoneFor(1), false)).ok());
  Status failed = writer.Run(f.CreateClient(bad, PhoneFor(2), true));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.field() == "payment");

  auto view = f.store->Read();
  REQUIRE(view.ok());
  CHECK(view->Get(EntityKind::CLIENT, good).ok());
  CHECK(view->Get(EntityKind::CLIENT, bad).status().code() == StatusCode::kNotFound);
  CHECK(view->client_index().FindByPhone(PhoneFor(2))->empty());
  CHECK(view->client_index().FindByName(PhoneFor(2).substr(1), 10)->empty());
  CHECK(*view->LastSeq() == 1);
  CHECK(*f.store->CountRecords() == 1);
}

TEST_CASE("work that throws is reported to its caller and stores nothing", "[node][writer]") {
  WriterFixture f;
  Writer writer(*f.store);
  Status status = writer.Run([](StoreTxn&) -> Status { throw std::runtime_error("boom"); });
  CHECK(status.code() == StatusCode::kInternal);
  CHECK(status.message().find("boom") != std::string::npos);
  CHECK(writer.Run(f.CreateClient(Id::Generate(1), PhoneFor(1), false)).ok());
}

TEST_CASE("group commit: concurrent writers lose nothing and each hears its own outcome",
          "[node][writer]") {
  WriterFixture f;
  Writer writer(*f.store);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  struct Submitted {
    Id id;
    std::string phone;
    bool should_fail;
    std::future<Status> outcome;
  };
  std::vector<std::vector<Submitted>> submitted(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int n = t * kPerThread + i;
        Id id = Id::Generate(n);
        bool should_fail = n % 7 == 3;  // a sprinkling of failing requests
        std::string phone = PhoneFor(n);
        auto outcome = writer.Submit(f.CreateClient(id, phone, should_fail));
        submitted[t].push_back({id, phone, should_fail, std::move(outcome)});
      }
    });
  }
  for (auto& thread : threads) thread.join();

  size_t expected_ok = 0;
  for (auto& per_thread : submitted) {
    for (auto& s : per_thread) {
      Status status = s.outcome.get();
      REQUIRE(status.ok() == !s.should_fail);
      if (!s.should_fail) ++expected_ok;
    }
  }
  auto view = f.store->Read();
  REQUIRE(view.ok());
  for (auto& per_thread : submitted) {
    for (auto& s : per_thread) {
      bool present = view->Get(EntityKind::CLIENT, s.id).ok();
      REQUIRE(present == !s.should_fail);
      REQUIRE(view->client_index().FindByPhone(s.phone)->size() == (s.should_fail ? 0u : 1u));
    }
  }
  CHECK(*view->LastSeq() == expected_ok);
  CHECK(*f.store->CountRecords() == expected_ok);
  WriterStats stats = writer.stats();
  CHECK(stats.requests == size_t{kThreads} * kPerThread);
  CHECK(stats.commits < stats.requests);  // requests were grouped into shared commits
}

TEST_CASE("a write submitted with a callback hears its outcome on the writer's thread, once committed",
          "[node][writer]") {
  WriterFixture f;
  Writer writer(*f.store);
  struct Heard {
    Status status;
    std::thread::id thread;
    bool stored = false;  // the client, read in a fresh snapshot from the callback
  };
  auto heard_ok = std::make_shared<std::promise<Heard>>();
  auto heard_failed = std::make_shared<std::promise<Heard>>();
  auto listen = [&f](Id id, std::shared_ptr<std::promise<Heard>> heard) {
    return [&f, id, heard](Status status) {
      auto view = f.store->Read();
      bool stored = view.ok() && view->Get(EntityKind::CLIENT, id).ok();
      heard->set_value(Heard{std::move(status), std::this_thread::get_id(), stored});
    };
  };
  Id good = Id::Generate(1);
  Id bad = Id::Generate(2);
  writer.Submit(f.CreateClient(good, PhoneFor(1), false), listen(good, heard_ok));
  writer.Submit(f.CreateClient(bad, PhoneFor(2), true), listen(bad, heard_failed));
  Heard ok = heard_ok->get_future().get();
  Heard failed = heard_failed->get_future().get();
  CHECK(ok.status.ok());
  CHECK(ok.stored);
  CHECK(ok.thread != std::this_thread::get_id());
  CHECK(failed.status.field() == "payment");
  CHECK_FALSE(failed.stored);
}

TEST_CASE("the map grows when full instead of failing writes", "[node][writer]") {
  WriterFixture f(64u << 10);  // a 64 KiB map fills after a few hundred clients
  size_t initial = f.store->map_bytes();
  Writer writer(*f.store);
  std::vector<std::future<Status>> outcomes;
  std::vector<Id> ids;
  for (int n = 0; n < 3000; ++n) {
    ids.push_back(Id::Generate(n));
    outcomes.push_back(writer.Submit(f.CreateClient(ids.back(), PhoneFor(n), false)));
  }
  for (auto& outcome : outcomes) REQUIRE(outcome.get().ok());
  CHECK(writer.stats().map_grows > 0);
  CHECK(f.store->map_bytes() > initial);
  auto view = f.store->Read();
  for (const Id& id : ids) REQUIRE(view->Get(EntityKind::CLIENT, id).ok());
  CHECK(*view->LastSeq() == ids.size());
}

TEST_CASE("a store at its size limit refuses writes with a clear error, keeps serving reads, "
          "loses nothing and takes writes again once it may grow",
          "[node][writer]") {
  TempDir dir;
  ManualClock wall(1);
  std::vector<Id> stored;
  Id refused;
  {
    auto opened = Store::Open({dir.path(), 64u << 10, 128u << 10, true}, wall);
    REQUIRE(opened.ok());
    Store& store = **opened;
    HybridClock hlc(wall, store.node_id(), 60'000);
    Writer writer(store);
    Status full;
    for (int n = 0; n < 5000 && full.ok(); ++n) {
      Id id = Id::Generate(static_cast<int64_t>(n + 1));
      auto c = std::make_shared<ChangeMessage>(
          NewClientChange(id, hlc.Now(), {"Client", PhoneFor(n), {PhoneFor(n)}}));
      full = writer.Run([c](StoreTxn& txn) { return txn.ApplyLocal(c->change()).status(); });
      if (full.ok()) {
        stored.push_back(id);
      } else {
        refused = id;
      }
    }
    REQUIRE_FALSE(full.ok());
    CHECK(full.code() == StatusCode::kResourceExhausted);
    CHECK(full.message().find("store is full") != std::string::npos);
    REQUIRE(stored.size() > 10);
    auto view = store.Read();
    REQUIRE(view.ok());
    CHECK(view->Get(EntityKind::CLIENT, stored.front()).ok());
    // The refused write left nothing behind: no record, no log entry.
    CHECK(view->Get(EntityKind::CLIENT, refused).status().code() == StatusCode::kNotFound);
    CHECK(*view->LastSeq() == stored.size());
  }
  // The operator allows a bigger store (or frees disk): the node goes on
  // where it stopped, with everything it had acknowledged.
  auto reopened = Store::Open({dir.path(), 64u << 10, 8u << 20, true}, wall);
  REQUIRE(reopened.ok());
  Store& store = **reopened;
  HybridClock hlc(wall, store.node_id(), 60'000);
  {
    auto view = store.Read();
    REQUIRE(view.ok());
    hlc.Restore(*view->HlcHighWater());
  }
  Writer writer(store);
  auto again = std::make_shared<ChangeMessage>(
      NewClientChange(refused, hlc.Now(), {"Client", "again", {PhoneFor(9999)}}));
  REQUIRE(writer.Run([again](StoreTxn& txn) { return txn.ApplyLocal(again->change()).status(); }).ok());
  auto view = store.Read();
  REQUIRE(view.ok());
  for (const Id& id : stored) REQUIRE(view->Get(EntityKind::CLIENT, id).ok());
  CHECK(view->Get(EntityKind::CLIENT, refused).ok());
  CHECK(*view->LastSeq() == stored.size() + 1);
}

TEST_CASE("work submitted before shutdown is finished and durable", "[node][writer]") {
  WriterFixture f;
  std::vector<std::future<Status>> outcomes;
  {
    Writer writer(*f.store);
    for (int n = 0; n < 50; ++n) {
      outcomes.push_back(writer.Submit(f.CreateClient(Id::Generate(n), PhoneFor(n), false)));
    }
  }
  for (auto& outcome : outcomes) CHECK(outcome.get().ok());
  CHECK(*f.store->CountRecords() == 50);
}

}  // namespace
}  // namespace crm
