// The pos client's connection to its office node: the ZeroMQ adapter on the
// client side (the only place in pos-client/ that uses ZeroMQ).
#pragma once

#include <capnp/message.h>

#include <memory>
#include <string>

#include "schema/frontdesk.capnp.h"
#include "sync/base/codec.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

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
  // `node_key`: the node's CURVE public key (Z85, from its .pub file); with
  // it the client talks CURVE, under a key pair of its own made afresh for
  // this client; empty: in clear (a node on loopback without a key).
  NodeClient(std::string endpoint, int timeout_ms, std::shared_ptr<ClientContext> shared = nullptr,
             std::string node_key = {});
  ~NodeClient();
  NodeClient(const NodeClient&) = delete;
  NodeClient& operator=(const NodeClient&) = delete;

  // Sends one request and waits for its response. kUnavailable if the node
  // does not answer in time (the request may still have been carried out, so
  // a write is retried with the same request id), or at once if it speaks
  // CURVE and this client does not, or the other way round (the message
  // says which option to change).
  Result<DecodedMessage> Call(capnp::MessageBuilder& request);

  const std::string& endpoint() const { return endpoint_; }
  const std::string& node_key() const { return node_key_; }

 private:
  struct Socket;
  // Connects afresh. Throws zmq::error_t when ZeroMQ refuses.
  Status Connect();
  // Watches the handshakes of the connection (before it connects). Throws
  // zmq::error_t when ZeroMQ refuses.
  void WatchHandshakes();
  std::string endpoint_;
  int timeout_ms_;
  std::string node_key_;
  std::shared_ptr<ClientContext> context_;
  std::unique_ptr<Socket> socket_;
};

}  // namespace crm::pos
