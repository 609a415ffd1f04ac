// Headquarters and its offices as a chain runs them: what HQ writes reaches
// the offices at once, and the status a shift is closed on can be trusted
// (docs/replication.md, "Status").
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/network.h"

namespace crm::testing {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t OfficeLogSeq(Network& net, const std::string& office) {
  // 64-bit numbers come as strings in the JSON of a response.
  return std::stoull(net.Json(office, {"status"})["status"]["logSeq"].get<std::string>());
}

TEST_CASE("a write another process makes on the hub's store reaches an idle office within a second",
          "[integration][replication][chain]") {
  Network net;
  // Both offices caught up, nothing else moving.
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
  for (int round = 0; round < 3; ++round) {
    const uint64_t before = OfficeLogSeq(net, "lon");
    RunResult set = net.Hq({"office", "limits", "--office", "LON", "--role", "cashier",
                            "--max-discount", std::to_string(5 + round) + "%"});
    INFO(set.err);
    REQUIRE(set.exit_code == 0);
    const auto written = Clock::now();
    while (OfficeLogSeq(net, "lon") == before && Clock::now() - written < std::chrono::seconds(5)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto delay =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - written).count();
    INFO("round " << round << ": LON had HQ's write after " << delay << " ms");
    CHECK(OfficeLogSeq(net, "lon") > before);
    CHECK(delay <= 1000);
  }
}

TEST_CASE("pos sync returns only once a write made at the hub just before it is at the office",
          "[integration][replication][chain]") {
  Network net;
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
  for (int round = 0; round < 5; ++round) {
    const uint64_t before = OfficeLogSeq(net, "lon");
    RunResult set = net.Hq({"office", "limits", "--office", "LON", "--role", "cashier",
                            "--max-discount", std::to_string(10 + round) + "%"});
    INFO(set.err);
    REQUIRE(set.exit_code == 0);
    // At once, before the hub's own look at its log could have told LON.
    RunResult synced = net.Try("lon", {"sync", "--timeout", "10"});
    INFO("round " << round << ": " << synced.err);
    REQUIRE(synced.exit_code == 0);
    CHECK(OfficeLogSeq(net, "lon") > before);
  }
}

TEST_CASE("crm-hq status says when no hub serves its store, and shows what it last saw",
          "[integration][replication][chain]") {
  Network net;
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
  RunResult running = net.Hq({"status"});
  INFO(running.out << running.err);
  CHECK(running.exit_code == 0);
  CHECK(running.out.find("not running") == std::string::npos);
  CHECK(running.out.find("LON") != std::string::npos);

  // The desk can wait for that: in step with the hub.
  RunResult in_step = net.Try("lon", {"sync", "--timeout", "10"});
  INFO(in_step.err);
  CHECK(in_step.exit_code == 0);
  CHECK(in_step.out.find("in step with the hub") != std::string::npos);

  REQUIRE(net.StopHub(SIGTERM) == 0);
  net.Pos("lon", {"client", "add", "--first", "Walk-in", "--phone", "020 7946 0321"});
  RunResult alone = net.Try("lon", {"sync", "--timeout", "1"});
  INFO(alone.err);
  CHECK(alone.exit_code != 0);
  CHECK(alone.err.find("not in step with the hub after 1s") != std::string::npos);
  CHECK(alone.err.find(", 1 changes to send") != std::string::npos);
  RunResult stopped = net.Hq({"status"});
  INFO(stopped.out << stopped.err);
  CHECK(stopped.exit_code == 3);
  CHECK(stopped.out.find("hub not running: no crm-hq serves") != std::string::npos);
  // Nobody is online or safe to close while no hub listens.
  CHECK(stopped.out.find(" yes ") == std::string::npos);
  CHECK(stopped.out.find("LON") != std::string::npos);

  // A killed hub leaves its lock file behind naming a process that is gone.
  net.StartHub();
  REQUIRE(net.Hq({"status"}).exit_code == 0);
  REQUIRE(net.StopHub(SIGKILL) != 0);
  RunResult killed = net.Hq({"status"});
  INFO(killed.out << killed.err);
  CHECK(killed.exit_code == 3);
  CHECK(killed.out.find("hub not running") != std::string::npos);
}

TEST_CASE("crm-hq status lists an enrolled office it never heard from",
          "[integration][replication][chain]") {
  Network net;
  // Nobody runs a node for office PAR yet: the hub still lists it.
  REQUIRE(net.Admin({"keygen", "--out", net.Path("par").string()}).exit_code == 0);
  RunResult node = net.Admin({"node-id", "--data", net.Data("par")});
  REQUIRE(node.exit_code == 0);
  RunResult enrolled = net.Admin({"enroll", "--hub-data", net.Data("hq"), "--office", "PAR",
                                  "--public-key", net.Path("par.pub").string(), "--node-id",
                                  node.out.substr(0, node.out.find('\n'))});
  INFO(enrolled.err);
  REQUIRE(enrolled.exit_code == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the status file, every second
  RunResult status = net.Hq({"status"});
  INFO(status.out);
  CHECK(status.out.find("\nPAR        never") != std::string::npos);
}

}  // namespace
}  // namespace crm::testing
