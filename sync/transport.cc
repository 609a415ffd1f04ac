#include "sync/transport.h"

#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <kj/exception.h>

#include "schema/sync.capnp.h"
#include "sync/base/mutex.h"
#include "sync/base/thread_name.h"
#include "sync/base/wire.h"
#include "sync/sync_message.h"

namespace crm {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr const char* kZapDomain = "crm";

std::string Z85(const uint8_t* bytes, size_t size) {
  std::string out(size * 5 / 4 + 1, '\0');
  if (zmq_z85_encode(out.data(), bytes, size) == nullptr) return {};
  out.resize(size * 5 / 4);
  return out;
}

// Deletes what no one needs of the log any more (see LogRetention).
void PruneLog(Replica& replica, const PruneOptions& options, const LogLine& log) {
  if (options.retention == nullptr) return;
  auto log_seq = replica.LogSeq();
  if (!log_seq.ok()) return;
  uint64_t below = options.retention->PrunableBelow(*log_seq);
  if (below == 0) return;
  uint64_t removed = 0;
  for (int round = 0; round < 10; ++round) {
    auto pruned = replica.PruneLog(below);
    if (!pruned.ok()) {
      log("pruning the log failed: " + pruned.status().ToString());
      return;
    }
    removed += *pruned;
    if (*pruned == 0) break;
  }
  if (removed > 0) {
    log("pruned " + std::to_string(removed) + " log entries below seq " + std::to_string(below));
  }
}

// One side's share of pruning, on its thread's tick: says from which seq
// on it needs the log, and prunes every `every_ms`.
class LogPruner {
 public:
  LogPruner(Replica& replica, const PruneOptions& options, std::string party, Clock& clock,
            LogLine log)
      : replica_(replica), options_(options), party_(std::move(party)), clock_(clock),
        log_(std::move(log)), last_prune_ms_(clock.NowMillis()) {}

  void Tick(uint64_t needed_from) {
    if (options_.retention == nullptr) return;
    options_.retention->Needs(party_, needed_from);
    int64_t now = clock_.NowMillis();
    if (now - last_prune_ms_ < options_.every_ms) return;
    last_prune_ms_ = now;
    PruneLog(replica_, options_, log_);
  }

 private:
  Replica& replica_;
  const PruneOptions options_;
  const std::string party_;
  Clock& clock_;
  LogLine log_;
  int64_t last_prune_ms_;
};

}  // namespace

// ---- hub ------------------------------------------------------------------

struct HubServer::Impl {
  Replica& replica;
  Clock& clock;
  HubServerOptions options;
  EnrollmentLookup lookup;
  Replica::Admit admit;
  LogLine log;
  zmq::context_t context{1};
  zmq::socket_t zap{context, zmq::socket_type::rep};
  zmq::socket_t router{context, zmq::socket_type::router};
  std::unique_ptr<Hub> hub;
  std::map<std::string, Enrollment> peers;  // by routing id; hub thread only
  std::atomic<bool> stopping{false};
  std::thread zap_thread;
  std::thread hub_thread;
  mutable Mutex status_mutex;
  std::vector<PeerStatus> peer_status GUARDED_BY(status_mutex);
  uint64_t dropped_messages GUARDED_BY(status_mutex) = 0;

  Impl(Replica& r, Clock& c, HubServerOptions o, EnrollmentLookup l, Replica::Admit a, LogLine g)
      : replica(r), clock(c), options(std::move(o)), lookup(std::move(l)), admit(std::move(a)),
        log(std::move(g)) {}

