// The browser API (docs/web.md) driven with HTTP requests as the web server
// hands them over: the session cookie, the JSON mapping of operations, and
// what a hostile page or a malformed body gets.
#include "node/server/web_api.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "tests/support/desk_parts.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using nlohmann::json;

class Browser {
 public:
  Browser() {
    OfficeConfig office;
    office.code = "LON";
    office.password_cost = PasswordCost::Cheap();
    parts_ = testing::OpenDesk(dir_.path(), wall_, office);
    REQUIRE(parts_.desk->BootstrapAdmin("admin", "Admin", "admin-password").ok());
    api_ =
        std::make_unique<WebApi>(*parts_.desk,
                                 std::vector<WebAsset>{{"/index.html", "text/html; charset=utf-8",
                                                        "<!doctype html><p>desk"}},
                                 "/index.html");
    api_->AddRoute("/api/extra/", [](const WebRequest&, const SessionUser& user) {
      return WebJson(json{{"login", user.login}}.dump());
    });
  }

  WebResponse Send(const std::string& method, const std::string& path, const std::string& body = "",
                   std::map<std::string, std::string> headers = {},
                   std::map<std::string, std::string> query = {}) {
    WebRequest request;
    request.method = method;
    request.path = path;
    request.query = std::move(query);
    request.body = body;
    request.headers = std::move(headers);
    request.headers.emplace("host", "127.0.0.1:8080");
    if (!body.empty()) request.headers.emplace("content-type", "application/json");
    if (!cookie_.empty()) request.headers.emplace("cookie", "theme=dark; " + cookie_);
    return api_->HandleAndWait(std::move(request));
  }

  // Logs in; keeps the cookie the answer sets, as a browser does.
  WebResponse LogIn(const std::string& login, const std::string& password) {
    WebResponse answer =
        Send("POST", "/api/login", json{{"login", login}, {"password", password}}.dump());
    for (const auto& [name, value] : answer.headers) {
      if (name == "Set-Cookie") {
        set_cookie_ = value;
        cookie_ = value.substr(0, value.find(';'));
      }
    }
    return answer;
  }

  const std::string& set_cookie() const { return set_cookie_; }
  void ForgetCookie() { cookie_.clear(); }

 private:
  testing::TempDir dir_;
  SystemClock wall_;
  testing::DeskParts parts_;
  std::unique_ptr<WebApi> api_;
  std::string cookie_;
  std::string set_cookie_;
};

json Body(const WebResponse& answer) { return json::parse(answer.body); }

TEST_CASE("web login keeps the session token in an HttpOnly cookie, out of the page's reach",
          "[web]") {
  Browser browser;
  WebResponse refused = browser.LogIn("admin", "wrong-password");
  CHECK(refused.status == 401);
  CHECK(browser.set_cookie().empty());

  WebResponse answer = browser.LogIn("admin", "admin-password");
  REQUIRE(answer.status == 200);
  CHECK(Body(answer)["session"]["login"] == "admin");
  CHECK(Body(answer)["session"]["office"] == "LON");
  CHECK(Body(answer)["session"]["timeZone"] == "Europe/London");
  CHECK(Body(answer)["session"].value("token", "") == "");
  for (const char* attribute : {"HttpOnly", "Secure", "SameSite=Strict", "Path=/"}) {
    CHECK(browser.set_cookie().find(attribute) != std::string::npos);
  }
  // Status tells the page who is logged in after a reload.
  WebResponse status = browser.Send("POST", "/api/status");
  REQUIRE(status.status == 200);
  CHECK(Body(status)["status"]["you"]["login"] == "admin");
  CHECK(Body(status)["status"]["you"]["role"] == "admin");

  // After logout the cookie is worth nothing.
  CHECK(browser.Send("POST", "/api/logout").status == 200);
  CHECK(browser.Send("POST", "/api/status").status == 401);
}

