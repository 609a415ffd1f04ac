// The work queue and the deal pipeline with real processes on loopback: pos
// tasks with headquarters' tasks in it and its actions, pos deals and its
// pipeline, crm-hq deals over the chain; and a reassign at one office and a
// completion at another, made while the hub was down, meeting as one task.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <string>
#include <vector>

#include "tests/support/network.h"
#include "tests/support/till.h"

namespace crm::testing {
namespace {

using json = nlohmann::json;

// The queue item titled `title` in `queue` (pos --json tasks), or null.
json Item(const json& queue, const std::string& title) {
  for (const json& item : queue["tasks"]) {
    if (item["task"]["title"] == title) return item;
  }
  return nullptr;
}

TEST_CASE("pos tasks is the office's queue with headquarters' tasks and pos deals its pipeline",
          "[integration][tasks][deals]") {
  Network net;
  net.Pos("lon", {"user", "add", "kate", "--role", "cashier", "--name", "Kate Lee"}, "kate-password\n");
  net.Pos("lon", {"user", "add", "bob", "--role", "cashier"}, "bob-password\n");
  Till kate(net, "lon", "kate");
  REQUIRE(kate.Try({"login", "kate"}, "kate-password\n").exit_code == 0);
  std::string client = kate.Json({"client", "add", "--first", "Oliver", "--last", "Twist", "--phone",
                                  "020 7946 0958"})["id"];
  REQUIRE(kate.Try({"sale", "--client", client, "--line", "MUG:1", "--pay", "cash"}).exit_code == 0);

  // Headquarters gives LON a task once the client has reached it.
  RunResult added;
  REQUIRE(net.Eventually([&] {
    added = net.Hq({"task", "add", "--office", "LON", "--client", client, "--title", "Ring Oliver",
                    "--due", "2020-01-02T09:00Z"});
    return added.exit_code == 0;
  }));
  REQUIRE(net.Eventually([&] { return !Item(kate.Json({"tasks"}), "Ring Oliver").is_null(); }));
  std::string bobs = kate.Json({"task", "add", client, "--title", "Bob's call", "--due", "2030-01-02",
                                "--assignee", "bob"})["id"];

  json queue = kate.Json({"tasks"});
  json hq = Item(queue, "Ring Oliver");
  CHECK(hq["fromHeadquarters"] == true);
  CHECK(hq["overdue"] == true);
  CHECK(hq["mayWork"] == true);
  CHECK(hq["client"] == "Oliver Twist");
  json theirs = Item(queue, "Bob's call");
  CHECK(theirs["assigneeLogin"] == "bob");
  CHECK(theirs["createdByLogin"] == "kate");
  CHECK(theirs["createdByName"] == "Kate Lee");
  CHECK(theirs["mayWork"] == false);
  RunResult table = kate.Try({"tasks"});
  INFO(table.out);
  CHECK(table.out.find("headquarters") != std::string::npos);
  CHECK(table.out.find("kate (Kate Lee)") != std::string::npos);
  CHECK(table.out.find("(unassigned)") != std::string::npos);
  CHECK(table.out.find("overdue") != std::string::npos);
  CHECK(kate.Json({"tasks", "--overdue"})["tasks"].size() == 1);
  CHECK(kate.Json({"tasks", "--mine"})["tasks"].size() == 0);

  // The actions: a cashier may not touch bob's task; the unassigned one she
  // snoozes, gives to bob, and he completes it.
  std::string hq_task = hq["id"];
  RunResult denied = kate.Try({"task", "done", bobs});
  CHECK(denied.exit_code == 5);
  CHECK(denied.err.find("own and unassigned") != std::string::npos);
  RunResult unknown = kate.Try({"task", "reassign", hq_task, "--to", "nobody"});
  CHECK(unknown.exit_code == 4);
  CHECK(unknown.err.find("no user 'nobody'") != std::string::npos);
  RunResult elsewhere = kate.Try({"task", "reassign", hq_task, "--to", "admin@MSK"});
  CHECK(elsewhere.exit_code == 3);
  CHECK(elsewhere.err.find("office MSK") != std::string::npos);
  RunResult neither = kate.Try({"task", "snooze", hq_task});
  CHECK(neither.exit_code != 0);
  CHECK(kate.Try({"task", "snooze", hq_task, "--until", "2020-01-01"}).exit_code == 3);
  RunResult snoozed = kate.Try({"task", "snooze", hq_task, "--until", "2031-03-04T10:30"});
  INFO(snoozed.err);
  CHECK(snoozed.exit_code == 0);
  CHECK(kate.Json({"tasks", "--overdue"})["tasks"].size() == 0);
  CHECK(Item(kate.Json({"tasks"}), "Ring Oliver")["task"]["due"] == "1930386600000");  // 10:30 London (GMT)
  CHECK(kate.Try({"task", "reassign", hq_task, "--to", "bob"}).out.find("Task given to bob") !=
        std::string::npos);
  Till bob(net, "lon", "bob");
  REQUIRE(bob.Try({"login", "bob"}, "bob-password\n").exit_code == 0);
  CHECK(bob.Json({"tasks", "--mine"})["tasks"].size() == 2);
  CHECK(bob.Try({"task", "done", hq_task}).exit_code == 0);
  CHECK(Item(kate.Json({"tasks"}), "Ring Oliver").is_null());

  // Deals: listed with owners by name, and the pipeline by stage.
  std::string kitchen = kate.Json({"deal", "open", client, "--title", "Kitchen", "--amount", "1200.00"})["id"];
  kate.Json({"deal", "open", client, "--title", "Shed", "--amount", "450.00", "--stage", "proposal"});
  REQUIRE(bob.Try({"deal", "open", client, "--title", "Patio", "--amount", "99.99"}).exit_code == 0);
  REQUIRE(kate.Try({"deal", "move", kitchen, "won"}).exit_code == 0);
  json deals = kate.Json({"deals"});
  REQUIRE(deals["deals"]["deals"].size() == 3);
  CHECK(deals["deals"]["deals"][0]["deal"]["title"] == "Patio");  // lead first
  CHECK(deals["deals"]["deals"][0]["ownerLogin"] == "bob");
  CHECK(deals["deals"]["deals"][2]["ownerName"] == "Kate Lee");
  CHECK(deals["deals"]["pipeline"][0]["count"] == 1);
  CHECK(deals["deals"]["pipeline"][4]["amounts"][0]["amount"] == "120000");
  CHECK(kate.Json({"deals", "--mine", "--open"})["deals"]["deals"].size() == 1);
  CHECK(kate.Json({"deals", "--stage", "won"})["deals"]["deals"][0]["id"] == kitchen);
  RunResult bad_stage = kate.Try({"deals", "--stage", "signed"});
  CHECK(bad_stage.exit_code == 3);
  CHECK(bad_stage.err.find("'signed' is no stage") != std::string::npos);
  RunResult pipeline = kate.Try({"deals", "--pipeline"});
  INFO(pipeline.out);
  CHECK(pipeline.out.find("proposal") != std::string::npos);
  CHECK(pipeline.out.find("450.00 GBP") != std::string::npos);
  RunResult listed = kate.Try({"deals"});
  INFO(listed.out);
  CHECK(listed.out.find("Oliver Twist") != std::string::npos);
  CHECK(listed.out.find("1200.00 GBP") != std::string::npos);
  RunResult card = kate.Try({"card", client});
  INFO(card.out);
  CHECK(card.out.find("Deals") != std::string::npos);
  CHECK(card.out.find("Patio") != std::string::npos);

  // Headquarters sees the chain's pipeline once the deals arrive.
  CHECK(net.Eventually([&] {
    RunResult chain = net.Hq({"deals", "--json"});
    if (chain.exit_code != 0) return false;
    json parsed = json::parse(chain.out, nullptr, false);
    return !parsed.is_discarded() && parsed["deals"] == 3;
  }));
  RunResult chain = net.Hq({"deals", "--office", "lon"});
  INFO(chain.out << chain.err);
  CHECK(chain.exit_code == 0);
  CHECK(chain.out.find("office LON: 3 deals") != std::string::npos);
  CHECK(chain.out.find("1200.00 GBP") != std::string::npos);
  RunResult nowhere = net.Hq({"deals", "--office", "PAR"});
  CHECK(nowhere.exit_code == 4);
  CHECK(nowhere.err.find("'PAR' is not enrolled") != std::string::npos);
}

TEST_CASE("a reassign at one office and a completion at another made apart both hold everywhere",
          "[integration][tasks][replication]") {
  Network net;
  net.Pos("lon", {"user", "add", "kate", "--role", "cashier"}, "kate-password\n");
  net.Pos("msk", {"user", "add", "ivan", "--role", "cashier", "--name", "Ivan Petrov"}, "ivan-password\n");
  Till kate(net, "lon", "kate");
  REQUIRE(kate.Try({"login", "kate"}, "kate-password\n").exit_code == 0);
  std::string client = kate.Json({"client", "add", "--first", "Oliver", "--phone", "020 7946 0958"})["id"];
  // MSK's manager gives kate of LON a task of MSK about the client, once
  // both have reached MSK.
  json made;
  REQUIRE(net.Eventually([&] {
    RunResult r = net.Try("msk", {"--json", "task", "add", client, "--title", "Send the brochure",
                                  "--due", "2030-05-01", "--assignee", "kate@LON"});
    if (r.exit_code == 0) made = json::parse(r.out);
    return r.exit_code == 0;
  }));
  std::string task = made["id"];
  REQUIRE(net.Eventually([&] { return !Item(kate.Json({"tasks", "--mine"}), "Send the brochure").is_null(); }));

  // The hub goes down: MSK gives the task to ivan, while kate at LON, who
  // has not heard, completes it.
  net.StopHub(SIGTERM);
  RunResult given = net.Try("msk", {"task", "reassign", task, "--to", "ivan"});
  INFO(given.err);
  REQUIRE(given.exit_code == 0);
  RunResult done = kate.Try({"task", "done", task});
  INFO(done.err);
  REQUIRE(done.exit_code == 0);
  net.StartHub();

  // Each change set its own field: done, and ivan's, at both offices.
  auto settled = [&](const std::string& office, const std::string& ivan) {
    json card = net.Json(office, {"card", client})["card"];
    for (const json& entry : card["tasks"]) {
      if (entry["id"] != task) continue;
      return entry["task"]["status"] == "done" && entry["task"]["assignee"] == ivan;
    }
    return false;
  };
  json directory = net.Json("msk", {"user", "list"});
  std::string ivan;
  for (const json& user : directory["users"]) {
    if (user["login"] == "ivan") ivan = user["id"];
  }
  REQUIRE_FALSE(ivan.empty());
  CHECK(net.Eventually([&] { return settled("lon", ivan) && settled("msk", ivan); }));
  CHECK(net.Eventually([&] { return net.Converged(); }));
  // Done: in nobody's queue.
  CHECK(Item(net.Json("msk", {"tasks"}), "Send the brochure").is_null());
}

}  // namespace
}  // namespace crm::testing
