// The link between pos (or any client written from schema/ and docs/) and
// crm-node's front desk: CURVE beyond loopback, what crosses the wire, the
// framings a ZeroMQ client may use, and which requests may hold up which.
// Real crm-node, pos and crm-admin binaries; raw ZeroMQ sockets where a
// third-party client is played.
#include <capnp/message.h>
#include <catch2/catch.hpp>
#include <zmq.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "schema/frontdesk.capnp.h"
#include "sync/base/codec.h"
#include "sync/base/id.h"
#include "sync/base/wire.h"
#include "tests/support/fault_proxy.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using testing::RunResult;
using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// An office node with its administrator, started with `flags` (--listen
// and --desk-key among them), and a desk key made by crm-admin keygen.
class Desk {
 public:
  Desk() {
    RunResult keygen = testing::Run({CRM_ADMIN, "keygen", "--out", (dir_.path() / "desk").string()},
                                    "", {}, dir_.path());
    INFO(keygen.err);
    REQUIRE(keygen.exit_code == 0);
    RunResult bootstrap = testing::Run(Flags({CRM_NODE, "bootstrap-admin", "--login", "admin"}),
                                       "admin-password\n", {}, dir_.path());
    INFO(bootstrap.err);
    REQUIRE(bootstrap.exit_code == 0);
  }

  std::string key_file() const { return (dir_.path() / "desk.key").string(); }
  std::string public_key_file() const { return (dir_.path() / "desk.pub").string(); }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // Starts serving; returns the bound endpoint (as the node wrote it).
  std::string Start(const std::vector<std::string>& flags) {
    std::filesystem::remove(dir_.path() / "endpoint");
    std::vector<std::string> args = Flags({CRM_NODE, "serve", "--endpoint-file",
                                           (dir_.path() / "endpoint").string(), "--workers", "4"});
    args.insert(args.end(), flags.begin(), flags.end());
    node_ = std::make_unique<testing::Child>(args, dir_.path() / "node.log");
    return testing::WaitForLine(dir_.path() / "endpoint");
  }
  void Stop() { node_.reset(); }

  // crm-node serve with `flags`, which must refuse to start: its result
  // (a node that serves anyway is stopped after 10 s).
  RunResult StartRefused(const std::vector<std::string>& flags) {
    std::vector<std::string> args = Flags({"/usr/bin/timeout", "10", CRM_NODE, "serve"});
    args.insert(args.end(), flags.begin(), flags.end());
    return testing::Run(args, "", {}, dir_.path());
  }

  // pos against `node`, with `env` added ("POS_NODE_KEY=..." and the like).
  RunResult Pos(const std::string& node, const std::vector<std::string>& args,
                const std::string& input = "", std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {CRM_POS};
    argv.insert(argv.end(), args.begin(), args.end());
    env.insert(env.end(),
               {"POS_NODE=" + node, "POS_SESSION_FILE=" + (dir_.path() / "session").string(),
                "POS_TIMEOUT_MS=3000", "TZ=UTC"});
    return testing::Run(argv, input, env, dir_.path());
  }

  // The session token pos saved at its last login.
  std::string SavedToken() const {
    std::ifstream in(dir_.path() / "session");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("token=", 0) == 0) return line.substr(6);
    }
    return {};
  }

  // The newest entries of the audit log, as crm-admin audit list prints them.
  std::string AuditList() {
    RunResult list = testing::Run(
        {CRM_ADMIN, "audit", "list", "--data", (dir_.path() / "data").string(), "--last", "50"}, "",
        {}, dir_.path());
    INFO(list.err);
    REQUIRE(list.exit_code == 0);
    return list.out;
  }

 private:
  std::vector<std::string> Flags(std::vector<std::string> args) const {
    args.insert(args.end(), {"--data", (dir_.path() / "data").string(), "--office", "LON",
                             "--time-zone", "Europe/London", "--currency", "GBP"});
    return args;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::Child> node_;
};

// "tcp://127.0.0.1:PORT" for a node bound to "tcp://0.0.0.0:PORT".
std::string OnLoopback(const std::string& endpoint) {
  return "tcp://127.0.0.1" + endpoint.substr(endpoint.rfind(':'));
}

// An encoded front-desk request; `fill` sets the operation.
std::string Request(const std::string& session,
                    const std::function<void(schema::Request::Builder)>& fill) {
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<schema::Request>();
  request.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
  IdToWire(Id::Generate(1'800'000'000'000), request.initRequestId());
  request.setSession(session);
  fill(request);
  return EncodeMessage(message);
}

