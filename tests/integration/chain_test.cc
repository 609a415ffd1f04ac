// A chain as it runs (issue 19's acceptance): headquarters, LON in pounds,
// MSK in roubles, and a regional hub REG with a field office FLD under it,
// all real processes on loopback. With the hub otherwise idle: a task HQ
// makes for kate at LON is in her queue within a second; a product priced in
// both currencies sells at each office in its own; the sales report names
// kate; a file attached at LON opens at MSK and at FLD; a deactivated user's
// session is refused at once; and `crm-hq status` with the hub stopped says so.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace crm::testing {
namespace {

using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

struct OfficeSpec {
  std::string code;
  std::string currency;
  std::string time_zone;
  std::string parent;  // "" under HQ
  bool regional = false;
};

class Chain {
 public:
  Chain() {
    for (const char* name : {"hq", "lon", "msk", "reg", "fld"}) Admin({"keygen", "--out", Path(name)});
    for (const OfficeSpec& office : offices_) {
      std::vector<std::string> enroll = {"enroll", "--hub-data", Data("hq"), "--office", office.code,
                                         "--public-key", Path(Lower(office.code)) + ".pub",
                                         "--node-id", FirstLine(Admin({"node-id", "--data", Data(Lower(office.code))}))};
      if (!office.parent.empty()) enroll.insert(enroll.end(), {"--parent", office.parent});
      Admin(enroll);
    }
    hq_ = std::make_unique<Child>(
        std::vector<std::string>{CRM_HQ, "serve", "--data", Data("hq"), "--key", Path("hq") + ".key",
                                 "--listen", "tcp://127.0.0.1:*", "--endpoint-file", Path("hq.endpoint")},
        Path("hq.log"));
    hq_endpoint_ = WaitForLine(Path("hq.endpoint"));
    for (const OfficeSpec& office : offices_) Start(office);
  }

  // pos at `office` (lower case) as the session `who` (a file of its own).
  RunResult Pos(const std::string& office, const std::string& who, std::vector<std::string> args,
                const std::string& input = "") {
    args.insert(args.begin(), CRM_POS);
    return Run(args, input,
               {"POS_NODE=" + endpoints_.at(office), "POS_SESSION_FILE=" + Path(office + "-" + who + ".session"),
                "POS_TIMEOUT_MS=10000"},
               dir_.path());
  }
  RunResult Hq(std::vector<std::string> args) {
    args.insert(args.begin(), CRM_HQ);
    args.insert(args.end(), {"--data", Data("hq")});
    return Run(args, "", {}, dir_.path());
  }
  int StopHub() { return hq_->Stop(SIGTERM); }
  std::string Path(const std::string& name) const { return (dir_.path() / name).string(); }

