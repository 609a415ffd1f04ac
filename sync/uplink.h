// The downstream side of replication: a node (an office, or a regional hub)
// keeping its upstream hub up to date and following the hub's log. Transport-
// free and single-threaded: the caller feeds it received messages and clock
// ticks, and it sends through the function it was given.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/sync.capnp.h"
#include "sync/base/clock.h"
#include "sync/hub.h"
#include "sync/replica.h"

namespace crm {

// The durable cursors an uplink keeps in its replica (Replica::Cursor):
// its own log is pushed and held by the hub through this seq;
inline constexpr const char* kUplinkPushCursor = "push";
// the hub's log is applied here through this seq;
inline constexpr const char* kUplinkPullCursor = "pull";
// and these seqs are those of the hub store with this instance id.
inline constexpr const char* kUplinkHubInstance = "hub-instance";

struct UplinkOptions {
  size_t batch_changes = 2000;     // changes per push batch
  size_t window = 32;              // push batches sent and not yet acknowledged
  // and at most these bytes of them (one batch may be larger: a file's
  // content travels whole), so files do not pile up in the link's buffers;
  // the replica bounds each slice of the log by its bytes too.
  size_t window_bytes = 16u << 20;
  size_t pull_max = 10000;         // log entries examined per pull
  size_t snapshot_page = 1000;     // records asked for per snapshot page
  int64_t heartbeat_ms = 1000;     // a heartbeat when nothing else was sent
  int64_t dead_after_ms = 5000;    // silence that means the link is dead
  int64_t resend_after_ms = 2000;  // an unanswered request is sent again
  int64_t status_every_ms = 5000;  // how often the hub hears what is unsent here
  int64_t damage_every_ms = 1000;  // how often the store is asked for damaged records
  std::string office;              // the office code this node serves as, said in hello
};

struct UplinkStatus {
  bool connected = false;      // welcomed by the hub, and heard from recently
  Id hub;
  int64_t last_contact_ms = 0; // 0: never
  uint64_t pushed_through = 0; // log seq up to which the hub holds every pushable entry
  uint64_t pulled_through = 0; // hub log seq applied here
  uint64_t hub_log_seq = 0;    // the hub's newest seq, as last heard
  // hub_log_seq is the hub's whole log as of this time (this node's clock,
  // when it sent what the hub answered with it: hello, heartbeat); 0: never.
  int64_t hub_log_seq_as_of_ms = 0;
  uint64_t skews_reported = 0;
  uint64_t rejected = 0;       // own changes the hub quarantined
  std::string last_rejection;  // the hub's reason for the last of them
  std::string refusal;         // why the hub refused us last, if it did
  size_t batches_in_flight = 0;
  uint64_t sent_through = 0;   // log seq sent in the current window
  uint64_t bytes_sent = 0;     // frames handed to the transport, all told
  uint64_t bytes_received = 0;
  bool in_snapshot = false;        // taking a snapshot from the hub
  uint64_t snapshot_records = 0;   // records received in snapshots, all told
  uint64_t records_repaired = 0;   // damaged records replaced with the hub's copy, all told
  size_t records_unrepairable = 0; // damaged records the hub has no copy of either
  // What went wrong last with the store here (a damaged record or log entry
  // the uplink cannot get past, a repair that failed); empty if nothing.
  std::string problem;
};

class Uplink {
 public:
  using Send = std::function<void(std::string bytes)>;

  Uplink(Replica& replica, Clock& clock, UplinkOptions options, Send send);

  // Starts (or restarts) the handshake: sends Hello.
  void Connect();
  // A message from the hub. Malformed or unexpected messages are dropped (and
  // counted); the protocol recovers by resending.
  void OnMessage(std::string_view bytes);
  // Timers: heartbeats, resends, detection of a dead link.
  void Tick();
  // The local log grew: push without waiting for the next tick.
  void LocalChanges();
  // Called after changes pulled from the hub were applied here (a regional
  // hub tells its own downstream nodes).
  void OnApplied(std::function<void()> callback) { on_applied_ = std::move(callback); }
  // A regional hub: `below` gives its own offices' links, which go up with
  // each OfficeStatus. Called on the thread that calls Tick.
  void ReportBelow(std::function<std::vector<PeerStatus>()> below) { below_ = std::move(below); }

