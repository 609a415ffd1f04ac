// The front-desk API as JSON over HTTP (docs/web.md), and the pages built
// into the binary. Every operation is decoded from JSON into the same
// schema::Request the ZeroMQ API carries and answered by FrontDesk::Handle,
// so both transports share one definition, one validation and one role check.
// The session token lives in an HttpOnly, Secure, SameSite=Strict cookie.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <capnp/message.h>

#include "node/frontdesk/frontdesk.h"
#include "node/server/web_server.h"
#include "sync/base/json_codec.h"
#include "sync/base/status.h"

namespace crm {

// One file of a page, built into the binary (tools/embed_files.cmake).
struct WebAsset {
  std::string_view path;  // "/app.js"
  std::string_view content_type;
  std::string_view body;
};

// A request a binary adds under /api/ (the HQ dashboard's reports); it runs
// only for a logged-in user, who is passed in.
using WebRoute = std::function<WebResponse(const WebRequest&, const SessionUser&)>;

// How deep a request body may nest arrays and objects. A deeper one is
// refused (400, field "body") before any parser sees it, on every route.
inline constexpr int kMaxBodyNesting = 64;

// The name of the session cookie.
inline constexpr std::string_view kSessionCookie = "crm_session";

// GET kFilePath + a file's id downloads the file (getFile), as an attachment.
inline constexpr std::string_view kFilePath = "/api/file/";

class WebApi {
 public:
  // `index` is served for "/". REQUIRES: `desk` outlives this; the assets'
  // bytes are static.
  WebApi(FrontDesk& desk, std::vector<WebAsset> assets, std::string index);
  ~WebApi();
  WebApi(const WebApi&) = delete;
  WebApi& operator=(const WebApi&) = delete;

  // Routes requests whose path starts with `prefix` (say "/api/hq/") to
  // `route`. REQUIRES: called before serving.
  void AddRoute(std::string prefix, WebRoute route);

  // Answers one HTTP request through `respond`: a page file, login/logout,
  // an operation of the front-desk API, or an added route; a body nested
  // deeper than kMaxBodyNesting is refused first. Pages, refusals and added
  // routes answer on the calling thread; operations go to
  // FrontDesk::HandleAsync (with the peer's address as the Caller) and
  // answer from wherever the desk does, a write from the writer's thread
  // once durable. `respond` is called exactly once and may be called after
  // this WebApi is gone. Never throws. Thread-safe.
  void Handle(WebRequest request, WebRespond respond);

  // Handle, waiting for the answer (for tests and the fuzzer).
  WebResponse HandleAndWait(WebRequest request);

  // Serves this API over HTTP as `options` say (WebServer::Start with
  // Handle as its handler). REQUIRES: this outlives the server.
  Result<std::unique_ptr<WebServer>> Serve(WebServerOptions options);

 private:
  // The answer when it is ready now, or nullopt once `respond` was handed
  // to the desk.
  std::optional<WebResponse> Route(const WebRequest& request, WebRespond& respond);
  std::optional<WebResponse> Operation(const WebRequest& request, std::string_view name,
                                       WebRespond& respond);
  std::optional<WebResponse> Login(const WebRequest& request, WebRespond& respond);
  // Sends the request built in `message` with the caller's session and
  // Idempotency-Key; `download`: a file's bytes are the answer, not JSON.
  std::optional<WebResponse> Ask(capnp::MessageBuilder& message, const WebRequest& request,
                                 WebRespond& respond, bool download);
  // POST /api/attachFile?client=ID&name=NAME&type=TYPE with the bytes as
  // the body (application/octet-stream): the attachFile operation.
  std::optional<WebResponse> UploadFile(const WebRequest& request, WebRespond& respond);
  // GET /api/file/ID: the getFile operation, answered with the bytes.
  std::optional<WebResponse> DownloadFile(const WebRequest& request, WebRespond& respond);
  std::optional<WebResponse> Logout(const WebRequest& request, WebRespond& respond);

  FrontDesk& desk_;
  std::vector<WebAsset> assets_;
  std::string index_;
  std::vector<std::pair<std::string, WebRoute>> routes_;
  // Shared with the desk's replies, which may come after this is gone.
  std::shared_ptr<const MessageJson> json_;
};

// {"error": {"code", "field", "message"}} with the HTTP status of its code.
WebResponse WebError(const Status& status);

// A JSON answer.
WebResponse WebJson(std::string body, int status = 200);

}  // namespace crm
