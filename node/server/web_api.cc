#include "node/server/web_api.h"

#include <capnp/message.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <future>

#include "schema/frontdesk.capnp.h"
#include "sync/base/codec.h"
#include "sync/base/json_codec.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

int HttpStatusOf(schema::ErrorCode code) {
  switch (code) {
    case schema::ErrorCode::INVALID_ARGUMENT:
      return 400;
    case schema::ErrorCode::UNAUTHENTICATED:
      return 401;
    case schema::ErrorCode::PERMISSION_DENIED:
      return 403;
    case schema::ErrorCode::NOT_FOUND:
      return 404;
    case schema::ErrorCode::ALREADY_EXISTS:
    case schema::ErrorCode::CONFLICT:
      return 409;
    case schema::ErrorCode::RESOURCE_EXHAUSTED:
      return 413;
    case schema::ErrorCode::UNAVAILABLE:
      return 503;
    case schema::ErrorCode::VERSION_MISMATCH:
    case schema::ErrorCode::INTERNAL:
      return 500;
  }
  return 500;
}

std::string CookieHeader(const std::string& token) {
  // Secure even on loopback HTTP: browsers treat 127.0.0.1 as a secure
  // context, and anywhere else the server only speaks HTTPS.
  return fmt::format("{}={}; Path=/; HttpOnly; Secure; SameSite=Strict", kSessionCookie, token);
}

// Whether `body` nests brackets deeper than `max_depth` (brackets inside
// JSON strings do not count). One pass without recursion or allocation, so
// it can run before any parser: nlohmann::json's copies and dump and capnp's
// decoder recurse once per level, and 100,000 levels overflow the stack.
bool NestedDeeperThan(std::string_view body, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // an escaped quote does not end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// What the desk's answer is for.
enum class Asked { kOperation, kLogin, kLogout, kDownload };

// A media type safe to name in Content-Type ("image/png"), or
// application/octet-stream for anything else a file record may hold.
std::string SafeMediaType(std::string_view stored) {
  auto token = [](std::string_view part) {
    return !part.empty() && part.size() <= 64 &&
           std::all_of(part.begin(), part.end(), [](char c) {
             return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
           });
  };
  size_t slash = stored.find('/');
  if (slash == std::string_view::npos || !token(stored.substr(0, slash)) ||
      !token(stored.substr(slash + 1))) {
    return "application/octet-stream";
  }
  return std::string(stored);
}

// Content-Disposition for a download named `name`: always an attachment
// (never shown in the page's origin), an ASCII fallback and the exact
// UTF-8 name (RFC 6266, RFC 8187).
std::string AttachmentHeader(std::string_view name) {
  std::string ascii;
  std::string encoded;
  for (unsigned char c : name) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    // One '_' for each character the fallback cannot hold (not per byte).
    if ((c & 0xC0) != 0x80) ascii += plain || c == ' ' ? static_cast<char>(c) : '_';
    encoded += plain ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
  }
  if (ascii.empty()) ascii = encoded = "file";
  return fmt::format("attachment; filename=\"{}\"; filename*=UTF-8''{}", ascii, encoded);
}

// The bytes of a file the desk sent, as a download.
WebResponse Download(schema::FileContent::Reader file) {
  auto bytes = file.getContent();
  std::string name = file.getFile().getName().size() > 0
                         ? std::string(file.getFile().getName().cStr())
                         : std::string(file.getFile().getSha256().cStr());
  WebResponse answer{200, SafeMediaType(file.getFile().getMediaType().cStr()),
                     std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size()),
                     {}};
  answer.headers.emplace_back("Content-Disposition", AttachmentHeader(name));
  // Even opened some other way, the bytes run no script in this origin.
  answer.headers.emplace_back("Content-Security-Policy", "sandbox; default-src 'none'");
  return answer;
}

// The HTTP answer to the desk's encoded `reply`. Runs on the desk's thread
// (the writer's, for a write): never throws.
WebResponse FromDesk(const MessageJson& json, const std::string& reply, Asked asked) {
  try {
    auto decoded = DecodedMessage::Decode(reply);
    if (!decoded.ok()) return WebError(decoded.status());
    auto response = decoded->Root<schema::Response>();
    int status = 200;
    if (response.isError()) status = HttpStatusOf(response.getError().getCode());
    if (asked == Asked::kDownload && response.isFile()) return Download(response.getFile());
    if (asked == Asked::kLogin && response.isSession()) {
      // The token goes into the cookie, out of reach of the page's scripts.
      std::string token = response.getSession().getToken();
      capnp::MallocMessageBuilder copy;
      copy.setRoot(response);
      copy.getRoot<schema::Response>().getSession().setToken("");
      WebResponse answer =
          WebJson(json.Encode(copy.getRoot<schema::Response>().asReader()), status);
      answer.headers.emplace_back("Set-Cookie", CookieHeader(token));
      return answer;
    }
    WebResponse answer = WebJson(json.Encode(response), status);
    if (asked == Asked::kLogout) {
      answer.headers.emplace_back(
          "Set-Cookie",
          fmt::format("{}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0", kSessionCookie));
    }
    return answer;
  } catch (const std::exception& e) {
    return WebError(Status::Internal(e.what()));
  }
}

