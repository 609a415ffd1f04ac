// Replication with real processes: crm-hq and offices running crm-node, over
// ZeroMQ CURVE on loopback, driven by pos and crm-admin.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cctype>
#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/network.h"

namespace crm {
namespace {

using nlohmann::json;
using testing::Found;
using testing::Network;
using testing::RunResult;

TEST_CASE("offices and the hub converge over CURVE, also after edits made offline",
          "[integration][replication]") {
  Network net;
  std::string anna = net.Json("lon", {"client", "add", "--first", "Анна", "--last", "Петрова",
                                      "--phone", "+7 912 345 67 89"})["id"];
  // A client made at LON is found at MSK, and a sale made for her at MSK shows on her card at LON.
  REQUIRE(net.Eventually([&] { return Found(net, "msk", "пет"); }));
  net.Pos("msk", {"sale", "--client", anna, "--line", "MUG:2", "--pay", "cash"});
  REQUIRE(net.Eventually([&] {
    return net.Json("lon", {"card", anna})["card"]["sales"].size() == 1;
  }));

  // Both offices edit her while the hub is down: LON her phone, MSK her
  // email, and both her last name.
  CHECK(net.Json("lon", {"conflicts"})["conflicts"].empty());
  CHECK(net.StopHub(SIGTERM) == 0);
  net.Pos("lon", {"client", "edit", anna, "--phone", "07911 123456", "--last", "Петрова-Смит"});
  net.Pos("msk", {"client", "edit", anna, "--email", "anna@example.com", "--last", "Иванова"});
  json offline = net.Json("lon", {"status"})["status"];
  CHECK(offline["unsentChanges"] != "0");
  CHECK(std::stoll(offline["oldestUnsent"].get<std::string>()) > 0);  // when the waiting edit was made
  net.StartHub();
  REQUIRE(net.Eventually([&] {
    auto client = net.Json("lon", {"card", anna})["card"]["client"];
    return client["phones"].size() == 2 && client["emails"].size() == 1;
  }));
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
  auto at_msk = net.Json("msk", {"card", anna})["card"]["client"];
  CHECK(at_msk["phones"].size() == 2);
  CHECK(at_msk["emails"] == json::array({"anna@example.com"}));
  REQUIRE(net.Eventually([&] { return net.Json("lon", {"status"})["status"]["unsentChanges"] == "0"; }));
  // One last name won everywhere; the other is in each office's conflict log.
  std::string kept = at_msk["lastName"];
  CHECK(net.Json("lon", {"card", anna})["card"]["client"]["lastName"] == kept);
  for (const char* office : {"lon", "msk"}) {
    json conflicts = net.Json(office, {"conflicts"})["conflicts"];
    INFO(office << ": " << conflicts.dump());
    REQUIRE(conflicts.size() == 1);
    CHECK(conflicts[0]["field"] == "lastName");
    CHECK(conflicts[0]["wonValue"] == kept);
    CHECK(conflicts[0]["lostValue"] == (kept == "Иванова" ? "Петрова-Смит" : "Иванова"));
    CHECK(conflicts[0]["label"] == "Анна " + kept);
  }

  // The same person registered at both offices while apart: after the link
  // returns both offices list the pair, a manager merges it at one, and the
  // other shows one client with both histories.
  CHECK(net.StopHub(SIGTERM) == 0);
  std::string zoe_lon = net.Json("lon", {"client", "add", "--first", "Zoe", "--last", "Smith",
                                        "--phone", "020 7946 0958"})["id"];
  std::string zoe_msk = net.Json("msk", {"client", "add", "--first", "Zoë", "--last", "Smith",
                                        "--phone", "+44 20 7946 0958"})["id"];
  net.Pos("msk", {"sale", "--client", zoe_msk, "--line", "MUG:1", "--pay", "cash"});
  net.StartHub();
  REQUIRE(net.Eventually([&] {
    return net.Json("msk", {"duplicates"})["duplicates"].size() == 1 &&
           net.Json("lon", {"duplicates"})["duplicates"].size() == 1;
  }));
  net.Pos("lon", {"merge", zoe_lon, zoe_msk});
  REQUIRE(net.Eventually([&] { return net.Json("msk", {"duplicates"})["duplicates"].empty(); }));
  json merged_card = net.Json("msk", {"card", zoe_msk})["card"];  // the duplicate's id still works
  CHECK(merged_card["id"] == zoe_lon);
  CHECK(merged_card["merged"].size() == 1);
  CHECK(merged_card["sales"].size() == 1);
  json found = net.Json("msk", {"find", "+442079460958"});
  REQUIRE(found["clients"].size() == 1);
  CHECK(found["clients"][0]["id"] == zoe_lon);
  REQUIRE(net.Eventually([&] { return net.Converged(); }));

  // Helen Brown, born 1979-05-05, registered at both offices with different
  // phones: the same name and birth date make the pair suspected, with that
  // reason, at both.
  std::string helen_lon = net.Json("lon", {"client", "add", "--first", "Helen", "--last", "Brown",
                                           "--birth", "1979-05-05", "--phone", "+44 7400 111111"})["id"];
  std::string helen_msk = net.Json("msk", {"client", "add", "--first", "Helen", "--last", "Brown",
                                           "--birth", "1979-05-05", "--phone", "+44 7400 222222"})["id"];
  for (const char* office : {"lon", "msk"}) {
    INFO(office);
    REQUIRE(net.Eventually([&] { return net.Json(office, {"duplicates"})["duplicates"].size() == 1; }));
    json pair = net.Json(office, {"duplicates"})["duplicates"][0];
    CHECK(pair["reason"] == "same name and birth date");
    std::set<std::string> ids = {pair["first"]["id"], pair["second"]["id"]};
    CHECK(ids == std::set<std::string>{helen_lon, helen_msk});
    CHECK(net.Pos(office, {"duplicates"}).find("same name and birth date") != std::string::npos);
  }
  net.Pos("lon", {"merge", helen_lon, helen_msk});
  REQUIRE(net.Eventually([&] { return net.Converged(); }));

  // Zoe, one client since the merge, buys at LON too.
  net.Pos("lon", {"sale", "--client", zoe_lon, "--line", "MUG:1", "--pay", "cash"});
  REQUIRE(net.Eventually([&] { return net.Converged(); }));

  // Headquarters' sales report: MSK's two sales of mugs (4.50 each), to two
  // clients once the duplicate is merged; LON's one, to Zoe.
  RunResult report = net.Hq({"report", "sales", "--json"});
  INFO(report.err);
  REQUIRE(report.exit_code == 0);
  json rows = json::parse(report.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["office"] == "MSK");
  CHECK(rows[0]["sales"] == 2);
  CHECK(rows[0]["revenue_minor"] == 3 * 450);
  CHECK(rows[0]["refunded_minor"] == 0);
  CHECK(rows[0]["clients"] == 2);
  CHECK(rows[1]["office"] == "LON");
  CHECK(rows[1]["clients"] == 1);
  // In total Zoe counts once: two clients, not the offices' three.
  RunResult total = net.Hq({"report", "sales", "--by", "total", "--json"});
  INFO(total.err);
  REQUIRE(total.exit_code == 0);
  json totals = json::parse(total.out);
  REQUIRE(totals.size() == 1);
  CHECK(totals[0]["total"] == "all");
  CHECK(totals[0]["sales"] == 3);
  CHECK(totals[0]["clients"] == 2);

  // An unenrolled key is refused and its changes stay at home.
  net.Pos("rogue", {"client", "add", "--first", "Mallory", "--phone", "+44 20 7946 0001"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(net.Log("hq").find("is not enrolled") != std::string::npos);
  CHECK_FALSE(Found(net, "lon", "mallory"));
  CHECK(net.Json("rogue", {"status"})["status"]["lastHubContact"] == "0");
}

TEST_CASE("the hub prunes its log, and an office enrolled later starts from a snapshot",
          "[integration][replication][snapshot]") {
  Network net({"--log-keep", "0", "--prune-every-ms", "200"});
  std::vector<std::string> clients;
  for (int i = 0; i < 30; ++i) {
    clients.push_back(net.Json(i % 2 ? "lon" : "msk",
                               {"client", "add", "--first", "Client" + std::to_string(i), "--last",
                                i % 2 ? "London" : "Moscow", "--phone",
                                "+44 20 7946 " + std::to_string(1000 + i)})["id"]);
  }
  net.Pos("lon", {"sale", "--client", clients[0], "--line", "MUG:3", "--pay", "cash"});
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
  // Both offices have pulled everything: the hub's log goes.
  REQUIRE(net.Eventually([&] {
    json status = net.HubStatus();
    return status.contains("oldest_seq") && status["oldest_seq"].get<uint64_t>() > 30;
  }));

  net.AddOffice("nyc");
  REQUIRE(net.Eventually([&] { return Found(net, "nyc", "client29"); }));
  REQUIRE(net.Eventually([&] {
    return net.Json("nyc", {"card", clients[0]})["card"]["sales"].size() == 1;
  }));
  // It follows the log from there: a client made at LON now reaches it too.
  net.Pos("lon", {"client", "add", "--first", "Late", "--last", "Comer"});
  REQUIRE(net.Eventually([&] { return Found(net, "nyc", "comer"); }));
  REQUIRE(net.Eventually([&] { return net.Converged() && net.Digest("nyc") == net.Digest("hq"); }));
  // (Its bootstrap admin, an office user, stays local: the hub says so.)
  CHECK(net.Log("nyc").find("the hub refused:") == std::string::npos);

  // The hub shows each office's own view of what it has not delivered.
  REQUIRE(net.Eventually([&] {
    json offices = net.HubStatus().value("offices", json::array());
    int safe = 0;
    for (const json& office : offices) {
      if (office.value("reported", false) && office.value("unsent", 1) == 0 &&
          office.value("safe_to_close", false)) {
        ++safe;
      }
    }
    return safe == 3;
  }));
  RunResult shown = net.Hq({"status"});
  CHECK(shown.exit_code == 0);
  CHECK(shown.out.find("SAFE TO CLOSE") != std::string::npos);
  CHECK(shown.out.find("NYC") != std::string::npos);
}

TEST_CASE("kill -9 of an office mid-push and of the hub mid-apply loses nothing acknowledged",
          "[integration][replication]") {
  Network net;
  std::vector<std::string> acked;
  auto add_clients = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      RunResult r = net.Try("lon", {"--json", "client", "add", "--first", "Crash" + std::to_string(i),
                                    "--phone", "+44 20 7946 " + std::to_string(1000 + i)});
      if (r.exit_code == 0) acked.push_back(json::parse(r.out)["id"]);
    }
  };
  add_clients(0, 15);
  CHECK(net.StopHub(SIGKILL) == -SIGKILL);  // in the middle of whatever it was applying
  net.StartHub();
  add_clients(15, 30);
  CHECK(net.StopOffice("lon", SIGKILL) == -SIGKILL);  // in the middle of its pushes
  net.StartOffice("lon");
  net.Pos("lon", {"login", "admin"}, "admin-password\n");
  add_clients(30, 40);
  REQUIRE(acked.size() == 40);
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
  for (const std::string& id : acked) {
    INFO(id);
    CHECK(net.Try("msk", {"card", id}).exit_code == 0);
  }
}

TEST_CASE("a sale refunded in full at two offices while apart is flagged on the card and to managers",
          "[integration][replication][refunds]") {
  Network net;
  std::string zoe = net.Json("lon", {"client", "add", "--first", "Zoe", "--phone", "+44 20 7946 0011"})["id"];
  std::string receipt = net.Json("lon", {"sale", "--client", zoe, "--line", "MUG:2", "--pay",
                                         "card"})["receipt"]["sale"]["receiptNo"];
  REQUIRE(net.Eventually([&] { return net.Try("msk", {"receipt", receipt}).exit_code == 0; }));
  CHECK(net.StopHub(SIGTERM) == 0);
  // Each office refunds the whole sale while the link is down: each is right
  // by what it knows, and each is acknowledged.
  net.Pos("lon", {"refund", receipt, "--line", "1:2", "--reason", "broken in the box"});
  net.Pos("msk", {"refund", receipt, "--line", "1:2", "--reason", "returned at MSK"});
  net.StartHub();
  for (const char* office : {"lon", "msk"}) {
    INFO(office);
    CHECK(net.Eventually([&] {
      json sales = net.Json(office, {"card", zoe})["card"]["sales"];
      return sales.size() == 1 && sales[0]["refunded"] == "1800" && sales[0]["overRefunded"] == "900";
    }));
  }
  CHECK_THAT(net.Pos("lon", {"receipt", receipt}), Catch::Contains("REFUNDED BEYOND THE SALE"));
  CHECK_THAT(net.Pos("lon", {"card", zoe}), Catch::Contains("9.00 beyond the sale!"));
  // Headquarters is told, with both refunds named.
  CHECK(net.Eventually([&] {
    RunResult status = net.Hq({"status"});
    return status.out.find("anomalies: 1;") != std::string::npos &&
           status.out.find("was refunded 18.00 (9.00 at LON, 9.00 at MSK): 9.00 more than it sold") !=
               std::string::npos;
  }));
}

// Every file under `dir` that holds `bytes` anywhere.
std::vector<std::string> FilesHolding(const std::filesystem::path& dir, const std::string& bytes) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (content.find(bytes) != std::string::npos) found.push_back(entry.path().string());
  }
  return found;
}

