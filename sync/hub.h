// The upstream side of replication: a hub (headquarters, or a regional hub)
// taking changes from its downstream nodes and serving its log to them.
// Transport-free and single-threaded: the caller feeds it each received
// message with the transport's address of the sender ("route"), and it
// answers through the function it was given.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "schema/sync.capnp.h"
#include "sync/base/clock.h"
#include "sync/replica.h"

namespace crm {

struct HubOptions {
  size_t pull_max = 10000;         // log entries examined per answer to a pull
  size_t snapshot_page_max = 1000; // records per snapshot page
  // The most changes Flush applies in one transaction: bigger ones cost less
  // per change (fewer distinct index pages written per change), but LMDB
  // bounds the pages one transaction may dirty (a group it refuses is
  // applied again push by push).
  size_t max_changes_per_apply = 32768;
  // and of at most these bytes of pushes (one push may be larger): files'
  // content makes few changes of many bytes.
  size_t max_bytes_per_apply = 16u << 20;
  int64_t peer_silent_ms = 5000;   // a peer silent this long is shown as offline
  // A push carrying more changes is dropped unread (offices send batches of
  // 2,000): a list of empty structs costs its sender almost nothing per
  // element, and the hub must not size its work by a count it did not check.
  size_t max_push_changes = 10000;
};

struct PeerStatus {
  Id node;
  std::string route;
  int64_t last_contact_ms = 0;
  uint64_t pulled_through = 0;     // the hub's log seq the peer was sent up to
  uint64_t applied_through = 0;    // the hub's log seq the peer applied (its pull cursor)
  bool in_snapshot = false;        // the peer is taking a snapshot
  bool reported = false;           // the peer sent its OfficeStatus
  uint64_t unsent = 0;             // its changes the hub lacks, as it last said
  int64_t oldest_unsent_ms = 0;    // when the oldest of them was made; 0: none
  uint64_t held_from_peer = 0;     // the peer's own origin seq held here
  uint64_t rejected = 0;
  bool online = false;
  // For a peer reported from below: how many of its hub's log entries it has
  // not applied (a direct peer's is its hub's log seq - applied_through).
  uint64_t behind = 0;
  // A regional hub's own offices, as it last reported them.
  std::vector<PeerStatus> below;
};

class Hub {
 public:
  using Send = std::function<void(const std::string& route, std::string bytes)>;
  // Whether `peer` may deliver changes made at `origin` (itself, or a node
  // below it). A change from elsewhere is refused and leaves that origin's
  // history untouched.
  using MayRelay = std::function<bool(const Id& peer, const Id& origin)>;
  // Whether a change may be applied here at all (HQ-owned data ...); a
  // refused change is quarantined and counts as delivered.
  using Admit = Replica::Admit;

  Hub(Replica& replica, Clock& clock, HubOptions options, Send send, MayRelay may_relay,
      Admit admit = {});

  // A message from a peer. Pushes are held until Flush; the rest are
  // answered at once.
  void OnMessage(const std::string& route, std::string_view bytes);
  // Applies every push received since the last call in one durable
  // transaction (a hub that falls behind thus takes bigger transactions,
  // which cost less per change), then acknowledges each. Call after each
  // group of OnMessage calls.
  void Flush();
  // The log grew (a local write, or changes from upstream): tell the peers
  // the new log seq. Says nothing when the log is where it was last told, so
  // every hint of growth may call it.
  void LogGrew();
  std::vector<PeerStatus> Peers() const;
  // Tells the peer at `route` why it is refused; `final`: it should not try
  // again until its operator acts (it is not welcomed again anyway).
  void Refuse(const std::string& route, const std::string& reason, bool final);
  // The lowest log seq a peer heard from within `remember_ms` still has to
  // pull; 0 if no peer was heard from (nothing may be pruned then).
  uint64_t NeededFrom(int64_t remember_ms) const;
  uint64_t dropped_messages() const { return dropped_; }
  // Why the last request the hub could not answer from its store went
  // unanswered (a damaged log entry or record, say); empty if none did.
  const std::string& problem() const { return problem_; }

 private:
  struct Peer {
    Id node;
    int64_t last_contact_ms = 0;
    uint64_t pulled_through = 0;
    uint64_t applied_through = 0;
    bool in_snapshot = false;
    bool reported = false;
    uint64_t unsent = 0;
    int64_t oldest_unsent_ms = 0;
    uint64_t rejected = 0;
    bool welcomed = false;
    std::vector<PeerStatus> below;
  };
  void Transmit(const std::string& route, capnp::MessageBuilder& message);
  void OnHello(const std::string& route, schema::Hello::Reader hello);
  // A push waiting for Flush: the message it came in, what was admitted.
  struct PendingPush {
    std::string route;
    Id node;
    uint64_t batch = 0;
    DecodedMessage message;
    size_t bytes = 0;  // of the push as received (decompressed)
    std::vector<schema::Change::Reader> admitted;
    std::vector<Rejected> refused;
  };
  void OnPush(const std::string& route, Peer& peer, DecodedMessage message);
  // Applies pushes (of any peers) in one transaction and acknowledges each;
  // false if nothing could be stored.
  bool ApplyPushes(const std::vector<const PendingPush*>& pushes, bool& grew);
  void OnPull(const std::string& route, Peer& peer, schema::Pull::Reader pull);
  void OnSnapshotRequest(const std::string& route, Peer& peer,
                         schema::SnapshotRequest::Reader request);
  void OnFetchRecords(const std::string& route, Peer& peer, schema::FetchRecords::Reader request);
  // Notes that a request of `peer` went unanswered because of `status`.
  void Unanswered(const Peer& peer, const char* what, const Status& status);

  Replica& replica_;
  Clock& clock_;
  const HubOptions options_;
  Send send_;
  MayRelay may_relay_;
  Admit admit_;
  std::map<std::string, Peer> peers_;  // by route
  std::vector<PendingPush> pending_;
  uint64_t announced_seq_ = 0;  // the log seq the peers were last told of
  uint64_t dropped_ = 0;
  std::string problem_;
};

}  // namespace crm
