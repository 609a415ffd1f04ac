// A hub and offices as real processes for multi-process tests: crm-hq and
// crm-node over ZeroMQ CURVE on loopback, driven by pos and crm-admin, in a
// temporary directory. Needs CRM_NODE, CRM_POS, CRM_HQ and CRM_ADMIN defined
// as the binaries' paths.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace crm::testing {

class Network {
  using json = nlohmann::json;


 public:
  // `hub_flags`: extra options for crm-hq serve. With `web`, the hub serves
  // its dashboard and each office its browser front desk (see WebUrl).
  // `currencies`: what each office sells in (office -> ISO 4217), GBP for
  // those not named. Headquarters adds the product MUG at 4.50 in GBP (and
  // 450.00 in RUB) and every enrolled office has it before this returns.
  explicit Network(std::vector<std::string> hub_flags = {}, bool web = false,
                   std::map<std::string, std::string> currencies = {})
      : hub_flags_(std::move(hub_flags)), web_(web), currencies_(std::move(currencies)) {
    for (const char* name : {"hq", "lon", "msk", "rogue"}) {
      REQUIRE(Admin({"keygen", "--out", Path(name).string()}).exit_code == 0);
    }
    for (const char* office : {"lon", "msk"}) {
      std::string node = Trim(Admin({"node-id", "--data", Data(office)}).out);
      RunResult enrolled = Admin({"enroll", "--hub-data", Data("hq"), "--office", Upper(office),
                                  "--node-id", node, "--public-key", Path(office).string() + ".pub",
                                  "--currency", Currency(office)});
      INFO(enrolled.err);
      REQUIRE(enrolled.exit_code == 0);
    }
    StartHub();
    for (const char* office : {"lon", "msk", "rogue"}) {
      RunResult bootstrap = Run({CRM_NODE, "bootstrap-admin", "--data", Data(office),
                                          "--office", Upper(office)},
                                         "admin-password\n", {}, dir_.path());
      REQUIRE(bootstrap.exit_code == 0);
      StartOffice(office);
      Pos(office, {"login", "admin"}, "admin-password\n");
    }
    AddProduct("MUG", "Blue mug", {"GBP=4.50", "RUB=450.00"});
  }

  // Headquarters adds a product (`crm-hq product add` beside the running
  // hub) with `prices` ("GBP=10.00" ...); returns once LON and MSK list it.
  void AddProduct(const std::string& sku, const std::string& name,
                  const std::vector<std::string>& prices) {
    std::vector<std::string> args = {"product", "add", sku, "--name", name};
    for (const std::string& price : prices) args.insert(args.end(), {"--price", price});
    RunResult added = Hq(args);
    INFO(added.err);
    REQUIRE(added.exit_code == 0);
    for (const char* office : {"lon", "msk"}) {
      REQUIRE(Eventually([&] {
        RunResult listed = Try(office, {"product", "list"});
        return listed.exit_code == 0 && listed.out.find(sku + " ") != std::string::npos;
      }));
    }
  }
  // What `office` sells in.
  std::string Currency(const std::string& office) const {
    auto found = currencies_.find(office);
    return found == currencies_.end() ? "GBP" : found->second;
  }

  void StartHub() {
    std::filesystem::remove(Path("hq.endpoint"));
    std::vector<std::string> args = {CRM_HQ, "serve", "--data", Data("hq"), "--key",
                                     Path("hq").string() + ".key", "--endpoint-file",
                                     Path("hq.endpoint").string()};
    if (!hub_endpoint_.empty()) args.insert(args.end(), {"--listen", hub_endpoint_});
    else args.insert(args.end(), {"--listen", "tcp://127.0.0.1:*"});
    args.insert(args.end(), hub_flags_.begin(), hub_flags_.end());
    if (web_) WebFlags("hq", args);
    hub_ = std::make_unique<Child>(args, Path("hq.log"));
    hub_endpoint_ = WaitForLine(Path("hq.endpoint"));
    if (web_) web_urls_["hq"] = WaitForLine(Path("hq.web"));
  }
  int StopHub(int signal) { return hub_->Stop(signal); }

