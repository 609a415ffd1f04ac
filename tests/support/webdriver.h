// A small W3C WebDriver client for end-to-end tests of the web pages: runs
// chromedriver on loopback with one headless Chromium session and drives it
// by CSS selectors. Every failure throws std::runtime_error (WebDriverError)
// naming the command, the selector and, for waits, the page's URL. Linux only.
// Needs cpp-httplib (compile with `pkg-config --cflags cpp-httplib`).
#pragma once

#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace crm::testing {

// A failed WebDriver command; `error()` is the W3C error code ("no such
// element", "stale element reference", "timeout", ...), or "http" when
// chromedriver did not answer.
class WebDriverError : public std::runtime_error {
 public:
  WebDriverError(std::string error, const std::string& message)
      : std::runtime_error(message), error_(std::move(error)) {}
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

// One headless Chromium session behind its own chromedriver, both stopped
// (and every process they started reaped or killed) when the object dies.
// Chromium is /usr/bin/chromium or $CRM_CHROMIUM; chromedriver is
// /usr/bin/chromedriver or $CRM_CHROMEDRIVER. Elements are W3C element ids
// (opaque strings) from Find, FindAll and the waits. Not thread-safe.
class WebDriver {
 public:
  using json = nlohmann::json;
  using Timeout = std::chrono::milliseconds;

  // Keys for Type(): W3C key codes (private-use code points) as UTF-8.
  inline static const std::string kEnter = "\xEE\x80\x87";      // U+E007
  inline static const std::string kTab = "\xEE\x80\x84";        // U+E004
  inline static const std::string kBackspace = "\xEE\x80\x83";  // U+E003
  inline static const std::string kEscape = "\xEE\x80\x8C";     // U+E00C

  // Starts chromedriver on a free loopback port (it accepts only local
  // connections), waits until it is ready and opens the session: a
  // 1280x900 window (a 1280x757 viewport), en-GB for Accept-Language,
  // navigator.language and the page's default Intl locale, a fresh profile.
  WebDriver() {
    try {
      Start();
    } catch (...) {
      Shutdown();
      throw;
    }
  }
  ~WebDriver() { Shutdown(); }
  WebDriver(const WebDriver&) = delete;
  WebDriver& operator=(const WebDriver&) = delete;

  // Opens `url` and waits for it to load (up to 30 s).
  void Go(const std::string& url) { Command("POST", "/url", {{"url", url}}, "Go(" + url + ")"); }

  // The current page's URL.
  std::string Url() { return Command("GET", "/url").get<std::string>(); }

  // The first element matching `css` now; throws if there is none.
  std::string Find(const std::string& css) {
    json found;
    try {
      found = Command("POST", "/element", {{"using", "css selector"}, {"value", css}},
                      "Find('" + css + "')");
    } catch (const WebDriverError& e) {
      if (e.error() != "no such element") throw;
      throw WebDriverError(e.error(), "WebDriver: no element matches '" + css + "' at " + UrlOr());
    }
    return Remember(found, css);
  }

  // Every element matching `css` now, in document order (maybe none).
  std::vector<std::string> FindAll(const std::string& css) {
    json found = Command("POST", "/elements", {{"using", "css selector"}, {"value", css}},
                         "FindAll('" + css + "')");
    std::vector<std::string> elements;
    for (const json& element : found) elements.push_back(Remember(element, css));
    return elements;
  }

  // Polls until an element matching `css` is displayed and returns it.
  std::string WaitFor(const std::string& css, Timeout timeout = kWait) {
    return Until(timeout, "'" + css + "' to be displayed", [&](std::string& seen) {
      std::vector<std::string> all = FindAll(css);
      seen = std::to_string(all.size()) + " matching, none displayed";
      for (const std::string& element : all) {
        if (IsDisplayed(element)) return std::optional<std::string>(element);
      }
      return std::optional<std::string>();
    });
  }