  // ZAP (RFC 27): answers each CURVE handshake with 200 for an enrolled key
  // and 400 otherwise. The user id is the public key. A revoked office is let
  // in to be told why it is refused (ServeHub answers its every message with
  // that, and takes nothing from it): ZAP's own refusal never reaches the
  // office's operator.
  void ServeZap() {
    zmq::pollitem_t items[] = {{zap.handle(), 0, ZMQ_POLLIN, 0}};
    while (!stopping.load()) {
      try {
        zmq::poll(items, 1, std::chrono::milliseconds(100));
        if ((items[0].revents & ZMQ_POLLIN) == 0) continue;
        std::vector<zmq::message_t> frames;
        do {
          frames.emplace_back();
          if (!zap.recv(frames.back(), zmq::recv_flags::none)) break;
        } while (frames.back().more());
        std::string request_id = frames.size() > 1 ? frames[1].to_string() : "";
        std::string address = frames.size() > 3 ? frames[3].to_string() : "?";
        std::string code = "400";
        std::string text = "unknown key";
        std::string user;
        if (frames.size() >= 7 && frames[5].to_string() == "CURVE" && frames[6].size() == 32) {
          user = Z85(static_cast<const uint8_t*>(frames[6].data()), 32);
          auto enrolled = lookup(user);
          if (!enrolled) {
            text = "the key " + user + " is not enrolled";
          } else {
            code = "200";
            text = "OK";
          }
        }
        if (code != "200") log("refused a connection from " + address + ": " + text);
        zap.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(code), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(text), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(code == "200" ? user : std::string()), zmq::send_flags::sndmore);
        zap.send(zmq::str_buffer(""), zmq::send_flags::none);
      } catch (const zmq::error_t&) {
        return;
      }
    }
  }

  // Whether a hello names the node and the office enrolled with its key.
  enum class HelloFit { kFits, kOtherNode, kOtherOffice };
  static HelloFit CheckHello(const Enrollment& enrolled, std::string_view bytes,
                             std::string* office) {
    auto decoded = DecodeSyncMessage(bytes);  // a hello may come compressed too
    if (!decoded.ok()) return HelloFit::kFits;  // the Hub drops it
    try {
      auto message = decoded->Root<schema::SyncMessage>();
      if (!message.isHello()) return HelloFit::kFits;
      auto hello = message.getHello();
      if (IdFromWire(hello.getNode()) != enrolled.node) return HelloFit::kOtherNode;
      *office = hello.getOffice().cStr();
      if (!office->empty() && *office != enrolled.office) return HelloFit::kOtherOffice;
      return HelloFit::kFits;
    } catch (const kj::Exception&) {
      return HelloFit::kFits;
    }
  }

  void ServeHub() {
    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}};
    int64_t last_tick = 0;
    std::string last_problem;
    LogPruner pruner(replica, options.prune, "downstream", clock, log);
    while (!stopping.load()) {
      try {
        zmq::poll(items, 1, std::chrono::milliseconds(options.tick_ms));
        while (items[0].revents & ZMQ_POLLIN) {
          zmq::message_t route;
          zmq::message_t payload;
          if (!router.recv(route, zmq::recv_flags::dontwait)) break;
          while (route.more()) {
            if (!router.recv(payload, zmq::recv_flags::none)) break;
            if (!payload.more()) break;
          }
          const char* user = payload.gets("User-Id");
          std::string key = user ? user : "";
          auto enrolled = lookup(key);
          std::string route_id = route.to_string();
          if (!enrolled) {
            log("dropped a message from a key that is no longer enrolled: " + key);
            continue;
          }
          if (enrolled->revoked) {
            log("refused office " + enrolled->office + ": its key is revoked");
            hub->Refuse(route.to_string(),
                        "office " + enrolled->office +
                            "'s key is revoked at headquarters: this node may not sync until "
                            "it is enrolled again (crm-admin enroll)",
                        true);
            continue;
          }
          std::string_view bytes(static_cast<const char*>(payload.data()), payload.size());
          std::string office;
          HelloFit fit = CheckHello(*enrolled, bytes, &office);
          if (fit == HelloFit::kOtherNode) {
            log("office " + enrolled->office + " said hello with another node's id; refused");
            continue;
          }
          if (fit == HelloFit::kOtherOffice) {
            std::string reason = "this node's key is enrolled as office " + enrolled->office +
                                 ", but it serves as " + office +
                                 "; an office's code is bound to its key (start it with --office " +
                                 enrolled->office + ", or enroll it as " + office + ")";
            log("refused a node serving as " + office + " with the key of office " +
                enrolled->office);
            hub->Refuse(route_id, reason, true);
            continue;
          }
          peers[route_id] = *enrolled;
          hub->OnMessage(route_id, bytes);
        }
        hub->Flush();  // every push that arrived, in one transaction
        if (hub->problem() != last_problem) {
          last_problem = hub->problem();
          if (!last_problem.empty()) log(last_problem);
        }
        int64_t now = clock.NowMillis();
        if (now - last_tick >= options.tick_ms) {
          last_tick = now;
          // The log also grows by writes no peer pushed: this process's own
          // (a desk, pulls from upstream) and other processes' on this store
          // (crm-hq commands, crm-admin). One look a tick tells the peers.
          hub->LogGrew();
          MutexLock lock(&status_mutex);
          peer_status = hub->Peers();
          dropped_messages = hub->dropped_messages();
          for (PeerStatus& peer : peer_status) {
            auto it = peers.find(peer.route);
            if (it != peers.end()) peer.route = it->second.office;
          }
        }
        pruner.Tick(hub->NeededFrom(options.prune.remember_peers_ms));
      } catch (const zmq::error_t&) {
        return;
      }
    }
  }
};

