#include "node/server/web_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unordered_set>
#include <utility>

#include "sync/base/mutex.h"

namespace crm {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
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

// A Host header or the authority of an Origin, taken apart.
struct Authority {
  std::string host;  // lower case, without the brackets of an IPv6 address
  bool bracketed = false;
  int port = -1;  // -1: none given
};

// "name", "name:port", "1.2.3.4:port", "[v6]:port"; nullopt for anything
// else (user info, a path, a bad port, characters no host name has).
std::optional<Authority> ParseAuthority(std::string_view text) {
  Authority out;
  std::string_view rest;
  if (text.starts_with("[")) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = Lower(text.substr(1, close - 1));
    out.bracketed = true;
    rest = text.substr(close + 1);
  } else {
    size_t colon = text.find(':');
    out.host = Lower(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
  }
  if (out.host.empty()) return std::nullopt;
  for (char c : out.host) {
    bool allowed = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                   (out.bracketed && c == ':');
    if (!allowed) return std::nullopt;
  }
  if (!rest.empty()) {
    std::string_view digits = rest.substr(1);
    if (rest.front() != ':' || digits.empty() || digits.size() > 5) return std::nullopt;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out.port);
    if (error != std::errc() || end != digits.data() + digits.size() || out.port > 65535)
      return std::nullopt;
  }
  return out;
}

bool IsLoopbackHost(const Authority& authority) {
  if (authority.bracketed) {
    in6_addr v6{};
    return inet_pton(AF_INET6, authority.host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
  }
  if (authority.host == "localhost") return true;
  // inet_pton takes only the dotted quad (no "127.1", no octal), so a name
  // such as 127.0.0.1.evil.example is not taken for an address.
  in_addr v4{};
  return inet_pton(AF_INET, authority.host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

bool IsLoopbackAddress(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
  }
  return false;
}

std::string AddressText(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text,
              sizeof(text));
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
              sizeof(text));
  }
  return text;
}

// The error answer of this adapter, shaped as the API's errors are.
WebResponse Refuse(int status, std::string_view code, std::string_view field,
                   std::string_view message) {
  nlohmann::json body = {{"error", {{"code", code}, {"field", field}, {"message", message}}}};
  return WebResponse{status, "application/json; charset=utf-8", body.dump(), {}};
}

// What every answer carries: pages run only their own scripts and styles,
// are never framed, and leak no URL to elsewhere.
constexpr std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cache-Control", "no-store"},
};

// The PEM file `file` (of --`flag`), read whole: the HTTP library takes
// certificates from memory.
Result<std::string> ReadPem(const std::string& file, const char* flag) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) {
    return Status(StatusCode::kNotFound, "no such file: " + file, flag);
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in || bytes.str().empty()) {
    return Status(StatusCode::kUnavailable, "cannot read " + file, flag);
  }
  return bytes.str();
}

// A small pool of threads running queued work in order.
class Workers {
 public:
  explicit Workers(int count) {
    for (int i = 0; i < std::max(count, 1); ++i) threads_.emplace_back([this] { Run(); });
  }
  ~Workers() { Stop(); }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  void Post(std::function<void()> work) {
    {
      MutexLock lock(&mutex_);
      if (stopping_) return;
      queue_.push_back(std::move(work));
    }
    ready_.NotifyOne();
  }

  // Drops what is queued and joins the threads once their current work is
  // done. Idempotent.
  void Stop() {
    {
      MutexLock lock(&mutex_);
      stopping_ = true;
      queue_.clear();
    }
    ready_.NotifyAll();
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> work;
      {
        MutexLock lock(&mutex_);
        while (!stopping_ && queue_.empty()) ready_.Wait(&mutex_);
        if (stopping_) return;
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      work();
    }
  }

  Mutex mutex_;
  CondVar ready_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mutex_);
  std::vector<std::thread> threads_;
};

struct Exchange;

// The requests whose connections wait for an answer. Shared with every
// request, whose `respond` may outlive the server.
struct Pending {
  Mutex mutex;
  bool stopping GUARDED_BY(mutex) = false;
  std::unordered_set<std::shared_ptr<Exchange>> waiting GUARDED_BY(mutex);
};

// One request, from its headers to its answer. The connection's closure in
// the HTTP library holds it until the request is done; the handler's
// `respond` holds it until it has answered.
struct Exchange {
  explicit Exchange(std::shared_ptr<Pending> server) : pending(std::move(server)) {}

