// The pos client's connection to its office node: the ZeroMQ adapter on the
// client side (the only place in pos-client/ that uses ZeroMQ).
#pragma once

#include <capnp/message.h>

#include <memory>
#include <string>

#include "schema/frontdesk.capnp.h"
#include "sync/codec.h"
#include "sync/id.h"
#include "sync/status.h"

namespace crm::pos {

// A ZeroMQ context several NodeClients of one process may share: one I/O
// thread for all their connections (a benchmark simulating many tills).
class ClientContext {
 public:
  ClientContext();
  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

 private:
  friend class NodeClient;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class NodeClient {
 public:
  // `shared`: a context to share with other clients; null for one of its own.
  NodeClient(std::string endpoint, int timeout_ms, std::shared_ptr<ClientContext> shared = nullptr);
  ~NodeClient();
  NodeClient(const NodeClient&) = delete;
  NodeClient& operator=(const NodeClient&) = delete;

  // Sends one request and waits for its response. kUnavailable if the node
  // does not answer in time; the request may still have been carried out, so
  // a write is retried with the same request id.
  Result<DecodedMessage> Call(capnp::MessageBuilder& request);

  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Socket;
  std::string endpoint_;
  int timeout_ms_;
  std::shared_ptr<ClientContext> context_;
  std::unique_ptr<Socket> socket_;
};

}  // namespace crm::pos