Result<std::unique_ptr<HubServer>> HubServer::Start(Replica& replica, Clock& clock,
                                                    HubServerOptions options,
                                                    EnrollmentLookup lookup,
                                                    Replica::Admit admit, LogLine log) {
  if (!zmq_has("curve")) return Status::Unavailable("this libzmq was built without CURVE");
  std::unique_ptr<HubServer> server(new HubServer());
  server->impl_ = std::make_unique<Impl>(replica, clock, std::move(options), std::move(lookup),
                                         std::move(admit), std::move(log));
  Impl& impl = *server->impl_;
  try {
    impl.zap.bind(kZapEndpoint);
    impl.router.set(zmq::sockopt::curve_server, true);
    impl.router.set(zmq::sockopt::curve_secretkey, impl.options.keys.secret_key);
    impl.router.set(zmq::sockopt::zap_domain, kZapDomain);
    impl.router.set(zmq::sockopt::maxmsgsize, impl.options.max_message_bytes);
    impl.router.set(zmq::sockopt::linger, 0);
    impl.router.set(zmq::sockopt::router_mandatory, false);
    // Connections the network forgot are closed, not kept for ever.
    impl.router.set(zmq::sockopt::heartbeat_ivl, 2000);
    impl.router.set(zmq::sockopt::heartbeat_timeout, 10000);
    impl.router.bind(impl.options.endpoint);
    server->endpoint_ = impl.router.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot listen on " + impl.options.endpoint + ": " + e.what());
  }
  Impl* raw = &impl;
  raw->hub = std::make_unique<Hub>(
      replica, clock, raw->options.hub,
      [raw](const std::string& route, std::string bytes) {
        try {
          raw->router.send(zmq::buffer(route), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
          raw->router.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
        } catch (const zmq::error_t&) {
          // A full or vanished peer: the protocol resends from its cursors.
        }
      },
      [raw](const Id& peer, const Id& origin) {
        for (const auto& [route, enrolled] : raw->peers) {
          if (enrolled.node != peer) continue;
          if (origin == peer || std::find(enrolled.relays_for.begin(), enrolled.relays_for.end(),
                                          origin) != enrolled.relays_for.end()) {
            return true;
          }
        }
        raw->log("rejected a change with origin " + origin.ToString() + " from node " +
                 peer.ToString() + ": a node may only send its own changes");
        return false;
      },
      raw->admit ? Replica::Admit([raw](schema::Change::Reader change) {
        Status admitted = raw->admit(change);
        if (!admitted.ok()) {
          raw->log("rejected a change of origin " + IdFromWire(change.getOrigin()).ToString() +
                   " (kept in quarantine): " + admitted.ToString());
        }
        return admitted;
      })
                 : Replica::Admit());
  impl.zap_thread = std::thread([raw] {
    NameThisThread("crm-zap");
    raw->ServeZap();
  });
  impl.hub_thread = std::thread([raw] {
    NameThisThread("crm-hub");
    raw->ServeHub();
  });
  return server;
}

std::vector<PeerStatus> HubServer::Peers() const {
  MutexLock lock(&impl_->status_mutex);
  return impl_->peer_status;
}

uint64_t HubServer::DroppedMessages() const {
  MutexLock lock(&impl_->status_mutex);
  return impl_->dropped_messages;
}

void HubServer::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  if (impl_->hub_thread.joinable()) impl_->hub_thread.join();
  if (impl_->zap_thread.joinable()) impl_->zap_thread.join();
  impl_->router.close();
  impl_->zap.close();
}

HubServer::~HubServer() { Stop(); }

// ---- uplink ---------------------------------------------------------------

struct UplinkClient::Impl {
  Replica& replica;
  Clock& clock;
  UplinkClientOptions options;
  LogLine log;
  zmq::context_t context{1};
  zmq::socket_t dealer{context, zmq::socket_type::dealer};
  std::unique_ptr<Uplink> uplink;
  std::atomic<bool> stopping{false};
  // Wake writes to it; the sync thread polls it beside the socket.
  int wake_fd = -1;
  std::thread thread;
  mutable Mutex status_mutex;
  SyncSnapshot snapshot GUARDED_BY(status_mutex);

  Impl(Replica& r, Clock& c, UplinkClientOptions o, LogLine l)
      : replica(r), clock(c), options(std::move(o)), log(std::move(l)) {}
  ~Impl() {
    if (wake_fd >= 0) close(wake_fd);
  }

  void Refresh() {
    SyncSnapshot next;
    next.configured = true;
    next.uplink = uplink->status();
    next.hub_holds_own = uplink->HubHolds(replica.node_id());
    MutexLock lock(&status_mutex);
    snapshot = next;
  }

