#include "pos-client/node_client.h"

#include <zmq.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "sync/keys/curve_keys.h"

namespace crm::pos {
namespace {

// What the client's socket reports of its connections' handshakes.
constexpr int kHandshakeEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED;

// Names the inproc endpoint of each socket monitor (unique in the process).
std::atomic<uint64_t> monitors{0};

// Handshakes in a row that the node closed half-way, none succeeding, after
// which a call stops waiting: the node will not take this client's
// mechanism or key. (One alone may be a node restarting.)
constexpr int kDroppedHandshakes = 3;

// How long a receive waits before the client looks at its handshakes.
constexpr int kReceiveSliceMs = 50;

struct Event {
  uint16_t id = 0;
  uint32_t value = 0;
};

// What to do when the node talks CURVE and the client does not (`curve`
// false), or the other way round.
std::string MechanismAdvice(const std::string& endpoint, bool curve) {
  return curve ? "the node at " + endpoint +
                     " talks in clear, not CURVE: it has no --desk-key; give it one, or talk to "
                     "it without --node-key (POS_NODE_KEY) if it is on loopback"
               : "the node at " + endpoint +
                     " talks CURVE (encrypted): give pos its public key, --node-key NODE.pub (or "
                     "POS_NODE_KEY)";
}

// What to do when the node closes every handshake half-way: which side
// notices a mechanism mismatch first is a race, and a CURVE node drops a
// client that holds another node's key.
std::string DroppedAdvice(const std::string& endpoint, bool curve) {
  return curve ? "the node at " + endpoint +
                     " closes every CURVE handshake: does it have a --desk-key, and is "
                     "--node-key (POS_NODE_KEY) the public half of it?"
               : "the node at " + endpoint +
                     " closes every handshake in clear: it talks CURVE if it has a --desk-key; "
                     "then give pos its public key, --node-key NODE.pub (or POS_NODE_KEY)";
}

}  // namespace

struct ClientContext::Impl {
  zmq::context_t context{1};
};

ClientContext::ClientContext() : impl_(std::make_unique<Impl>()) {}
ClientContext::~ClientContext() = default;

struct NodeClient::Socket {
  std::unique_ptr<zmq::socket_t> req;
  // Handshake events of `req` (zmq_socket_monitor), so a client and a node
  // that disagree about CURVE hear of it, not just a silence. Watched from
  // before the connection starts (a failed handshake is not always tried
  // again), read only while a reply is slow.
  std::unique_ptr<zmq::socket_t> monitor;
  CurveKeys keys;  // this client's own pair, when it talks CURVE

