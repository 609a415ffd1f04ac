#include "node/server.h"

#include <sys/eventfd.h>
#include <unistd.h>
#include <zmq.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string_view>
#include <utility>
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

struct FrontDeskServer::Outbox {
  struct Answer {
    std::vector<zmq::message_t> envelope;  // the client's route, as received
    std::string response;
  };
  std::mutex mutex;
  std::vector<Answer> answers;  // GUARDED_BY(mutex)
  // Readable while answers wait: the proxy polls it beside its sockets.
  int ready_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

  ~Outbox() {
    if (ready_fd >= 0) ::close(ready_fd);
  }
  void Post(std::vector<zmq::message_t> envelope, std::string response) {
    {
      std::lock_guard lock(mutex);
      answers.push_back(Answer{std::move(envelope), std::move(response)});
    }
    uint64_t one = 1;
    (void)!::write(ready_fd, &one, sizeof one);
  }
  std::vector<Answer> Take() {
    uint64_t count;
    (void)!::read(ready_fd, &count, sizeof count);
    std::lock_guard lock(mutex);
    return std::exchange(answers, {});
  }
};

struct FrontDeskServer::Sockets {
  zmq::context_t context{1};
  zmq::socket_t frontend{context, zmq::socket_type::router};
  zmq::socket_t backend{context, zmq::socket_type::dealer};
  zmq::socket_t control_in{context, zmq::socket_type::pair};
  zmq::socket_t control_out{context, zmq::socket_type::pair};
};

FrontDeskServer::FrontDeskServer(FrontDesk& desk, ServerOptions options)
    : desk_(desk),
      options_(std::move(options)),
      sockets_(std::make_unique<Sockets>()),
      outbox_(std::make_shared<Outbox>()) {}

Result<std::unique_ptr<FrontDeskServer>> FrontDeskServer::Start(FrontDesk& desk,
                                                                ServerOptions options) {
  if (options.workers < 1) return Status::InvalidArgument("workers", "needs at least one worker");
  std::unique_ptr<FrontDeskServer> server(new FrontDeskServer(desk, std::move(options)));
  if (server->outbox_->ready_fd < 0) {
    return Status::Unavailable(std::string("cannot make an eventfd: ") + std::strerror(errno));
  }
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

// Where the proxy sends a request.
enum class Route {
  // Searches and status take tens of microseconds, less than two more
  // thread hand-offs to a worker and back: the proxy answers them.
  kInline,
  // Writes: the proxy checks them and queues them for the group commit
  // (FrontDesk::HandleAsync); their answers come back through the outbox
  // once durable, and the proxy goes on meanwhile.
  kWrite,
  // The card, sales, files and lists can take milliseconds, and login
  // hashes a password on purpose: a worker answers them, so they never hold
  // up the others. So does a request that does not decode (with its error).
  kWorker,
};

Route RouteOf(const zmq::message_t& body) {
  auto decoded =
      DecodedMessage::Decode(std::string_view(static_cast<const char*>(body.data()), body.size()));
  if (!decoded.ok()) return Route::kWorker;
  try {
    using W = schema::Request::Which;
    switch (decoded->Root<schema::Request>().which()) {
      case W::FIND_CLIENTS:
      case W::STATUS:
        return Route::kInline;
      case W::LOGIN:
      case W::GET_CLIENT_CARD:
      case W::GET_SALE:
      case W::GET_FILE:
      case W::LIST_DUPLICATES:
      case W::LIST_CONFLICTS:
        return Route::kWorker;
      default:
        // The writes, logout, and operations newer than this node (which
        // HandleAsync answers at once with an error).
        return Route::kWrite;
    }
  } catch (const kj::Exception&) {
    return Route::kWorker;
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
                             {s.control_in.handle(), 0, ZMQ_POLLIN, 0},
                             {nullptr, outbox_->ready_fd, ZMQ_POLLIN, 0}};
  try {
    for (;;) {
      zmq::poll(items, 4, std::chrono::milliseconds(-1));
      if (items[2].revents & ZMQ_POLLIN) return;  // Stop
      if (items[0].revents & ZMQ_POLLIN) {
        // The envelope (the client's route) comes first, the request last.
        std::vector<zmq::message_t> frames = ReceiveAll(s.frontend);
        const Route route = frames.empty() ? Route::kWorker : RouteOf(frames.back());
        if (route == Route::kWorker) {
          SendAll(s.backend, frames);
        } else {
          zmq::message_t body = std::move(frames.back());
          frames.pop_back();
          std::string_view bytes(static_cast<const char*>(body.data()), body.size());
          if (route == Route::kInline) {
            std::string response = desk_.Handle(bytes);
            frames.emplace_back(response.data(), response.size());
            SendAll(s.frontend, frames);
          } else {
            // std::function needs a copyable callable: the envelope rides in
            // a shared_ptr.
            auto envelope = std::make_shared<std::vector<zmq::message_t>>(std::move(frames));
            desk_.HandleAsync(bytes, [outbox = outbox_, envelope](std::string response) {
              outbox->Post(std::move(*envelope), std::move(response));
            });
          }
        }
      }
      if (items[1].revents & ZMQ_POLLIN) {
        std::vector<zmq::message_t> frames = ReceiveAll(s.backend);
        SendAll(s.frontend, frames);
      }
      if (items[3].revents & ZMQ_POLLIN) {
        for (Outbox::Answer& answer : outbox_->Take()) {
          answer.envelope.emplace_back(answer.response.data(), answer.response.size());
          SendAll(s.frontend, answer.envelope);
        }
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
