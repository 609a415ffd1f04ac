// The HTTP adapter (the only place that uses cpp-httplib): serves one
// handler over HTTP on loopback, or over HTTPS anywhere, with the security
// headers every page of the CRM needs. What the handler does with a request
// is node/web_api.h's business.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "sync/status.h"

namespace crm {

struct WebRequest {
  std::string method;  // "GET", "POST" ...
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

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

using WebHandler = std::function<WebResponse(const WebRequest&)>;

struct WebServerOptions {
  // HOST:PORT; port 0 picks a free one (see WebServer::endpoint).
  std::string listen;
  // PEM files; both or neither. Without them the server only binds loopback
  // addresses: session cookies must not cross a network in clear text.
  std::string cert_file;
  std::string key_file;
  size_t max_body_bytes = 16u << 20;
};

class WebServer {
 public:
  // Binds and starts serving `handler` on a thread pool. kInvalidArgument for
  // a malformed or non-loopback `listen` without TLS, or a half TLS setup;
  // kUnavailable if the address cannot be bound or the certificate not read.
  static Result<std::unique_ptr<WebServer>> Start(WebServerOptions options, WebHandler handler);
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // "http://127.0.0.1:8080" (or https), with the real port.
  const std::string& endpoint() const { return endpoint_; }

  // Stops taking requests and joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  WebServer();

  std::unique_ptr<Impl> impl_;
  std::string endpoint_;
  std::thread thread_;
};

}  // namespace crm