TEST_CASE("web operations are the front desk's, written as JSON", "[web]") {
  Browser browser;
  REQUIRE(browser.LogIn("admin", "admin-password").status == 200);
  json client = {
      {"client", {{"kind", "person"}, {"firstName", "مریم"}, {"birthDate", "1990-02-03"}}},
      {"addPhones", {"020 7946 0958"}}};
  WebResponse saved = browser.Send("POST", "/api/saveClient", client.dump(),
                                   {{"idempotency-key", "01JD5R0000000000000000000A"}});
  REQUIRE(saved.status == 200);
  std::string id = Body(saved)["saved"];
  CHECK(id.size() == 26);

  // A retry with the same key creates nothing new.
  WebResponse again = browser.Send("POST", "/api/saveClient", client.dump(),
                                   {{"idempotency-key", "01JD5R0000000000000000000A"}});
  CHECK(Body(again)["saved"] == id);
  // The same key for another body: 409, not the first client's id.
  json other = client;
  other["client"]["firstName"] = "Someone else";
  WebResponse reused = browser.Send("POST", "/api/saveClient", other.dump(),
                                    {{"idempotency-key", "01JD5R0000000000000000000A"}});
  CHECK(reused.status == 409);
  CHECK(Body(reused)["error"]["field"] == "requestId");
  CHECK_FALSE(Body(reused).contains("saved"));
  json found = Body(browser.Send("POST", "/api/findClients", json{{"query", "مر"}}.dump()));
  REQUIRE(found["clients"].size() == 1);
  CHECK(found["clients"][0]["id"] == id);
  CHECK(found["clients"][0]["client"]["phones"][0] == "+442079460958");
  CHECK(found["clients"][0]["client"]["birthDate"] == "1990-02-03");

  json card = Body(browser.Send("POST", "/api/getClientCard", json(id).dump()));
  CHECK(card["card"]["client"]["firstName"] == "مریم");
  CHECK(card["card"]["totalSpent"] == "0");  // 64-bit figures are strings

  // The desk's own validation answers, with its field.
  json bad_date = client;
  bad_date["client"]["birthDate"] = "1990-02-30";
  WebResponse refused = browser.Send("POST", "/api/saveClient", bad_date.dump(),
                                     {{"idempotency-key", "01JD5R0000000000000000000B"}});
  CHECK(refused.status == 400);
  CHECK(Body(refused)["error"]["field"] == "birthDate");

  // A write without a key is refused rather than left unsafe to retry.
  CHECK(browser.Send("POST", "/api/saveClient", client.dump()).status == 400);
}

