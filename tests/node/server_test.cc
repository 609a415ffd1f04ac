// The front-desk server: which endpoints it serves in clear, and how it
// answers when its workers are behind.
#include "node/server/desk_server.h"

#include <capnp/message.h>
#include <catch2/catch.hpp>
#include <zmq.hpp>

#include <functional>
#include <memory>
#include <string>

#include "sync/base/codec.h"
#include "sync/base/wire.h"
#include "tests/support/desk_parts.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

TEST_CASE("the front desk serves in clear only endpoints local to this machine",
          "[node][server][security]") {
  for (std::string local : {"tcp://127.0.0.1:7700", "tcp://127.0.0.1:*", "tcp://127.8.9.10:7700",
                            "tcp://localhost:7700", "tcp://[::1]:7700", "ipc:///run/crm/desk",
                            "inproc://desk"}) {
    INFO(local);
    CHECK(IsLocalEndpoint(local));
  }
  for (std::string remote :
       {"tcp://0.0.0.0:7700", "tcp://*:7700", "tcp://192.0.2.7:7700", "tcp://[::]:7700",
        "tcp://eth0:7700", "tcp://128.0.0.1:7700", "tcp://127.0.0.1.example.com:7700",
        "udp://127.0.0.1:7700", "tcp://127.0.0.1"}) {
    INFO(remote);
    CHECK_FALSE(IsLocalEndpoint(remote));
  }

  ServerOptions options;
  options.endpoint = "tcp://0.0.0.0:7700";
  Status refused = options.Validate();
  CHECK(refused.code() == StatusCode::kInvalidArgument);
  CHECK(refused.field() == "listen");
  CHECK(refused.message().find("--desk-key") != std::string::npos);
  CHECK(refused.message().find("crm-admin keygen") != std::string::npos);
  options.keys = CurveKeys{"public", "secret"};
  CHECK(options.Validate().ok());
}

// A store, a desk with its first admin, and a server over them on loopback.
class ServedDesk {
 public:
  explicit ServedDesk(size_t max_queued_reads) {
    OfficeConfig office;
    office.password_cost = PasswordCost::Cheap();
    parts_ = testing::OpenDesk(dir_.path(), wall_, office);
    REQUIRE(parts_.desk->BootstrapAdmin("admin", "Admin", "admin-password").ok());
    ServerOptions options;
    options.endpoint = "tcp://127.0.0.1:*";
    options.workers = 1;
    options.max_queued_reads = max_queued_reads;
    auto started = FrontDeskServer::Start(*parts_.desk, options);
    REQUIRE(started.ok());
    server_ = std::move(started).value();
    socket_.set(zmq::sockopt::rcvtimeo, 10'000);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(server_->endpoint());
  }

  // Sends the request `fill` makes under `request_id`; the decoded answer.
  DecodedMessage Ask(const std::function<void(schema::Request::Builder)>& fill,
                     const Id& request_id) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<schema::Request>();
    request.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
    IdToWire(request_id, request.initRequestId());
    request.setSession(token_);
    fill(request);
    const std::string bytes = EncodeMessage(message);
    socket_.send(zmq::buffer(bytes), zmq::send_flags::none);
    zmq::message_t reply;
    REQUIRE(socket_.recv(reply, zmq::recv_flags::none));
    auto decoded = DecodedMessage::Decode(reply.to_string_view());
    REQUIRE(decoded.ok());
    return std::move(decoded).value();
  }

  void LogIn() {
    DecodedMessage answer = Ask(
        [](schema::Request::Builder r) {
          r.initLogin().setLogin("admin");
          r.getLogin().setPassword("admin-password");
        },
        Id::Generate(wall_.NowMillis()));
    REQUIRE(answer.Root<schema::Response>().isSession());
    token_ = answer.Root<schema::Response>().getSession().getToken().cStr();
  }

  Id NewId() { return Id::Generate(wall_.NowMillis()); }

 private:
  testing::TempDir dir_;
  SystemClock wall_;
  testing::DeskParts parts_;
  std::unique_ptr<FrontDeskServer> server_;
  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::req};
  std::string token_;
};

TEST_CASE("reads the workers cannot take now are answered busy at once, with their request id",
          "[node][server]") {
  auto open_card = [](schema::Request::Builder r) {
    IdToWire(Id::Generate(1'795'348'800'000), r.initGetClientCard());
  };
  {
    INFO("no read may wait: a card (a worker's read) is refused as busy");
    ServedDesk served(0);
    served.LogIn();
    const Id request_id = served.NewId();
    DecodedMessage answer = served.Ask(open_card, request_id);
    auto response = answer.Root<schema::Response>();
    REQUIRE(response.isError());
    CHECK(response.getError().getCode() == schema::ErrorCode::UNAVAILABLE);
    CHECK(std::string(response.getError().getMessage().cStr()).find("busy") != std::string::npos);
    CHECK(IdFromWire(response.getRequestId()) == request_id);
    // What the server answers itself is not held up.
    DecodedMessage status =
        served.Ask([](schema::Request::Builder r) { r.setStatus(); }, served.NewId());
    CHECK(status.Root<schema::Response>().isStatus());
  }
  {
    INFO("with room in the queue the same read reaches the desk");
    ServedDesk served(10);
    served.LogIn();
    DecodedMessage answer = served.Ask(open_card, served.NewId());
    auto response = answer.Root<schema::Response>();
    REQUIRE(response.isError());
    CHECK(response.getError().getCode() == schema::ErrorCode::NOT_FOUND);
  }
}

}  // namespace
}  // namespace crm
