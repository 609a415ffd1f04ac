// Fuzzes the browser API (node/server/web_api.h): the input is an operation's path
// on its first line, optionally "Idempotency-Key: ID" on the second, and the
// request body after it, sent once without a session and once with a
// logged-in administrator's cookie, so the fuzzer reaches the JSON decoding
// of every operation and the handlers behind it. Every answer must carry an
// HTTP status the API uses and, for /api/, a JSON body; and under a key,
// another operation sent next must not get the first one's answer.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/frontdesk/frontdesk.h"
#include "node/server/web_api.h"
#include "tests/fuzz/fuzz_node.h"

namespace {

struct Browser {
  crm::fuzz::FuzzNode node{"web"};
  std::unique_ptr<crm::FrontDesk> desk;
  std::unique_ptr<crm::WebApi> api;
  std::string cookie;

  Browser() {
    crm::OfficeConfig office;
    office.code = "FUZ";
    office.password_cost = crm::PasswordCost::Cheap();
    desk = std::make_unique<crm::FrontDesk>(*node.runtime.store, *node.runtime.writer,
                                            node.runtime.wall, *node.runtime.hlc, office);
    if (!desk->BootstrapAdmin("admin", "Fuzz Admin", "fuzz-password-1").ok()) std::abort();
    api = std::make_unique<crm::WebApi>(*desk, std::vector<crm::WebAsset>{}, "/index.html");
    crm::WebResponse login =
        Send("/api/login", R"({"login": "admin", "password": "fuzz-password-1"})", "");
    for (const auto& [name, value] : login.headers) {
      if (name == "Set-Cookie") cookie = value.substr(0, value.find(';'));
    }
    if (cookie.empty()) std::abort();
  }

  crm::WebResponse Send(std::string path, std::string body, const std::string& with_cookie,
                        const std::string& key = "") {
    crm::WebRequest request;
    request.method = "POST";
    request.path = std::move(path);
    request.body = std::move(body);
    // A new key each time, so each write is done rather than answered from
    // the first one's outcome.
    request.headers = {
        {"host", "127.0.0.1"},
        {"content-type", "application/json"},
        {"idempotency-key",
         key.empty() ? crm::Id::Generate(node.runtime.wall.NowMillis()).ToString() : key}};
    if (!with_cookie.empty()) request.headers["cookie"] = with_cookie;
    return api->HandleAndWait(std::move(request));
  }
};

void Check(const crm::WebResponse& answer, bool api_path) {
  if (answer.status < 200 || answer.status > 599) std::abort();
  if (api_path && nlohmann::json::parse(answer.body, nullptr, false).is_discarded()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Browser* browser = new Browser();  // lives for the whole run
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t end = input.find('\n');
  if (end == std::string_view::npos || end > 200) return 0;
  std::string path(input.substr(0, end));
  std::string_view rest = input.substr(end + 1);
  std::string key;
  constexpr std::string_view kKeyLine = "Idempotency-Key: ";
  if (rest.starts_with(kKeyLine)) {
    size_t key_end = rest.find('\n');
    if (key_end == std::string_view::npos || key_end > 200) return 0;
    key = std::string(rest.substr(kKeyLine.size(), key_end - kKeyLine.size()));
    rest = rest.substr(key_end + 1);
  }
  std::string body(rest);
  bool api_path = path.starts_with("/api/");
  // Logging out would spoil the session for the inputs after this one.
  if (path == "/api/logout") return 0;
  Check(browser->Send(path, body, "", key), api_path);
  crm::WebResponse answer = browser->Send(path, body, browser->cookie, key);
  Check(answer, api_path);
  // A key answers its first request's outcome only to the same request:
  // another operation sent under it gets a conflict, never that answer.
  if (!key.empty() && api_path && path != "/api/addNote") {
    crm::WebResponse probe = browser->Send(
        "/api/addNote", R"({"client": "01M82N0000000000000000CL01", "text": "same key"})",
        browser->cookie, key);
    Check(probe, true);
    if (answer.status == 200 && probe.status == 200 && probe.body == answer.body) std::abort();
  }
  // Writes audit their refusals after answering: finish that within this input.
  (void)browser->node.runtime.writer->Run([](crm::StoreTxn&) { return crm::Status::Ok(); });
  return 0;
}