TEST_CASE("web requests that are malformed, foreign or above the role get a clear refusal",
          "[web]") {
  Browser browser;
  SECTION("no session") {
    CHECK(browser.Send("POST", "/api/findClients", json{{"query", "an"}}.dump()).status == 401);
    CHECK(browser.Send("GET", "/api/extra/thing").status == 401);
  }
  REQUIRE(browser.LogIn("admin", "admin-password").status == 200);
  SECTION("malformed bodies name the problem") {
    WebResponse not_json = browser.Send("POST", "/api/findClients", "{\"query\": ");
    CHECK(not_json.status == 400);
    CHECK(Body(not_json)["error"]["message"] == "the body is not JSON");
    WebResponse wrong_shape = browser.Send("POST", "/api/findClients", "[1, 2]");
    CHECK(wrong_shape.status == 400);
    CHECK(Body(wrong_shape)["error"]["field"] == "findClients");
    WebResponse bad_id = browser.Send("POST", "/api/getClientCard", "\"not-an-id\"");
    CHECK(bad_id.status == 400);
    CHECK(Body(bad_id)["error"]["message"].get<std::string>().find("not an id") !=
          std::string::npos);
    WebResponse bad_key = browser.Send("POST", "/api/addNote", json{{"text", "x"}}.dump(),
                                       {{"idempotency-key", "zz"}});
    CHECK(bad_key.status == 400);
    CHECK(Body(bad_key)["error"]["field"] == "Idempotency-Key");
    // The operation comes from the path alone: a body cannot add another.
    WebResponse smuggled = browser.Send("POST", "/api/status", "null, \"createUser\": {}");
    CHECK(smuggled.status == 400);
  }
  SECTION("unknown operations and pages") {
    CHECK(browser.Send("POST", "/api/dropTables").status == 404);
    CHECK(browser.Send("GET", "/secret.txt").status == 404);
    CHECK(browser.Send("GET", "/findClients").status == 404);
    CHECK(browser.Send("GET", "/api/status").status == 400);  // operations are POSTed
  }
  SECTION("another site's form cannot post an operation") {
    // (Foreign Host and Origin headers are the server's to refuse: see
    // web_server_test.cc.) A form post (not JSON) is refused: only a JSON
    // body is an operation.
    CHECK(browser
              .Send("POST", "/api/addNote", "text=x",
                    {{"content-type", "application/x-www-form-urlencoded"}})
              .status == 400);
  }
  SECTION("roles are checked as over ZeroMQ") {
    json user = {{"login", "till"},
                 {"displayName", "Till"},
                 {"role", "cashier"},
                 {"password", "till-password-1"}};
    REQUIRE(browser
                .Send("POST", "/api/createUser", user.dump(),
                      {{"idempotency-key", "01JD5R0000000000000000000C"}})
                .status == 200);
    browser.ForgetCookie();
    REQUIRE(browser.LogIn("till", "till-password-1").status == 200);
    WebResponse refused = browser.Send("POST", "/api/listDuplicates");
    CHECK(refused.status == 403);
    CHECK(Body(refused)["error"]["code"] == "permissionDenied");
    // An added route runs for the logged-in user only, and knows who it is.
    CHECK(Body(browser.Send("GET", "/api/extra/thing"))["login"] == "till");
  }
  SECTION("the pages are served") {
    WebResponse page = browser.Send("GET", "/");
    CHECK(page.status == 200);
    CHECK(page.content_type == "text/html; charset=utf-8");
    CHECK(page.body.find("desk") != std::string::npos);
    CHECK(browser.Send("GET", "/favicon.ico").status == 204);
  }
}

