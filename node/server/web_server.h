// The HTTP adapter (the only place that uses libmicrohttpd): serves one
// handler over HTTP on loopback, or over HTTPS anywhere, with the security
// headers every page of the CRM needs and the checks that keep other sites
// out (Host and Origin). One event-loop thread reads and writes every
// connection; a complete request goes to a small pool of workers while its
// connection waits, suspended, for the answer. An idle or slow client holds
// a socket, never a thread. What the handler does with a request is
// node/server/web_api.h's business.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sync/base/status.h"

namespace crm {

struct WebRequest {
  std::string method;  // "GET", "POST" ...
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string peer_address;  // the client's IP address ("127.0.0.1", "::1"); "" if unknown

  // The header `lower_case_name`, or "".
  std::string Header(const std::string& lower_case_name) const;
  // The value of cookie `name`, or "".
  std::string Cookie(std::string_view name) const;
};

struct WebResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Delivers the answer to one request. Called exactly once, from any thread;
// quick and never throws. It may be called after the server has stopped:
// the answer is then dropped.
using WebRespond = std::function<void(WebResponse)>;

// Answers `request` through `respond`, now or later. Runs on one of the
// server's workers, so it must not wait for other threads (a write, a slow
// login): hand such work over and respond from where it finishes.
using WebHandler = std::function<void(WebRequest request, WebRespond respond)>;

struct WebServerOptions {
  // HOST:PORT; port 0 picks a free one (see WebServer::endpoint).
  std::string listen;
  // PEM files; both or neither. Without them the server only binds loopback
  // addresses: session cookies must not cross a network in clear text.
  std::string cert_file;
  std::string key_file;
  // Names (DNS names or IP addresses) a browser may use for this server
  // besides the loopback ones; the listen host counts too unless it is a
  // wildcard. Over HTTPS with none given, any name is taken (see WebHosts).
  std::vector<std::string> names;
  // A body over this is refused (413) without being kept.
  size_t max_body_bytes = 16u << 20;
  // Open connections, all together and from one IP address; more are
  // closed at once.
  unsigned max_connections = 512;
  unsigned max_connections_per_address = 64;
  // A connection that sends nothing for this long is closed (a request
  // being handled does not count).
  std::chrono::seconds idle_timeout{15};
  // Threads that run the handler.
  int workers = 4;
  // Where the HTTP library's own error messages go; none: dropped.
  std::function<void(std::string_view)> log;
};

// Which Host and Origin headers name this server. A page elsewhere whose
// own name was made to resolve to this machine (DNS rebinding) reaches the
// server under that name, and another site's page sends its own Origin.
// Accepted: localhost, 127.0.0.0/8 as an IPv4 literal, [::1], and the
// configured names, each with an optional port; over HTTPS with no names
// configured, any host (the browser's certificate check stops rebinding).
class WebHosts {
 public:
  // `names` as in WebServerOptions (brackets around IPv6 addresses optional).
  WebHosts(bool tls, const std::vector<std::string>& names);

  // Whether a Host header ("127.0.0.1:8080", "[::1]", "crm.example") names
  // this server.
  bool AcceptsHost(std::string_view host) const;

  // Whether an Origin header is this server's own page as reached with
  // `host`: this server's scheme, then exactly the host and port of `host`,
  // which must be accepted.
  bool AcceptsOrigin(std::string_view origin, std::string_view host) const;

  // The answer refusing `request` (421 for its Host, 403 for its Origin),
  // or nullopt if both are this server's.
  std::optional<WebResponse> Refusal(const WebRequest& request) const;

 private:
  bool tls_;
  bool any_host_;
  std::vector<std::string> names_;  // lower case, without brackets
};

class WebServer {
 public:
  // Binds and starts serving `handler`. kInvalidArgument for a malformed or
  // non-loopback `listen` without TLS, or a half TLS setup; kNotFound for a
  // missing certificate or key file; kUnavailable if the address cannot be
  // bound or the certificate and key not used.
  static Result<std::unique_ptr<WebServer>> Start(WebServerOptions options, WebHandler handler);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // "http://127.0.0.1:8080" (or https), with the real port.
  const std::string& endpoint() const { return endpoint_; }

  // Stops taking requests: requests still being handled are answered 503,
  // open connections closed, the threads joined. Answers that come later are
  // dropped. Idempotent.
  void Stop();

 private:
  struct Impl;
  WebServer();

  std::unique_ptr<Impl> impl_;
  std::string endpoint_;
};

}  // namespace crm
