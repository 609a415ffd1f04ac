#include "pos-client/node_client.h"

#include <zmq.hpp>

namespace crm::pos {

struct ClientContext::Impl {
  zmq::context_t context{1};
};

ClientContext::ClientContext() : impl_(std::make_unique<Impl>()) {}
ClientContext::~ClientContext() = default;

struct NodeClient::Socket {
  std::unique_ptr<zmq::socket_t> req;
};

NodeClient::NodeClient(std::string endpoint, int timeout_ms, std::shared_ptr<ClientContext> shared)
    : endpoint_(std::move(endpoint)),
      timeout_ms_(timeout_ms),
      context_(shared ? std::move(shared) : std::make_shared<ClientContext>()),
      socket_(std::make_unique<Socket>()) {}

NodeClient::~NodeClient() {
  if (socket_->req) socket_->req->close();
}

Result<DecodedMessage> NodeClient::Call(capnp::MessageBuilder& request) {
  std::string bytes = EncodeMessage(request);
  try {
    // One connection serves call after call; a REQ socket that missed a
    // reply cannot send again, so a failed call drops it and the next one
    // connects afresh.
    if (!socket_->req) {
      socket_->req = std::make_unique<zmq::socket_t>(context_->impl_->context, zmq::socket_type::req);
      socket_->req->set(zmq::sockopt::linger, 0);
      socket_->req->set(zmq::sockopt::sndtimeo, timeout_ms_);
      socket_->req->set(zmq::sockopt::rcvtimeo, timeout_ms_);
      socket_->req->connect(endpoint_);
    }
    if (!socket_->req->send(zmq::buffer(bytes), zmq::send_flags::none)) {
      socket_->req.reset();
      return Status::Unavailable("could not send to the node at " + endpoint_);
    }
    zmq::message_t reply;
    if (!socket_->req->recv(reply, zmq::recv_flags::none)) {
      socket_->req.reset();
      return Status::Unavailable("the node at " + endpoint_ + " did not answer within " +
                                 std::to_string(timeout_ms_) + " ms");
    }
    return DecodedMessage::Decode(
        std::string_view(static_cast<const char*>(reply.data()), reply.size()));
  } catch (const zmq::error_t& e) {
    socket_->req.reset();
    return Status::Unavailable("cannot reach the node at " + endpoint_ + ": " + e.what());
  }
}

}  // namespace crm::pos
