// The HTTP adapter (node/server/web_server.h) over real sockets, serving the real
// browser API over a real front desk: what a hostile or careless client can
// do to a till's answers (idle and slow connections, too many of them, deep
// or big bodies, foreign names), and a clean stop with answers in flight.
#include "node/server/web_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "node/server/web_api.h"
#include "tests/support/desk_parts.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Reply {
  int status = 0;
  std::string raw_headers;  // as sent
  std::string headers;      // lower-cased, to look for one
  std::string body;
};

// One TCP connection to the server on 127.0.0.1 from `from` (any address of
// 127/8: Linux routes all of it to loopback), spoken to byte by byte.
class Connection {
 public:
  Connection(int port, const std::string& from = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    connected_ = bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0 &&
                 connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) == 0;
  }
  ~Connection() { close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  // One answer (headers and a Content-Length body); nullopt if the server
  // closed the connection or said nothing within `timeout`.
  std::optional<Reply> Read(milliseconds timeout = milliseconds(5000)) {
    Clock::time_point deadline = Clock::now() + timeout;
    for (;;) {
      size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        Reply reply;
        reply.raw_headers = buffer_.substr(0, end + 2);
        reply.headers = reply.raw_headers;
        for (char& c : reply.headers)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t length = 0;
        if (size_t at = reply.headers.find("\r\ncontent-length:"); at != std::string::npos)
          length = std::stoul(reply.headers.substr(at + 17));
        if (buffer_.size() >= end + 4 + length) {
          reply.status = std::stoi(buffer_.substr(9, 3));
          reply.body = buffer_.substr(end + 4, length);
          buffer_.erase(0, end + 4 + length);
          return reply;
        }
      }
      if (!Fill(deadline)) return std::nullopt;
    }
  }

  // Whether the server closes the connection (end of stream or a reset)
  // within `timeout`, sending nothing first.
  bool ClosedWithin(milliseconds timeout) {
    Clock::time_point deadline = Clock::now() + timeout;
    while (Fill(deadline)) {
    }
    return closed_;
  }

  // Whether the server has closed the connection already (without waiting).
  bool ClosedNow() { return ClosedWithin(milliseconds(0)); }

 private:
  // Reads what has come by `deadline`; false on timeout or close.
  bool Fill(Clock::time_point deadline) {
    if (closed_) return false;
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    pollfd poll_fd{fd_, POLLIN, 0};
    if (poll(&poll_fd, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) return false;
    char chunk[65536];
    ssize_t got = recv(fd_, chunk, sizeof(chunk), 0);
    if (got <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(got));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

// An HTTP/1.1 request as a browser on this machine sends it.
std::string HttpRequest(const std::string& method, const std::string& path, int port,
                        const std::string& body = "",
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
  bool has_host = std::any_of(headers.begin(), headers.end(),
                              [](const auto& header) { return header.first == "Host"; });
  std::string out = method + " " + path + " HTTP/1.1\r\n";
  if (!has_host) out += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  if (!body.empty()) out += "Content-Type: application/json\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return out;
}

WebServerOptions Options(std::string listen, std::string cert_file = "",
                         std::string key_file = "") {
  WebServerOptions options;
  options.listen = std::move(listen);
  options.cert_file = std::move(cert_file);
  options.key_file = std::move(key_file);
  return options;
}

int PortOf(const std::string& endpoint) {
  return std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
}

// A front desk behind the browser API behind a real server on loopback.
class ServedDesk {
 public:
  explicit ServedDesk(WebServerOptions options = {}) {
    OfficeConfig office;
    office.code = "LON";
    office.password_cost = PasswordCost::Cheap();
    parts_ = testing::OpenDesk(dir_.path(), wall_, office);
    REQUIRE(parts_.desk->BootstrapAdmin("admin", "Admin", "admin-password").ok());
    api_ = std::make_unique<WebApi>(
        *parts_.desk, std::vector<WebAsset>{{"/index.html", "text/html; charset=utf-8", "<p>desk"}},
        "/index.html");
    if (options.listen.empty()) options.listen = "127.0.0.1:0";
    WebApi* api = api_.get();
    auto started =
        WebServer::Start(std::move(options), [api](WebRequest request, WebRespond respond) {
          api->Handle(std::move(request), std::move(respond));
        });
    REQUIRE(started.ok());
    server_ = std::move(started).value();
    port_ = PortOf(server_->endpoint());
  }

  int port() const { return port_; }
  WebServer& server() { return *server_; }

 private:
  testing::TempDir dir_;
  SystemClock wall_;
  testing::DeskParts parts_;
  std::unique_ptr<WebApi> api_;
  std::unique_ptr<WebServer> server_;  // stops first
  int port_ = 0;
};

// A till's browser on 127.0.0.1, logged in, on one kept-alive connection.
class Till {
 public:
  explicit Till(int port) : port_(port) {
    Reply login =
        Call("POST", "/api/login", json{{"login", "admin"}, {"password", "admin-password"}}.dump());
    REQUIRE(login.status == 200);
    size_t at = login.headers.find("set-cookie: ");
    REQUIRE(at != std::string::npos);
    cookie_ = login.raw_headers.substr(at + 12, login.headers.find(';', at) - at - 12);
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& body = "",
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!cookie_.empty()) headers.emplace_back("Cookie", cookie_);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (connection_ == nullptr) connection_ = std::make_unique<Connection>(port_);
      if (connection_->Send(HttpRequest(method, path, port_, body, headers))) {
        if (std::optional<Reply> reply = connection_->Read()) return *reply;
      }
      connection_.reset();  // closed by the server: a browser opens another
    }
    FAIL("no answer to " << method << " " << path);
    return {};
  }

 private:
  int port_;
  std::string cookie_;
  std::unique_ptr<Connection> connection_;
};