  // Polls `check` for up to 20 s.
  static bool Eventually(const std::function<bool()>& check) {
    for (int i = 0; i < 200; ++i) {
      if (check()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

 private:
  RunResult Must(const std::vector<std::string>& argv, const std::string& input = "") {
    RunResult r = Run(argv, input, {}, dir_.path());
    INFO(argv[0] << " " << argv[1] << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
  std::string Admin(std::vector<std::string> args) {
    args.insert(args.begin(), CRM_ADMIN);
    return Must(args).out;
  }
  static std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  std::string Data(const std::string& node) const { return Path(node + "-data"); }

  void Start(const OfficeSpec& office) {
    const std::string lower = Lower(office.code);
    Must({CRM_NODE, "bootstrap-admin", "--data", Data(lower), "--office", office.code, "--currency",
          office.currency, "--time-zone", office.time_zone},
         "admin-password\n");
    const std::string hub = office.parent.empty() ? hq_endpoint_ : sync_endpoints_.at(office.parent);
    const std::string hub_key = Path(office.parent.empty() ? "hq" : Lower(office.parent)) + ".pub";
    std::vector<std::string> args = {CRM_NODE, "serve", "--data", Data(lower), "--office", office.code,
                                     "--currency", office.currency, "--time-zone", office.time_zone,
                                     "--listen", "tcp://127.0.0.1:*", "--endpoint-file",
                                     Path(lower + ".endpoint"), "--hub", hub, "--hub-key", hub_key,
                                     "--key", Path(lower) + ".key"};
    if (office.regional) {
      args.insert(args.end(), {"--serve-sync", "tcp://127.0.0.1:*", "--sync-endpoint-file",
                               Path(lower + ".sync")});
    }
    nodes_.push_back(std::make_unique<Child>(args, Path(lower + ".log")));
    endpoints_[lower] = WaitForLine(Path(lower + ".endpoint"));
    if (office.regional) sync_endpoints_[office.code] = WaitForLine(Path(lower + ".sync"));
    RunResult login = Pos(lower, "admin", {"login", "admin"}, "admin-password\n");
    INFO(login.err);
    REQUIRE(login.exit_code == 0);
  }

  TempDir dir_;
  const std::vector<OfficeSpec> offices_ = {{"LON", "GBP", "Europe/London", "", false},
                                            {"MSK", "RUB", "Europe/Moscow", "", false},
                                            {"REG", "GBP", "Europe/London", "", true},
                                            {"FLD", "GBP", "Europe/London", "REG", false}};
  std::string hq_endpoint_;
  std::unique_ptr<Child> hq_;
  std::vector<std::unique_ptr<Child>> nodes_;
  std::map<std::string, std::string> endpoints_;       // by lower-case code
  std::map<std::string, std::string> sync_endpoints_;  // regional hubs', by code
};

std::string Field(const RunResult& r, const std::string& name) {
  json parsed = json::parse(r.out, nullptr, false);
  return parsed.is_discarded() ? "" : parsed.value(name, std::string());
}

TEST_CASE("one chain: HQ's work, prices, staff, files and status hold across offices and a region",
          "[integration][replication][chain]") {
  Chain chain;
  // Kate, a cashier at LON.
  RunResult kate_added =
      chain.Pos("lon", "admin", {"user", "add", "kate", "--role", "cashier", "--name", "Kate Lee"},
                "kate-password\n");
  INFO(kate_added.err);
  REQUIRE(kate_added.exit_code == 0);
  REQUIRE(chain.Pos("lon", "kate", {"login", "kate"}, "kate-password\n").exit_code == 0);

  // Headquarters' catalogue, written beside the running hub: a price per currency.
  RunResult product = chain.Hq({"product", "add", "LAMP", "--name", "Brass lamp", "--price",
                                "GBP=34.99", "--price", "RUB=3499.00"});
  INFO(product.err);
  REQUIRE(product.exit_code == 0);
  RunResult sold_lon, sold_msk;
  CHECK(Chain::Eventually([&] {
    sold_lon = chain.Pos("lon", "kate", {"sale", "--line", "LAMP:1", "--pay", "cash"});
    return sold_lon.exit_code == 0;
  }));
  CHECK(sold_lon.out.find("TOTAL GBP                                  34.99") != std::string::npos);
  CHECK(Chain::Eventually([&] {
    sold_msk = chain.Pos("msk", "admin", {"sale", "--line", "LAMP:1", "--pay", "cash"});
    return sold_msk.exit_code == 0;
  }));
  INFO(sold_msk.out << sold_msk.err);
  CHECK(sold_msk.out.find("TOTAL RUB                                3499.00") != std::string::npos);

  // A client at LON with a file; HQ gives kate a task about her.
  RunResult client = chain.Pos("lon", "kate", {"--json", "client", "add", "--first", "Olivia",
                                               "--phone", "020 7946 0000"});
  REQUIRE(client.exit_code == 0);
  const std::string olivia = Field(client, "id");
  REQUIRE(!olivia.empty());
  std::string bytes(3 << 20, '\0');
  std::mt19937_64 random(19);
  for (char& c : bytes) c = static_cast<char>(random());
  std::ofstream(chain.Path("scan.bin"), std::ios::binary) << bytes;
  RunResult attached = chain.Pos("lon", "kate", {"attach", olivia, chain.Path("scan.bin")});
  INFO(attached.err);
  REQUIRE(attached.exit_code == 0);
  RunResult summed = Run({"sha256sum", chain.Path("scan.bin")}, "", {}, ".");
  REQUIRE(summed.out.size() >= 64);
  const std::string sha = summed.out.substr(0, 64);

  // The client must be at HQ before HQ can give work about her.
  REQUIRE(Chain::Eventually([&] {
    return chain.Hq({"task", "add", "--office", "LON", "--assignee", "kate", "--client", olivia,
                     "--title", "Offer Olivia the brass lamp"})
               .exit_code == 0;
  }));
  const auto assigned = SteadyClock::now();
  bool queued = false;
  while (!queued && SteadyClock::now() - assigned < std::chrono::seconds(5)) {
    RunResult mine = chain.Pos("lon", "kate", {"tasks", "--mine"});
    queued = mine.out.find("Offer Olivia the brass lamp") != std::string::npos;
    if (!queued) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto delay =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - assigned).count();
  INFO("the task was in kate's queue after " << delay << " ms");
  CHECK(queued);
  CHECK(delay <= 1000);

  // The report at HQ names her.
  CHECK(Chain::Eventually([&] {
    RunResult report = chain.Hq({"report", "sales", "--by", "employee"});
    return report.exit_code == 0 && report.out.find("kate") != std::string::npos;
  }));

  // The file opens at MSK and at the office under the region, equal bytes.
  for (const char* office : {"msk", "fld"}) {
    const std::string out = chain.Path(std::string(office) + "-scan.bin");
    CHECK(Chain::Eventually([&] {
      return chain.Pos(office, "admin", {"file", sha, "--out", out}).exit_code == 0;
    }));
    std::ifstream in(out, std::ios::binary);
    std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(office);
    CHECK(got == bytes);
  }

  // Kate deactivated: her session is refused at once.
  RunResult off = chain.Pos("lon", "admin", {"user", "deactivate", "kate"});
  INFO(off.err);
  REQUIRE(off.exit_code == 0);
  RunResult refused = chain.Pos("lon", "kate", {"tasks", "--mine"});
  CHECK(refused.exit_code != 0);

  // With the hub stopped, its status says so.
  REQUIRE(chain.StopHub() == 0);
  RunResult status = chain.Hq({"status"});
  INFO(status.out);
  CHECK(status.out.find("not running") != std::string::npos);
}

}  // namespace
}  // namespace crm::testing