std::string Login(const std::string& login, const std::string& password) {
  return Request("", [&](schema::Request::Builder r) {
    auto args = r.initLogin();
    args.setLogin(login);
    args.setPassword(password);
  });
}

// A client written from schema/ and docs/ alone: a raw ZeroMQ socket.
class RawClient {
 public:
  enum class Framing {
    kDealerBare,       // DEALER, the request alone
    kDealerDelimited,  // DEALER, an empty frame and the request (as REQ sends)
    kReq,              // REQ
  };

  RawClient(const std::string& endpoint, Framing framing)
      : framing_(framing),
        socket_(context_,
                framing == Framing::kReq ? zmq::socket_type::req : zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
  }

  void Send(const std::string& request) {
    if (framing_ == Framing::kDealerDelimited)
      socket_.send(zmq::message_t(), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(request), zmq::send_flags::none);
  }

  // The frames of the next message, or none within `timeout_ms`.
  std::vector<std::string> ReceiveFrames(int timeout_ms) {
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    std::vector<std::string> frames;
    if (zmq::poll(items, 1, std::chrono::milliseconds(timeout_ms)) == 0) return frames;
    zmq::message_t frame;
    do {
      if (!socket_.recv(frame, zmq::recv_flags::none)) break;
      frames.push_back(frame.to_string());
    } while (frame.more());
    return frames;
  }

  // The next answer, which must come within `timeout_ms` in the framing its
  // request was sent in.
  DecodedMessage Receive(int timeout_ms = 5000) {
    std::vector<std::string> frames = ReceiveFrames(timeout_ms);
    REQUIRE_FALSE(frames.empty());
    if (framing_ == Framing::kDealerDelimited) {
      REQUIRE(frames.size() == 2);
      CHECK(frames[0].empty());
    } else {
      REQUIRE(frames.size() == 1);
    }
    auto decoded = DecodedMessage::Decode(frames.back());
    REQUIRE(decoded.ok());
    return std::move(decoded).value();
  }

  // Sends `request` and waits for its answer.
  DecodedMessage Call(const std::string& request) {
    Send(request);
    return Receive();
  }

 private:
  Framing framing_;
  zmq::context_t context_{1};
  zmq::socket_t socket_;
};

schema::Response::Reader Root(const DecodedMessage& message) {
  return message.Root<schema::Response>();
}

TEST_CASE(
    "a front desk reachable from other machines needs a key: crm-node refuses to start "
    "without one, naming --desk-key and crm-admin keygen",
    "[integration][frontdesk][security]") {
  Desk desk;
  for (std::string listen : {"tcp://0.0.0.0:*", "tcp://*:*"}) {
    INFO(listen);
    RunResult refused = desk.StartRefused({"--listen", listen});
    INFO(refused.err);
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("--desk-key") != std::string::npos);
    CHECK(refused.err.find("crm-admin keygen") != std::string::npos);
  }
  // Loopback needs none; with a key it serves beyond loopback.
  CHECK_FALSE(desk.Start({"--listen", "tcp://127.0.0.1:*"}).empty());
  desk.Stop();
  CHECK_FALSE(desk.Start({"--listen", "tcp://0.0.0.0:*", "--desk-key", desk.key_file()}).empty());
}

TEST_CASE("with a desk key, pos --node-key logs in and works over 0.0.0.0 and 127.0.0.1",
          "[integration][frontdesk][security]") {
  Desk desk;
  for (std::string listen : {"tcp://0.0.0.0:*", "tcp://127.0.0.1:*"}) {
    INFO(listen);
    std::string node = OnLoopback(desk.Start({"--listen", listen, "--desk-key", desk.key_file()}));
    RunResult login = desk.Pos(node, {"--node-key", desk.public_key_file(), "login", "admin"},
                               "admin-password\n");
    INFO(login.err);
    REQUIRE(login.exit_code == 0);
    // The key from the environment, as POS_NODE comes.
    std::vector<std::string> env = {"POS_NODE_KEY=" + desk.public_key_file()};
    RunResult added = desk.Pos(node, {"--json", "client", "add", "--first", "Anna"}, "", env);
    INFO(added.err);
    REQUIRE(added.exit_code == 0);
    RunResult found = desk.Pos(node, {"find", "Anna"}, "", env);
    CHECK(found.exit_code == 0);
    CHECK(found.out.find("Anna") != std::string::npos);
    RunResult status = desk.Pos(node, {"status"}, "", env);
    CHECK(status.exit_code == 0);
    CHECK(status.out.find("LON") != std::string::npos);
    desk.Stop();
  }
}