  // Polls until an element matching `css` shows text containing `text`
  // (its visible text, as Text()) and returns it.
  std::string WaitForText(const std::string& css, const std::string& text,
                          Timeout timeout = kWait) {
    return Until(
        timeout, "'" + css + "' with text containing '" + text + "'", [&](std::string& seen) {
          std::vector<std::string> all = FindAll(css);
          seen = std::to_string(all.size()) + " matching";
          std::string texts;
          for (const std::string& element : all) {
            std::string shown = Text(element);
            if (shown.find(text) != std::string::npos && (!text.empty() || IsDisplayed(element))) {
              return std::optional<std::string>(element);
            }
            if (texts.size() < 300) texts += (texts.empty() ? "" : ", ") + Quote(shown);
          }
          if (!texts.empty()) seen += ", texts " + texts;
          return std::optional<std::string>();
        });
  }

  // Polls until no element matching `css` is displayed (none is in the
  // page, or all are hidden).
  void WaitUntilGone(const std::string& css, Timeout timeout = kWait) {
    Until(timeout, "'" + css + "' to be gone", [&](std::string& seen) {
      std::vector<std::string> all = FindAll(css);
      seen = std::to_string(all.size()) + " matching, displayed";
      for (const std::string& element : all) {
        if (IsDisplayed(element)) return std::optional<std::string>();
      }
      return std::optional<std::string>("");
    });
  }

  // Scrolls `element` into view and clicks its centre (fails if another
  // element would get the click).
  void Click(const std::string& element) {
    Command("POST", "/element/" + element + "/click", json::object(),
            "Click(" + Describe(element) + ")");
  }

  // Focuses `element` and types `text` (UTF-8, any script; k* keys allowed).
  void Type(const std::string& element, const std::string& text) {
    Command("POST", "/element/" + element + "/value", {{"text", text}},
            "Type(" + Describe(element) + ")");
  }

  // Empties an input or textarea.
  void Clear(const std::string& element) {
    Command("POST", "/element/" + element + "/clear", json::object(),
            "Clear(" + Describe(element) + ")");
  }

  // The element's visible text ("" when it is hidden).
  std::string Text(const std::string& element) {
    return Command("GET", "/element/" + element + "/text", nullptr,
                   "Text(" + Describe(element) + ")")
        .get<std::string>();
  }

  // The element's attribute `name`; nullopt if it has none. Boolean
  // attributes (disabled, checked) read "true" when present.
  std::optional<std::string> Attribute(const std::string& element, const std::string& name) {
    json value = Command("GET", "/element/" + element + "/attribute/" + name, nullptr,
                         "Attribute(" + Describe(element) + ", " + name + ")");
    if (value.is_null()) return std::nullopt;
    return value.is_string() ? value.get<std::string>() : value.dump();
  }

  // The element's DOM property `name` (an input's live "value", "checked").
  json Property(const std::string& element, const std::string& name) {
    return Command("GET", "/element/" + element + "/property/" + name, nullptr,
                   "Property(" + Describe(element) + ", " + name + ")");
  }

  // Whether the element is rendered visibly.
  bool IsDisplayed(const std::string& element) {
    return Command("GET", "/element/" + element + "/displayed", nullptr,
                   "IsDisplayed(" + Describe(element) + ")")
        .get<bool>();
  }

  // Chooses the option with value `value` of a <select> by clicking it (so
  // the page sees input and change events); throws if there is no such
  // option or the select's value did not become `value`.
  void SelectValue(const std::string& select, const std::string& value) {
    json found = Execute(
        "const [select, value] = arguments;"
        "const values = Array.from(select.options || [], o => o.value);"
        "return {option: Array.from(select.options || []).find(o => o.value === value) || null,"
        "        values: values};",
        json::array({Ref(select), value}));
    if (found["option"].is_null()) {
      throw WebDriverError("no such element", "WebDriver: SelectValue(" + Describe(select) +
                                                  "): no option with value " + Quote(value) +
                                                  " (values: " + found["values"].dump() + ")");
    }
    Click(found["option"][kElementKey].get<std::string>());
    json now = Property(select, "value");
    if (now != value) {
      throw WebDriverError("invalid element state", "WebDriver: SelectValue(" + Describe(select) +
                                                        ", " + Quote(value) + ") left the value " +
                                                        now.dump());
    }
  }