  const std::shared_ptr<Pending> pending;  // the server's
  MHD_Connection* connection = nullptr;
  WebRequest request;
  bool too_big = false;      // the event loop's only
  bool handed_over = false;  // the event loop's only
  // Waiting for its answer; only then may it be resumed.
  bool suspended GUARDED_BY(pending->mutex) = false;
  std::optional<WebResponse> answer GUARDED_BY(pending->mutex);
};

// Hands `answer` to the event loop and wakes the connection, unless it was
// answered already (the server stopped).
void Deliver(const std::shared_ptr<Exchange>& exchange, WebResponse answer) {
  MutexLock lock(&exchange->pending->mutex);
  if (!exchange->suspended) return;
  exchange->answer = std::move(answer);
  exchange->suspended = false;
  MHD_resume_connection(exchange->connection);
  exchange->pending->waiting.erase(exchange);
}

struct ResponseDeleter {
  void operator()(MHD_Response* response) const { MHD_destroy_response(response); }
};

// Queues `answer` on `connection`, with the security headers.
MHD_Result Queue(MHD_Connection* connection, const WebResponse& answer) {
  std::unique_ptr<MHD_Response, ResponseDeleter> response(MHD_create_response_from_buffer(
      answer.body.size(), const_cast<char*>(answer.body.data()), MHD_RESPMEM_MUST_COPY));
  if (response == nullptr) return MHD_NO;
  for (const auto& [name, value] : kSecurityHeaders)
    MHD_add_response_header(response.get(), name, value);
  MHD_add_response_header(response.get(), "Content-Type", answer.content_type.c_str());
  for (const auto& [name, value] : answer.headers)
    MHD_add_response_header(response.get(), name.c_str(), value.c_str());
  return MHD_queue_response(connection, static_cast<unsigned>(answer.status), response.get());
}

MHD_Result CollectHeader(void* into, MHD_ValueKind, const char* name, const char* value) {
  static_cast<WebRequest*>(into)->headers.emplace(Lower(name), value != nullptr ? value : "");
  return MHD_YES;
}

MHD_Result CollectQuery(void* into, MHD_ValueKind, const char* name, const char* value) {
  static_cast<WebRequest*>(into)->query.emplace(name, value != nullptr ? value : "");
  return MHD_YES;
}

}  // namespace

WebHosts::WebHosts(bool tls, const std::vector<std::string>& names)
    : tls_(tls), any_host_(tls && names.empty()) {
  for (const std::string& name : names) {
    std::string lower = Lower(name);
    if (lower.size() > 2 && lower.front() == '[' && lower.back() == ']')
      lower = lower.substr(1, lower.size() - 2);
    if (!lower.empty()) names_.push_back(std::move(lower));
  }
}

bool WebHosts::AcceptsHost(std::string_view host) const {
  std::optional<Authority> authority = ParseAuthority(host);
  if (!authority) return false;
  if (any_host_ || IsLoopbackHost(*authority)) return true;
  return std::find(names_.begin(), names_.end(), authority->host) != names_.end();
}

bool WebHosts::AcceptsOrigin(std::string_view origin, std::string_view host) const {
  std::string_view scheme = tls_ ? "https://" : "http://";
  if (!origin.starts_with(scheme) || !AcceptsHost(host)) return false;
  std::string_view origin_host = origin.substr(scheme.size());
  if (!AcceptsHost(origin_host)) return false;
  std::optional<Authority> from = ParseAuthority(origin_host);
  std::optional<Authority> to = ParseAuthority(host);
  int default_port = tls_ ? 443 : 80;
  return from->host == to->host &&
         (from->port < 0 ? default_port : from->port) == (to->port < 0 ? default_port : to->port);
}

