// End-to-end tests of the browser pages (docs/web.md): headless Chromium,
// driven through ChromeDriver, uses an office's front desk and the hub's
// dashboard the way staff and managers do, against real crm-node and crm-hq
// processes on loopback. Screenshots go to $CRM_SCREENSHOTS when it is set
// (docs/screenshots holds the ones this test took), else to the test's
// directory.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/support/network.h"
#include "tests/support/web_steps.h"
#include "tests/support/webdriver.h"

namespace crm::testing {
namespace {

TEST_CASE(
    "the browser front desk and the dashboard: log in, find a client, sell, see it on the card and "
    "at HQ",
    "[integration][web]") {
  Network net({}, /*web=*/true);
  std::filesystem::path shots = ScreenshotDir(net);
  // The clients the front desk will look for, in two scripts.
  std::string maria =
      net.Json("lon", {"client", "add", "--first", "Мария", "--last", "Иванова", "--phone",
                       "020 7946 0958", "--email", "maria@example.com"})["id"];
  std::string maryam = net.Json("lon", {"client", "add", "--first", "مریم", "--last", "رضایی",
                                        "--phone", "020 7946 0959"})["id"];
  REQUIRE(Run({CRM_HQ, "bootstrap-admin", "--data", net.Data("hq"), "--login", "boss"},
              "boss-password-1\n", {}, net.Path(""))
              .exit_code == 0);

  WebDriver browser;
  SECTION("the office's front desk") {
    // A wrong password is refused on the page, and nothing opens.
    browser.Go(net.WebUrl("lon"));
    browser.Type(browser.WaitFor("#login-name"), "admin");
    browser.Type(browser.Find("#login-password"), "not-the-password");
    Press(browser, browser.Find("#login-submit"));
    browser.WaitFor("#login-error");
    CHECK((browser.FindAll("#search").empty() || !browser.IsDisplayed(browser.Find("#search"))));

    LogIn(browser, net.WebUrl("lon"), "admin", "admin-password");
    CHECK(browser.Text(browser.Find("#whoami")).find("LON") != std::string::npos);

    // Search as you type finds a client by a piece of the name in either
    // script, and by a phone written another way.
    browser.Type(browser.WaitFor("#search"), "مری");
    std::string persian = browser.WaitForText(".search-result", "رضایی");
    CHECK(browser.Attribute(persian, "data-id").value_or("") == maryam);
    browser.Screenshot(shots / "frontdesk-search-rtl.png");
    Fill(browser, "#search", "+44 20 7946 0958");
    browser.WaitForText(".search-result", "Иванова");
    Fill(browser, "#search", "Мар");
    ClickText(browser, ".search-result", "Иванова");
    browser.WaitForText("#card-name", "Мария");
    CHECK(browser.Attribute(browser.Find("#card"), "data-id").value_or("") == maria);

    // Ring up a sale: two blue mugs at the catalogue price, paid by card.
    Press(browser, browser.Find("#new-sale"));
    browser.WaitFor("#sale-form");
    Fill(browser, ".sale-line .line-sku", "MUG");
    Fill(browser, ".sale-line .line-qty", "2");
    browser.SelectValue(browser.Find(".sale-payment .payment-method"), "card");
    browser.Screenshot(shots / "frontdesk-sale.png");
    Press(browser, browser.Find("#sale-submit"));
    std::string receipt_no = browser.Text(browser.WaitForText("#receipt-no", "LON-"));
    CHECK(browser.Text(browser.Find("#receipt-total")).find("9.00") != std::string::npos);
    browser.Screenshot(shots / "frontdesk-receipt.png");

    // The node holds it, as pos shows it.
    auto card = net.Json("lon", {"card", maria});
    REQUIRE(card["card"]["sales"].size() == 1);
    CHECK(card["card"]["sales"][0]["sale"]["receiptNo"] == receipt_no);
    CHECK(card["card"]["totalSpent"] == "900");

    // The card shows the sale.
    Press(browser, browser.Find("#receipt-back"));
    browser.WaitFor(".card-sale[data-receipt='" + receipt_no + "']");
    CHECK(browser.Text(browser.Find("#card-total-spent")).find("9.00") != std::string::npos);

    // A note on the card.
    Fill(browser, "#note-text", "Prefers the blue glaze");
    Press(browser, browser.Find("#note-add"));
    browser.WaitForText(".card-note", "Prefers the blue glaze");
    browser.Screenshot(shots / "frontdesk-card.png");

    // With the hub down the page says so and counts what waits to be sent;
    // when it is back, the counter drains and the banner goes.
    REQUIRE(net.StopHub(SIGTERM) == 0);
    browser.WaitFor("#offline-banner", std::chrono::seconds(30));
    Press(browser, browser.Find("#new-sale"));
    Fill(browser, ".sale-line .line-sku", "MUG");
    Press(browser, browser.Find("#sale-submit"));
    std::string offline_receipt = browser.Text(browser.WaitForText("#receipt-no", "LON-"));
    CHECK(offline_receipt != receipt_no);
    Press(browser, browser.Find("#receipt-back"));
    // The card is fetched again after "back": wait for the new sale on it.
    browser.WaitFor(".card-sale[data-receipt='" + offline_receipt + "']");
    REQUIRE(browser.FindAll(".card-sale").size() == 2);
    // The status bar asks the node every 5 s.
    CHECK(net.Eventually(
        [&] { return std::stoi("0" + browser.Text(browser.WaitFor("#unsent-count"))) > 0; }));
    browser.Screenshot(shots / "frontdesk-offline.png");
    net.StartHub();
    browser.WaitUntilGone("#offline-banner", std::chrono::seconds(30));
    browser.WaitForText("#unsent-count", "0", std::chrono::seconds(30));

    // Logging out closes the card and the session.
    Press(browser, browser.Find("#logout"));
    browser.WaitFor("#login-name");
    CHECK(browser.FindAll(".card-sale").empty());
  }

  SECTION("a price beyond a cashier's limit, approved by a manager in a dialog") {
    net.AddProduct("PEN", "Fountain pen", {"GBP=10.00"});
    net.Pos("lon", {"user", "add", "kate", "--role", "cashier"}, "kate-password\n");
    net.Pos("lon", {"user", "add", "olga", "--role", "manager"}, "olga-password\n");
    LogIn(browser, net.WebUrl("lon"), "kate", "kate-password");

    // 0.01 for a 10.00 pen: the desk asks for a manager's approval.
    auto sell_cheap_pen = [&] {
      Press(browser, browser.WaitFor("#anon-sale"));
      browser.WaitFor("#sale-form");
      Fill(browser, ".sale-line .line-sku", "PEN");
      Fill(browser, ".sale-line .line-price", "0.01");
      Press(browser, browser.Find("#sale-submit"));
      browser.WaitForText("#approval-reason", "a cashier may cut a price by at most 0% at LON");
    };
    sell_cheap_pen();
    // A wrong password: the dialog asks again, saying so.
    Fill(browser, "#approval-login", "olga");
    Fill(browser, "#approval-password", "not-olgas-password");
    Press(browser, browser.Find("#approval-submit"));
    browser.WaitForText("#approval-error", "wrong login or password for the approval");
    CHECK(browser.Text(browser.Find("#approval-reason")).find("at most 0% at LON") !=
          std::string::npos);
    Fill(browser, "#approval-login", "olga");
    Fill(browser, "#approval-password", "olga-password");
    browser.Screenshot(shots / "frontdesk-approval.png");
    Press(browser, browser.Find("#approval-submit"));
    std::string receipt_no = browser.Text(browser.WaitForText("#receipt-no", "LON-"));
    CHECK(browser.Text(browser.Find("#receipt-total")).find("0.01") != std::string::npos);
    CHECK(browser.Text(browser.Find("#receipt-approved")) == "Approved by olga");
    CHECK(browser.FindAll("#approval-dialog").empty());
    // The node holds it so.
    auto sold = net.Json("lon", {"receipt", receipt_no});
    CHECK(sold["receipt"]["approvedBy"] == "olga");
    CHECK(sold["receipt"]["sale"]["total"] == "1");

    // Cancelled, the refusal stays on the form at the line's price, and
    // nothing is sold.
    Press(browser, browser.Find("#receipt-back"));
    sell_cheap_pen();
    Press(browser, browser.Find("#approval-cancel"));
    browser.WaitForText("#sale-error", "that takes a manager's approval");
    CHECK(browser.FindAll("#approval-dialog").empty());
    CHECK(browser.Attribute(browser.Find(".sale-line .line-price"), "aria-invalid").value_or("") ==
          "true");
    CHECK(
        net.Try("lon", {"receipt", receipt_no.substr(0, receipt_no.size() - 1) + "2"}).exit_code ==
        4);
  }

  SECTION("the catalogue on the dashboard: listed with its prices, a product added and edited") {
    LogIn(browser, net.WebUrl("hq"), "boss", "boss-password-1");
    Press(browser, browser.WaitFor("[data-section='catalogue']"));
    std::string mug = browser.WaitFor("#catalogue-table .product-row[data-sku='MUG']");
    CHECK(browser.Text(mug).find("4.50") != std::string::npos);
    CHECK(browser.Text(mug).find("450.00") != std::string::npos);

    Fill(browser, "#product-sku", "LAMP");
    Fill(browser, "#product-name", "Brass lamp");
    Fill(browser, "#product-prices", "GBP=34.99 RUB=3499.00");
    Press(browser, browser.Find("#product-save"));
    std::string lamp = browser.WaitFor("#catalogue-table .product-row[data-sku='LAMP']");
    CHECK(browser.Text(lamp).find("34.99") != std::string::npos);
    browser.Screenshot(shots / "dashboard-catalogue.png");
    // It reaches the offices, at their price.
    REQUIRE(net.Eventually([&] {
      RunResult sold = net.Try("lon", {"--json", "product", "list"});
      return sold.exit_code == 0 && sold.out.find("\"3499\"") != std::string::npos;
    }));

    // Edited: the GBP price changed, the RUB one taken out of the form is removed.
    Press(browser, browser.Find(".product-row[data-sku='LAMP'] .product-edit"));
    Fill(browser, "#product-prices", "GBP=30.00");
    Press(browser, browser.Find("#product-save"));
    browser.WaitForText("#section-catalogue .status", "Saved LAMP");
    RunResult listed = net.Hq({"product", "list", "--csv"});
    CHECK(listed.out.find("LAMP,Brass lamp,,yes,30.00,\n") != std::string::npos);

    // A bad price is refused in the page, saying why; nothing changes.
    Press(browser, browser.Find(".product-row[data-sku='LAMP'] .product-edit"));
    Fill(browser, "#product-prices", "GBP=-1");
    Press(browser, browser.Find("#product-save"));
    browser.WaitForText("#section-catalogue .status", "may not be negative");
  }

  SECTION("the sale at HQ, on the dashboard") {
    net.Pos("lon", {"sale", "--client", maria, "--line", "MUG:2", "--pay", "card"});
    net.Pos("lon", {"feedback", maria, "--score", "2", "--comment", "the queue was long"});
    net.Pos("lon", {"feedback", maria, "--score", "5"});
    REQUIRE(net.Eventually([&] {
      return net.Hq({"report", "sales", "--by", "office"}).out.find("LON") != std::string::npos &&
             net.Hq({"report", "satisfaction", "--by", "total"}).out.find("2 responses") != std::string::npos;
    }));

    LogIn(browser, net.WebUrl("hq"), "boss", "boss-password-1");
    browser.WaitFor("#overview-revenue");
    CHECK(browser.Text(browser.Find("#overview-revenue")).find("9.00") != std::string::npos);
    browser.WaitForText("#overview-satisfaction", "3.50 of 5");
    browser.Screenshot(shots / "dashboard-overview.png");

    // Satisfaction from the feedback: by office, the low share (a 2 of 5 is low).
    Press(browser, browser.Find("[data-section='satisfaction']"));
    std::string feedback = browser.WaitFor("#satisfaction-table .satisfaction-row[data-key='LON']");
    CHECK(browser.Text(feedback).find("3.50") != std::string::npos);
    CHECK(browser.Text(feedback).find("50.0%") != std::string::npos);
    browser.Screenshot(shots / "dashboard-satisfaction.png");

    Press(browser, browser.Find("[data-section='sales']"));
    browser.SelectValue(browser.WaitFor("#sales-by"), "office");
    std::string row = browser.WaitFor("#sales-table .sales-row[data-key='LON']");
    CHECK(browser.Text(row).find("9.00") != std::string::npos);

    Press(browser, browser.Find("[data-section='offices']"));
    std::string lon = browser.WaitForText(".office-row[data-office='LON'] .office-online", "online",
                                          std::chrono::seconds(20));
    CHECK(browser.Text(lon) == "online");
    browser.Screenshot(shots / "dashboard-offices.png");

    // The same client entered at both offices is a duplicate to merge.
    net.Json("msk", {"client", "add", "--first", "Maria", "--last", "Ivanova", "--phone",
                     "+44 20 7946 0958"});
    Press(browser, browser.Find("[data-section='duplicates']"));
    REQUIRE(net.Eventually([&] {
      Press(browser, browser.Find("[data-section='overview']"));
      Press(browser, browser.Find("[data-section='duplicates']"));
      return !browser.FindAll("#duplicates-list .duplicate-pair").empty();
    }));
    // The pair says why it is suspected.
    CHECK(browser.Text(browser.Find(".duplicate-pair .shared")).find("Same phone") != std::string::npos);
    browser.Screenshot(shots / "dashboard-duplicates.png");
    Press(browser, browser.Find(".duplicate-pair .merge-button"));
    Press(browser, browser.WaitFor("#merge-confirm"));
    browser.WaitUntilGone("#duplicates-list .duplicate-pair");
    // The merge reaches the office: one of the two cards now carries the other.
    REQUIRE(net.Eventually([&] {
      auto card = net.Try("lon", {"--json", "card", maria});
      return card.exit_code == 0 && nlohmann::json::parse(card.out)["card"].contains("merged");
    }));
  }
}

}  // namespace
}  // namespace crm::testing