TEST_CASE("an erased client leaves no byte of their email, phone, notes or files in any node's store",
          "[integration][replication][erase]") {
  Network net;
  const std::string email = "erin.erasable@example.org";
  const std::string phone = "+442079460999";
  const std::string note = "Erin-confides-secret-7731";
  const std::string summary = "Erin-called-about-secret-4417";
  const std::string file_content = "Erin-passport-scan-9925";
  std::string erin = net.Json("lon", {"client", "add", "--first", "Erinna", "--last", "Quist",
                                      "--email", email, "--phone", phone})["id"];
  net.Pos("lon", {"note", erin, note});
  net.Pos("lon", {"log", erin, "--channel", "call", "--summary", summary});
  std::ofstream(net.Path("passport.txt")) << file_content;
  net.Pos("lon", {"attach", erin, net.Path("passport.txt").string()});
  // An edit that loses a concurrent one leaves the lost value in the
  // conflict log: that copy must go too.
  REQUIRE(net.Eventually([&] { return Found(net, "msk", "quist"); }));
  CHECK(net.StopHub(SIGTERM) == 0);
  net.Pos("lon", {"client", "edit", erin, "--last", "Quist-Lon"});
  net.Pos("msk", {"client", "edit", erin, "--last", "Quist-Msk"});
  // MSK, apart, writes a note about her that reaches the others only after
  // LON erased her.
  net.Pos("msk", {"note", erin, "late-" + note});
  net.Pos("lon", {"client", "erase", erin, "--yes-erase-for-good"});
  net.StartHub();
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
  REQUIRE(net.Eventually([&] { return net.Json("msk", {"status"})["status"]["unsentChanges"] == "0"; }));
  CHECK(net.Try("msk", {"card", erin}).exit_code == 4);
  CHECK_FALSE(Found(net, "msk", email));
  // Every process writes what it holds and exits; then no file of any
  // store holds a byte of her.
  net.StopOffice("lon", SIGTERM);
  net.StopOffice("msk", SIGTERM);
  net.StopOffice("rogue", SIGTERM);
  CHECK(net.StopHub(SIGTERM) == 0);
  for (const char* node : {"hq", "lon", "msk"}) {
    for (const std::string& secret :
         {email, phone, note, "late-" + note, summary, file_content, std::string("Quist-Msk")}) {
      INFO(node << " " << secret);
      CHECK(FilesHolding(net.Data(node), secret).empty());
    }
  }
}