std::optional<WebResponse> WebHosts::Refusal(const WebRequest& request) const {
  std::string host = request.Header("host");
  if (!AcceptsHost(host)) {
    return Refuse(421, "permissionDenied", "host",
                  "this server does not answer to the name '" + host + "'");
  }
  std::string origin = request.Header("origin");
  if (!origin.empty() && !AcceptsOrigin(origin, host)) {
    return Refuse(403, "permissionDenied", "origin",
                  "a request from another site (" + origin + ")");
  }
  return std::nullopt;
}

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
  Impl(WebServerOptions options_in, WebHandler handler_in, bool tls)
      : options(std::move(options_in)),
        handler(std::move(handler_in)),
        hosts(tls, options.names),
        workers(options.workers),
        pending(std::make_shared<Pending>()) {}

  // The HTTP library's request callback, on the event loop: called with the
  // headers, with each piece of the body, once the request is complete,
  // and again once its answer is in.
  static MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char* url,
                              const char* method, const char* /*version*/, const char* upload_data,
                              size_t* upload_data_size, void** state) {
    auto& impl = *static_cast<Impl*>(cls);
    if (*state == nullptr) return impl.Begin(connection, url, method, state);
    std::shared_ptr<Exchange> exchange = *static_cast<std::shared_ptr<Exchange>*>(*state);
    if (*upload_data_size != 0) {
      std::string& body = exchange->request.body;
      if (!exchange->too_big && body.size() + *upload_data_size > impl.options.max_body_bytes) {
        // Refused at the end (an answer cannot be queued mid-body); what
        // comes until then is dropped.
        exchange->too_big = true;
        std::string().swap(body);
      }
      if (!exchange->too_big) body.append(upload_data, *upload_data_size);
      *upload_data_size = 0;
      return MHD_YES;
    }
    return impl.Complete(exchange);
  }

  // Releases the connection's hold on its request.
  static void OnCompleted(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
    std::unique_ptr<std::shared_ptr<Exchange>> held(
        static_cast<std::shared_ptr<Exchange>*>(*state));
    *state = nullptr;
  }

  static void OnLog(void* cls, const char* format, va_list arguments) {
    auto& impl = *static_cast<Impl*>(cls);
    char line[512];
    std::vsnprintf(line, sizeof(line), format, arguments);
    std::string_view text(line);
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    MutexLock lock(&impl.log_mutex);
    impl.last_log = text;
    if (impl.options.log) impl.options.log(text);
  }

  // The headers are in: what needs no body is checked now, so a foreign or
  // oversized request is refused before its body is read.
  MHD_Result Begin(MHD_Connection* connection, const char* url, const char* method, void** state) {
    auto exchange = std::make_shared<Exchange>(pending);
    exchange->connection = connection;
    WebRequest& request = exchange->request;
    request.method = method;
    request.path = url;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, CollectHeader, &request);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, CollectQuery, &request);
    if (const MHD_ConnectionInfo* info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        info != nullptr && info->client_addr != nullptr) {
      request.peer_address = AddressText(info->client_addr);
    }
    *state = std::make_unique<std::shared_ptr<Exchange>>(exchange).release();  // see OnCompleted
    if (std::optional<WebResponse> refusal = hosts.Refusal(request)) {
      return Queue(connection, *refusal);
    }
    std::string length = request.Header("content-length");
    size_t declared = 0;
    auto [end, error] = std::from_chars(length.data(), length.data() + length.size(), declared);
    if (!length.empty() && (error != std::errc() || declared > options.max_body_bytes)) {
      return Queue(connection, TooBig());
    }
    return MHD_YES;
  }

  // The request is complete, or its answer has come.
  MHD_Result Complete(const std::shared_ptr<Exchange>& exchange) {
    ReleasableMutexLock lock(&exchange->pending->mutex);
    if (exchange->answer) {
      WebResponse answer = std::move(*exchange->answer);
      exchange->answer.reset();
      lock.Release();
      return Queue(exchange->connection, answer);
    }
    if (exchange->handed_over) return MHD_YES;  // still waiting
    if (exchange->too_big) return Queue(exchange->connection, TooBig());
    if (exchange->pending->stopping) return Queue(exchange->connection, Stopping());
    exchange->handed_over = true;
    exchange->suspended = true;
    exchange->pending->waiting.insert(exchange);
    MHD_suspend_connection(exchange->connection);
    lock.Release();
    workers.Post([this, exchange] {
      WebRespond respond = [exchange](WebResponse answer) { Deliver(exchange, std::move(answer)); };
      try {
        handler(std::move(exchange->request), respond);
      } catch (const std::exception& e) {
        // If it had answered before throwing, this second answer is dropped.
        respond(Refuse(500, "internal", "", std::string("internal error: ") + e.what()));
      }
    });
    return MHD_YES;
  }

  WebResponse TooBig() const {
    return Refuse(413, "resourceExhausted", "body",
                  "the body is over " + std::to_string(options.max_body_bytes) + " bytes");
  }
  static WebResponse Stopping() {
    return Refuse(503, "unavailable", "", "the server is stopping; try again");
  }

  const WebServerOptions options;
  const WebHandler handler;
  const WebHosts hosts;
  Workers workers;
  std::shared_ptr<Pending> pending;
  std::string cert;  // PEM, kept for as long as the daemon runs
  std::string key;
  MHD_Daemon* daemon = nullptr;
  Mutex log_mutex;
  std::string last_log GUARDED_BY(log_mutex);
};

WebServer::WebServer() = default;