  void Reset() {
    req.reset();  // closes its end of the monitor first
    monitor.reset();
  }
};

NodeClient::NodeClient(std::string endpoint, int timeout_ms, std::shared_ptr<ClientContext> shared,
                       std::string node_key)
    : endpoint_(std::move(endpoint)),
      timeout_ms_(timeout_ms),
      node_key_(std::move(node_key)),
      context_(shared ? std::move(shared) : std::make_shared<ClientContext>()),
      socket_(std::make_unique<Socket>()) {}

NodeClient::~NodeClient() { socket_->Reset(); }

Status NodeClient::Connect() {
  zmq::context_t& context = context_->impl_->context;
  auto req = std::make_unique<zmq::socket_t>(context, zmq::socket_type::req);
  req->set(zmq::sockopt::linger, 0);
  req->set(zmq::sockopt::sndtimeo, timeout_ms_);
  // A receive waits a slice at most; Call looks at the handshakes between
  // slices until its timeout.
  req->set(zmq::sockopt::rcvtimeo, std::min(timeout_ms_, kReceiveSliceMs));
  if (endpoint_.find('[') != std::string::npos) req->set(zmq::sockopt::ipv6, true);
  if (!node_key_.empty()) {
    if (socket_->keys.secret_key.empty()) {
      auto keys = GenerateCurveKeys();
      if (!keys.ok()) return keys.status();
      socket_->keys = *keys;
    }
    req->set(zmq::sockopt::curve_serverkey, node_key_);
    req->set(zmq::sockopt::curve_publickey, socket_->keys.public_key);
    req->set(zmq::sockopt::curve_secretkey, socket_->keys.secret_key);
  }
  socket_->req = std::move(req);
  WatchHandshakes();
  socket_->req->connect(endpoint_);
  return Status::Ok();
}

void NodeClient::WatchHandshakes() {
  zmq::context_t& context = context_->impl_->context;
  std::string events = "inproc://pos-handshakes-" + std::to_string(monitors.fetch_add(1));
  if (zmq_socket_monitor(socket_->req->handle(), events.c_str(), kHandshakeEvents) != 0) {
    throw zmq::error_t();
  }
  auto monitor = std::make_unique<zmq::socket_t>(context, zmq::socket_type::pair);
  monitor->set(zmq::sockopt::linger, 0);
  monitor->connect(events);
  socket_->monitor = std::move(monitor);
}

Result<DecodedMessage> NodeClient::Call(capnp::MessageBuilder& request) {
  std::string bytes = EncodeMessage(request);
  try {
    // One connection serves call after call; a REQ socket that missed a
    // reply cannot send again, so a failed call drops it and the next one
    // connects afresh.
    if (!socket_->req) CRM_RETURN_IF_ERROR(Connect());
    zmq::socket_t& req = *socket_->req;
    if (!req.send(zmq::buffer(bytes), zmq::send_flags::none)) {
      socket_->Reset();
      return Status::Unavailable("could not send to the node at " + endpoint_);
    }
    // The reply, or a handshake that cannot succeed, whichever comes first:
    // a blocking receive, in slices, with the handshake events read between
    // them. (Polling both sockets costs every call several system calls
    // more, and a refused handshake is heard of within a slice all the same.)
    const bool curve = !node_key_.empty();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
    int dropped = 0;  // handshakes closed half-way since the last that succeeded
    for (;;) {
      zmq::message_t reply;
      if (req.recv(reply, zmq::recv_flags::none)) {
        return DecodedMessage::Decode(
            std::string_view(static_cast<const char*>(reply.data()), reply.size()));
      }
      // A slice went by: what did the handshakes do meanwhile?
      zmq::message_t header;
      while (socket_->monitor->recv(header, zmq::recv_flags::dontwait)) {
        // Two frames: the event id and value, then the endpoint.
        zmq::message_t address;
        if (header.more()) (void)socket_->monitor->recv(address, zmq::recv_flags::none);
        Event event;
        if (header.size() >= 6) {
          std::memcpy(&event.id, header.data(), 2);
          std::memcpy(&event.value, static_cast<const char*>(header.data()) + 2, 4);
        }
        if (event.id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
            event.value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
          socket_->Reset();
          return Status::Unavailable(MechanismAdvice(endpoint_, curve));
        }
        if (event.id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
            event.id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
          socket_->Reset();
          return Status::Unavailable("the node at " + endpoint_ +
                                     " refused the handshake (ZeroMQ error " +
                                     std::to_string(event.value) + ")");
        }
        if (event.id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL && ++dropped >= kDroppedHandshakes) {
          socket_->Reset();
          return Status::Unavailable(DroppedAdvice(endpoint_, curve));
        }
        if (event.id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) dropped = 0;
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
    }
    socket_->Reset();
    std::string silence = "the node at " + endpoint_ + " did not answer within " +
                          std::to_string(timeout_ms_) + " ms";
    if (dropped > 0) silence += "; " + DroppedAdvice(endpoint_, curve);
    return Status::Unavailable(silence);
  } catch (const zmq::error_t& e) {
    socket_->Reset();
    return Status::Unavailable("cannot reach the node at " + endpoint_ + ": " + e.what());
  }
}

}  // namespace crm::pos