  // Starts the office's node, linked to the hub at `hub_endpoint` (the hub's
  // own endpoint by default; a fault proxy's to go through one); without
  // `linked`, with no hub at all.
  void StartOffice(const std::string& office, std::string hub_endpoint = "", bool linked = true) {
    if (hub_endpoint.empty()) hub_endpoint = hub_endpoint_;
    std::filesystem::remove(Path(office + ".endpoint"));
    std::vector<std::string> args = {CRM_NODE, "serve", "--data", Data(office), "--office", Upper(office),
                                     "--currency", Currency(office),
                                     "--listen", "tcp://127.0.0.1:*", "--endpoint-file",
                                     Path(office + ".endpoint").string()};
    if (linked) {
      args.insert(args.end(), {"--hub", hub_endpoint, "--hub-key", Path("hq").string() + ".pub",
                               "--key", Path(office).string() + ".key"});
    }
    if (web_) WebFlags(office, args);
    if (auto extra = office_flags_.find(office); extra != office_flags_.end()) {
      args.insert(args.end(), extra->second.begin(), extra->second.end());
    }
    nodes_[office] = std::make_unique<Child>(args, Path(office + ".log"));
    endpoints_[office] = WaitForLine(Path(office + ".endpoint"));
    if (web_) web_urls_[office] = WaitForLine(Path(office + ".web"));
  }
  int StopOffice(const std::string& office, int signal) { return nodes_[office]->Stop(signal); }
  // Extra options for crm-node serve of `office` from its next start
  // (--time-zone, --max-file-bytes ...).
  void SetOfficeFlags(const std::string& office, std::vector<std::string> flags) {
    office_flags_[office] = std::move(flags);
  }

  // A new office: its keys, its enrollment at the hub, its first admin, and
  // its node started and logged in.
  void AddOffice(const std::string& office) {
    REQUIRE(Admin({"keygen", "--out", Path(office).string()}).exit_code == 0);
    std::string node = Trim(Admin({"node-id", "--data", Data(office)}).out);
    REQUIRE(Admin({"enroll", "--hub-data", Data("hq"), "--office", Upper(office), "--node-id", node,
                   "--public-key", Path(office).string() + ".pub", "--currency", Currency(office)})
                .exit_code == 0);
    REQUIRE(Run({CRM_NODE, "bootstrap-admin", "--data", Data(office), "--office",
                          Upper(office)},
                         "admin-password\n", {}, dir_.path())
                .exit_code == 0);
    StartOffice(office);
    Pos(office, {"login", "admin"}, "admin-password\n");
  }
  RunResult Hq(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CRM_HQ};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--data", Data("hq")});
    return Run(argv, "", {}, dir_.path());
  }
  json HubStatus() {
    std::ifstream in(Data("hq") + "/hub-status.json");
    json status = json::parse(in, nullptr, false);
    return status.is_discarded() ? json::object() : status;
  }

  RunResult Try(const std::string& office, const std::vector<std::string>& args,
                const std::string& input = "") {
    std::vector<std::string> argv = {CRM_POS};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, input,
                        {"POS_NODE=" + endpoints_[office],
                         "POS_SESSION_FILE=" + Path(office + ".session").string(),
                         "POS_TIMEOUT_MS=10000"},
                        dir_.path());
  }
  std::string Pos(const std::string& office, const std::vector<std::string>& args,
                  const std::string& input = "") {
    RunResult r = Try(office, args, input);
    INFO(office << ": pos " << args[0] << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
  json Json(const std::string& office, std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    return json::parse(Pos(office, args));
  }

  // Polls `check` for up to 20 s.
  bool Eventually(const std::function<bool()>& check) {
    for (int i = 0; i < 200; ++i) {
      if (check()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::string Digest(const std::string& node) {
    return Trim(Admin({"digest", "--data", Data(node)}).out);
  }
  bool Converged() {
    std::string hq = Digest("hq");
    return !hq.empty() && Digest("lon") == hq && Digest("msk") == hq;
  }
  std::string Log(const std::string& name) {
    std::ifstream in(Path(name + ".log"));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  RunResult Admin(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CRM_ADMIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, "", {}, dir_.path());
  }

 private:
  static std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  void WebFlags(const std::string& node, std::vector<std::string>& args) {
    std::filesystem::remove(Path(node + ".web"));
    args.insert(args.end(), {"--web", "127.0.0.1:0", "--web-endpoint-file", Path(node + ".web").string()});
  }
  static std::string Upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }

 public:
  // A file in the test's directory.
  std::filesystem::path Path(const std::string& name) const { return dir_.path() / name; }
  const std::string& hub_endpoint() const { return hub_endpoint_; }
  // The browser page of "hq" or an office (a Network made with `web`).
  const std::string& WebUrl(const std::string& node) { return web_urls_.at(node); }
  std::string Data(const std::string& node) const { return (dir_.path() / (node + "-data")).string(); }

 private:

  TempDir dir_;
  std::vector<std::string> hub_flags_;
  bool web_ = false;
  std::map<std::string, std::string> currencies_;
  std::map<std::string, std::string> web_urls_;
  std::map<std::string, std::vector<std::string>> office_flags_;
  std::string hub_endpoint_;
  std::unique_ptr<Child> hub_;
  std::map<std::string, std::unique_ptr<Child>> nodes_;
  std::map<std::string, std::string> endpoints_;
};

inline bool Found(Network& net, const std::string& office, const std::string& query) {
  RunResult r = net.Try(office, {"--json", "find", query});
  return r.exit_code == 0 && !nlohmann::json::parse(r.out)["clients"].empty();
}

}  // namespace crm::testing
