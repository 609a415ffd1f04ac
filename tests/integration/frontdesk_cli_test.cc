// Front desk end to end: a real crm-node on a temporary directory, driven by
// the real pos binary, as a cashier at the till would.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <random>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using nlohmann::json;
using testing::RunResult;

class Office {
 public:
  explicit Office(std::vector<std::string> extra_flags = {}) : flags_(std::move(extra_flags)) {
    RunResult bootstrap = testing::Run(
        Flags({CRM_NODE, "bootstrap-admin", "--login", "admin"}), "admin-password\n", {}, dir_.path());
    INFO(bootstrap.err);
    REQUIRE(bootstrap.exit_code == 0);
    Start();
  }

  // Starts the node; `launcher` (a program and its arguments) runs it, if given.
  void Start(std::vector<std::string> launcher = {}) {
    std::filesystem::remove(endpoint_file());
    std::vector<std::string> args = Flags({CRM_NODE, "serve", "--listen", "tcp://127.0.0.1:*",
                                           "--endpoint-file", endpoint_file().string(),
                                           "--workers", "4"});
    launcher.insert(launcher.end(), args.begin(), args.end());
    node_ = std::make_unique<testing::Child>(launcher, dir_.path() / "node.log");
    endpoint_ = testing::WaitForLine(endpoint_file());
  }
  pid_t pid() const { return node_->pid(); }
  std::string Log() const {
    std::ifstream in(dir_.path() / "node.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  // Stops the node with `signal`; returns its exit code.
  int Stop(int signal) { return node_->Stop(signal); }

  RunResult Pos(const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> argv = {CRM_POS};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Run(argv, input,
                        {"POS_NODE=" + endpoint_, "POS_SESSION_FILE=" + (dir_.path() / "session").string(),
                         "POS_TIMEOUT_MS=3000", "TZ=UTC"},
                        dir_.path());
  }

  // Runs a pos command that must succeed; returns its stdout.
  std::string Ok(const std::vector<std::string>& args, const std::string& input = "") {
    RunResult r = Pos(args, input);
    INFO("pos " << args[0] << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }

  json Json(const std::vector<std::string>& args) {
    std::vector<std::string> with_json = {"--json"};
    with_json.insert(with_json.end(), args.begin(), args.end());
    return json::parse(Ok(with_json));
  }

  void Login(const std::string& user, const std::string& password) {
    Ok({"login", user}, password + "\n");
  }

  // The usual set-up: products, a cashier and a manager; logged in as the cashier.
  void SetUpDesk() {
    Login("admin", "admin-password");
    Ok({"product", "add", "MUG", "--name", "Blue mug", "--price", "4.50"});
    Ok({"product", "add", "TEA", "--name", "Earl Grey 100g", "--price", "3.20"});
    Ok({"user", "add", "olga", "--role", "manager"}, "olga-password\n");
    Ok({"user", "add", "kate", "--role", "cashier", "--name", "Kate Lee"}, "kate-password\n");
    Login("kate", "kate-password");
  }

  std::string AddClient(const std::vector<std::string>& options) {
    std::vector<std::string> args = {"client", "add"};
    args.insert(args.end(), options.begin(), options.end());
    return Json(args)["id"];
  }

  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::vector<std::string> Flags(std::vector<std::string> args) const {
    args.insert(args.end(), {"--data", (dir_.path() / "data").string(), "--office", "LON",
                             "--time-zone", "Europe/London", "--currency", "GBP"});
    args.insert(args.end(), flags_.begin(), flags_.end());
    return args;
  }
  std::filesystem::path endpoint_file() const { return dir_.path() / "endpoint"; }

  testing::TempDir dir_;
  std::vector<std::string> flags_;
  std::unique_ptr<testing::Child> node_;
  std::string endpoint_;
};

TEST_CASE("a front-desk day through pos", "[integration][frontdesk]") {
  Office office;
  office.SetUpDesk();

  std::string anna = office.AddClient({"--first", "Анна", "--last", "Петрова", "--phone",
                                       "+7 (912) 345-67-89", "--email", "Anna@Example.com",
                                       "--card", "LON-0001", "--birth", "1990-05-17", "--attr",
                                       "car=Volvo XC60", "--consent", "sms=granted"});
  std::string acme = office.AddClient({"--company", "--company-name", "ACME Ltd", "--phone",
                                       "020 7946 0958"});
  office.Ok({"client", "edit", anna, "--member-of", acme, "--phone", "07911 123456", "--tag",
             "vip", "--remove-email", "anna@example.com", "--email", "anna.p@example.org"});

  // Found in any script and format.
  for (std::string query : {"+79123456789", "07911 123456", "пет", "АННА", "LON-0001",
                            "anna.p@example.org"}) {
    INFO(query);
    json found = office.Json({"find", query});
    REQUIRE(found["clients"].size() == 1);
    CHECK(found["clients"][0]["id"] == anna);
  }
  CHECK(office.Pos({"find", "nobody-like-this"}).exit_code == 4);

  // A sale, printed; its retry with the same request id sells nothing twice.
  std::string sale_text = office.Ok({"sale", "--client", anna, "--line", "MUG:2", "--line",
                                     "TEA:1::0.20", "--pay", "card", "--request-id",
                                     "01M82N00000000000000000000"});
  CHECK(sale_text.find("LON-") != std::string::npos);
  CHECK(sale_text.find("TOTAL GBP") != std::string::npos);
  CHECK(sale_text.find("12.00") != std::string::npos);
  std::string retry = office.Ok({"sale", "--client", anna, "--line", "MUG:2", "--line",
                                 "TEA:1::0.20", "--pay", "card", "--request-id",
                                 "01M82N00000000000000000000"});
  CHECK(retry == sale_text);
  // The same id for another sale is a conflict (exit 6), not the first receipt.
  auto reused = office.Pos({"sale", "--client", anna, "--line", "MUG:5", "--pay", "card",
                            "--request-id", "01M82N00000000000000000000"});
  CHECK(reused.exit_code == 6);
  CHECK(reused.out.find("LON-") == std::string::npos);
  CHECK(reused.err.find("was used before with other content") != std::string::npos);
  json credit_sale = office.Json({"sale", "--client", anna, "--line", "MUG:1", "--pay", "credit"});
  std::string second_receipt = credit_sale["receipt"]["sale"]["receiptNo"];

  // A refund takes a manager; a payment on credit reduces what she owes.
  json first_card = office.Json({"card", anna});
  std::string first_receipt = first_card["card"]["sales"][0]["sale"]["receiptNo"];
  CHECK(office.Pos({"refund", first_receipt, "--line", "1:1"}).exit_code == 5);
  office.Login("olga", "olga-password");
  office.Ok({"refund", first_receipt, "--line", "1:1", "--reason", "chipped"});
  office.Login("kate", "kate-password");
  office.Ok({"pay", anna, "2.00", "--method", "cash"});

  office.Ok({"log", anna, "--channel", "call", "--direction", "out", "--summary", "winter tyres"});
  office.Ok({"log", anna, "--channel", "visit", "--summary", "picked up an order"});
  office.Ok({"note", anna, "prefers morning calls"});
  std::string task = office.Json({"task", "add", anna, "--title", "call back", "--due",
                                  "2030-01-15T10:00"})["id"];
  office.Json({"task", "add", anna, "--title", "send the catalogue", "--due", "2030-01-10"});
  // The work queue: kate's open tasks, soonest first, with the client's name.
  json queue = office.Json({"tasks", "--mine"})["tasks"];
  REQUIRE(queue.size() == 2);
  CHECK(queue[0]["task"]["title"] == "send the catalogue");
  CHECK(queue[1]["id"] == task);
  CHECK(queue[1]["client"] == "Анна Петрова");
  CHECK(queue[1]["assigneeLogin"] == "kate");
  CHECK(office.Ok({"tasks", "--overdue"}).find("No open tasks") != std::string::npos);
  office.Ok({"task", "done", task});
  CHECK(office.Json({"tasks"})["tasks"].size() == 1);
  office.Ok({"feedback", anna, "--score", "5", "--comment", "lovely", "--sale", second_receipt});

  std::filesystem::path scan = office.dir() / "passport.txt";
  std::ofstream(scan) << "scan of a passport";
  office.Ok({"attach", anna, scan.string(), "--type", "text/plain"});

  json card = office.Json({"card", anna})["card"];
  CHECK(card["client"]["firstName"] == "Анна");
  CHECK(card["client"]["phones"].size() == 2);
  CHECK(card["client"]["emails"] == json::array({"anna.p@example.org"}));
  CHECK(card["company"]["client"]["companyName"] == "ACME Ltd");
  CHECK(card["sales"].size() == 2);  // the retry added none
  CHECK(card["refunds"].size() == 1);
  CHECK(card["totalSpent"] == "1200");  // 12.00 + 4.50 - 4.50 refunded (Int64 is a JSON string)
  CHECK(card["outstanding"] == "250");
  CHECK(card["interactions"].size() == 2);
  CHECK(card["visitCount"] == 1);
  CHECK(card["notes"].size() == 1);
  REQUIRE(card["tasks"].size() == 2);
  CHECK(card["tasks"][0]["task"]["status"] == "done");
  CHECK(card["feedback"][0]["feedback"]["score"] == 5);
  REQUIRE(card["files"].size() == 1);

  std::filesystem::path copy = office.dir() / "copy.txt";
  office.Ok({"file", card["files"][0]["file"]["sha256"], "--out", copy.string()});
  std::ifstream copied(copy);
  std::string content((std::istreambuf_iterator<char>(copied)), std::istreambuf_iterator<char>());
  CHECK(content == "scan of a passport");

  // The human card shows the figures a cashier looks for.
  std::string human = office.Ok({"card", anna});
  CHECK(human.find("total spent 12.00") != std::string::npos);
  CHECK(human.find("owes 2.50") != std::string::npos);

  json status = office.Json({"status"})["status"];
  CHECK(status["office"] == "LON");
  CHECK(std::stoi(status["unsentChanges"].get<std::string>()) > 10);

  // The interactive shell runs the same commands.
  RunResult shell = office.Pos({"shell"}, "find пет\nreceipt " + second_receipt + "\nexit\n");
  CHECK(shell.exit_code == 0);
  CHECK(shell.out.find("Анна Петрова") != std::string::npos);
  CHECK(shell.out.find(second_receipt) != std::string::npos);

  // The audit log, read while the node runs: its chain verifies, and it
  // names who rang up the sales.
  std::string data = (office.dir() / "data").string();
  RunResult verify = testing::Run({CRM_ADMIN, "audit", "verify", "--data", data}, "", {}, office.dir());
  INFO(verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find("is intact") != std::string::npos);
  RunResult list =
      testing::Run({CRM_ADMIN, "audit", "list", "--data", data, "--last", "500"}, "", {}, office.dir());
  CHECK(list.exit_code == 0);
  CHECK(list.out.find("kate         record a sale") != std::string::npos);
  CHECK(list.out.find("admin        create a user") != std::string::npos);
}

TEST_CASE("bad input gets a clear error naming the field and a non-zero exit",
          "[integration][frontdesk]") {
  Office office({"--max-file-bytes", "1000"});
  office.SetUpDesk();
  std::string anna = office.AddClient({"--first", "Anna", "--phone", "020 7946 0958"});

  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string says;
  };
  std::string big = (office.dir() / "big.bin").string();
  std::ofstream(big) << std::string(5000, 'x');
  std::vector<Case> cases = {
      {{"client", "add", "--first", "Bo", "--phone", "12345"}, 3, "phone"},
      {{"client", "add", "--first", "Bo", "--email", "bo@"}, 3, "email"},
      {{"client", "add", "--first", "Bo", "--birth", "1990-02-30"}, 3, "birthDate"},
      {{"client", "add", "--first", std::string(300, 'x')}, 3, "firstName"},
      {{"client", "add", "--first", "Bo", "--birth", "17.05.1990"}, 3, "--birth"},
      {{"sale", "--client", anna, "--line", "MUG:-2", "--pay", "card"}, 3, "lines[0].quantity"},
      {{"sale", "--client", anna, "--line", "NOPE:1", "--pay", "card"}, 4, "lines[0].sku"},
      {{"sale", "--client", "01M82N00000000000000000000", "--line", "MUG:1", "--pay", "card"}, 4,
       "client"},
      {{"sale", "--client", anna, "--line", "MUG:2", "--pay", "cash:5.00"}, 3,
       "do not cover the total"},
      {{"card", "not-an-id"}, 3, "id"},
      {{"feedback", anna, "--score", "9"}, 3, "score"},
      {{"attach", anna, big}, 8, "content"},
      {{"user", "add", "mallory", "--role", "admin"}, 5, "may not create a user"},
      {{"sale", "--line", "MUG"}, 2, "--pay"},
  };
  for (const Case& c : cases) {
    RunResult r = office.Pos(c.args, "mallory-password\n");
    INFO(c.args[0] << " " << c.args[1] << " -> " << r.exit_code << ": " << r.err);
    CHECK(r.exit_code == c.exit_code);
    CHECK(r.err.find(c.says) != std::string::npos);
  }
  // Nothing of the refused writes was stored.
  json card = office.Json({"card", anna})["card"];
  CHECK(card["sales"].size() == 0);
  CHECK(card["files"].size() == 0);

  RunResult wrong_password = office.Pos({"login", "kate"}, "not-her-password\n");
  CHECK(wrong_password.exit_code == 5);
  CHECK(wrong_password.err.find("wrong login or password") != std::string::npos);
  office.Ok({"logout"});
  RunResult logged_out = office.Pos({"find", "Anna"});
  CHECK(logged_out.exit_code == 5);

  office.Stop(SIGTERM);
  RunResult down = office.Pos({"status"});
  CHECK(down.exit_code == 7);
  CHECK(down.err.find("did not answer") != std::string::npos);
}

TEST_CASE("SIGTERM stops the node cleanly, every acknowledged sale is there after a restart",
          "[integration][frontdesk]") {
  Office office;
  office.SetUpDesk();
  std::vector<std::string> receipts;
  for (int i = 0; i < 5; ++i) {
    receipts.push_back(office.Json({"sale", "--line", "TEA:1", "--pay", "cash"})["receipt"]["sale"]
                           ["receiptNo"]);
  }
  CHECK(office.Stop(SIGTERM) == 0);
  office.Start();
  office.Login("kate", "kate-password");  // sessions end with the process
  for (const std::string& receipt : receipts) {
    INFO(receipt);
    CHECK(office.Json({"receipt", receipt})["receipt"]["sale"]["receiptNo"] == receipt);
  }
  // Numbering goes on after the restart, without reusing a number.
  std::string next = office.Json({"sale", "--line", "TEA:1", "--pay", "cash"})["receipt"]["sale"]
                                ["receiptNo"];
  CHECK(next.substr(next.size() - 4) == "0006");
}

TEST_CASE("one process serves a store: a second crm-node on it refuses, naming the first",
          "[integration][frontdesk][faults]") {
  Office office;
  office.SetUpDesk();
  // (Under `timeout`: a second server that did start would otherwise run on.)
  RunResult second =
      testing::Run({"/usr/bin/timeout", "10", CRM_NODE, "serve", "--data", (office.dir() / "data").string(), "--office", "LON",
                    "--time-zone", "Europe/London", "--currency", "GBP", "--listen",
                    "tcp://127.0.0.1:*"},
                   "", {}, office.dir());
  CHECK(second.exit_code == 1);
  CHECK_THAT(second.err, Catch::Contains("served already by crm-node (process " +
                                         std::to_string(office.pid()) + ")"));
  // The first goes on serving.
  CHECK(office.Json({"sale", "--line", "TEA:1", "--pay", "cash"})["receipt"]["sale"]["total"] == "320");
  // Once it stops, another may serve the store.
  CHECK(office.Stop(SIGTERM) == 0);
  office.Start();
  office.Login("kate", "kate-password");
  CHECK(office.Json({"sale", "--line", "TEA:1", "--pay", "cash"})["receipt"]["sale"]["total"] == "320");
}

TEST_CASE("crm-node needs --data: it never makes a store in the directory it runs in",
          "[integration][frontdesk][faults]") {
  testing::TempDir dir;
  auto listing = [&] {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
      names.insert(entry.path().filename().string());
    }
    return names;
  };
  const std::vector<std::vector<std::string>> commands = {
      {"/usr/bin/env", "-C", dir.path().string(), "/usr/bin/timeout", "10", CRM_NODE, "serve",
       "--listen", "tcp://127.0.0.1:*"},
      {"/usr/bin/env", "-C", dir.path().string(), "/usr/bin/timeout", "10", CRM_NODE,
       "bootstrap-admin", "--login", "admin"}};
  for (const std::vector<std::string>& command : commands) {
    INFO(command[6]);
    RunResult run = testing::Run(command, "admin-password\n", {}, dir.path());
    CHECK(run.exit_code != 0);
    CHECK_THAT(run.err, Catch::Contains("--data is required"));
  }
  // Only what the test itself wrote there (the commands' input and errors).
  CHECK(listing() == std::set<std::string>{"stdin.txt", "stderr.txt"});
  CHECK_FALSE(std::filesystem::exists(dir.path() / "crm-data"));
}

TEST_CASE("a store keeps the office code it was made for: serving it as another office is refused",
          "[integration][frontdesk]") {
  Office office;
  office.SetUpDesk();
  CHECK(office.Stop(SIGTERM) == 0);
  std::string data = (office.dir() / "data").string();
  for (const char* command : {"serve", "bootstrap-admin"}) {
    RunResult as_msk = testing::Run({"/usr/bin/timeout", "10", CRM_NODE, command, "--data", data,
                                     "--office", "MSK", "--time-zone", "Europe/Moscow", "--currency",
                                     "RUB", "--listen", "tcp://127.0.0.1:*"},
                                    "password-of-msk\n", {}, office.dir());
    INFO(command);
    CHECK(as_msk.exit_code == 1);
    CHECK_THAT(as_msk.err, Catch::Contains("this store is office LON's and cannot serve as MSK"));
  }
  office.Start();
  office.Login("kate", "kate-password");
  std::string receipt =
      office.Json({"sale", "--line", "TEA:1", "--pay", "cash"})["receipt"]["sale"]["receiptNo"];
  CHECK(receipt.substr(0, 4) == "LON-");
}

TEST_CASE("crm-admin clock shows a store's newest stamp and repairs only a stopped node's store",
          "[integration][frontdesk][clock]") {
  Office office;
  office.SetUpDesk();
  std::string data = (office.dir() / "data").string();
  RunResult busy = testing::Run({CRM_ADMIN, "clock", "repair", "--data", data}, "", {}, office.dir());
  CHECK(busy.exit_code == 1);
  CHECK_THAT(busy.err, Catch::Contains("served already by crm-node"));
  CHECK(office.Stop(SIGTERM) == 0);
  RunResult shown = testing::Run({CRM_ADMIN, "clock", "show", "--data", data}, "", {}, office.dir());
  CHECK(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::Contains("newest stamp"));
  CHECK_THAT(shown.out, Catch::Contains("this clock"));
  RunResult nothing = testing::Run({CRM_ADMIN, "clock", "repair", "--data", data}, "", {}, office.dir());
  CHECK(nothing.exit_code == 0);
  CHECK_THAT(nothing.out, Catch::Contains("nothing to repair"));
}

TEST_CASE("exports and reports that hold clients are written readable by their owner only",
          "[integration][frontdesk]") {
  Office office;
  office.SetUpDesk();
  office.AddClient({"--first", "Anna", "--last", "Petrova", "--email", "anna@example.org"});
  office.Json({"sale", "--line", "TEA:1", "--pay", "cash"});
  CHECK(office.Stop(SIGTERM) == 0);
  std::string data = (office.dir() / "data").string();
  std::filesystem::path clients = office.dir() / "clients.csv";
  std::filesystem::path sales = office.dir() / "sales.csv";
  std::filesystem::path page = office.dir() / "report.html";
  // A file already there, readable by all, is made private too.
  std::ofstream(page) << "old";
  std::filesystem::permissions(page, std::filesystem::perms::all);
  for (auto args : std::vector<std::vector<std::string>>{
           {CRM_ADMIN, "export", "clients", "--data", data, "--out", clients.string()},
           {CRM_ADMIN, "export", "sales", "--data", data, "--out", sales.string()},
           {CRM_HQ, "report", "html", "--data", data, "--out", page.string()}}) {
    RunResult run = testing::Run(args, "", {"TZ=UTC"}, office.dir());
    INFO(args[1] << " " << args[2] << ": " << run.err);
    REQUIRE(run.exit_code == 0);
  }
  for (const auto& file : {clients, sales, page}) {
    INFO(file);
    CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  }
  std::ifstream in(clients);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("anna@example.org") != std::string::npos);
}