TEST_CASE(
    "a client that disagrees with the node about CURVE gets a clear error within its "
    "timeout, and a plain-text client gets nothing from a CURVE node",
    "[integration][frontdesk][security]") {
  Desk desk;
  std::string node =
      OnLoopback(desk.Start({"--listen", "tcp://0.0.0.0:*", "--desk-key", desk.key_file()}));

  // pos without the key: told to give it, well before its 3 s timeout.
  Clock::time_point start = Clock::now();
  RunResult plain = desk.Pos(node, {"status"});
  INFO(plain.err);
  CHECK(plain.exit_code == 7);
  CHECK(plain.err.find("--node-key") != std::string::npos);
  CHECK(MillisSince(start) < 2500);

  // A raw client in clear: not a byte of an answer, whatever it sends.
  RawClient raw(node, RawClient::Framing::kDealerDelimited);
  raw.Send(Login("admin", "admin-password"));
  raw.Send(Request("", [](schema::Request::Builder r) { r.setStatus(); }));
  CHECK(raw.ReceiveFrames(1500).empty());

  // pos holding another node's key: refused, saying which key to check.
  RunResult other = testing::Run({CRM_ADMIN, "keygen", "--out", (desk.dir() / "other").string()},
                                 "", {}, desk.dir());
  REQUIRE(other.exit_code == 0);
  start = Clock::now();
  RunResult wrong_key =
      desk.Pos(node, {"--node-key", (desk.dir() / "other.pub").string(), "login", "admin"},
               "admin-password\n");
  INFO(wrong_key.err);
  CHECK(wrong_key.exit_code == 7);
  CHECK(wrong_key.err.find("--node-key") != std::string::npos);
  CHECK(MillisSince(start) < 2500);
  desk.Stop();

  // pos with a key, the node in clear on loopback: told the node has no key.
  node = desk.Start({"--listen", "tcp://127.0.0.1:*"});
  start = Clock::now();
  RunResult keyed = desk.Pos(node, {"--node-key", desk.public_key_file(), "status"});
  INFO(keyed.err);
  CHECK(keyed.exit_code == 7);
  CHECK(keyed.err.find("--desk-key") != std::string::npos);
  CHECK(MillisSince(start) < 2500);
  // A key file that is not there is a usage error.
  CHECK(desk.Pos(node, {"--node-key", (desk.dir() / "nope.pub").string(), "status"}).exit_code ==
        2);
}

TEST_CASE("with CURVE the password and the session token do not cross the wire in clear",
          "[integration][frontdesk][security]") {
  Desk desk;
  const std::string password = "admin-password";
  // In clear first, to show the recording sees a password when there is one.
  {
    testing::FaultProxy proxy(desk.Start({"--listen", "tcp://127.0.0.1:*"}));
    proxy.Record();
    REQUIRE(desk.Pos(proxy.endpoint(), {"login", "admin"}, password + "\n").exit_code == 0);
    CHECK(proxy.RecordedToTarget().find(password) != std::string::npos);
    CHECK(proxy.RecordedToClient().find(desk.SavedToken()) != std::string::npos);
    desk.Stop();
  }
  testing::FaultProxy proxy(
      desk.Start({"--listen", "tcp://127.0.0.1:*", "--desk-key", desk.key_file()}));
  proxy.Record();
  RunResult login = desk.Pos(
      proxy.endpoint(), {"--node-key", desk.public_key_file(), "login", "admin"}, password + "\n");
  INFO(login.err);
  REQUIRE(login.exit_code == 0);
  RunResult status = desk.Pos(proxy.endpoint(), {"--node-key", desk.public_key_file(), "status"});
  REQUIRE(status.exit_code == 0);
  const std::string token = desk.SavedToken();
  REQUIRE(token.size() >= 32);
  const std::string to_node = proxy.RecordedToTarget();
  const std::string to_pos = proxy.RecordedToClient();
  CHECK(to_node.size() > password.size());  // the recording saw the login
  CHECK(to_node.find(password) == std::string::npos);
  CHECK(to_node.find(token) == std::string::npos);
  CHECK(to_pos.find(token) == std::string::npos);
  CHECK(to_pos.find("admin") == std::string::npos);
}

