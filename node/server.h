// The front-desk server: the ZeroMQ adapter of the front-desk API (the only
// place in node/ that uses ZeroMQ). A ROUTER socket takes requests from many
// pos clients. Its loop answers searches and status itself, hands writes to
// the group commit (FrontDesk::HandleAsync) and sends their answers once
// durable, and hands the rest (the card, login's password hash) to a pool of
// worker threads answering with FrontDesk::Handle.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "node/frontdesk.h"
#include "sync/status.h"

namespace crm {

struct ServerOptions {
  // "tcp://127.0.0.1:7700"; a port of "*" picks a free one (see endpoint()).
  std::string endpoint = "tcp://127.0.0.1:7700";
  int workers = 16;
  // Larger frames are dropped by ZeroMQ before they reach the node.
  int64_t max_message_bytes = 16 << 20;
};

class FrontDeskServer {
 public:
  // Binds and starts serving. kUnavailable if the endpoint cannot be bound.
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
  void Worker();

  FrontDesk& desk_;
  const ServerOptions options_;
  std::unique_ptr<Sockets> sockets_;
  // Answers to writes, left by the writer's thread for the proxy to send.
  // Shared with the writes in flight, which may finish after Stop.
  std::shared_ptr<Outbox> outbox_;
  std::string endpoint_;
  std::atomic<bool> stopping_{false};
  std::thread proxy_;
  std::vector<std::thread> workers_;
};

}  // namespace crm