TEST_CASE("a body nested too deep is refused before anything parses it, and the API answers on",
          "[web]") {
  Browser browser;
  // 100,000 brackets (200 KB with their closers) once crashed the server
  // from any route, without a session: the JSON was parsed and written out
  // again recursively before the session was checked.
  std::string deep_array = std::string(100'000, '[') + std::string(100'000, ']');
  std::string deep_object;
  for (int i = 0; i < 50'000; ++i) deep_object += "{\"a\":";
  for (const char* path :
       {"/api/status", "/api/login", "/api/logout", "/api/findClients", "/api/extra/thing"}) {
    for (const std::string* body : {&deep_array, &deep_object}) {
      WebResponse refused = browser.Send("POST", path, *body);
      CHECK(refused.status == 400);
      CHECK(Body(refused)["error"]["field"] == "body");
      CHECK(Body(refused)["error"]["message"] == "the body is nested deeper than 64");
    }
  }
  // Brackets inside strings are text, however many, even after an escaped
  // quote: the operation's own refusal (not an id), not a nesting one.
  std::string quoted = "\"\\\"" + std::string(100'000, '[') + "\"";
  WebResponse text = browser.Send("POST", "/api/getClientCard", quoted);
  CHECK(text.status == 400);
  CHECK(Body(text)["error"]["field"] == "getClientCard");
  // 64 levels are within the bound and reach the operation, which refuses
  // the shape instead.
  REQUIRE(browser.LogIn("admin", "admin-password").status == 200);
  WebResponse shallow =
      browser.Send("POST", "/api/findClients", std::string(64, '[') + std::string(64, ']'));
  CHECK(shallow.status == 400);
  CHECK(Body(shallow)["error"]["field"] == "findClients");
  CHECK(Body(browser.Send("POST", "/api/findClients", std::string(65, '[')))["error"]["field"] ==
        "body");
  // And the API goes on answering.
  CHECK(browser.Send("POST", "/api/status").status == 200);
}

}  // namespace
}  // namespace crm

namespace crm {
namespace {

std::string HeaderOf(const WebResponse& answer, const std::string& name) {
  for (const auto& [key, value] : answer.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST_CASE("a file goes up as its bytes and comes down as an attachment under its own name",
          "[web][files]") {
  Browser browser;
  REQUIRE(browser.LogIn("admin", "admin-password").status == 200);
  WebResponse made = browser.Send("POST", "/api/saveClient", R"({"client": {"firstName": "Ann"}})",
                                  {{"idempotency-key", "01JD5R0000000000000000000A"}});
  REQUIRE(made.status == 200);
  const std::string client = Body(made)["saved"];
  const std::string page = "<script>alert(document.cookie)</script>";
  auto upload = [&](const std::string& name, const std::string& type, const std::string& key,
                    const std::string& to = "") {
    return browser.Send("POST", "/api/attachFile", page,
                        {{"content-type", "application/octet-stream"}, {"idempotency-key", key}},
                        {{"client", to.empty() ? client : to}, {"name", name}, {"type", type}});
  };

  WebResponse up = upload("пара\"ds.html", "text/html", "01JD5R0000000000000000000B");
  INFO(up.body);
  REQUIRE(up.status == 200);
  const std::string file = Body(up)["saved"];
  WebResponse down = browser.Send("GET", std::string(kFilePath) + file);
  REQUIRE(down.status == 200);
  CHECK(down.body == page);
  CHECK(down.content_type == "text/html");
  // Never shown in the page's origin: an attachment, sandboxed, its name
  // quoted safely.
  CHECK(HeaderOf(down, "Content-Disposition") ==
        "attachment; filename=\"_____ds.html\"; filename*=UTF-8''%D0%BF%D0%B0%D1%80%D0%B0%22ds.html");
  CHECK(HeaderOf(down, "Content-Security-Policy") == "sandbox; default-src 'none'");
  // By id, getFile carries the file's record.
  WebResponse by_id = browser.Send("POST", "/api/getFile", "\"" + file + "\"");
  REQUIRE(by_id.status == 200);
  CHECK(Body(by_id)["file"]["file"]["name"] == "пара\"ds.html");

  // A media type that is not a plain token is served as bytes.
  WebResponse odd = upload("a.bin", "text/html; charset=utf-8", "01JD5R0000000000000000000C");
  REQUIRE(odd.status == 200);
  CHECK(browser.Send("GET", std::string(kFilePath) + std::string(Body(odd)["saved"])).content_type ==
        "application/octet-stream");

  // Refusals name the problem; nothing is written without a request id.
  WebResponse no_client = upload("a.txt", "text/plain", "01JD5R0000000000000000000D", "ann");
  CHECK(no_client.status == 400);
  CHECK(Body(no_client)["error"]["field"] == "client");
  WebResponse no_key = browser.Send("POST", "/api/attachFile", page,
                                    {{"content-type", "application/octet-stream"}},
                                    {{"client", client}, {"name", "a.txt"}});
  CHECK(no_key.status == 400);
  CHECK(Body(no_key)["error"]["field"] == "requestId");
  CHECK(browser.Send("GET", std::string(kFilePath) + "01JD5R0000000000000000000Z").status == 404);
  CHECK(browser.Send("POST", std::string(kFilePath) + file).status == 400);
  // Without a session, neither way.
  browser.ForgetCookie();
  CHECK(browser.Send("GET", std::string(kFilePath) + file).status == 401);
  CHECK(upload("b.txt", "text/plain", "01JD5R0000000000000000000E").status == 401);
}

}  // namespace
}  // namespace crm