  // Runs `js` as a function body in the page with `args` (a JSON array;
  // Ref(element) passes an element) and returns what it returns (elements
  // come back as {"element-6066-11e4-a52e-4f735466cecf": id}).
  json Execute(const std::string& js, const json& args = json::array()) {
    return Command("POST", "/execute/sync", {{"script", js}, {"args", args}},
                   "Execute(" + Shorten(js) + ")");
  }

  // `element` as an argument for Execute().
  static json Ref(const std::string& element) { return {{kElementKey, element}}; }

  // Writes a PNG of the viewport to `path`.
  void Screenshot(const std::filesystem::path& path) {
    std::string png =
        Base64Decode(Command("GET", "/screenshot", nullptr, "Screenshot").get<std::string>());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(png.data(), static_cast<std::streamsize>(png.size()));
    if (!out.flush()) {
      throw std::runtime_error("WebDriver: cannot write screenshot " + path.string());
    }
  }

  // One console line. `level`: "SEVERE" (console.error, uncaught errors,
  // failed loads), "WARNING" or "INFO"; `message`: e.g. `http://host/ 23:8
  // "text"` or `http://host/favicon.ico - Failed to load resource: ...`.
  struct ConsoleEntry {
    std::string level;
    std::string message;
  };
  // The browser console's entries since the previous call (chromedriver's
  // legacy log command; entries are dropped when read).
  std::vector<ConsoleEntry> ConsoleLog() {
    std::vector<ConsoleEntry> entries;
    for (const json& e : Command("POST", "/se/log", {{"type", "browser"}}, "ConsoleLog")) {
      entries.push_back({e.value("level", ""), e.value("message", "")});
    }
    return entries;
  }

  // Any command of the session: `method` on /session/{id}`path` (e.g. "GET",
  // "/title"; "POST", "/alert/accept", {}) with a JSON body; returns "value".
  json Command(const std::string& method, const std::string& path, const json& body = nullptr,
               const std::string& what = "") {
    return Send(method, "/session/" + session_ + path, body, what);
  }

