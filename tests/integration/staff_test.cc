// Staff across the chain, as real processes on loopback: a user made at an
// office reaches headquarters (reports name her), headquarters gives her a
// task that is in her work queue within a second, and headquarters'
// deactivation, reactivation and password reset reach her session at the
// office.
#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "sync/base/id.h"
#include "tests/support/network.h"
#include "tests/support/till.h"

namespace crm::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// The managers' dashboard's JSON API, logged in.
class Dashboard {
 public:
  Dashboard(const std::string& url, const std::string& login, const std::string& password) {
    // url: http://127.0.0.1:PORT/
    std::string rest = url.substr(url.find("//") + 2);
    host_ = rest.substr(0, rest.find('/'));
    client_ = std::make_unique<httplib::Client>("http://" + host_);
    auto res = client_->Post("/api/login", json{{"login", login}, {"password", password}}.dump(),
                             "application/json");
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    std::string cookie = res->get_header_value("Set-Cookie");
    cookie_ = cookie.substr(0, cookie.find(';'));
  }

  // POST /api/<operation> with `body`; the HTTP status and the answer.
  std::pair<int, json> Call(const std::string& operation, const json& body) {
    httplib::Headers headers = {{"Cookie", cookie_},
                                {"Idempotency-Key", Id::Generate(NowMs()).ToString()}};
    auto res = client_->Post("/api/" + operation, headers, body.dump(), "application/json");
    REQUIRE(res);
    return {res->status, json::parse(res->body, nullptr, false)};
  }

 private:
  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::string host_;
  std::string cookie_;
  std::unique_ptr<httplib::Client> client_;
};

