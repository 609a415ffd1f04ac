#include "node/server/desk_server.h"

#include <arpa/inet.h>
#include <sys/eventfd.h>
#include <kj/exception.h>
#include <unistd.h>
#include <zmq.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "node/frontdesk/operations.h"
#include "schema/frontdesk.capnp.h"
#include "sync/base/codec.h"
#include "sync/base/mutex.h"
#include "sync/base/thread_name.h"

namespace crm {
namespace {

constexpr const char* kControl = "inproc://frontdesk-control";

// The host of "tcp://HOST:PORT" ("[::1]" keeps its brackets); "" if none.
std::string_view TcpHost(std::string_view endpoint) {
  constexpr std::string_view kTcp = "tcp://";
  if (!endpoint.starts_with(kTcp)) return {};
  endpoint.remove_prefix(kTcp.size());
  size_t colon = endpoint.rfind(':');
  return colon == std::string_view::npos ? std::string_view() : endpoint.substr(0, colon);
}

// The IP address of the peer that sent `frame` (a frame received from a TCP
// connection); "" if ZeroMQ knows none.
std::string PeerAddress(const zmq::message_t& frame) {
  const char* address = zmq_msg_gets(frame.handle(), "Peer-Address");
  if (address == nullptr) return {};
  std::string_view text(address);
  // An IPv4 peer of a dual-stack socket shows as ::ffff:192.0.2.7.
  constexpr std::string_view kMapped = "::ffff:";
  if (text.starts_with(kMapped) && text.find('.') != std::string_view::npos) {
    text.remove_prefix(kMapped.size());
  }
  return std::string(text);
}

}  // namespace

bool IsLocalEndpoint(std::string_view endpoint) {
  if (endpoint.starts_with("ipc://") || endpoint.starts_with("inproc://")) return true;
  std::string host(TcpHost(endpoint));
  if (host == "localhost" || host == "[::1]") return true;
  in_addr v4;
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

struct FrontDeskServer::Outbox {
  struct Answer {
    std::vector<zmq::message_t> envelope;  // the client's route, as received
    std::string response;
  };
  Mutex mutex;
  std::vector<Answer> answers GUARDED_BY(mutex);
  // Readable while answers wait: the proxy polls it beside its sockets.
  int ready_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

  ~Outbox() {
    if (ready_fd >= 0) ::close(ready_fd);
  }
  void Post(std::vector<zmq::message_t> envelope, std::string response) {
    {
      MutexLock lock(&mutex);
      answers.push_back(Answer{std::move(envelope), std::move(response)});
    }
    uint64_t one = 1;
    (void)!::write(ready_fd, &one, sizeof one);
  }
  std::vector<Answer> Take() {
    uint64_t count;
    (void)!::read(ready_fd, &count, sizeof count);
    MutexLock lock(&mutex);
    return std::exchange(answers, {});
  }
};

struct FrontDeskServer::Sockets {
  zmq::context_t context{1};
  zmq::socket_t frontend{context, zmq::socket_type::router};
  zmq::socket_t control_in{context, zmq::socket_type::pair};
  zmq::socket_t control_out{context, zmq::socket_type::pair};
};

Status ServerOptions::Validate() const {
  if (workers < 1) return Status::InvalidArgument("workers", "needs at least one worker");
  if (!keys && !IsLocalEndpoint(endpoint)) {
    return Status::InvalidArgument(
        "listen", "'" + endpoint +
                      "' can be reached from other machines, and without CURVE the front desk "
                      "crosses the network in clear, passwords included: give crm-node "
                      "--desk-key FILE.key (make one with `crm-admin keygen --out PREFIX`; the "
                      "tills get PREFIX.pub as `pos --node-key`), or listen on loopback");
  }
  return Status::Ok();
}

FrontDeskServer::FrontDeskServer(FrontDesk& desk, ServerOptions options)
    : desk_(desk),
      options_(std::move(options)),
      sockets_(std::make_unique<Sockets>()),
      outbox_(std::make_shared<Outbox>()) {}

Result<std::unique_ptr<FrontDeskServer>> FrontDeskServer::Start(FrontDesk& desk,
                                                                ServerOptions options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  if (options.keys && !zmq_has("curve")) {
    return Status::Unavailable("this libzmq was built without CURVE");
  }
  std::unique_ptr<FrontDeskServer> server(new FrontDeskServer(desk, std::move(options)));
  server->tcp_ = server->options_.endpoint.starts_with("tcp://");
  if (server->outbox_->ready_fd < 0) {
    return Status::Unavailable(std::string("cannot make an eventfd: ") + std::strerror(errno));
  }
  Sockets& s = *server->sockets_;
  try {
    s.frontend.set(zmq::sockopt::maxmsgsize, server->options_.max_message_bytes);
    s.frontend.set(zmq::sockopt::linger, 0);
    if (TcpHost(server->options_.endpoint).starts_with("[")) {
      s.frontend.set(zmq::sockopt::ipv6, true);
    }
    if (server->options_.keys) {
      // Any client key is welcome (a till makes a fresh one each run): what
      // CURVE adds here is that nobody on the way reads or alters the
      // traffic, and that the tills talk to the node whose key they hold.
      // Who may do what is the session's business.
      s.frontend.set(zmq::sockopt::curve_server, true);
      s.frontend.set(zmq::sockopt::curve_secretkey, server->options_.keys->secret_key);
    }
    s.frontend.bind(server->options_.endpoint);
    server->endpoint_ = s.frontend.get(zmq::sockopt::last_endpoint);
    s.control_in.bind(kControl);
    s.control_out.connect(kControl);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot listen on " + server->options_.endpoint + ": " + e.what());
  }
  // The workers first: the proxy hands them reads from its first request on.
  server->workers_ = std::make_unique<ThreadPool>(server->options_.workers, "crm-desk");
  FrontDeskServer* raw = server.get();
  server->proxy_ = std::thread([raw] {
    NameThisThread("crm-desk-proxy");
    raw->Proxy();
  });
  return server;
}

namespace {

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
                             {s.control_in.handle(), 0, ZMQ_POLLIN, 0},
                             {nullptr, outbox_->ready_fd, ZMQ_POLLIN, 0}};
  try {
    for (;;) {
      zmq::poll(items, 3, std::chrono::milliseconds(-1));
      if (items[1].revents & ZMQ_POLLIN) return;  // Stop
      if (items[0].revents & ZMQ_POLLIN) {
        // The envelope comes first: the client's routing id (added by the
        // ROUTER), then the empty delimiter if its socket sent one. The
        // request is the last frame; the answer goes back after the same
        // envelope.
        std::vector<zmq::message_t> frames = ReceiveAll(s.frontend);
        if (frames.size() >= 2) Take(std::move(frames));
      }
      if (items[2].revents & ZMQ_POLLIN) {
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

void FrontDeskServer::Take(std::vector<zmq::message_t> frames) {
  const Caller caller{tcp_ ? PeerAddress(frames.back()) : std::string()};
  zmq::message_t body = std::move(frames.back());
  frames.pop_back();
  // Decoded once, here; the desk and the workers take it as it is.
  auto request = FrontDesk::DecodeRequest(
      std::string_view(static_cast<const char*>(body.data()), body.size()));
  if (!request.ok()) {
    Answer(frames, FrontDesk::UnreadableResponse(request.status()));
    return;
  }
  // An operation this node does not know, or fields it cannot follow: the
  // desk answers it at once with the error, as it does a write it cannot take.
  Route route = Route::kWrite;
  try {
    if (const Operation* op = FindOperation((*request)->Root<schema::Request>().which())) {
      route = op->route;
    }
  } catch (const kj::Exception&) {
    // as above
  }
  switch (route) {
    case Route::kInline:
      Answer(frames, desk_.Handle(std::move(*request), caller));
      return;
    case Route::kWorker: {
      if (workers_->Queued() >= options_.max_queued_reads) {
        Answer(frames, FrontDesk::RefusalOf(
                           **request, Status::Unavailable(
                                          "the front desk is busy (" +
                                          std::to_string(options_.max_queued_reads) +
                                          " requests wait for a worker); try again in a moment")));
        return;
      }
      auto envelope = std::make_shared<std::vector<zmq::message_t>>(std::move(frames));
      workers_->Submit([this, outbox = outbox_, envelope, request = std::move(*request), caller] {
        outbox->Post(std::move(*envelope), desk_.Handle(request, caller));
      });
      return;
    }
    case Route::kWrite:
    case Route::kLogin:
    case Route::kLogout: {
      // The desk queues a write for the group commit and a login (its
      // password hash is slow on purpose) for its login threads; their
      // answers come back through the outbox. std::function needs a
      // copyable callable: the envelope rides in a shared_ptr.
      auto envelope = std::make_shared<std::vector<zmq::message_t>>(std::move(frames));
      desk_.HandleAsync(
          std::move(*request),
          [outbox = outbox_, envelope](std::string response) {
            outbox->Post(std::move(*envelope), std::move(response));
          },
          caller);
      return;
    }
  }
}

void FrontDeskServer::Answer(std::vector<zmq::message_t>& envelope, const std::string& response) {
  envelope.emplace_back(response.data(), response.size());
  SendAll(sockets_->frontend, envelope);
}

void FrontDeskServer::Stop() {
  if (stopping_.exchange(true)) return;
  try {
    sockets_->control_out.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::none);
  } catch (const zmq::error_t&) {
  }
  if (proxy_.joinable()) proxy_.join();
  // Lets the reads in progress and queued finish; their answers go nowhere.
  workers_.reset();
}

FrontDeskServer::~FrontDeskServer() { Stop(); }

}  // namespace crm