// Sends `request_bytes` to the desk, which answers through `respond`.
void AskDesk(FrontDesk& desk, std::shared_ptr<const MessageJson> json, const std::string& request_bytes,
         const WebRequest& request, Asked asked, WebRespond& respond) {
  desk.HandleAsync(
      request_bytes,
      [json = std::move(json), asked, respond = std::move(respond)](std::string reply) {
        respond(FromDesk(*json, reply, asked));
      },
      Caller{request.peer_address});
}

}  // namespace

WebResponse WebJson(std::string body, int status) {
  return WebResponse{status, "application/json; charset=utf-8", std::move(body), {}};
}

WebResponse WebError(const Status& status) {
  schema::ErrorCode code = ErrorCodeOf(status.code());
  int http = HttpStatusOf(code);
  auto code_name = capnp::Schema::from<schema::ErrorCode>()
                       .getEnumerants()[static_cast<unsigned>(code)]
                       .getProto()
                       .getName();
  nlohmann::json body = {
      {"error",
       {{"code", code_name.cStr()}, {"field", status.field()}, {"message", status.message()}}}};
  return WebJson(body.dump(), http);
}

WebApi::WebApi(FrontDesk& desk, std::vector<WebAsset> assets, std::string index)
    : desk_(desk),
      assets_(std::move(assets)),
      index_(std::move(index)),
      json_(std::make_shared<const MessageJson>()) {}

WebApi::~WebApi() = default;

void WebApi::AddRoute(std::string prefix, WebRoute route) {
  routes_.emplace_back(std::move(prefix), std::move(route));
}

Result<std::unique_ptr<WebServer>> WebApi::Serve(WebServerOptions options) {
  return WebServer::Start(std::move(options), [this](WebRequest request, WebRespond respond) {
    Handle(std::move(request), std::move(respond));
  });
}

void WebApi::Handle(WebRequest request, WebRespond respond) {
  std::optional<WebResponse> answer;
  try {
    answer = Route(request, respond);
  } catch (const std::exception& e) {
    // Route throws only before it hands `respond` over (FrontDesk::HandleAsync
    // never throws), so the answer is still this one to give.
    answer = WebError(Status::Internal(e.what()));
  }
  if (answer) respond(std::move(*answer));
}

WebResponse WebApi::HandleAndWait(WebRequest request) {
  std::promise<WebResponse> answered;
  std::future<WebResponse> answer = answered.get_future();
  Handle(std::move(request),
         [&answered](WebResponse response) { answered.set_value(std::move(response)); });
  return answer.get();
}

std::optional<WebResponse> WebApi::Route(const WebRequest& request, WebRespond& respond) {
  // Before anything parses the body, whatever the route.
  if (NestedDeeperThan(request.body, kMaxBodyNesting)) {
    return WebError(Status::InvalidArgument(
        "body", fmt::format("the body is nested deeper than {}", kMaxBodyNesting)));
  }
  if (!request.path.starts_with("/api/")) {
    if (request.method != "GET" && request.method != "HEAD") {
      return WebError(Status::InvalidArgument("method", "pages are read with GET"));
    }
    // Browsers ask for an icon on their own; the pages have none.
    if (request.path == "/favicon.ico") return WebResponse{204, "image/x-icon", "", {}};
    std::string_view path =
        request.path == "/" ? std::string_view(index_) : std::string_view(request.path);
    for (const WebAsset& asset : assets_) {
      if (asset.path == path)
        return WebResponse{200, std::string(asset.content_type), std::string(asset.body), {}};
    }
    return WebResponse{404, "text/plain; charset=utf-8", "no such page: " + request.path, {}};
  }
  // Foreign Host and Origin headers were refused by the server (WebHosts).
  for (const auto& [prefix, route] : routes_) {
    if (!request.path.starts_with(prefix)) continue;
    auto user = desk_.Authenticate(request.Cookie(kSessionCookie));
    if (!user.ok()) return WebError(user.status());
    return route(request, *user);
  }
  if (request.path.starts_with(kFilePath)) {
    if (request.method != "GET") {
      return WebError(Status::InvalidArgument("method", "files are downloaded with GET"));
    }
    return DownloadFile(request, respond);
  }
  if (request.method != "POST") {
    return WebError(Status::InvalidArgument("method", "operations are sent with POST"));
  }
  // A file's bytes as they are: no JSON around them. Not a content type
  // another site may send without asking first (CORS), as JSON is not.
  if (request.path == "/api/attachFile" &&
      request.Header("content-type").starts_with("application/octet-stream")) {
    return UploadFile(request, respond);
  }
  // A JSON content type cannot be sent cross-site without the browser
  // asking first (a CORS preflight, which this server never grants).
  if (!request.body.empty() && !request.Header("content-type").starts_with("application/json")) {
    return WebError(Status::InvalidArgument("content-type", "send operations as application/json"));
  }
  std::string_view name = std::string_view(request.path).substr(5);
  if (name == "login") return Login(request, respond);
  if (name == "logout") return Logout(request, respond);
  return Operation(request, name, respond);
}