TEST_CASE("a node whose disk fills refuses changes with a clear error, serves reads, loses nothing and goes on when space returns",
          "[integration][frontdesk][faults]") {
  Office office;
  office.SetUpDesk();
  std::string anna = office.AddClient({"--first", "Anna", "--last", "Petrova"});
  std::filesystem::path store = office.dir() / "data" / "data.mdb";
  CHECK(office.Stop(SIGTERM) == 0);

  // The store's file may grow by 2 MiB more: the disk is full after that
  // (a file size limit: the write fails with EFBIG, as with ENOSPC).
  uintmax_t limit = std::filesystem::file_size(store) + (2u << 20);
  office.Start({"/usr/bin/prlimit", "--fsize=" + std::to_string(limit) + ":unlimited"});
  office.Login("kate", "kate-password");
  std::mt19937 random(7);
  auto scan = [&](int i) {
    std::filesystem::path path = office.dir() / ("scan-" + std::to_string(i) + ".bin");
    std::string bytes(256u << 10, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  };
  size_t acknowledged = 0;
  RunResult refused;
  std::string refused_file;
  for (int i = 0; i < 40 && refused.exit_code != 1; ++i) {
    std::string file = scan(i);
    RunResult r = office.Pos({"attach", anna, file});
    if (r.exit_code == 0) {
      ++acknowledged;
    } else {
      refused = r;
      refused_file = file;
      break;
    }
  }
  REQUIRE_FALSE(refused_file.empty());  // the disk filled
  CHECK(acknowledged >= 3);
  INFO(refused.err);
  CHECK(refused.err.find("the disk is full") != std::string::npos);

  // Reads go on, and show exactly what was acknowledged.
  CHECK(office.Json({"card", anna})["card"]["files"].size() == acknowledged);
  CHECK(office.Json({"find", "Petrova"})["clients"].size() == 1);

  // Space returns: the same node takes the refused file now.
  RunResult freed = testing::Run(
      {"/usr/bin/prlimit", "--pid", std::to_string(office.pid()), "--fsize=unlimited"}, "", {},
      office.dir());
  INFO(freed.err << office.Log());
  REQUIRE(freed.exit_code == 0);
  RunResult again = office.Pos({"attach", anna, refused_file});
  INFO(again.err);
  CHECK(again.exit_code == 0);

  // Nothing acknowledged is lost, even with a kill -9 now.
  CHECK(office.Stop(SIGKILL) == -SIGKILL);
  office.Start();
  office.Login("kate", "kate-password");
  CHECK(office.Json({"card", anna})["card"]["files"].size() == acknowledged + 1);
}

TEST_CASE("crm-node reads its settings from a config file", "[integration][frontdesk]") {
  testing::TempDir dir;
  std::filesystem::path config = dir.path() / "node.toml";
  std::ofstream(config) << "data = \"" << (dir.path() / "data").string() << "\"\n"
                        << "office = \"MSK\"\ntime-zone = \"Europe/Moscow\"\n"
                        << "currency = \"RUB\"\nphone-region = \"RU\"\n"
                        << "listen = \"tcp://127.0.0.1:*\"\n"
                        << "endpoint-file = \"" << (dir.path() / "endpoint").string() << "\"\n";
  RunResult bootstrap = testing::Run({CRM_NODE, "bootstrap-admin", "--config", config.string()},
                                     "admin-password\n", {}, dir.path());
  REQUIRE(bootstrap.exit_code == 0);
  testing::Child node({CRM_NODE, "serve", "--config", config.string()}, dir.path() / "node.log");
  std::string endpoint = testing::WaitForLine(dir.path() / "endpoint");
  std::vector<std::string> env = {"POS_NODE=" + endpoint,
                                  "POS_SESSION_FILE=" + (dir.path() / "session").string()};
  REQUIRE(testing::Run({CRM_POS, "login", "admin"}, "admin-password\n", env, dir.path()).exit_code == 0);
  RunResult status = testing::Run({CRM_POS, "--json", "status"}, "", env, dir.path());
  json parsed = json::parse(status.out);
  CHECK(parsed["status"]["office"] == "MSK");
  CHECK(parsed["status"]["currency"] == "RUB");
  CHECK(parsed["status"]["timeZone"] == "Europe/Moscow");
  // A phone without a country code is read as Russian here.
  RunResult added = testing::Run({CRM_POS, "client", "add", "--first", "Пётр", "--phone", "8 912 345 67 89"},
                                 "", env, dir.path());
  CHECK(added.exit_code == 0);
  RunResult found = testing::Run({CRM_POS, "find", "+79123456789"}, "", env, dir.path());
  CHECK(found.out.find("Пётр") != std::string::npos);
}

TEST_CASE("crm-hq report credit: what each client owes on account, and what is overdue",
          "[integration][frontdesk][reports]") {
  Office office;
  office.SetUpDesk();
  std::string anna = office.AddClient({"--first", "Anna", "--last", "Lee", "--card", "C-1"});
  std::string boris = office.AddClient({"--first", "Boris", "--card", "C-2"});
  std::string chen = office.AddClient({"--first", "Chen", "--card", "C-3"});
  office.Ok({"sale", "--client", anna, "--line", "MUG:2", "--pay", "credit"});            // 9.00 on account
  office.Ok({"sale", "--client", anna, "--line", "TEA:1", "--pay", "credit"});            // 3.20
  office.Ok({"sale", "--client", anna, "--line", "MUG:1", "--pay", "card"});              // not on account
  office.Ok({"pay", anna, "5.00"});                                                       // settles the oldest
  office.Ok({"sale", "--client", boris, "--line", "MUG:1", "--pay", "credit"});           // 4.50
  office.Ok({"pay", boris, "4.50", "--method", "transfer"});                              // all of it
  json chens = office.Json({"sale", "--client", chen, "--line", "TEA:2", "--pay", "credit:4.00", "--pay", "cash"});
  office.Login("olga", "olga-password");
  office.Ok({"refund", chens["receipt"]["sale"]["receiptNo"], "--line", "1:1", "--method", "credit"});  // 3.20 back

  auto report = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {CRM_HQ, "report", "credit", "--data", (office.dir() / "data").string(),
                                     "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = testing::Run(argv, "", {}, office.dir());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  };
  // Long after: everything unpaid is past its 30 days.
  json later = report({"--as-of", "2030-01-01"});
  REQUIRE(later.size() == 2);  // Boris paid it all
  CHECK(later[0]["card"] == "C-1");
  CHECK(later[0]["outstanding_minor"] == 900 + 320 - 500);
  CHECK(later[0]["overdue_minor"] == 720);
  CHECK(later[0]["office"] == "LON");
  CHECK(later[1]["card"] == "C-3");
  CHECK(later[1]["outstanding_minor"] == 400 - 320);
  CHECK(later[1]["overdue_minor"] == 80);
  // Now: nothing is 30 days old yet, but all of it is owed.
  json now = report({});
  REQUIRE(now.size() == 2);
  CHECK(now[0]["outstanding_minor"] == 720);
  CHECK(now[0]["overdue_minor"] == 0);
  CHECK(now[0]["oldest_due_ms"].get<int64_t>() > 0);
  // Before any of it happened: nobody owed anything.
  CHECK(report({"--as-of", "2001-01-01"}).empty());
  // A bad date is named.
  RunResult bad = testing::Run({CRM_HQ, "report", "credit", "--data", (office.dir() / "data").string(),
                                "--as-of", "2030-13-01"},
                               "", {}, office.dir());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("as-of") != std::string::npos);
}

TEST_CASE("deals move along the pipeline, and crm-hq shows where they drop out",
          "[integration][frontdesk][reports]") {
  Office office;
  office.SetUpDesk();
  std::string anna = office.AddClient({"--first", "Anna", "--card", "C-1"});
  auto open = [&](const std::string& amount, const std::string& stage) -> std::string {
    return office.Json({"deal", "open", anna, "--title", "fleet of mugs", "--amount", amount, "--stage", stage})["id"];
  };
  std::string won = open("100", "lead");
  office.Ok({"deal", "move", won, "qualified"});
  office.Ok({"deal", "move", won, "proposal"});
  office.Ok({"deal", "move", won, "won"});
  std::string lost_early = open("200", "lead");
  office.Ok({"deal", "move", lost_early, "qualified"});
  office.Ok({"deal", "move", lost_early, "lost"});
  std::string lost_late = open("300", "proposal");  // came in at proposal: the stages before count as passed
  office.Ok({"deal", "move", lost_late, "negotiation"});
  office.Ok({"deal", "move", lost_late, "lost"});
  open("400", "lead");
  open("500", "qualified");

  RunResult closed = office.Pos({"deal", "move", won, "negotiation"});
  CHECK(closed.exit_code == 6);
  CHECK(closed.err.find("closed") != std::string::npos);
  CHECK(office.Pos({"deal", "move", won, "sideways"}).exit_code != 0);
  CHECK(office.Pos({"deal", "open", anna, "--title", "x", "--amount", "-5"}).exit_code != 0);
  // An amount that sums of deals could not hold is refused, naming the bound.
  RunResult huge = office.Pos({"deal", "open", anna, "--title", "x", "--amount", "92233720368547758.07"});
  CHECK(huge.exit_code == 3);
  CHECK(huge.err.find("is 0 to 10000000000000.00 GBP") != std::string::npos);

  RunResult r = testing::Run({CRM_HQ, "report", "effectiveness", "--of", "deals", "--data",
                              (office.dir() / "data").string(), "--json"},
                             "", {}, office.dir());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json steps = json::parse(r.out);
  REQUIRE(steps.size() == 5);
  auto step = [&](size_t i) {
    return std::vector<int64_t>{steps[i]["reached"], steps[i]["open_here"], steps[i]["lost_here"],
                                steps[i]["amount_reached_minor"]};
  };
  CHECK(steps[0]["stage"] == "lead");
  CHECK(step(0) == std::vector<int64_t>{5, 1, 0, 150000});
  CHECK(step(1) == std::vector<int64_t>{4, 1, 1, 110000});  // qualified: all but the open lead
  CHECK(step(2) == std::vector<int64_t>{2, 0, 0, 40000});   // proposal: the won one and the late loss
  CHECK(step(3) == std::vector<int64_t>{2, 0, 1, 40000});   // negotiation: lost there once
  CHECK(steps[4]["stage"] == "won");
  CHECK(step(4) == std::vector<int64_t>{1, 0, 0, 10000});
}

TEST_CASE("a price or discount beyond a cashier's limit takes a manager's approval at the till",
          "[integration][frontdesk][approval]") {
  Office office;
  office.SetUpDesk();
  office.Login("admin", "admin-password");
  office.Ok({"product", "add", "PEN", "--name", "Fountain pen", "--price", "10.00"});
  office.Ok({"user", "add", "ivan", "--role", "cashier"}, "ivan-password\n");
  office.Login("kate", "kate-password");

  // 0.01 for a 10.00 pen: refused, naming the line, the limit and what to do.
  RunResult alone = office.Pos({"sale", "--line", "PEN:1:0.01", "--pay", "cash"});
  CHECK(alone.exit_code == 5);
  CHECK(alone.err.find("lines[0].unitPrice: line 1 (PEN): a unit price of 0.01 is 99.9% below "
                       "the catalogue's 10.00; a cashier may cut a price by at most 0% at LON: "
                       "that takes a manager's approval (--approve-by LOGIN)") !=
        std::string::npos);
  // The manager types their password for it; a wrong one, or a cashier's, does not do.
  RunResult wrong =
      office.Pos({"sale", "--line", "PEN:1:0.01", "--pay", "cash", "--approve-by", "olga"},
                 "not-olgas-password\n");
  CHECK(wrong.exit_code == 5);
  CHECK(wrong.err.find("wrong login or password for the approval") != std::string::npos);
  RunResult by_cashier = office.Pos(
      {"sale", "--line", "PEN:1:0.01", "--pay", "cash", "--approve-by", "ivan"}, "ivan-password\n");
  CHECK(by_cashier.exit_code == 5);
  CHECK(by_cashier.err.find("ivan (a cashier) may approve at most 0%") != std::string::npos);
  RunResult no_password =
      office.Pos({"sale", "--line", "PEN:1:0.01", "--pay", "cash", "--approve-by", "olga"});
  CHECK(no_password.exit_code == 3);

  std::string approved = office.Ok(
      {"sale", "--line", "PEN:1:0.01", "--pay", "cash", "--approve-by", "olga"}, "olga-password\n");
  INFO(approved);
  CHECK(approved.find("LON-") == 0);  // the first receipt: the refusals used no number
  std::string total = approved.substr(approved.find("TOTAL GBP"));
  CHECK(total.substr(0, total.find('\n')).find(" 0.01") != std::string::npos);
  CHECK(approved.find("approved by olga") != std::string::npos);
  std::string receipt = approved.substr(0, approved.find(' '));
  CHECK(office.Json({"receipt", receipt})["receipt"]["approvedBy"] == "olga");

  // The README's tour: 0.50 off two lanterns at 3.39 is within a cashier's 10%.
  office.Login("admin", "admin-password");
  office.Ok({"product", "add", "71053", "--name", "WHITE METAL LANTERN", "--price", "3.39"});
  office.Login("kate", "kate-password");
  json tour = office.Json({"sale", "--line", "71053:2::0.50", "--pay", "card"});
  CHECK(tour["receipt"]["sale"]["total"] == "628");
  CHECK_FALSE(tour["receipt"].contains("approvedBy"));
  CHECK(office.Pos({"sale", "--line", "71053:2::0.70", "--pay", "card"}).exit_code == 5);

  // The audit names both; no password is in it.
  RunResult audit = testing::Run(
      {CRM_ADMIN, "audit", "list", "--data", (office.dir() / "data").string(), "--last", "50"}, "",
      {}, office.dir());
  INFO(audit.out);
  CHECK(audit.out.find("kate         record a sale, approved by olga") != std::string::npos);
  CHECK(
      audit.out.find(
          "kate         REFUSED approve a sale, approver olga (wrong password, from 127.0.0.1)") !=
      std::string::npos);
  CHECK(audit.out.find("kate         REFUSED record a sale, approver ivan (line 1 (PEN)") !=
        std::string::npos);
  CHECK(audit.out.find("olga-password") == std::string::npos);
}

// The ids `pos find QUERY` prints, as a set.
std::set<std::string> FoundIds(Office& office, const std::string& query) {
  json found = office.Json({"find", query});
  std::set<std::string> ids;
  for (const json& client : found["clients"]) ids.insert(client["id"].get<std::string>());
  return ids;
}

TEST_CASE("pos find reads digits of any script and finds names across scripts", "[integration][frontdesk][search]") {
  Office office;
  office.SetUpDesk();
  // A phone typed in Persian digits is found by Persian digits and by ASCII
  // digits; one typed in ASCII digits by Persian and Arabic-Indic digits.
  std::string sara = office.AddClient({"--first", "Sara", "--last", "Karimi", "--phone", "۰۷۴۰۰ ۱۲۳۴۵۶"});
  std::string omid = office.AddClient({"--first", "Omid", "--last", "Rahimi", "--phone", "07400 654321"});
  CHECK(office.Json({"card", sara})["card"]["client"]["phones"] == json::array({"+447400123456"}));
  for (std::string query : {"۰۷۴۰۰ ۱۲۳۴۵۶", "07400 123456", "+۴۴ ۷۴۰۰ ۱۲۳ ۴۵۶"}) {
    INFO(query);
    CHECK(FoundIds(office, query) == std::set<std::string>{sara});
  }
  for (std::string query : {"۰۷۴۰۰ ۶۵۴۳۲۱", "٠٧٤٠٠ ٦٥٤٣٢١", "०७४०० ६५४३२१", "07400 654321"}) {
    INFO(query);
    CHECK(FoundIds(office, query) == std::set<std::string>{omid});
  }
  // A card number typed in Persian digits.
  std::string carded = office.AddClient({"--first", "Leila", "--last", "Ahmadi", "--card", "7001"});
  CHECK(FoundIds(office, "۷۰۰۱") == std::set<std::string>{carded});

  // A Latin query finds Cyrillic, Greek and Persian names, and back.
  std::string petrova = office.AddClient({"--first", "Анна", "--last", "Петрова"});
  std::string latin_petrova = office.AddClient({"--first", "Olga", "--last", "Petrova"});
  std::string eleni = office.AddClient({"--first", "Ελένη", "--last", "Γεωργίου"});
  std::string maryam = office.AddClient({"--first", "مریم", "--last", "حسینی"});
  std::string latin_maryam = office.AddClient({"--first", "Maryam", "--last", "Jones"});
  CHECK(FoundIds(office, "petr") == std::set<std::string>{petrova, latin_petrova});
  CHECK(FoundIds(office, "Петр") == std::set<std::string>{petrova, latin_petrova});
  CHECK(FoundIds(office, "anna petrova") == std::set<std::string>{petrova});
  CHECK(FoundIds(office, "eleni") == std::set<std::string>{eleni});
  CHECK(FoundIds(office, "georgiou") == std::set<std::string>{eleni});
  CHECK(FoundIds(office, "maryam") == std::set<std::string>{maryam, latin_maryam});
  CHECK(FoundIds(office, "مریم") == std::set<std::string>{maryam, latin_maryam});
  CHECK(office.Ok({"find", "petr"}).find("Петрова") != std::string::npos);
}

TEST_CASE("pos duplicates lists clients with the same name and birth date or address, with the reason",
          "[integration][frontdesk][search]") {
  Office office;
  office.SetUpDesk();
  std::string helen = office.AddClient(
      {"--first", "Helen", "--last", "Brown", "--birth", "1979-05-05", "--phone", "07400 111111"});
  std::string helen_again = office.AddClient(
      {"--first", "helen", "--last", "BROWN", "--birth", "1979-05-05", "--phone", "07400 222222"});
  office.AddClient({"--first", "Helen", "--last", "Brown", "--birth", "1981-02-03", "--phone", "07400 333333"});
  std::string tom = office.AddClient({"--first", "Tom", "--last", "Hill", "--street", "12 Baker Street",
                                      "--city", "London"});
  std::string ann = office.AddClient({"--first", "Ann", "--last", "Hill", "--street", "12 BAKER STREET",
                                      "--city", "london"});
  std::string zoe = office.AddClient({"--first", "Zoe", "--last", "Smith", "--phone", "07400 444444"});
  std::string zoe_again = office.AddClient({"--first", "Zoë", "--last", "Smyth", "--phone", "+44 7400 444444"});

  // A cashier may not look; a manager may.
  CHECK(office.Pos({"duplicates"}).exit_code != 0);
  office.Login("olga", "olga-password");
  json pairs = office.Json({"duplicates"})["duplicates"];
  std::map<std::set<std::string>, std::string> reasons;
  for (const json& pair : pairs) {
    reasons[{pair["first"]["id"].get<std::string>(), pair["second"]["id"].get<std::string>()}] = pair["reason"];
  }
  INFO(pairs.dump());
  CHECK(reasons.size() == 3);
  CHECK(reasons[{helen, helen_again}] == "same name and birth date");
  CHECK(reasons[{tom, ann}] == "same address");
  CHECK(reasons[{zoe, zoe_again}] == "same phone");
  std::string table = office.Ok({"duplicates"});
  CHECK(table.find("REASON") != std::string::npos);
  CHECK(table.find("same name and birth date") != std::string::npos);
  CHECK(table.find("same address") != std::string::npos);
  CHECK(table.find("same phone") != std::string::npos);
}

}  // namespace
}  // namespace crm