Result<std::unique_ptr<WebServer>> WebServer::Start(WebServerOptions options, WebHandler handler) {
  CRM_ASSIGN_OR_RETURN(auto host_port, SplitListen(options.listen));
  auto [host, port] = host_port;
  bool tls = !options.cert_file.empty() || !options.key_file.empty();
  if (tls && (options.cert_file.empty() || options.key_file.empty())) {
    return Status::InvalidArgument("web-cert", "HTTPS needs both a certificate and its key");
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return Status::InvalidArgument("web", "cannot resolve '" + host + "'");
  }
  sockaddr_storage address{};
  std::memcpy(&address, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  auto* bind_to = reinterpret_cast<sockaddr*>(&address);
  bool v6 = bind_to->sa_family == AF_INET6;
  if (v6) {
    reinterpret_cast<sockaddr_in6*>(bind_to)->sin6_port = htons(static_cast<uint16_t>(port));
  } else {
    reinterpret_cast<sockaddr_in*>(bind_to)->sin_port = htons(static_cast<uint16_t>(port));
  }
  if (!tls && !IsLoopbackAddress(bind_to)) {
    return Status::InvalidArgument(
        "web",
        "serving '" + host + "' beyond this machine needs HTTPS: give --web-cert and --web-key");
  }
  // The listen host is a name of the server, unless it is every address.
  if (host != "0.0.0.0" && host != "::" && !IsLoopbackAddress(bind_to) && !options.names.empty())
    options.names.push_back(host);

  std::unique_ptr<WebServer> web(new WebServer());
  web->impl_ = std::make_unique<Impl>(std::move(options), std::move(handler), tls);
  Impl& impl = *web->impl_;
  const WebServerOptions& set = impl.options;
  if (tls) {
    CRM_ASSIGN_OR_RETURN(impl.cert, ReadPem(set.cert_file, "web-cert"));
    CRM_ASSIGN_OR_RETURN(impl.key, ReadPem(set.key_file, "web-key"));
  }
  unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  if (tls) flags |= MHD_USE_TLS;
  if (v6) flags |= MHD_USE_IPv6;
  std::vector<MHD_OptionItem> items = {
      // First, so libmicrohttpd's own complaints about the options after it
      // come through it too (it warns otherwise).
      {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&Impl::OnLog), &impl},
      {MHD_OPTION_SOCK_ADDR, 0, bind_to},
      {MHD_OPTION_CONNECTION_LIMIT, std::max(set.max_connections, 1u), nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, std::max(set.max_connections_per_address, 1u), nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT,
       static_cast<intptr_t>(std::max<int64_t>(set.idle_timeout.count(), 1)), nullptr},
      // Request line and headers must fit (431 otherwise); the body is read
      // through it in pieces.
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, nullptr},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Impl::OnCompleted), nullptr},
  };
  if (tls) {
    items.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, impl.cert.data()});
    items.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, impl.key.data()});
  }
  items.push_back({MHD_OPTION_END, 0, nullptr});
  impl.daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &Impl::OnRequest, &impl,
                                 MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
  if (impl.daemon == nullptr) {
    MutexLock lock(&impl.log_mutex);
    std::string why = impl.last_log.empty() ? "" : ": " + impl.last_log;
    return Status::Unavailable(tls ? "cannot serve HTTPS on " + set.listen + " with " +
                                         set.cert_file + " and " + set.key_file + why
                                   : "cannot listen on " + set.listen + why);
  }
  const MHD_DaemonInfo* bound = MHD_get_daemon_info(impl.daemon, MHD_DAEMON_INFO_BIND_PORT);
  int bound_port = bound != nullptr && bound->port != 0 ? bound->port : port;
  std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  web->endpoint_ =
      std::string(tls ? "https://" : "http://") + shown_host + ":" + std::to_string(bound_port);
  return web;
}

void WebServer::Stop() {
  if (impl_ == nullptr || impl_->daemon == nullptr) return;
  // No connection may stay suspended when the daemon stops, and none may be
  // resumed after: each waiting one is answered now (unless its handler's
  // answer comes first), and its handler's answer, when it comes, is dropped.
  std::unordered_set<std::shared_ptr<Exchange>> waiting;
  {
    MutexLock lock(&impl_->pending->mutex);
    impl_->pending->stopping = true;
    waiting = std::exchange(impl_->pending->waiting, {});
  }
  for (const std::shared_ptr<Exchange>& exchange : waiting) Deliver(exchange, Impl::Stopping());
  MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
  impl_->workers.Stop();
}

WebServer::~WebServer() { Stop(); }

}  // namespace crm
