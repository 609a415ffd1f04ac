// Backup and restore with real processes: a hot backup of a live office
// node, its store lost, restored from the backup; the office fetches back
// from the hub what it made after the backup and goes on without reusing a
// change or a receipt number.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/support/network.h"

namespace crm {
namespace {

using nlohmann::json;
using testing::Network;
using testing::RunResult;

// The receipt numbers on a client's card at `office`.
std::vector<std::string> Receipts(Network& net, const std::string& office, const std::string& client) {
  std::vector<std::string> receipts;
  RunResult r = net.Try(office, {"--json", "card", client});
  if (r.exit_code != 0) return receipts;
  json card = json::parse(r.out);  // kept: a loop over a temporary's member would dangle
  for (const json& entry : card["card"]["sales"]) {
    receipts.push_back(entry["sale"]["receiptNo"]);
  }
  return receipts;
}

std::string Sell(Network& net, const std::string& office, const std::string& client) {
  json sale = net.Json(office, {"sale", "--client", client, "--line", "MUG:1", "--pay", "cash"});
  return sale["receipt"]["sale"]["receiptNo"];
}

TEST_CASE("an office restored from a hot backup gets back what it made since, and reuses no change or receipt",
          "[integration][backup]") {
  Network net;
  std::string anna = net.Json("lon", {"client", "add", "--first", "Anna", "--last", "Petrova",
                                      "--phone", "+44 7911 123456"})["id"];
  std::set<std::string> sold;
  for (int i = 0; i < 3; ++i) sold.insert(Sell(net, "lon", anna));

  // A hot backup while the node serves.
  std::string backup = net.Path("lon-backup").string();
  RunResult backed_up = net.Admin({"backup", "--data", net.Data("lon"), "--out", backup});
  INFO(backed_up.err);
  REQUIRE(backed_up.exit_code == 0);
  CHECK((std::filesystem::status(backup + "/data.mdb").permissions() &
         (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
        std::filesystem::perms::none);
  CHECK(net.Admin({"backup", "--data", net.Data("lon"), "--out", backup}).exit_code != 0);

  // Two more sales after the backup, which reach MSK through the hub.
  for (int i = 0; i < 2; ++i) sold.insert(Sell(net, "lon", anna));
  CHECK(Receipts(net, "lon", anna).size() == 5);
  REQUIRE(net.Eventually([&] { return Receipts(net, "msk", anna).size() == 5; }));

  // LON's disk is lost, and the store comes back from the backup while the
  // hub is down.
  CHECK(net.StopOffice("lon", SIGKILL) == -SIGKILL);
  std::filesystem::remove_all(net.Data("lon"));
  CHECK(net.StopHub(SIGTERM) == 0);
  CHECK(net.Admin({"restore", "--from", backup, "--data", net.Data("lon")}).exit_code == 0);
  CHECK(net.Admin({"restore", "--from", backup, "--data", net.Data("lon")}).exit_code != 0);
  net.StartOffice("lon");
  net.Pos("lon", {"login", "admin"}, "admin-password\n");  // sessions end with the process

  // Until the hub answers, the desk reads but takes no changes: a change made
  // now could reuse what the office made after the backup.
  CHECK(Receipts(net, "lon", anna).size() == 3);
  RunResult refused = net.Try("lon", {"sale", "--client", anna, "--line", "MUG:1", "--pay", "cash"});
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("restored from a backup") != std::string::npos);

  // The hub is back: LON fetches its own two sales, then sells again.
  net.StartHub();
  INFO("LON: " << net.Log("lon") << "\nHQ: " << net.Log("hq"));
  REQUIRE(net.Eventually([&] { return Receipts(net, "lon", anna).size() == 5; }));
  std::string after = Sell(net, "lon", anna);
  CHECK(sold.count(after) == 0);  // a new receipt number, not one issued after the backup
  sold.insert(after);

  REQUIRE(net.Eventually([&] { return Receipts(net, "msk", anna).size() == 6; }));
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
  for (const char* office : {"lon", "msk"}) {
    std::vector<std::string> receipts = Receipts(net, office, anna);
    CHECK(std::set<std::string>(receipts.begin(), receipts.end()) == sold);
    CHECK(receipts.size() == sold.size());
  }
  RunResult report = net.Hq({"report", "sales", "--json"});
  REQUIRE(report.exit_code == 0);
  json rows = json::parse(report.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["office"] == "LON");
  CHECK(rows[0]["sales"] == 6);

  // The restored store's audit log is intact, and shows the sales.
  CHECK(net.Admin({"audit", "verify", "--data", net.Data("lon")}).exit_code == 0);
}

TEST_CASE("a hub restored from a backup gets again from its offices what it lacks, once",
          "[integration][backup]") {
  Network net;
  std::string anna = net.Json("lon", {"client", "add", "--first", "Anna", "--last", "Petrova",
                                      "--phone", "+44 7911 123456"})["id"];
  std::set<std::string> sold;
  for (int i = 0; i < 2; ++i) sold.insert(Sell(net, "lon", anna));
  REQUIRE(net.Eventually([&] { return Receipts(net, "msk", anna).size() == 2; }));

  std::string backup = net.Path("hq-backup").string();
  REQUIRE(net.Admin({"backup", "--data", net.Data("hq"), "--out", backup}).exit_code == 0);
  for (int i = 0; i < 3; ++i) sold.insert(Sell(net, "lon", anna));
  REQUIRE(net.Eventually([&] { return Receipts(net, "msk", anna).size() == 5; }));

  // The hub's disk is lost; it comes back from the backup, without the
  // three sales. LON pushed them to the old hub, and pushes them again.
  CHECK(net.StopHub(SIGKILL) == -SIGKILL);
  std::filesystem::remove_all(net.Data("hq"));
  REQUIRE(net.Admin({"restore", "--from", backup, "--data", net.Data("hq")}).exit_code == 0);
  net.StartHub();
  INFO("LON: " << net.Log("lon") << "\nHQ: " << net.Log("hq"));
  sold.insert(Sell(net, "msk", anna));
  REQUIRE(net.Eventually([&] { return Receipts(net, "lon", anna).size() == 6; }));
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
  RunResult report = net.Hq({"report", "sales", "--json"});
  REQUIRE(report.exit_code == 0);
  json rows = json::parse(report.out);
  uint64_t at_hub = 0;
  for (const json& row : rows) at_hub += row["sales"].get<uint64_t>();
  CHECK(at_hub == 6);
  for (const char* office : {"lon", "msk"}) {
    std::vector<std::string> receipts = Receipts(net, office, anna);
    CHECK(std::set<std::string>(receipts.begin(), receipts.end()) == sold);
    CHECK(receipts.size() == sold.size());
  }
}

}  // namespace
}  // namespace crm