// What a till does all day: status, a search, a card. The time of each, in
// microseconds.
std::vector<int64_t> TillRound(Till& till, const std::string& client) {
  std::vector<int64_t> times;
  for (auto [path, body] : {std::pair<std::string, std::string>{"/api/status", ""},
                            {"/api/findClients", json{{"query", "Ann"}}.dump()},
                            {"/api/getClientCard", json(client).dump()}}) {
    Clock::time_point start = Clock::now();
    Reply reply = till.Call("POST", path, body);
    times.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
    CHECK(reply.status == 200);
  }
  return times;
}

TEST_CASE("200 idle or slow connections from one address do not hold up a logged-in till",
          "[web][slow]") {
  WebServerOptions options;
  // Every attacking connection is let in (the limit per address is tested
  // below), so each one is really held by the server while the till works.
  options.max_connections_per_address = 256;
  ServedDesk served(options);
  Till till(served.port());
  Reply saved = till.Call("POST", "/api/saveClient",
                          json{{"client", {{"kind", "person"}, {"firstName", "Ann"}}}}.dump(),
                          {{"Idempotency-Key", "01JD5R0000000000000000000A"}});
  REQUIRE(saved.status == 200);
  std::string client = json::parse(saved.body)["saved"];

  constexpr int kRounds = 20;
  std::vector<std::vector<int64_t>> baseline, attacked;
  for (int i = 0; i < kRounds; ++i) baseline.push_back(TillRound(till, client));

  // From 127.0.0.2: every other connection idle after connecting, the rest
  // slowloris, sending their request line and then one header byte every
  // 300 ms, never finishing.
  std::vector<std::unique_ptr<Connection>> idle, slow;
  for (int i = 0; i < 200; ++i) {
    auto connection = std::make_unique<Connection>(served.port(), "127.0.0.2");
    REQUIRE(connection->connected());
    if (i % 2 == 0) {
      idle.push_back(std::move(connection));
    } else {
      REQUIRE(connection->Send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
      slow.push_back(std::move(connection));
    }
  }
  std::atomic<bool> attacking = true;
  std::thread slowloris([&] {
    while (attacking) {
      for (auto& connection : slow) (void)connection->Send("a");
      std::this_thread::sleep_for(milliseconds(300));
    }
  });
  std::this_thread::sleep_for(milliseconds(500));  // all of them accepted and talking
  for (int i = 0; i < kRounds; ++i) attacked.push_back(TillRound(till, client));
  // The attackers were all still connected while the till was answered.
  int open = 0;
  for (auto& connection : idle) open += connection->ClosedNow() ? 0 : 1;
  for (auto& connection : slow) open += connection->ClosedNow() ? 0 : 1;
  attacking = false;
  slowloris.join();
  CHECK(open == 200);

  const char* names[] = {"status", "findClients", "getClientCard"};
  for (size_t kind = 0; kind < 3; ++kind) {
    std::vector<int64_t> before, during;
    for (const auto& round : baseline) before.push_back(round[kind]);
    for (const auto& round : attacked) during.push_back(round[kind]);
    std::sort(before.begin(), before.end());
    std::sort(during.begin(), during.end());
    std::printf(
        "%-14s alone: median %6lld us, max %6lld us; under 200 connections: median %6lld "
        "us, max %6lld us\n",
        names[kind], static_cast<long long>(before[kRounds / 2]),
        static_cast<long long>(before.back()), static_cast<long long>(during[kRounds / 2]),
        static_cast<long long>(during.back()));
    // Every answer under attack within 100 ms of the same request alone.
    CHECK(during.back() <= before[kRounds / 2] + 100'000);
    CHECK(during.back() <= 100'000);
  }
}

TEST_CASE("connections beyond the limit per address are closed at once, other addresses served",
          "[web]") {
  WebServerOptions options;
  options.max_connections_per_address = 8;
  ServedDesk served(options);
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<Connection>(served.port(), "127.0.0.2"));
    REQUIRE(held.back()->connected());
  }
  std::this_thread::sleep_for(milliseconds(200));
  for (int i = 0; i < 3; ++i) {
    // The kernel completes the handshake; the server closes it unread.
    Connection extra(served.port(), "127.0.0.2");
    Clock::time_point start = Clock::now();
    CHECK(extra.ClosedWithin(milliseconds(2000)));
    CHECK(Clock::now() - start < milliseconds(1000));
  }
  // Another address is served meanwhile, and the held ones stay open.
  Till till(served.port());
  CHECK(till.Call("POST", "/api/status").status == 200);
  for (auto& connection : held) CHECK_FALSE(connection->ClosedNow());
  // Once one is gone (and the server has seen it go), the address may
  // connect again.
  held.pop_back();
  std::optional<Reply> page;
  for (int attempt = 0; attempt < 30 && !page; ++attempt) {
    std::this_thread::sleep_for(milliseconds(100));
    Connection again(served.port(), "127.0.0.2");
    if (again.Send(HttpRequest("GET", "/", served.port()))) page = again.Read(milliseconds(1000));
  }
  REQUIRE(page);
  CHECK(page->status == 200);
}

TEST_CASE("an idle connection is closed after the idle timeout", "[web]") {
  WebServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  ServedDesk served(options);
  Connection silent(served.port());
  Connection half(served.port());
  REQUIRE(half.Send("POST /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  Clock::time_point start = Clock::now();
  CHECK(silent.ClosedWithin(milliseconds(4000)));
  CHECK(half.ClosedWithin(milliseconds(4000)));
  auto waited = Clock::now() - start;
  CHECK(waited >= milliseconds(800));
  CHECK(waited < milliseconds(3500));
  // A connection in use is not idle.
  Till till(served.port());
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(milliseconds(500));
    CHECK(till.Call("POST", "/api/status").status == 200);
  }
}

TEST_CASE("a body nested too deep is refused over HTTP too, and the server goes on", "[web]") {
  ServedDesk served;
  Connection stranger(served.port());
  // No session: the refusal comes before anything else looks at the body.
  std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  REQUIRE(stranger.Send(HttpRequest("POST", "/api/status", served.port(), deep)));
  std::optional<Reply> refused = stranger.Read();
  REQUIRE(refused);
  CHECK(refused->status == 400);
  CHECK(json::parse(refused->body)["error"]["message"] == "the body is nested deeper than 64");
  Till till(served.port());
  CHECK(till.Call("POST", "/api/status").status == 200);
}

TEST_CASE("a body over the limit is refused from its length, before it is sent", "[web]") {
  WebServerOptions options;
  options.max_body_bytes = 1 << 20;
  ServedDesk served(options);
  Connection big(served.port());
  REQUIRE(
      big.Send("POST /api/addNote HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
               "application/json\r\nContent-Length: 2000000\r\n\r\n"));
  std::optional<Reply> refused = big.Read();
  REQUIRE(refused);
  CHECK(refused->status == 413);
  CHECK(json::parse(refused->body)["error"]["field"] == "body");
  // Sent in chunks without a length, it is refused once it has come, and
  // nothing of it is kept.
  Connection chunked(served.port());
  REQUIRE(
      chunked.Send("POST /api/addNote HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                   "application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
  std::string piece(64 * 1024, 'x');
  char size_line[32];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", piece.size());
  for (int i = 0; i < 20; ++i) REQUIRE(chunked.Send(size_line + piece + "\r\n"));
  REQUIRE(chunked.Send("0\r\n\r\n"));
  std::optional<Reply> also_refused = chunked.Read();
  REQUIRE(also_refused);
  CHECK(also_refused->status == 413);
}

TEST_CASE("every answer carries the security headers and the handler sees the peer's address",
          "[web]") {
  std::string seen;
  auto started =
      WebServer::Start(Options("127.0.0.1:0"), [&seen](WebRequest request, WebRespond respond) {
        seen = request.peer_address;
        respond(WebResponse{200, "text/plain", "hello", {{"X-Extra", "1"}}});
      });
  REQUIRE(started.ok());
  int port = PortOf((*started)->endpoint());
  Connection from_two(port, "127.0.0.2");
  REQUIRE(from_two.Send(HttpRequest("GET", "/", port)));
  std::optional<Reply> reply = from_two.Read();
  REQUIRE(reply);
  CHECK(reply->body == "hello");
  CHECK(seen == "127.0.0.2");
  for (const char* header :
       {"content-security-policy: default-src 'self'", "x-content-type-options: nosniff",
        "x-frame-options: deny", "referrer-policy: no-referrer", "cache-control: no-store",
        "x-extra: 1", "content-type: text/plain"}) {
    CHECK(reply->headers.find(header) != std::string::npos);
  }
  // Refusals carry them too.
  REQUIRE(from_two.Send(HttpRequest("GET", "/", port, "", {{"Host", "evil.example"}})));
  std::optional<Reply> refused = from_two.Read();
  REQUIRE(refused);
  CHECK(refused->status == 421);
  CHECK(refused->headers.find("x-frame-options: deny") != std::string::npos);
}

TEST_CASE("stopping with answers still to come answers 503, and the late answers are dropped",
          "[web]") {
  std::mutex mutex;
  std::map<std::string, WebRespond> held;  // by path: connection i asks for "/i"
  auto started =
      WebServer::Start(Options("127.0.0.1:0"), [&](WebRequest request, WebRespond respond) {
        std::lock_guard lock(mutex);
        held.emplace(request.path, std::move(respond));
      });
  REQUIRE(started.ok());
  std::unique_ptr<WebServer> server = std::move(started).value();
  int port = PortOf(server->endpoint());
  std::vector<std::unique_ptr<Connection>> waiting;
  for (int i = 0; i < 5; ++i) {
    waiting.push_back(std::make_unique<Connection>(port));
    REQUIRE(waiting.back()->Send(HttpRequest("GET", "/" + std::to_string(i), port)));
  }
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(mutex);
      if (held.size() == 5) break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  // One is answered before the stop.
  {
    std::lock_guard lock(mutex);
    REQUIRE(held.size() == 5);
    held["/0"](WebResponse{200, "text/plain", "in time", {}});
    held.erase("/0");
  }
  std::optional<Reply> in_time = waiting[0]->Read();
  REQUIRE(in_time);
  CHECK(in_time->body == "in time");
  Clock::time_point start = Clock::now();
  server->Stop();
  CHECK(Clock::now() - start < milliseconds(2000));
  for (size_t i = 1; i < waiting.size(); ++i) {
    std::optional<Reply> reply = waiting[i]->Read(milliseconds(1000));
    if (reply) CHECK(reply->status == 503);  // or the connection was closed
  }
  // The answers that come after the stop go nowhere, and harm nothing.
  for (auto& [path, respond] : held) respond(WebResponse{200, "text/plain", "late", {}});
  server->Stop();
  server.reset();
  held.clear();
}

TEST_CASE("the web server's Host check takes exactly the loopback names and the configured ones",
          "[web]") {
  WebHosts plain(false, {});
  for (const char* host : {"localhost", "localhost:8080", "LOCALHOST:8080", "127.0.0.1",
                           "127.0.0.1:8080", "127.1.2.3:80", "[::1]", "[::1]:8080"}) {
    INFO(host);
    CHECK(plain.AcceptsHost(host));
  }
  for (const char* host :
       {"", "127.evil.example", "127.0.0.1.evil.example", "127.0.0.1.evil.example:8080",
        "localhost.evil.example", "evil.example", "127.1", "127.0.0.01", "0x7f.0.0.1", "128.0.0.1",
        "::1", "[::1", "[::2]:8080", "127.0.0.1:http", "127.0.0.1:99999",
        "127.0.0.1:", "user@127.0.0.1", "127.0.0.1/x", "localhost."}) {
    INFO(host);
    CHECK_FALSE(plain.AcceptsHost(host));
  }
  WebHosts named(false, {"crm.example", "[fd00::1]"});
  CHECK(named.AcceptsHost("crm.example"));
  CHECK(named.AcceptsHost("CRM.example:8080"));
  CHECK(named.AcceptsHost("[fd00::1]:8080"));
  CHECK(named.AcceptsHost("127.0.0.1:8080"));
  CHECK_FALSE(named.AcceptsHost("crm.example.evil.example"));
  CHECK_FALSE(named.AcceptsHost("evil.crm.example"));
  // Over HTTPS without names, any name: the certificate stops rebinding.
  WebHosts tls(true, {});
  CHECK(tls.AcceptsHost("crm.example:8443"));
  CHECK(tls.AcceptsHost("127.evil.example"));
  CHECK_FALSE(tls.AcceptsHost("user@crm.example"));
  WebHosts tls_named(true, {"crm.example"});
  CHECK(tls_named.AcceptsHost("crm.example:8443"));
  CHECK_FALSE(tls_named.AcceptsHost("evil.example"));
}

TEST_CASE("the web server's Origin check takes only this server's own pages", "[web]") {
  WebHosts plain(false, {"crm.example"});
  CHECK(plain.AcceptsOrigin("http://127.0.0.1:8080", "127.0.0.1:8080"));
  CHECK(plain.AcceptsOrigin("http://localhost:8080", "localhost:8080"));
  CHECK(plain.AcceptsOrigin("http://[::1]:8080", "[::1]:8080"));
  CHECK(plain.AcceptsOrigin("http://crm.example", "crm.example:80"));
  CHECK(plain.AcceptsOrigin("http://crm.example:8080", "crm.example:8080"));
  // A foreign page, whatever the Host says.
  CHECK_FALSE(plain.AcceptsOrigin("http://evil.example", "evil.example"));
  CHECK_FALSE(plain.AcceptsOrigin("http://evil.example", "127.0.0.1:8080"));
  CHECK_FALSE(plain.AcceptsOrigin("http://127.evil.example:8080", "127.evil.example:8080"));
  CHECK_FALSE(plain.AcceptsOrigin("http://127.0.0.1.evil.example:8080", "127.0.0.1:8080"));
  // Another server on this machine: another port, another name of it, or
  // another scheme.
  CHECK_FALSE(plain.AcceptsOrigin("http://127.0.0.1:9999", "127.0.0.1:8080"));
  CHECK_FALSE(plain.AcceptsOrigin("http://localhost:8080", "127.0.0.1:8080"));
  CHECK_FALSE(plain.AcceptsOrigin("https://127.0.0.1:8080", "127.0.0.1:8080"));
  CHECK_FALSE(plain.AcceptsOrigin("null", "127.0.0.1:8080"));
  CHECK_FALSE(plain.AcceptsOrigin("http://127.0.0.1:8080/", "127.0.0.1:8080"));
  CHECK_FALSE(plain.AcceptsOrigin("http://x@127.0.0.1:8080", "127.0.0.1:8080"));
  WebHosts tls(true, {});
  CHECK(tls.AcceptsOrigin("https://crm.example", "crm.example"));
  CHECK(tls.AcceptsOrigin("https://crm.example", "crm.example:443"));
  CHECK_FALSE(tls.AcceptsOrigin("https://evil.example", "crm.example"));
  CHECK_FALSE(tls.AcceptsOrigin("http://crm.example", "crm.example"));
}

TEST_CASE("over HTTP, foreign Host and Origin headers are refused and --web-name is taken",
          "[web]") {
  WebServerOptions options;
  options.names = {"till.shop.example"};
  ServedDesk served(options);
  int port = served.port();
  std::string here = "127.0.0.1:" + std::to_string(port);
  auto send = [&](std::vector<std::pair<std::string, std::string>> headers) {
    Connection connection(port);
    REQUIRE(connection.Send(HttpRequest("POST", "/api/status", port, "", std::move(headers))));
    std::optional<Reply> reply = connection.Read();
    REQUIRE(reply);
    return *reply;
  };
  for (std::string host :
       {"127.evil.example", "127.0.0.1.evil.example", "localhost.evil.example", "evil.example"}) {
    INFO(host);
    Reply refused = send({{"Host", host + ":" + std::to_string(port)}});
    CHECK(refused.status == 421);
    CHECK(json::parse(refused.body)["error"]["field"] == "host");
    // Its own Origin does not help it.
    CHECK(send({{"Host", host + ":" + std::to_string(port)},
                {"Origin", "http://" + host + ":" + std::to_string(port)}})
              .status == 421);
  }
  Reply foreign = send({{"Host", here}, {"Origin", "http://evil.example"}});
  CHECK(foreign.status == 403);
  CHECK(json::parse(foreign.body)["error"]["field"] == "origin");
  CHECK(send({{"Host", here}, {"Origin", "http://127.0.0.1:1"}}).status == 403);
  // This machine's names and the configured one reach the API (401: no
  // session, but the desk was asked).
  for (const std::string& host : std::vector<std::string>{
           here, "localhost:" + std::to_string(port), "127.0.0.2", "[::1]:" + std::to_string(port),
           "till.shop.example:" + std::to_string(port)}) {
    INFO(host);
    CHECK(send({{"Host", host}}).status == 401);
    CHECK(send({{"Host", host}, {"Origin", "http://" + host}}).status == 401);
  }
}

TEST_CASE("HTTPS needs a readable certificate and key, and plain HTTP stays on loopback", "[web]") {
  testing::TempDir dir;
  auto handler = [](WebRequest, WebRespond respond) { respond(WebResponse{}); };
  std::string cert = (dir.path() / "cert.pem").string();
  std::string key = (dir.path() / "key.pem").string();
  auto missing = WebServer::Start(Options("127.0.0.1:0", cert, key), handler);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message().find(cert) != std::string::npos);
  std::ofstream(cert) << "not a certificate\n";
  std::ofstream(key) << "not a key\n";
  auto garbage = WebServer::Start(Options("127.0.0.1:0", cert, key), handler);
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.status().code() == StatusCode::kUnavailable);
  auto half = WebServer::Start(Options("127.0.0.1:0", cert), handler);
  CHECK(half.status().code() == StatusCode::kInvalidArgument);
  auto open = WebServer::Start(Options("0.0.0.0:0"), handler);
  CHECK(open.status().code() == StatusCode::kInvalidArgument);

  std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 "
      "-keyout " +
      key + " -out " + cert + " 2>/dev/null";
  if (std::system(command.c_str()) != 0) {
    WARN("no openssl command: the HTTPS start is not tried");
    return;
  }
  auto served = WebServer::Start(Options("127.0.0.1:0", cert, key), handler);
  REQUIRE(served.ok());
  CHECK((*served)->endpoint().starts_with("https://127.0.0.1:"));
  // Plain HTTP to it gets no answer of the API.
  Connection plain(PortOf((*served)->endpoint()));
  REQUIRE(plain.Send(HttpRequest("GET", "/", PortOf((*served)->endpoint()))));
  std::optional<Reply> reply = plain.Read(milliseconds(1000));
  CHECK((!reply || reply->status != 200));
}

}  // namespace
}  // namespace crm
