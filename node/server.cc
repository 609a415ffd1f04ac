#include "node/server.h"

#include <zmq.hpp>

#include <chrono>
#include <string_view>
#include <vector>

#include "schema/frontdesk.capnp.h"
#include "sync/codec.h"
#include "sync/thread_name.h"

namespace crm {
namespace {

constexpr const char* kWorkers = "inproc://frontdesk-workers";
constexpr const char* kControl = "inproc://frontdesk-control";
constexpr auto kPollInterval = std::chrono::milliseconds(100);

}  // namespace

struct FrontDeskServer::Sockets {
  zmq::context_t context{1};
  zmq::socket_t frontend{context, zmq::socket_type::router};
  zmq::socket_t backend{context, zmq::socket_type::dealer};
  zmq::socket_t control_in{context, zmq::socket_type::pair};
  zmq::socket_t control_out{context, zmq::socket_type::pair};
};

FrontDeskServer::FrontDeskServer(FrontDesk& desk, ServerOptions options)
    : desk_(desk), options_(std::move(options)), sockets_(std::make_unique<Sockets>()) {}

Result<std::unique_ptr<FrontDeskServer>> FrontDeskServer::Start(FrontDesk& desk,
                                                                ServerOptions options) {
  if (options.workers < 1) return Status::InvalidArgument("workers", "needs at least one worker");
  std::unique_ptr<FrontDeskServer> server(new FrontDeskServer(desk, std::move(options)));
  Sockets& s = *server->sockets_;
  try {
    s.frontend.set(zmq::sockopt::maxmsgsize, server->options_.max_message_bytes);
    s.frontend.set(zmq::sockopt::linger, 0);
    s.frontend.bind(server->options_.endpoint);
    server->endpoint_ = s.frontend.get(zmq::sockopt::last_endpoint);
    s.backend.set(zmq::sockopt::linger, 0);
    s.backend.bind(kWorkers);
    s.control_in.bind(kControl);
    s.control_out.connect(kControl);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot listen on " + server->options_.endpoint + ": " + e.what());
  }
  FrontDeskServer* raw = server.get();
  server->proxy_ = std::thread([raw] {
    NameThisThread("crm-desk-proxy");
    raw->Proxy();
  });
  for (int i = 0; i < server->options_.workers; ++i) {
    server->workers_.emplace_back([raw] {
      NameThisThread("crm-desk");
      raw->Worker();
    });
  }
  return server;
}

namespace {

// Quick reads the proxy answers itself: a search or a status takes tens of
// microseconds, less than two more thread hand-offs to a worker and back.
// Everything else (writes, the card, login's password hashing) goes to the
// workers, so a slow request never holds up the others.
bool AnsweredInline(const zmq::message_t& body) {
  auto decoded =
      DecodedMessage::Decode(std::string_view(static_cast<const char*>(body.data()), body.size()));
  if (!decoded.ok()) return false;
  try {
    auto which = decoded->Root<schema::Request>().which();
    return which == schema::Request::FIND_CLIENTS || which == schema::Request::STATUS;
  } catch (const kj::Exception&) {
    return false;  // a malformed request: the worker answers with the error
  }
}

// Receives every frame of one message from `socket`.
std::vector<zmq::message_t> ReceiveAll(zmq::socket_t& socket) {
  std::vector<zmq::message_t> frames;
  do {
    frames.emplace_back();
    if (!socket.recv(frames.back(), zmq::recv_flags::none)) break;
  } while (frames.back().more());
  return frames;
}

void SendAll(zmq::socket_t& socket, std::vector<zmq::message_t>& frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    socket.send(frames[i],
                i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

}  // namespace

void FrontDeskServer::Proxy() {
  Sockets& s = *sockets_;
  zmq::pollitem_t items[] = {{s.frontend.handle(), 0, ZMQ_POLLIN, 0},
                             {s.backend.handle(), 0, ZMQ_POLLIN, 0},
                             {s.control_in.handle(), 0, ZMQ_POLLIN, 0}};
  try {
    for (;;) {
      zmq::poll(items, 3, std::chrono::milliseconds(-1));
      if (items[2].revents & ZMQ_POLLIN) return;  // Stop
      if (items[0].revents & ZMQ_POLLIN) {
        // The envelope (the client's route) comes first, the request last.
        std::vector<zmq::message_t> frames = ReceiveAll(s.frontend);
        if (!frames.empty() && AnsweredInline(frames.back())) {
          const zmq::message_t& body = frames.back();
          std::string reply =
              desk_.Handle(std::string_view(static_cast<const char*>(body.data()), body.size()));
          frames.back() = zmq::message_t(reply.data(), reply.size());
          SendAll(s.frontend, frames);
        } else {
          SendAll(s.backend, frames);
        }
      }
      if (items[1].revents & ZMQ_POLLIN) {
        std::vector<zmq::message_t> frames = ReceiveAll(s.backend);
        SendAll(s.frontend, frames);
      }
    }
  } catch (const zmq::error_t&) {
    // The context is shutting down.
  }
}

void FrontDeskServer::Worker() {
  zmq::socket_t socket(sockets_->context, zmq::socket_type::rep);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(kWorkers);
  zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
  while (!stopping_.load()) {
    try {
      zmq::poll(items, 1, kPollInterval);
      if ((items[0].revents & ZMQ_POLLIN) == 0) continue;
      zmq::message_t request;
      if (!socket.recv(request, zmq::recv_flags::none)) continue;
      std::string reply =
          desk_.Handle(std::string_view(static_cast<const char*>(request.data()), request.size()));
      socket.send(zmq::buffer(reply), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
      return;  // the context is shutting down
    }
  }
}

void FrontDeskServer::Stop() {
  if (stopping_.exchange(true)) return;
  try {
    sockets_->control_out.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::none);
  } catch (const zmq::error_t&) {
  }
  if (proxy_.joinable()) proxy_.join();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

FrontDeskServer::~FrontDeskServer() { Stop(); }

}  // namespace crm