TEST_CASE("a revoked office is refused from then on", "[integration][replication]") {
  Network net;
  RunResult revoked = net.Admin({"revoke", "--hub-data", net.Data("hq"), "--office", "MSK"});
  INFO(revoked.err);
  REQUIRE(revoked.exit_code == 0);
  net.Pos("msk", {"client", "add", "--first", "Revoked", "--phone", "+44 20 7946 0002"});
  net.StopOffice("msk", SIGTERM);
  net.StartOffice("msk");  // a new handshake: let in only to be told why it is refused
  net.Pos("msk", {"login", "admin"}, "admin-password\n");
  // MSK's desk says why, so its staff know whom to call.
  std::string status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = net.Pos("msk", {"status"});
  } while (status.find("revoked") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
  INFO(status);
  CHECK(status.find("the hub refuses this node: office MSK's key is revoked at headquarters") !=
        std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK_FALSE(Found(net, "lon", "revoked"));
  CHECK(net.Log("hq").find("refused office MSK: its key is revoked") != std::string::npos);
}

TEST_CASE("a regional hub relays between its offices and headquarters", "[integration][replication]") {
  testing::TempDir dir;
  auto path = [&](const std::string& name) { return (dir.path() / name).string(); };
  auto admin = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CRM_ADMIN};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = testing::Run(argv, "", {}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out.substr(0, r.out.find('\n'));
  };
  for (const char* name : {"hq", "reg", "off", "lon"}) admin({"keygen", "--out", path(name)});
  admin({"enroll", "--hub-data", path("hq-data"), "--office", "REG", "--public-key", path("reg.pub"),
         "--node-id", admin({"node-id", "--data", path("reg-data")})});
  admin({"enroll", "--hub-data", path("hq-data"), "--office", "OFF", "--parent", "REG",
         "--public-key", path("off.pub"), "--node-id", admin({"node-id", "--data", path("off-data")})});
  admin({"enroll", "--hub-data", path("hq-data"), "--office", "LON", "--public-key", path("lon.pub"),
         "--node-id", admin({"node-id", "--data", path("lon-data")})});

  testing::Child hq({CRM_HQ, "serve", "--data", path("hq-data"), "--key", path("hq.key"), "--listen",
                     "tcp://127.0.0.1:*", "--endpoint-file", path("hq.endpoint")},
                    path("hq.log"));
  std::string hq_endpoint = testing::WaitForLine(path("hq.endpoint"));
  auto start = [&](const std::string& office, const std::string& hub, const std::string& hub_key,
                   bool regional) {
    std::string upper = office;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    REQUIRE(testing::Run({CRM_NODE, "bootstrap-admin", "--data", path(office + "-data"), "--office",
                          upper},
                         "admin-password\n", {}, dir.path())
                .exit_code == 0);
    std::vector<std::string> args = {CRM_NODE, "serve", "--data", path(office + "-data"), "--office",
                                     upper, "--listen", "tcp://127.0.0.1:*", "--endpoint-file",
                                     path(office + ".endpoint"), "--hub", hub, "--hub-key", hub_key,
                                     "--key", path(office + ".key")};
    if (regional) {
      args.insert(args.end(), {"--serve-sync", "tcp://127.0.0.1:*", "--sync-endpoint-file",
                               path(office + ".sync")});
    }
    auto child = std::make_unique<testing::Child>(args, path(office + ".log"));
    std::string endpoint = testing::WaitForLine(path(office + ".endpoint"));
    std::vector<std::string> env = {"POS_NODE=" + endpoint,
                                    "POS_SESSION_FILE=" + path(office + ".session")};
    REQUIRE(testing::Run({CRM_POS, "login", "admin"}, "admin-password\n", env, dir.path()).exit_code == 0);
    return std::make_pair(std::move(child), env);
  };
  auto [reg, reg_env] = start("reg", hq_endpoint, path("hq.pub"), true);
  std::string reg_sync = testing::WaitForLine(path("reg.sync"));
  auto [off, off_env] = start("off", reg_sync, path("reg.pub"), false);
  auto [lon, lon_env] = start("lon", hq_endpoint, path("hq.pub"), false);

  auto pos = [&](const std::vector<std::string>& env, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CRM_POS, "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Run(argv, "", env, dir.path());
  };
  // The office's own admin makes an admin for the region: HQ-owned data,
  // which no hub takes from below, the region included. A product at a
  // penny is refused at the office's own desk at once: headquarters owns
  // the catalogue at every level of hub.
  REQUIRE(testing::Run({CRM_POS, "user", "add", "regroot", "--role", "admin"}, "regroot-password\n",
                       off_env, dir.path())
              .exit_code == 0);
  RunResult own_product =
      pos(off_env, {"product", "add", "CHEAP", "--name", "A penny lamp", "--price", "0.01"});
  CHECK(own_product.exit_code != 0);
  CHECK_THAT(own_product.err, Catch::Contains("headquarters owns the catalogue"));
  CHECK_THAT(own_product.err, Catch::Contains("crm-hq product add"));
  REQUIRE(pos(off_env, {"client", "add", "--first", "Farida", "--phone", "+98 912 345 6789"}).exit_code == 0);
  REQUIRE(pos(lon_env, {"client", "add", "--first", "Oliver", "--phone", "020 7946 0958"}).exit_code == 0);
  auto found = [&](const std::vector<std::string>& env, const std::string& query) {
    RunResult r = pos(env, {"find", query});
    return r.exit_code == 0 && !json::parse(r.out)["clients"].empty();
  };
  auto eventually = [](const std::function<bool()>& check) {
    for (int i = 0; i < 200; ++i) {
      if (check()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  // Named references: clang before 16 cannot capture a structured binding in a lambda.
  const auto& lon_pos_env = lon_env;
  const auto& off_pos_env = off_env;
  CHECK(eventually([&] { return found(lon_pos_env, "farida"); }));  // office -> region -> HQ -> office
  CHECK(eventually([&] { return found(off_pos_env, "oliver"); }));  // and back down through the region
  // A file attached at LON opens at the office under the region, byte for byte.
  {
    std::string scan(3u << 20, '\0');
    uint32_t x = 12345;
    for (char& c : scan) c = static_cast<char>((x = x * 1664525u + 1013904223u) >> 24);
    std::ofstream(path("scan.bin"), std::ios::binary) << scan;
    RunResult oliver = pos(lon_env, {"find", "oliver"});
    REQUIRE(oliver.exit_code == 0);
    std::string oliver_id = json::parse(oliver.out)["clients"][0]["id"];
    REQUIRE(pos(lon_env, {"attach", oliver_id, path("scan.bin")}).exit_code == 0);
    RunResult card = pos(lon_env, {"card", oliver_id});
    REQUIRE(card.exit_code == 0);
    std::string sha = json::parse(card.out)["card"]["files"][0]["file"]["sha256"];
    CHECK(eventually([&] {
      std::filesystem::remove(path("scan.off"));
      if (pos(off_pos_env, {"file", sha, "--out", path("scan.off")}).exit_code != 0) return false;
      std::ifstream in(path("scan.off"), std::ios::binary);
      return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()) == scan;
    }));
  }
  // OFF's user does not log in at the region (a user logs in at its own office only); the
  // product was never made.
  std::vector<std::string> regroot_env = {reg_env[0], "POS_SESSION_FILE=" + path("regroot.session")};
  RunResult regroot = testing::Run({CRM_POS, "login", "regroot"}, "regroot-password\n", regroot_env,
                                   dir.path());
  CHECK(regroot.exit_code == 5);
  RunResult cheap = pos(reg_env, {"sale", "--line", "CHEAP:1", "--pay", "cash"});
  CHECK(cheap.exit_code != 0);
  CHECK_THAT(cheap.err, Catch::Contains("CHEAP"));
  std::map<std::string, std::string> digests;
  CHECK(eventually([&] {
    for (const char* node : {"hq", "reg", "off", "lon"}) {
      digests[node] = admin({"digest", "--data", path(std::string(node) + "-data")});
    }
    return digests["reg"] == digests["hq"] && digests["off"] == digests["hq"] &&
           digests["lon"] == digests["hq"];
  }));
  INFO("hq " << digests["hq"] << " reg " << digests["reg"] << " off " << digests["off"] << " lon "
             << digests["lon"]);
  // Headquarters shows OFF under REG, online, as REG reports its own links.
  std::string status;
  CHECK(eventually([&] {
    status = testing::Run({CRM_HQ, "status", "--data", path("hq-data")}, "", {}, dir.path()).out;
    return status.find("\nREG        yes") != std::string::npos &&
           status.find("\n  OFF      yes") != std::string::npos;
  }));
  INFO(status);
  CHECK(status.find("\nLON        yes") != std::string::npos);
}

TEST_CASE("limits at the till set at headquarters reach the offices and apply at their tills",
          "[integration][replication][approval]") {
  Network net;
  net.AddProduct("PEN", "Fountain pen", {"GBP=10.00"});
  for (const char* office : {"lon", "msk"}) {
    net.Pos(office, {"user", "add", "kate", "--role", "cashier"}, "kate-password\n");
    net.Pos(office, {"login", "kate"}, "kate-password\n");
  }
  // 0.72 off two mugs at 4.50 is 8% of the line; 8.50 for a 10.00 pen a 15% cut.
  const std::vector<std::string> eight_off = {"sale", "--line", "MUG:2::0.72", "--pay", "cash"};
  const std::vector<std::string> fifteen_cut = {"sale", "--line", "PEN:1:8.50", "--pay", "cash"};
  // Built in: a cashier gives up to 10% off, and cuts no price.
  CHECK(net.Try("lon", eight_off).exit_code == 0);
  CHECK(net.Try("lon", fifteen_cut).exit_code == 5);

  // Headquarters, beside its running hub: LON's cashiers give 5% at most;
  // every office's cashiers may cut a price by 20%.
  RunResult lon =
      net.Hq({"office", "limits", "--office", "LON", "--role", "cashier", "--max-discount", "5%"});
  INFO(lon.err);
  REQUIRE(lon.exit_code == 0);
  RunResult chain =
      net.Hq({"office", "limits", "--chain", "--role", "cashier", "--max-price-cut", "20%"});
  INFO(chain.err);
  REQUIRE(chain.exit_code == 0);
  CHECK(net.Hq({"office", "limits", "--office", "PAR", "--role", "cashier", "--max-discount", "5%"})
            .exit_code == 4);
  RunResult shown = net.Hq({"office", "limits", "--office", "LON", "--json"});
  REQUIRE(shown.exit_code == 0);
  json cashier = json::parse(shown.out)["limits"][0];
  CHECK(cashier["role"] == "cashier");
  CHECK(cashier["max_discount"] == "5%");
  CHECK(cashier["max_discount_from"] == "office");
  CHECK(cashier["max_price_cut"] == "20%");
  CHECK(cashier["max_price_cut_from"] == "chain");

  // Both reach the offices through the hub and apply at their tills: the
  // chain-wide one everywhere, LON's at LON only.
  CHECK(net.Eventually([&] { return net.Try("msk", fifteen_cut).exit_code == 0; }));
  CHECK(net.Eventually([&] { return net.Try("lon", fifteen_cut).exit_code == 0; }));
  RunResult refused = net.Try("lon", eight_off);
  CHECK(refused.exit_code == 5);
  CHECK(refused.err.find("a cashier may give a discount of at most 5% at LON") !=
        std::string::npos);
  CHECK(net.Try("msk", eight_off).exit_code == 0);
  // At LON a manager's approval lets it through (the office's admin here).
  RunResult approved =
      net.Try("lon", {"sale", "--line", "MUG:2::0.72", "--pay", "cash", "--approve-by", "admin"},
              "admin-password\n");
  INFO(approved.err);
  CHECK(approved.exit_code == 0);
  CHECK(approved.out.find("approved by admin") != std::string::npos);
  // The approved sale reaches MSK through headquarters, naming its approver.
  std::string receipt = approved.out.substr(0, approved.out.find(' '));
  CHECK(net.Eventually([&] {
    RunResult at_msk = net.Try("msk", {"--json", "receipt", receipt});
    return at_msk.exit_code == 0 &&
           json::parse(at_msk.out)["receipt"]["sale"].contains("approvedBy");
  }));
}

}  // namespace
}  // namespace crm