  UplinkStatus status() const;
  // The highest origin seq of `origin` the hub is known to hold.
  uint64_t HubHolds(const Id& origin) const {
    auto it = hub_has_.find(origin);
    return it == hub_has_.end() ? 0 : it->second;
  }
  uint64_t dropped_messages() const { return dropped_; }
  // Nothing to push, nothing in flight, and the hub's log fully pulled.
  bool Idle() const;
  // The lowest seq of this node's log the uplink still needs (to push); 0
  // before the first welcome.
  uint64_t NeededFrom() const { return state_ == State::kReady ? push_cursor_ + 1 : 0; }

 private:
  enum class State { kIdle, kHandshake, kReady };
  struct Batch {
    uint64_t number = 0;
    uint64_t through = 0;  // log seq of the last entry examined for it
    std::vector<std::pair<Id, uint64_t>> items;  // (origin, origin seq)
    int64_t sent_ms = 0;
    size_t bytes = 0;  // of the changes it carries
  };

  void Transmit(capnp::MessageBuilder& message);
  void Pump();
  void SendPull();
  // False if a list in `message` is longer than this node asked for or
  // than any real network needs.
  bool WithinBounds(schema::SyncMessage::Reader message) const;
  void OnWelcome(schema::Welcome::Reader welcome);
  void OnPushAck(schema::PushAck::Reader ack);
  void OnEntries(schema::Entries::Reader entries);
  void StartSnapshot();
  void RequestSnapshotPage();
  void OnSnapshotPage(schema::SnapshotPage::Reader page);
  void SendOfficeStatus();
  // The hub answered the oldest unanswered heartbeat, saying its log seq or not.
  void HeartbeatAnswered(bool with_log_seq);
  // Asks the hub for copies of the records damaged here, now and then.
  void FetchDamaged();
  void OnFetchedRecords(schema::FetchedRecords::Reader fetched);
  bool Held(const Id& origin, uint64_t seq) const;
  void GoBack();
  Status AdvancePushCursor();

  Replica& replica_;
  Clock& clock_;
  const UplinkOptions options_;
  Send send_;
  std::function<void()> on_applied_;
  std::function<std::vector<PeerStatus>()> below_;

  State state_ = State::kIdle;
  Id hub_;
  VersionVector hub_has_;
  uint64_t push_cursor_ = 0;  // durable: every pushable entry <= it is held by the hub
  uint64_t send_pos_ = 0;     // entries <= it were sent in the current window
  std::deque<Batch> inflight_;
  uint64_t next_batch_ = 1;
  uint64_t pull_cursor_ = 0;  // durable: hub log applied through here
  bool pull_outstanding_ = false;
  int64_t pull_sent_ms_ = 0;
  uint64_t hub_log_seq_ = 0;
  int64_t hub_log_seq_as_of_ms_ = 0;
  // When the heartbeats the hub has not answered yet were sent, oldest first.
  static constexpr size_t kMaxUnansweredHeartbeats = 16;
  std::deque<int64_t> heartbeats_sent_ms_;
  int64_t hello_sent_ms_ = 0;
  int64_t last_heard_ms_ = 0;
  int64_t last_sent_ms_ = 0;
  int64_t last_status_ms_ = 0;
  bool status_due_ = false;  // the push caught up since the last status report
  uint64_t dropped_ = 0;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
  uint64_t skews_ = 0;
  uint64_t rejected_ = 0;
  std::string last_rejection_;
  std::string refusal_;
  bool more_to_push_ = true;
  // This node lacks part of its own history, which the hub holds (its store
  // was restored from a backup): it is fetched with a snapshot, and until
  // then the node makes no changes (Replica::SetAwaitingOwnHistory).
  bool recovering_own_ = false;
  // A snapshot in progress (not durable: after a restart it begins again;
  // installing a page twice changes nothing).
  bool in_snapshot_ = false;
  std::string snapshot_after_;     // key of the last record installed
  bool snapshot_started_ = false;  // the first page arrived
  uint64_t snapshot_seq_ = 0;      // the hub's log seq at the first page
  VersionVector snapshot_have_;    // the hub's version vector then
  int64_t snapshot_sent_ms_ = 0;
  uint64_t snapshot_records_ = 0;
  // Damaged records being fetched back (docs/storage.md, "Checksums").
  bool fetch_outstanding_ = false;
  int64_t fetch_sent_ms_ = 0;
  int64_t damage_checked_ms_ = 0;
  std::set<std::string> fetch_asked_;    // keys in the request outstanding
  std::set<std::string> unrepairable_;   // the hub had no copy (asked again after a new hello)
  uint64_t repaired_ = 0;
  std::string problem_;
};

}  // namespace crm
