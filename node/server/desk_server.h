// The front-desk server: the ZeroMQ adapter of the front-desk API (the only
// place in node/ that uses ZeroMQ). A ROUTER socket takes requests from many
// pos clients, over CURVE when the server has a key. Its loop decodes each
// request once and runs it as its operation says (node/frontdesk/operations.h):
// searches and status it answers itself; writes and logins go to
// FrontDesk::HandleAsync (the group commit, the desk's login threads), whose
// answers it sends when they come; the rest (the card, files, lists) goes to
// a pool of worker threads.
//
// Each request is one frame, after whatever envelope the client's socket
// put before it (REQ: an empty delimiter; DEALER: the delimiter or nothing);
// the answer goes back with the same envelope, whichever way it was
// answered. The request's caller is the peer's IP address (for TCP).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "node/common/thread_pool.h"
#include "node/frontdesk/frontdesk.h"
#include "sync/base/status.h"
#include "sync/keys/curve_keys.h"

namespace zmq {
class message_t;
}

namespace crm {

struct ServerOptions {
  // "tcp://127.0.0.1:7700"; a port of "*" picks a free one (see endpoint()).
  std::string endpoint = "tcp://127.0.0.1:7700";
  // The front desk's CURVE key pair (crm-admin keygen). With it, every
  // client must speak CURVE and know its public half; without it, the
  // server binds only endpoints local to this machine (IsLocalEndpoint).
  std::optional<CurveKeys> keys;
  int workers = 16;
  // Reads waiting for a worker beyond this are refused at once (unavailable,
  // "busy") rather than queued without end; 0 refuses every read a worker
  // would answer.
  size_t max_queued_reads = 10'000;
  // Larger frames are dropped by ZeroMQ before they reach the node.
  int64_t max_message_bytes = 16 << 20;

  // kInvalidArgument naming the first bad setting: an endpoint beyond this
  // machine without keys ("listen", saying how to make them), no workers.
  Status Validate() const;
};

// True for an endpoint no other machine can reach: tcp://127.x.x.x,
// tcp://localhost, tcp://[::1], ipc:// and inproc://.
bool IsLocalEndpoint(std::string_view endpoint);

class FrontDeskServer {
 public:
  // Binds and starts serving. The error of options.Validate(); kUnavailable
  // if the endpoint cannot be bound.
  static Result<std::unique_ptr<FrontDeskServer>> Start(FrontDesk& desk, ServerOptions options);
  // Stops, as Stop does.
  ~FrontDeskServer();
  FrontDeskServer(const FrontDeskServer&) = delete;
  FrontDeskServer& operator=(const FrontDeskServer&) = delete;

  // The bound endpoint, with the real port.
  const std::string& endpoint() const { return endpoint_; }

  // Stops taking requests, lets requests in progress finish, joins the
  // threads. A reply that cannot be sent any more is lost, never the write:
  // the client retries with the same request id and gets the first outcome.
  void Stop();

 private:
  struct Sockets;
  struct Outbox;
  FrontDeskServer(FrontDesk& desk, ServerOptions options);
  // Takes requests from the pos clients and sends every answer back (see the
  // comment at the top); returns on Stop.
  void Proxy();
  // Runs one request (its envelope, then the request's frame).
  void Take(std::vector<zmq::message_t> frames);
  // Sends `response` back after `envelope`.
  void Answer(std::vector<zmq::message_t>& envelope, const std::string& response);

  FrontDesk& desk_;
  const ServerOptions options_;
  std::unique_ptr<Sockets> sockets_;
  // Answers to writes, left by the writer's thread for the proxy to send.
  // Shared with the writes in flight, which may finish after Stop.
  std::shared_ptr<Outbox> outbox_;
  std::string endpoint_;
  // TCP: each request's caller is the peer's address.
  bool tcp_ = false;
  std::atomic<bool> stopping_{false};
  std::thread proxy_;
  std::unique_ptr<ThreadPool> workers_;
};

}  // namespace crm
