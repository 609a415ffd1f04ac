// The front-desk server's settings: which endpoints it serves in clear.
#include "node/server/desk_server.h"

#include <catch2/catch.hpp>

#include <string>

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

}  // namespace
}  // namespace crm