bool Eventually(const std::function<bool()>& check, std::chrono::milliseconds within,
                std::chrono::milliseconds every = std::chrono::milliseconds(50)) {
  const auto deadline = Clock::now() + within;
  for (;;) {
    if (check()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

TEST_CASE("an office's user is named at headquarters, gets its tasks within a second, and is "
          "deactivated, reactivated and reset from there",
          "[integration][replication][users]") {
  Network net({}, /*web=*/true);
  REQUIRE(Run({CRM_HQ, "bootstrap-admin", "--data", net.Data("hq"), "--login", "boss"},
              "boss-password-1\n", {}, net.Path(""))
              .exit_code == 0);
  net.Pos("lon", {"user", "add", "kate", "--role", "cashier", "--name", "Kate Lee"},
          "kate-password\n");
  // LON's login does not collide with MSK's own kate.
  net.Pos("msk", {"user", "add", "kate", "--role", "cashier"}, "other-password\n");
  Till kate(net, "lon", "kate");
  REQUIRE(kate.Try({"login", "kate"}, "kate-password\n").exit_code == 0);
  std::string client =
      kate.Json({"client", "add", "--first", "Oliver", "--phone", "020 7946 0958"})["id"];
  REQUIRE(kate.Try({"sale", "--client", client, "--line", "MUG:2", "--pay", "cash"}).exit_code == 0);

  // Her user and her sale reach headquarters: the report names her.
  CHECK(net.Eventually([&] {
    RunResult report = net.Hq({"report", "sales", "--by", "employee"});
    return report.exit_code == 0 && report.out.find("kate") != std::string::npos;
  }));
  RunResult report = net.Hq({"report", "sales", "--by", "employee"});
  INFO(report.out);
  CHECK(report.out.find("kate@LON") != std::string::npos);  // MSK has a kate too
  // ... and the dashboard lists her among LON's users.
  Dashboard hq(net.WebUrl("hq"), "boss", "boss-password-1");
  auto [listed_status, listed] = hq.Call("listUsers", json{{"office", "LON"}});
  REQUIRE(listed_status == 200);
  bool kate_listed = false;
  for (const json& user : listed["users"]) kate_listed |= user["login"] == "kate@LON";
  CHECK(kate_listed);

  SECTION("a task from headquarters is in her queue within a second") {
    // The client reaches headquarters first (it came with her sale).
    CHECK(net.Eventually([&] {
      return net.Hq({"task", "add", "--office", "LON", "--assignee", "nobody", "--client", client,
                     "--title", "x"})
                 .err.find("no user 'nobody'") != std::string::npos;
    }));
    RunResult unknown_office = net.Hq(
        {"task", "add", "--office", "PAR", "--client", client, "--title", "Call back"});
    CHECK(unknown_office.exit_code == 4);
    CHECK(unknown_office.err.find("'PAR' is not enrolled") != std::string::npos);
    // The hub otherwise idle: nothing else happens while the task travels.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    RunResult added = net.Hq({"task", "add", "--office", "LON", "--assignee", "kate", "--client",
                              client, "--title", "Call Oliver back", "--due", "2030-01-02T09:00Z"});
    INFO(added.err);
    REQUIRE(added.exit_code == 0);
    const auto made = Clock::now();
    bool arrived = Eventually(
        [&] {
          // The parsed queue kept: a loop over a temporary's member would dangle.
          const json queue = kate.Json({"tasks", "--mine"});
          for (const json& item : queue["tasks"]) {
            if (item["task"]["title"] == "Call Oliver back") return true;
          }
          return false;
        },
        std::chrono::milliseconds(5000), std::chrono::milliseconds(20));
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - made).count();
    WARN("HQ task in kate's queue after " << took << " ms");
    INFO("kate's queue: " << kate.Try({"--json", "tasks"}).out << "\nLON's: "
                          << net.Try("lon", {"--json", "tasks"}).out << "\nhq log: " << net.Log("hq")
                          << "\nlon log: " << net.Log("lon"));
    REQUIRE(arrived);
    CHECK(took <= 1000);
    // The office's queue lists it too, with her login.
    json queue = net.Json("lon", {"tasks"});
    bool in_office_queue = false;
    for (const json& item : queue["tasks"]) {
      if (item["task"]["title"] == "Call Oliver back") {
        in_office_queue = true;
        CHECK(item["assigneeLogin"] == "kate");
        CHECK(item["task"]["office"] == "LON");
      }
    }
    CHECK(in_office_queue);
  }

  SECTION("deactivated at headquarters, her session at LON ends; reactivated and reset, she "
          "logs in again") {
    auto working = [&] { return kate.Try({"status"}).exit_code == 0; };
    REQUIRE(working());
    auto [status, answer] = hq.Call("setUserActive", json{{"login", "kate@LON"}, {"active", false}});
    INFO(answer.dump());
    REQUIRE(status == 200);
    // The first refusal says why; the session is gone after it.
    RunResult refused;
    CHECK(Eventually([&] { refused = kate.Try({"status"}); return refused.exit_code != 0; },
                     std::chrono::milliseconds(3000)));
    CHECK(refused.exit_code == 5);
    INFO(refused.err);
    CHECK(refused.err.find("deactivated") != std::string::npos);
    CHECK_FALSE(working());
    CHECK(kate.Try({"login", "kate"}, "kate-password\n").exit_code == 5);

    REQUIRE(hq.Call("setUserActive", json{{"login", "kate@LON"}, {"active", true}}).first == 200);
    CHECK(Eventually([&] { return kate.Try({"login", "kate"}, "kate-password\n").exit_code == 0; },
                     std::chrono::milliseconds(3000)));
    REQUIRE(working());

    auto [reset_status, reset] =
        hq.Call("resetPassword", json{{"login", "kate@LON"}, {"password", "kate-new-password"}});
    INFO(reset.dump());
    REQUIRE(reset_status == 200);
    CHECK(Eventually([&] { return !working(); }, std::chrono::milliseconds(3000)));
    CHECK(kate.Try({"login", "kate"}, "kate-password\n").exit_code == 5);
    CHECK(kate.Try({"login", "kate"}, "kate-new-password\n").exit_code == 0);
    CHECK(working());
    // The office's own managers manage her too, but not headquarters' users.
    CHECK(net.Try("lon", {"user", "deactivate", "kate"}).exit_code == 0);
    CHECK_FALSE(working());
    RunResult list = net.Try("lon", {"user", "list"});
    CHECK(list.out.find("deactivated") != std::string::npos);
    CHECK(net.Try("lon", {"user", "activate", "boss@HQ"}).exit_code == 5);
  }
}

}  // namespace
}  // namespace crm::testing
