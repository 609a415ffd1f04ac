// The browser desk's Work and Pipeline pages and the dashboard's Pipeline
// section, walked in headless Chromium against real crm-node and crm-hq
// processes on loopback (docs/web.md): a cashier's queue with headquarters'
// task in it, done, reassigned and snoozed; the office's deals by stage, one
// moved along and seen on the card; the chain's pipeline at headquarters.
// Screenshots as tests/support/web_steps.h says.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/support/network.h"
#include "tests/support/till.h"
#include "tests/support/web_steps.h"
#include "tests/support/webdriver.h"

namespace crm::testing {
namespace {

using json = nlohmann::json;

// The task titled `title` in the office's queue as `till` sees it, or null.
json QueueItem(Till& till, const std::string& title) {
  const json queue = till.Json({"tasks"});  // kept: a loop over a temporary's member would dangle
  for (const json& item : queue["tasks"]) {
    if (item["task"]["title"] == title) return item;
  }
  return nullptr;
}

TEST_CASE("the browser desk's work queue and pipeline and the pipeline at headquarters",
          "[integration][web][tasks][deals]") {
  Network net({}, /*web=*/true);
  std::filesystem::path shots = ScreenshotDir(net);
  net.Pos("lon", {"user", "add", "kate", "--role", "cashier", "--name", "Kate Lee"}, "kate-password\n");
  net.Pos("lon", {"user", "add", "bob", "--role", "cashier", "--name", "Bob Stone"}, "bob-password\n");
  REQUIRE(Run({CRM_HQ, "bootstrap-admin", "--data", net.Data("hq"), "--login", "boss"},
              "boss-password-1\n", {}, net.Path(""))
              .exit_code == 0);
  Till kate(net, "lon", "kate");
  REQUIRE(kate.Try({"login", "kate"}, "kate-password\n").exit_code == 0);
  std::string oliver = kate.Json({"client", "add", "--first", "Oliver", "--last", "Twist", "--phone",
                                  "020 7946 0958"})["id"];
  std::string own = kate.Json({"task", "add", oliver, "--title", "Call Oliver about the order",
                               "--due", "2020-06-01T10:00"})["id"];
  std::string later = kate.Json({"task", "add", oliver, "--title", "Send the brochure", "--due",
                                 "2030-06-01T10:00"})["id"];
  kate.Json({"task", "add", oliver, "--title", "Bob's delivery call", "--due", "2030-06-02",
             "--assignee", "bob"});
  REQUIRE(net.Eventually([&] {
    return net.Hq({"task", "add", "--office", "LON", "--client", oliver, "--title",
                   "Birthday greeting for Oliver", "--due", "2030-01-01T09:00Z"})
               .exit_code == 0;
  }));
  REQUIRE(net.Eventually([&] { return !QueueItem(kate, "Birthday greeting for Oliver").is_null(); }));
  const std::string greeting = QueueItem(kate, "Birthday greeting for Oliver")["id"];
  std::string kitchen = kate.Json({"deal", "open", oliver, "--title", "Kitchen refit", "--amount",
                                   "12000.00"})["id"];
  kate.Json({"deal", "open", oliver, "--title", "Garden shed", "--amount", "450.00", "--stage",
             "proposal"});
  std::string bathroom = kate.Json({"deal", "open", oliver, "--title", "Bathroom", "--amount",
                                    "3000.00", "--stage", "negotiation"})["id"];
  REQUIRE(kate.Try({"deal", "move", bathroom, "won"}).exit_code == 0);

  WebDriver browser;
  LogIn(browser, net.WebUrl("lon"), "kate", "kate-password", "Kate Lee");

  // The queue: soonest first, people by name, headquarters' task marked.
  Press(browser, browser.WaitFor("#work-button"));
  browser.WaitFor("#work-table");
  std::string hq_row = browser.WaitFor(".task-row[data-id='" + greeting + "']");
  CHECK(browser.Text(hq_row).find("Headquarters") != std::string::npos);
  CHECK(browser.Text(hq_row).find("unassigned") != std::string::npos);
  std::string own_row = browser.Find(".task-row[data-id='" + own + "']");
  CHECK(browser.Text(own_row).find("overdue") != std::string::npos);
  CHECK(browser.Text(own_row).find("Kate Lee (kate)") != std::string::npos);
  std::string bobs_row = browser.WaitForText(".task-row", "Bob's delivery call");
  CHECK(browser.Text(bobs_row).find("Bob Stone (bob)") != std::string::npos);
  CHECK(browser.Text(bobs_row).find("assigned to someone else") != std::string::npos);
  CHECK(browser.FindAll(".task-row .task-done").size() == 3);  // not bob's
  browser.Screenshot(shots / "frontdesk-work.png");

  // Filters: hers, overdue.
  Press(browser, browser.Find("#work-mine"));
  browser.WaitUntilGone(".task-row[data-id='" + greeting + "']");
  CHECK(browser.FindAll(".task-row").size() == 2);
  Press(browser, browser.WaitFor("#work-overdue"));
  browser.WaitUntilGone(".task-row[data-id='" + later + "']");
  CHECK(browser.FindAll(".task-row").size() == 1);
  Press(browser, browser.WaitFor("#work-overdue"));
  browser.WaitFor(".task-row[data-id='" + later + "']");
  Press(browser, browser.WaitFor("#work-mine"));
  browser.WaitFor(".task-row[data-id='" + greeting + "']");

  // Done: off the queue, done on the node.
  Press(browser, browser.Find(".task-row[data-id='" + own + "'] .task-done"));
  browser.WaitUntilGone(".task-row[data-id='" + own + "']");
  CHECK(QueueItem(kate, "Call Oliver about the order").is_null());

  // Reassigned to bob: his name in the row, and no longer hers to work.
  Fill(browser, ".task-row[data-id='" + greeting + "'] .task-reassign-to", "nobody");
  Press(browser, browser.Find(".task-row[data-id='" + greeting + "'] .task-reassign"));
  browser.WaitForText("#work-view .form-error", "no user 'nobody'");
  Fill(browser, ".task-row[data-id='" + greeting + "'] .task-reassign-to", "bob");
  Press(browser, browser.Find(".task-row[data-id='" + greeting + "'] .task-reassign"));
  browser.WaitForText(".task-row[data-id='" + greeting + "'] .task-assignee", "Bob Stone (bob)");
  CHECK(QueueItem(kate, "Birthday greeting for Oliver")["assigneeLogin"] == "bob");

  // Snoozed a day.
  const std::string due_before = QueueItem(kate, "Send the brochure")["task"]["due"];
  Press(browser, browser.WaitFor(".task-row[data-id='" + later + "'] .task-snooze-day"));
  CHECK(net.Eventually([&] {
    return QueueItem(kate, "Send the brochure")["task"]["due"] != due_before;
  }));
  CHECK(std::stoll(QueueItem(kate, "Send the brochure")["task"]["due"].get<std::string>()) -
            std::stoll(due_before) ==
        86'400'000);

  // The pipeline: deals by stage with the amounts; one moved along.
  Press(browser, browser.Find("#pipeline-button"));
  std::string lead = browser.WaitFor("#pipeline-board .pipeline-stage[data-stage='lead']");
  CHECK(browser.Text(lead).find("Kitchen refit") != std::string::npos);
  CHECK(browser.Text(lead).find("12,000.00") != std::string::npos);
  std::string won = browser.Find("#pipeline-board .pipeline-stage[data-stage='won']");
  CHECK(browser.Text(won).find("Bathroom") != std::string::npos);
  CHECK(browser.FindAll(".pipeline-stage[data-stage='won'] .deal-move").empty());  // closed
  browser.Screenshot(shots / "frontdesk-pipeline.png");
  browser.SelectValue(browser.Find(".pipeline-deal[data-id='" + kitchen + "'] .deal-stage"), "qualified");
  Press(browser, browser.Find(".pipeline-deal[data-id='" + kitchen + "'] .deal-move"));
  browser.WaitForText(".pipeline-stage[data-stage='qualified']", "Kitchen refit");
  CHECK(kate.Json({"deals", "--stage", "qualified"})["deals"]["deals"][0]["id"] == kitchen);

  // The card shows the client's deals.
  Press(browser, browser.Find(".pipeline-deal[data-id='" + kitchen + "'] .btn-link"));
  browser.WaitForText("#card-name", "Oliver");
  std::string on_card = browser.WaitFor(".card-deal[data-id='" + kitchen + "']");
  CHECK(browser.Text(on_card).find("Qualified") != std::string::npos);
  CHECK(browser.FindAll(".card-deal").size() == 3);

  // Headquarters: the chain's pipeline, once the deals have arrived.
  REQUIRE(net.Eventually([&] {
    RunResult chain = net.Hq({"deals", "--json"});
    if (chain.exit_code != 0) return false;
    json parsed = json::parse(chain.out);
    return parsed["deals"] == 3 && parsed["stages"][1]["deals"] == 1;  // the kitchen, qualified
  }));
  LogIn(browser, net.WebUrl("hq"), "boss", "boss-password-1");
  Press(browser, browser.WaitFor("[data-section='pipeline']"));
  std::string qualified = browser.WaitForText("#pipeline-table tr[data-stage='qualified']", "1");
  CHECK(browser.Text(qualified).find("12,000.00") != std::string::npos);
  browser.WaitForText("#pipeline-offices", "LON");
  browser.Screenshot(shots / "dashboard-pipeline.png");
}

}  // namespace
}  // namespace crm::testing
