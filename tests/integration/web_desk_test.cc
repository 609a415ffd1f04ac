// End-to-end tests of the whole browser desk (docs/web.md, "The pages"):
// what pos does that front-desk staff need, walked through the real pages in
// headless Chromium against real crm-node processes on loopback, each result
// checked on the card after a reload and through pos. Screenshots go to
// $CRM_SCREENSHOTS when it is set (docs/screenshots holds the ones this test
// took), else to the test's directory.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/network.h"
#include "tests/support/webdriver.h"

namespace crm::testing {
namespace {

using json = nlohmann::json;

std::filesystem::path ScreenshotDir(Network& net) {
  const char* dir = std::getenv("CRM_SCREENSHOTS");
  std::filesystem::path path =
      dir != nullptr && *dir != '\0' ? std::filesystem::path(dir) : net.Path("screenshots");
  std::filesystem::create_directories(path);
  return path;
}

// Clicks `element` as a user does: scrolled to the middle of the window
// first, clear of the status bar fixed at the bottom.
void Press(WebDriver& browser, const std::string& element) {
  browser.Execute("arguments[0].scrollIntoView({block: 'center'});",
                  WebDriver::json::array({WebDriver::Ref(element)}));
  browser.Click(element);
}

void Fill(WebDriver& browser, const std::string& css, const std::string& text) {
  std::string field = browser.WaitFor(css);
  browser.Clear(field);
  browser.Type(field, text);
}

void LogIn(WebDriver& browser, const std::string& url, const std::string& login,
           const std::string& password) {
  browser.Go(url);
  browser.Type(browser.WaitFor("#login-name"), login);
  browser.Type(browser.Find("#login-password"), password);
  Press(browser, browser.Find("#login-submit"));
  browser.WaitForText("#whoami", login);
}

// Opens the card of the client found by `query`, from the search box.
void OpenCard(WebDriver& browser, const std::string& query, const std::string& name) {
  Fill(browser, "#search", query);
  for (int attempt = 0;; ++attempt) {
    try {
      Press(browser, browser.WaitForText(".search-result", name));
      break;
    } catch (const WebDriverError& e) {
      if (e.error() != "stale element reference" || attempt == 5) throw;
    }
  }
  browser.WaitForText("#card-name", name);
}

// The page loaded again (the session cookie keeps the user in) and the
// card opened afresh: what it shows is what the node holds.
void Reload(WebDriver& browser, const std::string& url, const std::string& query,
            const std::string& name) {
  browser.Go(url);
  browser.WaitFor("#search");
  OpenCard(browser, query, name);
}

std::string CardText(WebDriver& browser) { return browser.Text(browser.Find("#card")); }

// Sets a <select> found by `css` to `value`.
void Choose(WebDriver& browser, const std::string& css, const std::string& value) {
  browser.SelectValue(browser.WaitFor(css), value);
}

TEST_CASE(
    "the whole desk in the browser: edit, refund with approval, points, credit, feedback, "
    "files, tasks and deals",
    "[integration][web]") {
  Network net({}, /*web=*/true);
  // The office keeps Tehran's time (UTC+03:30, the browser's is UTC) and
  // takes files of up to 4 KiB.
  net.SetOfficeFlags("lon", {"--time-zone", "Asia/Tehran", "--max-file-bytes", "4096"});
  REQUIRE(net.StopOffice("lon", SIGTERM) == 0);
  net.StartOffice("lon");
  std::filesystem::path shots = ScreenshotDir(net);
  net.Pos("lon", {"user", "add", "kate", "--role", "cashier"}, "kate-password\n");
  net.Pos("lon", {"user", "add", "olga", "--role", "manager"}, "olga-password\n");
  std::string helen = net.Json("lon", {"client", "add", "--first", "Helen", "--last", "Brown",
                                       "--phone", "020 7946 0100"})["id"];
  // 30 mugs (135.00) earn 135 points.
  std::string sold = net.Json("lon", {"sale", "--client", helen, "--line", "MUG:30", "--pay",
                                      "card"})["receipt"]["sale"]["receiptNo"];
  auto card = [&] { return net.Json("lon", {"card", helen})["card"]; };

  WebDriver browser;
  const std::string url = net.WebUrl("lon");
  LogIn(browser, url, "kate", "kate-password");
  OpenCard(browser, "Helen", "Helen Brown");
  // People by name: the sale's cashier is admin, not an id.
  std::string admin_id = card()["sales"][0]["sale"]["cashier"];
  std::string sale_text = browser.Text(browser.Find(".card-sale"));
  CHECK(sale_text.find("sold by ") != std::string::npos);
  CHECK(sale_text.find("admin") != std::string::npos);
  CHECK(sale_text.find(admin_id) == std::string::npos);

  SECTION("client edit: names, phones, address, consents, attributes") {
    Press(browser, browser.Find("#client-edit"));
    Fill(browser, "#client-middle-name", "Anne");
    Fill(browser, "#client-phones", "+442079460100\n+44 20 7946 0101");
    Fill(browser, "#client-emails", "Helen.Brown@Example.com");
    Fill(browser, "#client-address-street", "12 Baker Street");
    Fill(browser, "#client-address-city", "London");
    Fill(browser, "#client-address-postalCode", "NW1 6XE");
    Fill(browser, "#client-address-country", "GB");
    browser.Execute("const b = document.querySelector('#client-birth'); b.value = '1979-05-05';");
    Choose(browser, "#client-gender", "female");
    Fill(browser, "#client-tags", "vip, tyres");
    Fill(browser, "#client-card", "LC-7001");
    Choose(browser, "#client-consentEmail", "granted");
    Choose(browser, "#client-consentSms", "refused");
    Press(browser, browser.Find("#client-attribute-add"));
    Fill(browser, ".attribute-row:nth-child(1) .attribute-key", "car brand");
    Fill(browser, ".attribute-row:nth-child(1) .attribute-value", "Volvo");
    Press(browser, browser.Find("#client-attribute-add"));
    Fill(browser, ".attribute-row:nth-child(2) .attribute-key", "children");
    Fill(browser, ".attribute-row:nth-child(2) .attribute-value", "2");
    browser.Screenshot(shots / "frontdesk-client-edit.png");
    Press(browser, browser.Find("#client-save"));
    browser.WaitForText("#card-name", "Helen Anne Brown");

    Reload(browser, url, "Helen", "Helen Anne Brown");
    CHECK(browser.Text(browser.Find("#card-address")) == "12 Baker Street, NW1 6XE London, GB");
    CHECK(browser.Text(browser.Find(".card-attribute[data-key='car brand']")) == "Volvo");
    CHECK(browser.Text(browser.Find("#card-consents")) == "Email: yes · SMS: no");
    CHECK(CardText(browser).find("LC-7001") != std::string::npos);
    json c = card()["client"];
    CHECK(c["middleName"] == "Anne");
    CHECK(c["phones"] == json::array({"+442079460100", "+442079460101"}));
    CHECK(c["emails"] == json::array({"helen.brown@example.com"}));
    CHECK(c["address"]["city"] == "London");
    CHECK(c["birthDate"] == "1979-05-05");
    CHECK(c["gender"] == "female");
    CHECK(c["loyaltyCard"] == "LC-7001");
    CHECK(c["consentEmail"] == "granted");
    CHECK(c["consentSms"] == "refused");
    CHECK(c["tags"].size() == 2);
    CHECK(c["attributes"].size() == 2);

    // A second edit takes an attribute and a phone away and changes only
    // what changed.
    Press(browser, browser.Find("#client-edit"));
    Press(browser, browser.WaitFor(".attribute-row:nth-child(2) .attribute-remove"));
    Fill(browser, "#client-phones", "+442079460100");
    Fill(browser, "#client-address-city", "Bath");
    Press(browser, browser.Find("#client-save"));
    browser.WaitForText("#card-address", "Bath");
    c = card()["client"];
    CHECK(c["attributes"] == json::array({{{"key", "car brand"}, {"value", "Volvo"}}}));
    CHECK(c["phones"] == json::array({"+442079460100"}));
    CHECK(c["address"]["street"] == "12 Baker Street");
    CHECK(c["middleName"] == "Anne");

    // Nothing changed: said so, nothing sent.
    Press(browser, browser.Find("#client-edit"));
    Press(browser, browser.WaitFor("#client-save"));
    browser.WaitForText("#client-error", "Nothing was changed");

    // The new-client form has the address, consents and attributes too.
    Press(browser, browser.Find("#new-client"));
    Fill(browser, "#client-first-name", "Petr");
    Fill(browser, "#client-last-name", "Petrov");
    Fill(browser, "#client-address-city", "Moscow");
    Choose(browser, "#client-consentPost", "granted");
    Press(browser, browser.Find("#client-attribute-add"));
    Fill(browser, ".attribute-row .attribute-key", "preferences");
    Fill(browser, ".attribute-row .attribute-value", "winter tyres");
    Press(browser, browser.Find("#client-save"));
    browser.WaitForText("#card-name", "Petr Petrov");
    std::string petr = browser.Attribute(browser.Find("#card"), "data-id").value_or("");
    json p = net.Json("lon", {"card", petr})["card"]["client"];
    CHECK(p["address"]["city"] == "Moscow");
    CHECK(p["consentPost"] == "granted");
    CHECK(p["attributes"] == json::array({{{"key", "preferences"}, {"value", "winter tyres"}}}));
  }

  SECTION("a cashier's refund, approved by a manager in a dialog") {
    Press(browser, browser.Find(".card-sale .sale-refund"));
    Fill(browser, "#refund-dialog .refund-qty[data-line='0']", "2");
    Choose(browser, "#refund-method", "cash");
    Fill(browser, "#refund-reason", "two mugs chipped");
    Press(browser, browser.Find("#refund-submit"));
    // kate is a cashier: the desk asks for an office manager.
    browser.WaitForText("#approval-reason", "a cashier may not refund a sale");
    Fill(browser, "#approval-login", "olga");
    Fill(browser, "#approval-password", "not-olgas-password");
    Press(browser, browser.Find("#approval-submit"));
    browser.WaitForText("#approval-error", "wrong login or password for the approval");
    // Another cashier's approval does not do.
    Fill(browser, "#approval-login", "kate");
    Fill(browser, "#approval-password", "kate-password");
    Press(browser, browser.Find("#approval-submit"));
    browser.WaitForText("#approval-error", "kate is a cashier and may not approve");
    Fill(browser, "#approval-login", "olga");
    Fill(browser, "#approval-password", "olga-password");
    browser.Screenshot(shots / "frontdesk-refund-approval.png");
    Press(browser, browser.Find("#approval-submit"));
    browser.WaitUntilGone("#refund-dialog");
    CHECK(browser.FindAll("#approval-dialog").empty());
    browser.WaitForText(".card-refund", "two mugs chipped");

    Reload(browser, url, "Helen", "Helen Brown");
    std::string refund = browser.Text(browser.Find(".card-refund"));
    CHECK(refund.find("£9.00") != std::string::npos);
    CHECK(refund.find("by kate") != std::string::npos);
    json held = card();
    REQUIRE(held["refunds"].size() == 1);
    CHECK(held["refunds"][0]["refund"]["amount"] == "900");
    CHECK(held["totalSpent"] == "12600");

    // Cancelled, nothing is refunded and the refusal stays in the dialog.
    Press(browser, browser.Find(".card-sale .sale-refund"));
    Fill(browser, "#refund-dialog .refund-qty[data-line='0']", "1");
    Press(browser, browser.Find("#refund-submit"));
    Press(browser, browser.WaitFor("#approval-cancel"));
    browser.WaitForText("#refund-error", "a cashier may not refund a sale");
    Press(browser, browser.Find("#refund-cancel"));
    CHECK(card()["refunds"].size() == 1);
  }

  SECTION("bonus points typed and shown as points, a sale on credit and its payment") {
    CHECK(browser.Text(browser.Find("#card-points")) == "135 points");
    Press(browser, browser.Find("#new-sale"));
    Fill(browser, ".sale-line .line-sku", "MUG");
    Choose(browser, ".sale-payment .payment-method", "bonus");
    CHECK(browser.Text(browser.Find(".sale-payment .payment-unit")) == "points (has 135 points)");
    Fill(browser, ".sale-payment .payment-amount", "100");
    Press(browser, browser.Find("#add-payment"));
    Choose(browser, ".sale-payment:nth-child(2) .payment-method", "cash");
    browser.Screenshot(shots / "frontdesk-points.png");
    Press(browser, browser.Find("#sale-submit"));
    browser.WaitForText("#receipt-no", "LON-");
    CHECK(browser.Text(browser.Find("#receipt")).find("100 points") != std::string::npos);
    // 100 points pay 1.00 of the 4.50 mug.
    json held = card();
    json last;
    for (const json& e : held["sales"]) {
      if (e["sale"]["receiptNo"] != sold) last = e["sale"];
    }
    REQUIRE(last.is_object());
    CHECK(last["payments"][0] == json({{"method", "bonus"}, {"amount", "100"}}));
    CHECK(last["payments"][1] == json({{"method", "cash"}, {"amount", "350"}}));
    // 139.50 spent earns 139, less the 100 spent.
    CHECK(held["loyaltyBalance"] == "39");
    Press(browser, browser.Find("#receipt-back"));
    browser.WaitForText("#card-points", "39 points");

    // Points are whole: a fraction is refused on the page, saying so.
    Press(browser, browser.Find("#new-sale"));
    Fill(browser, ".sale-line .line-sku", "MUG");
    Choose(browser, ".sale-payment .payment-method", "bonus");
    Fill(browser, ".sale-payment .payment-amount", "1.5");
    Press(browser, browser.Find("#sale-submit"));
    browser.WaitForText("#sale-error", "bonus points are a whole number");

    // On credit: the card says what is owed, and a payment clears it.
    Choose(browser, ".sale-payment .payment-method", "credit");
    browser.Clear(browser.Find(".sale-payment .payment-amount"));
    Press(browser, browser.Find("#sale-submit"));
    browser.WaitForText("#receipt", "Put on the client");
    Press(browser, browser.Find("#receipt-back"));
    browser.WaitFor("#payment-amount");
    CHECK(card()["outstanding"] == "450");
    Fill(browser, "#payment-amount", "4.50");
    Press(browser, browser.Find("#payment-add"));
    browser.WaitForText(".card-payment", "taken by kate");
    CHECK(card()["outstanding"] == "0");
  }

  SECTION("feedback, files up and down, a task in the office's time, a deal moved") {
    Choose(browser, "#feedback-score", "4");
    Fill(browser, "#feedback-comment", "Friendly and quick");
    Fill(browser, "#feedback-sale", sold);
    Press(browser, browser.Find("#feedback-add"));
    browser.WaitForText(".card-feedback", "Friendly and quick");
    CHECK(browser.Attribute(browser.Find(".card-feedback .stars"), "aria-label").value_or("") ==
          "4 of 5");

    // A file with a name in two scripts goes up, and comes down as it was.
    std::filesystem::path dir = net.Path("upload");
    std::filesystem::create_directories(dir);
    std::filesystem::path small = dir / "заметки-notes.txt";
    std::ofstream(small) << "winter tyres: 4 x 205/55 R16\n";
    browser.Type(browser.Find("#file-input"), small.string());
    Press(browser, browser.Find("#file-attach"));
    browser.WaitForText(".card-file", "заметки-notes.txt");
    std::filesystem::path big = dir / "scan.pdf";
    std::ofstream(big) << std::string(5000, 'x');
    browser.Type(browser.Find("#file-input"), big.string());
    Press(browser, browser.Find("#file-attach"));
    browser.WaitForText(
        "#file-form-error",
        "scan.pdf is too large to attach: the file has 5000 bytes; the limit is 4096");
    browser.Screenshot(shots / "frontdesk-file-too-large.png");
    browser.Execute("document.querySelector('.card-file').scrollIntoView({block: 'center'});");
    browser.Screenshot(shots / "frontdesk-files.png");
    json got = browser.Execute(R"(
      const x = new XMLHttpRequest();
      x.open('GET', document.querySelector('.file-download').getAttribute('href'), false);
      x.send();
      return {status: x.status, type: x.getResponseHeader('Content-Type'),
              disposition: x.getResponseHeader('Content-Disposition'),
              nosniff: x.getResponseHeader('X-Content-Type-Options'), body: x.responseText};)");
    CHECK(got["status"] == 200);
    CHECK(got["body"] == "winter tyres: 4 x 205/55 R16\n");
    CHECK(got["type"] == "text/plain");
    CHECK(got["disposition"] ==
          "attachment; filename=\"_______-notes.txt\"; "
          "filename*=UTF-8''%D0%B7%D0%B0%D0%BC%D0%B5%D1%82%D0%BA%D0%B8-notes.txt");
    CHECK(got["nosniff"] == "nosniff");
    json files = card()["files"];
    REQUIRE(files.size() == 1);
    CHECK(files[0]["file"]["size"] == "29");

    // A task due at 10:00 office time (06:30 UTC), for olga, by name.
    Fill(browser, "#task-title", "Call about the winter tyres");
    browser.Execute("document.querySelector('#task-due').value = '2030-01-15T10:00';");
    Fill(browser, "#task-assignee", "olga");
    Press(browser, browser.Find("#task-add"));
    std::string task = browser.WaitForText(".card-task", "Call about the winter tyres");
    CHECK(browser.Text(task).find("10:00") != std::string::npos);
    CHECK(browser.Text(task).find("for olga") != std::string::npos);
    json t = card()["tasks"][0]["task"];
    CHECK(t["due"] == "1894689000000");
    // A cashier works only her own and unassigned tasks (docs/frontdesk.md,
    // "The work queue"): olga's stays open, and the card says why.
    Press(browser, browser.Find(".card-task button"));
    browser.WaitForText(".card-task", "works only their own and unassigned tasks");
    CHECK(card()["tasks"][0]["task"]["status"] == "open");
    // Her own is done from the card.
    Fill(browser, "#task-title", "Send the tyre catalogue");
    browser.Execute("document.querySelector('#task-due').value = '2030-01-16T09:00';");
    Fill(browser, "#task-assignee", "kate");
    Press(browser, browser.Find("#task-add"));
    browser.WaitForText(".card-task", "Send the tyre catalogue");
    browser.Execute(
        "for (const t of document.querySelectorAll('.card-task'))"
        "  if (t.textContent.includes('Send the tyre catalogue')) t.querySelector('button').click();");
    browser.WaitForText(".card-task", "done");
    bool catalogue_done = false;
    const json tasks = card()["tasks"];
    INFO(tasks.dump());
    for (const json& entry : tasks) {
      if (entry["task"]["title"] == "Send the tyre catalogue") {
        catalogue_done = entry["task"]["status"] == "done";
      }
    }
    CHECK(catalogue_done);

    // A deal opened from the card, then won: a won deal moves no more.
    Fill(browser, "#deal-title", "Fleet tyres");
    Fill(browser, "#deal-amount", "1200.00");
    Press(browser, browser.Find("#deal-add"));
    browser.WaitForText("#deal-opened", "Fleet tyres");
    Choose(browser, "#deal-opened .deal-stage", "won");
    Press(browser, browser.Find("#deal-opened .deal-move"));
    browser.WaitForText("#toast", "Deal moved to Won");
    Choose(browser, "#deal-opened .deal-stage", "lost");
    Press(browser, browser.Find("#deal-opened .deal-move"));
    browser.WaitForText("#deal-opened .form-error", "the deal is closed");
    browser.Screenshot(shots / "frontdesk-deal.png");
    // The card's history, people by name and times in the office's zone.
    browser.Execute("document.querySelector('.card-task').scrollIntoView({block: 'start'});");
    browser.Screenshot(shots / "frontdesk-card-history.png");
  }
}

}  // namespace
}  // namespace crm::testing
