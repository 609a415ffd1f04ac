// Files across the chain with real processes: a file attached at one office
// opens at another with the same bytes, comes back after a restore from an
// older backup, and reaches an office that starts from a snapshot after the
// hub pruned its log. (Through a regional hub: replication_test.cc.)
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tests/support/network.h"

namespace crm {
namespace {

using nlohmann::json;
using testing::Network;
using testing::RunResult;

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random() & 0xFF);
  return bytes;
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Attaches `bytes` at `office` to `client`; returns the SHA-256 the card shows.
std::string Attach(Network& net, const std::string& office, const std::string& client,
                   const std::string& name, const std::string& bytes) {
  std::ofstream(net.Path(name), std::ios::binary) << bytes;
  net.Pos(office, {"attach", client, net.Path(name).string()});
  json files = net.Json(office, {"card", client})["card"]["files"];
  for (const json& entry : files) {
    if (entry["file"]["name"] == name) return entry["file"]["sha256"];
  }
  FAIL("the card at " << office << " lists no " << name);
  return "";
}

// True once `pos file SHA --out` at `office` writes exactly `bytes`.
bool Opens(Network& net, const std::string& office, const std::string& sha, const std::string& bytes) {
  std::filesystem::path out = net.Path(office + "-" + sha.substr(0, 8) + ".out");
  std::filesystem::remove(out);
  RunResult r = net.Try(office, {"file", sha, "--out", out.string()});
  return r.exit_code == 0 && ReadAll(out) == bytes;
}

TEST_CASE("a 10 MiB file attached at LON opens at MSK with the same bytes, and again after MSK is "
          "restored from an older backup",
          "[integration][files]") {
  Network net;
  std::string anna = net.Json("lon", {"client", "add", "--first", "Anna", "--last", "Filer"})["id"];
  // MSK's backup, taken before the file existed.
  std::string backup = net.Path("msk-backup").string();
  REQUIRE(net.Admin({"backup", "--data", net.Data("msk"), "--out", backup}).exit_code == 0);

  // The attach limit, exactly: one change as large as the till takes.
  const std::string scan = RandomBytes(10u << 20, 7);
  const std::string sha = Attach(net, "lon", anna, "scan.bin", scan);
  REQUIRE(net.Eventually([&] { return Opens(net, "msk", sha, scan); }));
  // A second file, and the same bytes attached at MSK too: one content.
  const std::string letter = RandomBytes(3u << 20, 8);
  const std::string letter_sha = Attach(net, "lon", anna, "letter.bin", letter);
  REQUIRE(net.Eventually([&] { return Opens(net, "msk", letter_sha, letter); }));
  REQUIRE(Attach(net, "msk", anna, "letter-copy.bin", letter) == letter_sha);
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
  // Every node holds each file's bytes once, whole and under its hash.
  for (const char* node : {"hq", "lon", "msk"}) {
    RunResult verified = net.Admin({"verify", "--data", net.Data(node)});
    INFO(node << ": " << verified.out << verified.err);
    CHECK(verified.exit_code == 0);
  }

  // MSK's disk is lost; it comes back from the backup, which has no file.
  CHECK(net.StopOffice("msk", SIGKILL) == -SIGKILL);
  std::filesystem::remove_all(net.Data("msk"));
  REQUIRE(net.Admin({"restore", "--from", backup, "--data", net.Data("msk")}).exit_code == 0);
  net.StartOffice("msk");
  net.Pos("msk", {"login", "admin"}, "admin-password\n");
  CHECK(net.Eventually([&] { return Opens(net, "msk", sha, scan); }));
  CHECK(net.Eventually([&] { return Opens(net, "msk", letter_sha, letter); }));
  CHECK(net.Eventually([&] { return net.Converged(); }));
}

TEST_CASE("a file reaches an office that starts from a snapshot after the hub pruned its log",
          "[integration][files][snapshot]") {
  Network net({"--log-keep", "0", "--prune-every-ms", "200"});
  std::string boris = net.Json("lon", {"client", "add", "--first", "Boris", "--last", "Filer"})["id"];
  const std::string contract = RandomBytes(5u << 20, 9);
  const std::string sha = Attach(net, "lon", boris, "contract.pdf", contract);
  REQUIRE(net.Eventually([&] { return Opens(net, "msk", sha, contract); }));
  // Everyone pulled everything: the hub's log goes, the content stays in
  // its records.
  REQUIRE(net.Eventually([&] {
    json status = net.HubStatus();
    return status.contains("oldest_seq") && status["oldest_seq"].get<uint64_t>() > 3;
  }));
  net.AddOffice("nyc");
  CHECK(net.Eventually([&] { return Opens(net, "nyc", sha, contract); }));
  CHECK(net.Eventually([&] { return net.Converged() && net.Digest("nyc") == net.Digest("hq"); }));
}

TEST_CASE("an office's file larger than the hub takes stays there, and the office is told why",
          "[integration][files]") {
  Network net({"--max-file-bytes", "1048576"});
  std::string vera = net.Json("lon", {"client", "add", "--first", "Vera", "--last", "Filer"})["id"];
  const std::string big = RandomBytes(2u << 20, 10);
  const std::string sha = Attach(net, "lon", vera, "big.bin", big);
  CHECK(Opens(net, "lon", sha, big));
  REQUIRE(net.Eventually([&] {
    json status = net.Json("lon", {"status"})["status"];
    return status.dump().find("this hub takes files of at most 1048576 bytes") != std::string::npos;
  }));
  // The card's entry arrives, the bytes do not, and MSK says so.
  RunResult at_msk = net.Try("msk", {"file", sha, "--out", net.Path("big.out").string()});
  CHECK(at_msk.exit_code != 0);
  CHECK_THAT(at_msk.err, Catch::Contains("no file with SHA-256 " + sha));
}

}  // namespace
}  // namespace crm