  void Run() {
    uplink->Connect();
    zmq::pollitem_t items[] = {{dealer.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake_fd, ZMQ_POLLIN, 0}};
    std::string last_refusal;
    std::string last_problem;
    uint64_t rejections_told = 0;
    uint64_t repairs_told = 0;
    LogPruner pruner(replica, options.prune, "upstream", clock, log);
    while (!stopping.load()) {
      try {
        zmq::poll(items, 2, std::chrono::milliseconds(options.tick_ms));
        while (items[0].revents & ZMQ_POLLIN) {
          zmq::message_t message;
          if (!dealer.recv(message, zmq::recv_flags::dontwait)) break;
          uplink->OnMessage(std::string_view(static_cast<const char*>(message.data()), message.size()));
        }
        if (items[1].revents & ZMQ_POLLIN) {
          uint64_t wakes = 0;  // every Wake since the last read: one look at the log serves them
          if (read(wake_fd, &wakes, sizeof wakes) < 0 && errno != EAGAIN) {
            log(std::string("the sync thread cannot read its wake-up: ") + std::strerror(errno));
          }
        }
        uplink->Tick();
        Refresh();
        std::string refusal = uplink->status().refusal;
        if (refusal != last_refusal && !refusal.empty()) log("the hub refused: " + refusal);
        last_refusal = refusal;
        const UplinkStatus& status = uplink->status();
        if (status.problem != last_problem && !status.problem.empty()) log(status.problem);
        last_problem = status.problem;
        if (status.records_repaired > repairs_told) {
          log("replaced " + std::to_string(status.records_repaired - repairs_told) +
              " damaged records with the hub's copies");
          repairs_told = status.records_repaired;
        }
        if (const UplinkStatus& now = uplink->status(); now.rejected > rejections_told) {
          log("the hub refused " + std::to_string(now.rejected - rejections_told) +
              " of the changes pushed from here (kept in its quarantine); the last: " +
              now.last_rejection);
          rejections_told = now.rejected;
        }
        pruner.Tick(uplink->NeededFrom());
      } catch (const zmq::error_t&) {
        return;
      }
    }
  }
};

Result<std::unique_ptr<UplinkClient>> UplinkClient::Start(Replica& replica, Clock& clock,
                                                          UplinkClientOptions options,
                                                          LogLine log) {
  if (!zmq_has("curve")) return Status::Unavailable("this libzmq was built without CURVE");
  std::unique_ptr<UplinkClient> client(new UplinkClient());
  client->impl_ = std::make_unique<Impl>(replica, clock, std::move(options), std::move(log));
  Impl& impl = *client->impl_;
  impl.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl.wake_fd < 0) {
    return Status::IOError(std::string("cannot make the sync thread's eventfd: ") + std::strerror(errno));
  }
  try {
    impl.dealer.set(zmq::sockopt::curve_serverkey, impl.options.hub_public_key);
    impl.dealer.set(zmq::sockopt::curve_publickey, impl.options.keys.public_key);
    impl.dealer.set(zmq::sockopt::curve_secretkey, impl.options.keys.secret_key);
    impl.dealer.set(zmq::sockopt::maxmsgsize, impl.options.max_message_bytes);
    impl.dealer.set(zmq::sockopt::linger, 0);
    // ZMTP heartbeats: a connection the network forgot (a NAT or firewall
    // that dropped its state, a silent partition) is closed after the same
    // silence that makes the uplink call the link dead, and libzmq then opens
    // a new one. Without them the uplink said hello into the dead connection
    // until the kernel gave up, some 15 minutes later.
    impl.dealer.set(zmq::sockopt::heartbeat_ivl, static_cast<int>(impl.options.uplink.heartbeat_ms));
    impl.dealer.set(zmq::sockopt::heartbeat_timeout,
                    static_cast<int>(impl.options.uplink.dead_after_ms));
    impl.dealer.connect(impl.options.hub_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument("hub", "cannot connect to " + impl.options.hub_endpoint + ": " +
                                              e.what());
  }
  Impl* raw = &impl;
  impl.uplink = std::make_unique<Uplink>(replica, clock, impl.options.uplink,
                                         [raw](std::string bytes) {
                                           try {
                                             raw->dealer.send(zmq::buffer(bytes),
                                                              zmq::send_flags::dontwait);
                                           } catch (const zmq::error_t&) {
                                           }
                                         });
  if (impl.options.below) impl.uplink->ReportBelow(impl.options.below);
  impl.Refresh();
  impl.thread = std::thread([raw] {
    NameThisThread("crm-uplink");
    raw->Run();
  });
  return client;
}

SyncSnapshot UplinkClient::Snapshot() const {
  MutexLock lock(&impl_->status_mutex);
  return impl_->snapshot;
}

void UplinkClient::Wake() {
  if (!impl_ || impl_->wake_fd < 0) return;
  const uint64_t one = 1;
  // Fails only when the counter is full (EAGAIN): the thread has a wake-up
  // waiting already.
  (void)!write(impl_->wake_fd, &one, sizeof one);
}

void UplinkClient::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  Wake();  // out of its poll now, not at its next tick
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->dealer.close();
}

UplinkClient::~UplinkClient() { Stop(); }

}  // namespace crm