  // What chromedriver wrote (its warnings and errors).
  std::string DriverLog() const {
    std::ifstream in(dir_.path() / "chromedriver.log");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  static constexpr Timeout kWait = std::chrono::seconds(10);
  static constexpr const char* kElementKey = "element-6066-11e4-a52e-4f735466cecf";

 private:
  void Start() {
    std::string chromium = Env("CRM_CHROMIUM", "/usr/bin/chromium");
    std::filesystem::path profile = dir_.path() / "profile";
    std::filesystem::path log = dir_.path() / "chromedriver.log";
    std::filesystem::create_directories(profile);
    // The tag in the environment marks every process started for us,
    // including those that leave the process tree (crashpad handlers).
    tag_ = "CRM_WEBDRIVER=" + dir_.path().string();
    driver_ = std::make_unique<Child>(
        std::vector<std::string>{"/usr/bin/env", tag_,
                                 Env("CRM_CHROMEDRIVER", "/usr/bin/chromedriver"), "--port=0"},
        log);
    const std::regex started("started successfully on port ([0-9]+)");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int port = 0;
    while (port == 0) {
      std::smatch m;
      std::string text = DriverLog();
      if (std::regex_search(text, m, started)) {
        port = std::stoi(m[1]);
      } else if (Exited(driver_->pid()) || std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("WebDriver: chromedriver did not start: " + DriverLog());
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    http_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    http_->set_connection_timeout(std::chrono::seconds(5));
    http_->set_read_timeout(std::chrono::seconds(60));
    http_->set_write_timeout(std::chrono::seconds(10));
    http_->set_keep_alive(true);
    for (;;) {
      try {
        if (Send("GET", "/status", nullptr, "status").value("ready", false)) break;
      } catch (const WebDriverError&) {
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("WebDriver: chromedriver on port " + std::to_string(port) +
                                 " not ready: " + DriverLog());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    json options = {
        {"binary", chromium},
        {"args",
         // DevTools over a pipe, not a port: nothing more listens, and it
         // works where "localhost" does not resolve (a minimal root
         // without /etc/hosts, where chromedriver cannot reach the port).
         {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
          "--remote-debugging-pipe", "--window-size=1280,900", "--user-data-dir=" + profile.string(),
          "--lang=en-GB"}},
        {"prefs", {{"intl.accept_languages", "en-GB"}}}};
    json capabilities = {{"browserName", "chrome"},
                         {"goog:chromeOptions", options},
                         {"goog:loggingPrefs", {{"browser", "ALL"}}},
                         {"timeouts", {{"implicit", 0}, {"pageLoad", 30000}, {"script", 30000}}}};
    json session = Send("POST", "/session", {{"capabilities", {{"alwaysMatch", capabilities}}}},
                        "new session (" + chromium + ")");
    session_ = session.at("sessionId").get<std::string>();
    // Only en-US.pak may be installed: --lang sets navigator.language and
    // Accept-Language, not the default locale of Intl and toLocaleString.
    Command("POST", "/goog/cdp/execute",
            {{"cmd", "Emulation.setLocaleOverride"}, {"params", {{"locale", "en-GB"}}}},
            "set locale en-GB");
  }

  // Closes the session, stops chromedriver, then waits up to 5 s for every
  // tagged process to exit (killing survivors after 2 s). Exited ones may
  // stay zombies for a moment, until init reaps them.
  void Shutdown() {
    std::map<pid_t, std::string> started;
    if (!tag_.empty()) Tagged(started);
    if (!session_.empty() && http_ != nullptr) {
      http_->set_read_timeout(std::chrono::seconds(15));
      try {
        Send("DELETE", "/session/" + session_, nullptr, "delete session");
      } catch (const std::exception&) {
      }
      session_.clear();
    }
    http_.reset();
    if (driver_ != nullptr) driver_->Stop(SIGTERM);
    if (tag_.empty()) return;
    auto begin = std::chrono::steady_clock::now();
    bool killed = false;
    for (;;) {
      Tagged(started);
      for (auto it = started.begin(); it != started.end();) {
        bool gone = StartTime(it->first) != it->second || Exited(it->first);
        it = gone ? started.erase(it) : std::next(it);
      }
      auto waited = std::chrono::steady_clock::now() - begin;
      if (started.empty() || waited > std::chrono::seconds(5)) break;
      if (!killed && waited > std::chrono::seconds(2)) {
        std::map<pid_t, std::string> alive;
        Tagged(alive);  // zombies have no environment: only live ones
        for (const auto& [pid, start] : alive) kill(pid, SIGKILL);
        killed = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Adds the processes whose environment holds tag_ (pid -> start time).
  void Tagged(std::map<pid_t, std::string>& found) const {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream in(entry.path() / "environ", std::ios::binary);
      std::string var;
      while (std::getline(in, var, '\0')) {
        if (var == tag_) {
          pid_t pid = std::stoi(name);
          std::string start = StartTime(pid);
          if (!start.empty() && pid != getpid()) found.emplace(pid, start);
          break;
        }
      }
    }
  }

  // Field 22 of /proc/pid/stat (distinguishes a reused pid); "" if gone.
  static std::string StartTime(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t end = stat.rfind(')');
    if (end == std::string::npos) return "";
    std::istringstream fields(stat.substr(end + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
    }
    return field;
  }

  // Whether `pid` has exited (a zombie, or gone).
  static bool Exited(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t end = stat.rfind(')');
    return end == std::string::npos || end + 2 >= stat.size() || stat[end + 2] == 'Z';
  }

  // One HTTP request to chromedriver; returns the answer's "value".
  json Send(const std::string& method, const std::string& path, const json& body,
            const std::string& what) {
    std::string about = "WebDriver " + (what.empty() ? method + " " + path : what);
    if (method != "GET" && method != "POST" && method != "DELETE") {
      throw std::runtime_error(about + ": unsupported method " + method);
    }
    httplib::Result res =
        method == "GET" ? http_->Get(path)
        : method == "DELETE"
            ? http_->Delete(path)
            : http_->Post(path, body.is_null() ? "{}" : body.dump(), "application/json");
    if (!res) throw WebDriverError("http", about + ": " + httplib::to_string(res.error()));
    json answer = json::parse(res->body, nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) {
      throw WebDriverError(
          "http", about + ": HTTP " + std::to_string(res->status) + " " + Shorten(res->body));
    }
    json value = answer.contains("value") ? answer["value"] : json();
    if (res->status != 200 || (value.is_object() && value.contains("error"))) {
      std::string error =
          value.is_object() ? value.value("error", "unknown error") : "unknown error";
      std::string message = value.is_object() ? value.value("message", "") : "";
      message = message.substr(0, message.find("\n  (Session info"));
      message = message.substr(0, message.find("\n(Session info"));
      throw WebDriverError(error, about + ": " + (message.empty() ? error : message));
    }
    return value;
  }

  // Polls `attempt` (which notes what it saw) every 100 ms until it returns
  // a value; on timeout throws naming `what`, the last sighting and the URL.
  std::string Until(Timeout timeout, const std::string& what,
                    const std::function<std::optional<std::string>(std::string&)>& attempt) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string seen;
    for (;;) {
      try {
        if (std::optional<std::string> found = attempt(seen)) return *found;
      } catch (const WebDriverError& e) {
        // The page changed under us: try again.
        if (e.error() != "stale element reference" && e.error() != "no such element") throw;
        seen = e.what();
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw WebDriverError("timeout", "WebDriver: timed out after " +
                                        std::to_string(timeout.count()) + " ms waiting for " +
                                        what + " (" + seen + ") at " + UrlOr());
  }

  // The current URL, or why it is unknown (for error messages).
  std::string UrlOr() {
    try {
      return Url();
    } catch (const std::exception& e) {
      return "(URL unknown: " + std::string(e.what()) + ")";
    }
  }

  std::string Remember(const json& element, const std::string& css) {
    std::string id = element.at(kElementKey).get<std::string>();
    selectors_[id] = css;
    return id;
  }

  // The selector that found `element`, for messages.
  std::string Describe(const std::string& element) const {
    auto it = selectors_.find(element);
    return it == selectors_.end() ? "element " + element : "'" + it->second + "'";
  }

  static std::string Quote(const std::string& text) { return "\"" + Shorten(text) + "\""; }

  static std::string Shorten(const std::string& text) {
    return text.size() <= 80 ? text : text.substr(0, 77) + "...";
  }

  static std::string Env(const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : fallback;
  }

  static std::string Base64Decode(const std::string& in) {
    static const std::string kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : in) {
      size_t v = kAlphabet.find(c);
      if (v == std::string::npos) continue;  // '=' padding, line breaks
      bits = (bits << 6) | static_cast<unsigned>(v);
      count += 6;
      if (count >= 8) {
        count -= 8;
        out.push_back(static_cast<char>((bits >> count) & 0xFF));
      }
    }
    return out;
  }

  TempDir dir_;  // the profile and chromedriver.log; removed last
  std::string tag_;
  std::unique_ptr<Child> driver_;
  std::unique_ptr<httplib::Client> http_;
  std::string session_;
  std::map<std::string, std::string> selectors_;  // element id -> the selector that found it
};

}  // namespace crm::testing
