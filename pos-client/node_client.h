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

class NodeClient {
 public:
  NodeClient(std::string endpoint, int timeout_ms);
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
  std::unique_ptr<Socket> socket_;
};

}  // namespace crm::pos