TEST_CASE(
    "a DEALER with or without the empty delimiter frame, and a REQ, get every answer in "
    "the framing they sent: status, login, the card, a write, garbage",
    "[integration][frontdesk]") {
  Desk desk;
  std::string node = desk.Start({"--listen", "tcp://127.0.0.1:*"});
  using Framing = RawClient::Framing;
  for (Framing framing : {Framing::kDealerBare, Framing::kDealerDelimited, Framing::kReq}) {
    INFO("framing " << static_cast<int>(framing));
    RawClient client(node, framing);
    // Login (answered from the desk's login threads).
    DecodedMessage login = client.Call(Login("admin", "admin-password"));
    REQUIRE(Root(login).isSession());
    std::string session = Root(login).getSession().getToken().cStr();
    // Status (answered by the server's loop).
    DecodedMessage status =
        client.Call(Request(session, [](schema::Request::Builder r) { r.setStatus(); }));
    REQUIRE(Root(status).isStatus());
    CHECK(std::string(Root(status).getStatus().getOffice().cStr()) == "LON");
    // A write (answered once durable).
    DecodedMessage saved = client.Call(Request(session, [](schema::Request::Builder r) {
      r.initSaveClient().initClient().setFirstName("Anna");
    }));
    REQUIRE(Root(saved).isSaved());
    Id anna = IdFromWire(Root(saved).getSaved());
    // The card (answered by a worker).
    DecodedMessage card = client.Call(Request(
        session, [&](schema::Request::Builder r) { IdToWire(anna, r.initGetClientCard()); }));
    REQUIRE(Root(card).isCard());
    CHECK(std::string(Root(card).getCard().getClient().getFirstName().cStr()) == "Anna");
    // Garbage: refused as the sender's fault, in the same framing.
    DecodedMessage garbage = client.Call("not a Cap'n Proto message");
    REQUIRE(Root(garbage).isError());
    CHECK(Root(garbage).getError().getCode() == schema::ErrorCode::INVALID_ARGUMENT);
  }
}

TEST_CASE("failed logins never hold up a card open", "[integration][frontdesk]") {
  Desk desk;
  std::string node = desk.Start({"--listen", "tcp://127.0.0.1:*"});
  RawClient till(node, RawClient::Framing::kDealerBare);
  DecodedMessage login = till.Call(Login("admin", "admin-password"));
  REQUIRE(Root(login).isSession());
  std::string session = Root(login).getSession().getToken().cStr();
  DecodedMessage saved = till.Call(Request(session, [](schema::Request::Builder r) {
    r.initSaveClient().initClient().setFirstName("Anna");
  }));
  REQUIRE(Root(saved).isSaved());
  Id anna = IdFromWire(Root(saved).getSaved());

  // Each failed login hashes a password (600,000 rounds). Twice as many of
  // them as the node has workers, then a card, all on one connection, so
  // the node reads them in that order. The answers come as they are ready,
  // matched by request id.
  for (int i = 0; i < 8; ++i) till.Send(Login("admin", "guess-" + std::to_string(i)));
  till.Send(
      Request(session, [&](schema::Request::Builder r) { IdToWire(anna, r.initGetClientCard()); }));
  Clock::time_point start = Clock::now();
  DecodedMessage first = till.Receive(30'000);
  INFO("the first answer took " << MillisSince(start) << " ms");
  CHECK(Root(first).isCard());
  int refused = Root(first).isError() ? 1 : 0;
  while (refused < 8) {
    DecodedMessage next = till.Receive(30'000);
    if (Root(next).isCard()) continue;
    REQUIRE(Root(next).isError());
    CHECK(Root(next).getError().getCode() == schema::ErrorCode::UNAUTHENTICATED);
    ++refused;
  }
}

TEST_CASE("a login's audit entry names the address it came from", "[integration][frontdesk]") {
  Desk desk;
  std::string node = desk.Start({"--listen", "tcp://127.0.0.1:*"});
  REQUIRE(desk.Pos(node, {"login", "admin"}, "not-the-password\n").exit_code == 5);
  REQUIRE(desk.Pos(node, {"login", "admin"}, "admin-password\n").exit_code == 0);
  // Logins are audited just after their answer: one write after them, and
  // they are in.
  REQUIRE(desk.Pos(node, {"client", "add", "--first", "Anna"}).exit_code == 0);
  std::string audit = desk.AuditList();
  INFO(audit);
  CHECK(audit.find("log in (from 127.0.0.1)") != std::string::npos);
  CHECK(audit.find("log in (wrong password, from 127.0.0.1)") != std::string::npos);
}

}  // namespace
}  // namespace crm