std::optional<WebResponse> WebApi::Operation(const WebRequest& request, std::string_view name,
                                             WebRespond& respond) {
  auto union_fields = capnp::Schema::from<schema::Request>().getUnionFields();
  const capnp::StructSchema::Field* field = nullptr;
  for (const auto& candidate : union_fields) {
    if (std::string_view(candidate.getProto().getName().cStr()) == name) field = &candidate;
  }
  if (field == nullptr)
    return WebError(Status::NotFound("no such operation: " + std::string(name)));

  nlohmann::json body = nullptr;
  if (!request.body.empty()) {
    body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded())
      return WebError(Status::InvalidArgument("body", "the body is not JSON"));
  }
  nlohmann::json wrapped = {{std::string(name), body}};
  capnp::MallocMessageBuilder message;
  auto built = message.initRoot<schema::Request>();
  if (Status decoded = json_->Decode(wrapped.dump(), built); !decoded.ok()) {
    return WebError(Status::InvalidArgument(
        std::string(name),
        "the body does not fit " + std::string(name) + ": " + decoded.message()));
  }
  return Ask(message, request, respond, false);
}

std::optional<WebResponse> WebApi::Ask(capnp::MessageBuilder& message, const WebRequest& request,
                                        WebRespond& respond, bool download) {
  auto built = message.getRoot<schema::Request>();
  built.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
  built.setSession(request.Cookie(kSessionCookie));
  if (std::string key = request.Header("idempotency-key"); !key.empty()) {
    auto id = Id::Parse(key);
    if (!id.ok())
      return WebError(Status::InvalidArgument("Idempotency-Key", "'" + key + "' is not an id"));
    IdToWire(*id, built.initRequestId());
  }
  AskDesk(desk_, json_, EncodeMessage(message), request,
           download ? Asked::kDownload : Asked::kOperation, respond);
  return std::nullopt;
}

std::optional<WebResponse> WebApi::UploadFile(const WebRequest& request, WebRespond& respond) {
  auto query = [&](const char* key) {
    auto found = request.query.find(key);
    return found == request.query.end() ? std::string() : found->second;
  };
  capnp::MallocMessageBuilder message;
  auto file = message.initRoot<schema::Request>().initAttachFile();
  auto client = Id::Parse(query("client"));
  if (!client.ok()) {
    return WebError(Status::InvalidArgument(
        "client", "name the client as ?client=ID: " + client.status().message()));
  }
  IdToWire(*client, file.initClient());
  file.setName(query("name"));
  file.setMediaType(query("type"));
  file.setContent(kj::arrayPtr(reinterpret_cast<const kj::byte*>(request.body.data()),
                               request.body.size()));
  return Ask(message, request, respond, false);
}

std::optional<WebResponse> WebApi::DownloadFile(const WebRequest& request, WebRespond& respond) {
  capnp::MallocMessageBuilder message;
  message.initRoot<schema::Request>().setGetFile(request.path.substr(kFilePath.size()));
  return Ask(message, request, respond, true);
}

std::optional<WebResponse> WebApi::Login(const WebRequest& request, WebRespond& respond) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object() || !body.value("login", nlohmann::json()).is_string() ||
      !body.value("password", nlohmann::json()).is_string()) {
    return WebError(
        Status::InvalidArgument("login", "log in with {\"login\": ..., \"password\": ...}"));
  }
  capnp::MallocMessageBuilder message;
  auto built = message.initRoot<schema::Request>();
  built.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
  auto login = built.initLogin();
  login.setLogin(body["login"].get<std::string>());
  login.setPassword(body["password"].get<std::string>());
  AskDesk(desk_, json_, EncodeMessage(message), request, Asked::kLogin, respond);
  return std::nullopt;
}

std::optional<WebResponse> WebApi::Logout(const WebRequest& request, WebRespond& respond) {
  capnp::MallocMessageBuilder message;
  auto built = message.initRoot<schema::Request>();
  built.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
  built.setSession(request.Cookie(kSessionCookie));
  built.setLogout();
  AskDesk(desk_, json_, EncodeMessage(message), request, Asked::kLogout, respond);
  return std::nullopt;
}

}  // namespace crm
