// Replication over ZeroMQ with CURVE: the hub's ROUTER (with a ZAP handler
// that admits only enrolled office keys) and the node's DEALER, each driving
// its protocol state machine (Hub, Uplink) on a thread of its own.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sync/base/clock.h"
#include "sync/hub.h"
#include "sync/keys/curve_keys.h"
#include "sync/log_retention.h"
#include "sync/replica.h"
#include "sync/uplink.h"

namespace crm {

// What the hub knows about an enrolled node, found by its public key.
struct Enrollment {
  std::string office;          // office code
  std::string parent;          // office code of the hub it connects to; empty: headquarters
  Id node;                     // the node id its store was created with
  std::vector<Id> relays_for;  // for a regional hub: the nodes below it
  bool revoked = false;
};
using EnrollmentLookup = std::function<std::optional<Enrollment>(const std::string& public_key)>;
using LogLine = std::function<void(const std::string& line)>;

// How a node prunes its log (see LogRetention). The hub side reports for
// party "downstream", the uplink for party "upstream".
struct PruneOptions {
  LogRetention* retention = nullptr;  // null: never prune
  int64_t every_ms = 10'000;
  // A downstream node not heard from for this long no longer holds the log
  // back; when it returns, it takes a snapshot.
  int64_t remember_peers_ms = int64_t{7} * 24 * 3600 * 1000;
};

struct HubServerOptions {
  std::string endpoint = "tcp://127.0.0.1:7800";
  CurveKeys keys;
  HubOptions hub;
  int tick_ms = 100;
  int64_t max_message_bytes = 64 << 20;
  PruneOptions prune;
};

class HubServer {
 public:
  // Binds and starts the hub thread and the ZAP handler. A node may send the
  // changes of its own origin and of the nodes enrolled below it; `admit` is
  // asked after that (for example, to keep HQ-owned data at HQ).
  static Result<std::unique_ptr<HubServer>> Start(Replica& replica, Clock& clock,
                                                  HubServerOptions options,
                                                  EnrollmentLookup lookup, Replica::Admit admit,
                                                  LogLine log);
  ~HubServer();
  HubServer(const HubServer&) = delete;
  HubServer& operator=(const HubServer&) = delete;

  const std::string& endpoint() const { return endpoint_; }
  // The peers as last seen by the hub thread. Thread-safe.
  std::vector<PeerStatus> Peers() const;
  // Messages the hub dropped as malformed or unexpected, as of its last tick.
  // Thread-safe.
  uint64_t DroppedMessages() const;
  void Stop();

 private:
  struct Impl;
  HubServer() = default;
  std::unique_ptr<Impl> impl_;
  std::string endpoint_;
};

struct UplinkClientOptions {
  std::string hub_endpoint;
  std::string hub_public_key;
  CurveKeys keys;
  UplinkOptions uplink;
  // The timers' tick (resends, heartbeats, the hub's status): changes made
  // here go up at once when the node calls Wake after committing them.
  int tick_ms = 500;
  int64_t max_message_bytes = 64 << 20;
  // A regional hub's own offices (its HubServer::Peers), reported upstream.
  std::function<std::vector<PeerStatus>()> below;
  PruneOptions prune;
};

// What pos status and crm-node show about the link to the hub.
struct SyncSnapshot {
  bool configured = false;
  UplinkStatus uplink;
  uint64_t hub_holds_own = 0;  // this node's origin seq the hub is known to hold
};

class UplinkClient {
 public:
  static Result<std::unique_ptr<UplinkClient>> Start(Replica& replica, Clock& clock,
                                                     UplinkClientOptions options, LogLine log);
  ~UplinkClient();
  UplinkClient(const UplinkClient&) = delete;
  UplinkClient& operator=(const UplinkClient&) = delete;

  // Thread-safe.
  SyncSnapshot Snapshot() const;
  // Changes were committed here: the sync thread reads the log and pushes
  // them now rather than at its next tick. Thread-safe; never blocks (one
  // write to an eventfd), so a writer thread may call it after every commit.
  void Wake();
  void Stop();

 private:
  struct Impl;
  UplinkClient() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crm
