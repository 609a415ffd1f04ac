// What the browser tests do as a user would (docs/web.md): log in, press,
// fill, click a result; and where they keep their screenshots. Over
// tests/support/webdriver.h.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/support/network.h"
#include "tests/support/webdriver.h"

namespace crm::testing {

// $CRM_SCREENSHOTS when it is set (docs/screenshots holds the ones the tests
// took), else the network's directory.
inline std::filesystem::path ScreenshotDir(Network& net) {
  const char* dir = std::getenv("CRM_SCREENSHOTS");
  std::filesystem::path path =
      dir != nullptr && *dir != '\0' ? std::filesystem::path(dir) : net.Path("screenshots");
  std::filesystem::create_directories(path);
  return path;
}

// Clicks `element` as a user does: scrolled to the middle of the window
// first, clear of the status bar fixed at the bottom.
inline void Press(WebDriver& browser, const std::string& element) {
  browser.Execute("arguments[0].scrollIntoView({block: 'center'});",
                  WebDriver::json::array({WebDriver::Ref(element)}));
  browser.Click(element);
}

// Logs in at the page `url`; returns once the page names the user (`shown`,
// their display name, if they have one that is not their login).
inline void LogIn(WebDriver& browser, const std::string& url, const std::string& login,
                  const std::string& password, const std::string& shown = "") {
  browser.Go(url);
  browser.Type(browser.WaitFor("#login-name"), login);
  browser.Type(browser.Find("#login-password"), password);
  Press(browser, browser.Find("#login-submit"));
  browser.WaitForText("#whoami", !shown.empty() ? shown : login == "admin" ? "dmin" : login);
}

// Clicks the element `css` showing `text`. Lists are drawn again as each
// answer arrives, so an element found a moment ago may be gone: find it
// again.
inline void ClickText(WebDriver& browser, const std::string& css, const std::string& text) {
  for (int attempt = 0;; ++attempt) {
    try {
      Press(browser, browser.WaitForText(css, text));
      return;
    } catch (const WebDriverError& e) {
      if (e.error() != "stale element reference" || attempt == 5) throw;
    }
  }
}

// Replaces what the field `css` holds with `text`.
inline void Fill(WebDriver& browser, const std::string& css, const std::string& text) {
  std::string field = browser.WaitFor(css);
  browser.Clear(field);
  browser.Type(field, text);
}

}  // namespace crm::testing
