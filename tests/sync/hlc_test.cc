#include "sync/base/hlc.h"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

namespace crm {
namespace {

const Id kNodeA{1, 1};
const Id kNodeB{2, 2};

TEST_CASE("stamps strictly increase even when the wall clock stands still or goes back",
          "[sync][hlc]") {
  ManualClock wall(10'000);
  HybridClock hlc(wall, kNodeA, 60'000);
  Stamp a = hlc.Now();
  Stamp b = hlc.Now();
  CHECK(a < b);
  CHECK(b.physical == 10'000);
  CHECK(b.logical == 1);
  wall.Set(5'000);  // NTP stepped the clock back
  Stamp c = hlc.Now();
  CHECK(b < c);
  CHECK(c.physical == 10'000);
  wall.Set(20'000);
  Stamp d = hlc.Now();
  CHECK(d.physical == 20'000);
  CHECK(d.logical == 0);
  CHECK(d.node == kNodeA);
}

TEST_CASE("a stamp observed from another node orders later local stamps after it",
          "[sync][hlc]") {
  ManualClock wall(10'000);
  HybridClock hlc(wall, kNodeA, 60'000);
  Stamp remote{30'000, 7, kNodeB};  // 20 s ahead: within the bound
  REQUIRE(hlc.Observe(remote).ok());
  Stamp next = hlc.Now();
  CHECK(remote < next);
  CHECK(next.physical == 30'000);
  CHECK(next.logical == 8);
}

TEST_CASE("a stamp beyond the skew bound is reported and does not drag the clock",
          "[sync][hlc]") {
  ManualClock wall(10'000);
  HybridClock hlc(wall, kNodeA, 60'000);
  Stamp far{10'000 + 3'600'000, 0, kNodeB};
  Status status = hlc.Observe(far);
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("3600000 ms ahead") != std::string::npos);
  CHECK(hlc.Now().physical == 10'000);
}

TEST_CASE("a restored clock never issues a stamp older than the persisted high-water mark",
          "[sync][hlc]") {
  ManualClock wall(1'000);
  HybridClock hlc(wall, kNodeA, 60'000);
  Stamp high_water{5'000, 3, kNodeA};
  hlc.Restore(high_water);
  CHECK(high_water < hlc.Now());
}

TEST_CASE("concurrent callers get unique, per-thread increasing stamps", "[sync][hlc]") {
  ManualClock wall(1'000);
  HybridClock hlc(wall, kNodeA, 60'000);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10000;
  std::vector<std::vector<Stamp>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (i % 1000 == 0) wall.Advance(1);
        got[t].push_back(hlc.Now());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<Stamp> all;
  for (const auto& stamps : got) {
    for (size_t i = 1; i < stamps.size(); ++i) REQUIRE(stamps[i - 1] < stamps[i]);
    all.insert(all.end(), stamps.begin(), stamps.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
}

}  // namespace
}  // namespace crm
