#include "node/web_server.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <filesystem>

namespace crm {
namespace {

bool IsLoopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// Splits "HOST:PORT" ("[::1]:8080" for IPv6).
Result<std::pair<std::string, int>> SplitListen(std::string_view listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument(
        "web", "'" + std::string(listen) + "': expected HOST:PORT, such as 127.0.0.1:8080");
  }
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  std::string_view port_text = listen.substr(colon + 1);
  int port = -1;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    return Status::InvalidArgument("web",
                                   "'" + std::string(port_text) + "' is not a port (0 to 65535)");
  }
  return std::pair{host, port};
}

// The host part of a Host header ("127.0.0.1:8080", "[::1]:8080").
std::string HostOf(std::string_view header) {
  if (header.starts_with("[")) {
    size_t close = header.find(']');
    return std::string(
        header.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  return std::string(header.substr(0, header.find(':')));
}

// What every answer carries: pages run only their own scripts and styles,
// are never framed, and leak no URL to elsewhere.
const httplib::Headers& SecurityHeaders() {
  static const httplib::Headers headers = {
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
  };
  return headers;
}

WebRequest FromHttplib(const httplib::Request& in) {
  WebRequest out;
  out.method = in.method;
  out.path = in.path;
  for (const auto& [name, value] : in.params) out.query.emplace(name, value);
  for (const auto& [name, value] : in.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace(std::move(lower), value);
  }
  out.body = in.body;
  return out;
}

}  // namespace

std::string WebRequest::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string WebRequest::Cookie(std::string_view name) const {
  std::string header = Header("cookie");
  std::string_view cookies = header;
  while (!cookies.empty()) {
    size_t end = cookies.find(';');
    std::string_view pair = cookies.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
      return std::string(pair.substr(equals + 1));
    }
    if (end == std::string_view::npos) break;
    cookies.remove_prefix(end + 1);
  }
  return "";
}

struct WebServer::Impl {
  std::unique_ptr<httplib::Server> server;
};

WebServer::WebServer() : impl_(std::make_unique<Impl>()) {}

Result<std::unique_ptr<WebServer>> WebServer::Start(WebServerOptions options, WebHandler handler) {
  CRM_ASSIGN_OR_RETURN(auto host_port, SplitListen(options.listen));
  auto [host, port] = host_port;
  bool tls = !options.cert_file.empty() || !options.key_file.empty();
  if (tls && (options.cert_file.empty() || options.key_file.empty())) {
    return Status::InvalidArgument("web-cert", "HTTPS needs both a certificate and its key");
  }
  if (!tls && !IsLoopback(host)) {
    return Status::InvalidArgument(
        "web",
        "serving '" + host + "' beyond this machine needs HTTPS: give --web-cert and --web-key");
  }
  std::unique_ptr<WebServer> web(new WebServer());
  if (tls) {
    for (const std::string& file : {options.cert_file, options.key_file}) {
      if (!std::filesystem::exists(file)) return Status::NotFound("no such file: " + file);
    }
    web->impl_->server =
        std::make_unique<httplib::SSLServer>(options.cert_file.c_str(), options.key_file.c_str());
  } else {
    web->impl_->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& server = *web->impl_->server;
  if (!server.is_valid()) {
    return Status::Unavailable("cannot read the certificate " + options.cert_file + " or its key " +
                               options.key_file);
  }
  server.set_payload_max_length(options.max_body_bytes);
  server.set_default_headers(SecurityHeaders());
  // Every path goes to the one handler (routes are its business); the body
  // is read before it runs.
  auto serve = [handler = std::move(handler), tls](const httplib::Request& request,
                                                   httplib::Response& response) {
    WebResponse answer;
    try {
      // On loopback a page from elsewhere can still reach the server by
      // rebinding its own name to 127.0.0.1 (DNS rebinding); its requests
      // then name that other host.
      if (!tls && !IsLoopback(HostOf(request.get_header_value("Host")))) {
        answer = WebResponse{421,
                             "text/plain; charset=utf-8",
                             "this server answers only requests addressed to this machine",
                             {}};
      } else {
        answer = handler(FromHttplib(request));
      }
    } catch (const std::exception& e) {
      answer = WebResponse{
          500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what(), {}};
    }
    response.status = answer.status;
    for (auto& [name, value] : answer.headers) response.set_header(name, value);
    response.set_content(std::move(answer.body), answer.content_type);
  };
  server.Get(".*", serve);
  server.Post(".*", serve);
  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(host);
    if (bound < 0) return Status::Unavailable("cannot listen on " + options.listen);
  } else if (!server.bind_to_port(host, port)) {
    return Status::Unavailable("cannot listen on " + options.listen);
  }
  std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  web->endpoint_ =
      std::string(tls ? "https://" : "http://") + shown_host + ":" + std::to_string(bound);
  httplib::Server* raw = web->impl_->server.get();
  web->thread_ = std::thread([raw] { raw->listen_after_bind(); });
  // stop() before the loop runs would be lost, and Stop would wait forever.
  for (int i = 0; i < 5000 && !raw->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return web;
}

void WebServer::Stop() {
  if (!thread_.joinable()) return;
  impl_->server->stop();
  thread_.join();
}

WebServer::~WebServer() { Stop(); }

}  // namespace crm
