// A node for the front-desk scenarios: a store in a scratch directory, its
// group-commit writer, the front desk and its ZeroMQ server on loopback, an
// administrator logged in; and tills talking to it through the API.
#pragma once

#include <capnp/message.h>

#include <memory>
#include <string>

#include "node/frontdesk/frontdesk.h"
#include "node/server/desk_server.h"
#include "node/store/runtime.h"
#include "pos-client/node_client.h"
#include "schema/frontdesk.capnp.h"
#include "tools/bench/common.h"

namespace crm::bench {

// One front-desk connection and the session it works in.
class Till {
 public:
  // `context`: shared with the other tills of the process (null: its own).
  Till(const std::string& endpoint, std::string session,
       std::shared_ptr<pos::ClientContext> context = nullptr);

  // Sends the request `fill` builds (with a fresh request id) and returns the
  // response; an error reply ends the benchmark.
  template <typename Fill>
  DecodedMessage Call(const std::string& what, Fill fill) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<schema::Request>();
    Prepare(request);
    fill(request);
    return Send(what, message);
  }

 private:
  void Prepare(schema::Request::Builder request);
  DecodedMessage Send(const std::string& what, capnp::MessageBuilder& message);

  pos::NodeClient client_;
  std::string session_;
};

class BenchNode {
 public:
  // `workers`: front-desk request threads. `fill`, if set, writes into the
  // store before the front desk opens (clients a scenario starts with).
  explicit BenchNode(int workers, const std::function<void(StoreRuntime&)>& fill = {});
  ~BenchNode();

  const std::string& endpoint() const { return server_->endpoint(); }
  const std::string& session() const { return session_; }
  // A till of the logged-in administrator (its own connection; the tills
  // share one ZeroMQ context).
  Till NewTill() const { return Till(endpoint(), session_, tills_context_); }
  // What the store's group-commit writer has done so far.
  WriterStats writer_stats() const { return runtime_.writer->stats(); }

 private:
  // One ZeroMQ I/O thread for all the tills: real tills are machines of
  // their own, and one I/O thread per simulated till took CPU the node needs.
  std::shared_ptr<pos::ClientContext> tills_context_;
  ScratchDir dir_;
  StoreRuntime runtime_;
  std::unique_ptr<FrontDesk> desk_;
  std::unique_ptr<FrontDeskServer> server_;
  std::string session_;
};

}  // namespace crm::bench
