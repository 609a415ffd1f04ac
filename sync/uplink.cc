#include "sync/uplink.h"

#include <capnp/message.h>
#include <kj/exception.h>

#include "schema/sync.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"
#include "sync/office_tree.h"
#include "sync/sync_message.h"

namespace crm {
namespace {

// Office status reports come at most this often, even when one is due early.
constexpr int64_t kMinStatusGapMs = 250;
// More origins than any network of offices has: a longer version vector from
// the hub is refused.
constexpr size_t kMaxOrigins = 100'000;

void MergeHave(VersionVector& into, capnp::List<schema::OriginSeq>::Reader have) {
  for (auto entry : have) {
    uint64_t& seq = into[IdFromWire(entry.getOrigin())];
    seq = std::max(seq, entry.getSeq());
  }
}

}  // namespace

Uplink::Uplink(Replica& replica, Clock& clock, UplinkOptions options, Send send)
    : replica_(replica), clock_(clock), options_(options), send_(std::move(send)) {}

void Uplink::Transmit(capnp::MessageBuilder& message) {
  last_sent_ms_ = clock_.NowMillis();
  std::string bytes = EncodeSyncMessage(message);
  bytes_sent_ += bytes.size();
  send_(std::move(bytes));
}

void Uplink::Connect() {
  state_ = State::kHandshake;
  inflight_.clear();
  pull_outstanding_ = false;
  fetch_outstanding_ = false;
  unrepairable_.clear();
  heartbeats_sent_ms_.clear();
  hello_sent_ms_ = clock_.NowMillis();
  capnp::MallocMessageBuilder message(kControlMessageWords);
  auto hello = message.initRoot<schema::SyncMessage>().initHello();
  IdToWire(replica_.node_id(), hello.initNode());
  IdToWire(replica_.instance_id(), hello.initInstance());
  hello.setProtocolVersion(schema::SYNC_PROTOCOL_VERSION);
  hello.setSchemaVersion(schema::SYNC_SCHEMA_VERSION);
  hello.setOffice(options_.office);
  Transmit(message);
}

void Uplink::OnMessage(std::string_view bytes) {
  bytes_received_ += bytes.size();
  auto decoded = DecodeSyncMessage(bytes);
  if (!decoded.ok()) {
    ++dropped_;
    return;
  }
  try {
    auto message = decoded->Root<schema::SyncMessage>();
    if (!WithinBounds(message)) {
      ++dropped_;
      return;
    }
    last_heard_ms_ = clock_.NowMillis();
    switch (message.which()) {
      case schema::SyncMessage::WELCOME:
        if (state_ == State::kHandshake) OnWelcome(message.getWelcome());
        return;
      case schema::SyncMessage::PUSH_ACK:
        if (state_ == State::kReady) OnPushAck(message.getPushAck());
        return;
      case schema::SyncMessage::ENTRIES:
        if (state_ == State::kReady) OnEntries(message.getEntries());
        return;
      case schema::SyncMessage::SNAPSHOT_PAGE:
        if (state_ == State::kReady) OnSnapshotPage(message.getSnapshotPage());
        return;
      case schema::SyncMessage::FETCHED_RECORDS:
        if (state_ == State::kReady) OnFetchedRecords(message.getFetchedRecords());
        return;
      case schema::SyncMessage::NOTIFY:
        hub_log_seq_ = std::max(hub_log_seq_, message.getNotify().getLogSeq());
        if (message.getNotify().getAnswersHeartbeat()) HeartbeatAnswered(true);
        if (state_ == State::kReady && !pull_outstanding_ && !in_snapshot_ &&
            hub_log_seq_ > pull_cursor_) {
          SendPull();
        }
        return;
      case schema::SyncMessage::HEARTBEAT:
        HeartbeatAnswered(false);  // a hub that does not say its log seq
        return;
      case schema::SyncMessage::REFUSED:
        refusal_ = message.getRefused().getReason().cStr();
        if (message.getRefused().getFinal()) {
          // The hub will not talk to us (version, enrollment): stay idle
          // until the operator acts; Tick does not retry.
          state_ = State::kIdle;
        } else if (state_ == State::kReady) {
          Connect();  // the hub restarted and forgot us
        }
        return;
      default:
        ++dropped_;
        return;
    }
  } catch (const kj::Exception&) {
    ++dropped_;
  }
}

bool Uplink::WithinBounds(schema::SyncMessage::Reader message) const {
  // Lists of empty structs cost the sender almost nothing per element: no
  // work here is sized by a count larger than this node asked for.
  switch (message.which()) {
    case schema::SyncMessage::WELCOME:
      return message.getWelcome().getHave().size() <= kMaxOrigins;
    case schema::SyncMessage::PUSH_ACK:
      return message.getPushAck().getHave().size() <= kMaxOrigins &&
             message.getPushAck().getRejected().size() <= options_.batch_changes;
    case schema::SyncMessage::ENTRIES:
      return message.getEntries().getChanges().size() <= options_.pull_max;
    case schema::SyncMessage::SNAPSHOT_PAGE:
      return message.getSnapshotPage().getRecords().size() <= options_.snapshot_page &&
             message.getSnapshotPage().getHave().size() <= kMaxOrigins;
    case schema::SyncMessage::FETCHED_RECORDS:
      return message.getFetchedRecords().getRecords().size() +
                 message.getFetchedRecords().getMissing().size() <=
             fetch_asked_.size();
    default:
      return true;
  }
}

void Uplink::OnWelcome(schema::Welcome::Reader welcome) {
  hub_ = IdFromWire(welcome.getHub());
  hub_has_.clear();
  MergeHave(hub_has_, welcome.getHave());
  hub_log_seq_ = welcome.getLogSeq();
  hub_log_seq_as_of_ms_ = std::max(hub_log_seq_as_of_ms_, hello_sent_ms_);

  // A hub restored from a backup has another instance: its log seqs mean
  // something else now, so pull it again from the start (duplicates are
  // skipped by the version vector).
  Id instance = IdFromWire(welcome.getInstance());
  auto known = replica_.CursorId(kUplinkHubInstance);
  auto pull = replica_.Cursor(kUplinkPullCursor);
  auto push = replica_.Cursor(kUplinkPushCursor);
  if (!known.ok() || !pull.ok() || !push.ok()) return;  // stays in handshake; Tick retries
  if (*known != instance) {
    // Nor does the hub hold what this node pushed to its old instance: the
    // push cursor starts over too, and what the hub holds is skipped.
    if (!replica_.SetCursor(kUplinkPullCursor, 0).ok() ||
        !replica_.SetCursor(kUplinkPushCursor, 0).ok() ||
        !replica_.SetCursorId(kUplinkHubInstance, instance).ok()) {
      return;
    }
    pull_cursor_ = 0;
    push_cursor_ = 0;
  } else {
    pull_cursor_ = *pull;
    push_cursor_ = *push;
  }

  // The hub holds more of this node's own changes than this node: its store
  // was restored from a backup. Making changes now would reuse origin seqs
  // the hub has, so none are made until a snapshot brings the rest back.
  auto have = replica_.Have();
  if (!have.ok()) return;
  uint64_t own_here = 0;
  if (auto it = have->find(replica_.node_id()); it != have->end()) own_here = it->second;
  recovering_own_ = HubHolds(replica_.node_id()) > own_here;
  if (!replica_.SetAwaitingOwnHistory(recovering_own_).ok()) return;

  if (!AdvancePushCursor().ok()) return;
  send_pos_ = push_cursor_;
  inflight_.clear();
  more_to_push_ = true;
  state_ = State::kReady;
  Pump();
  if (recovering_own_ || welcome.getOldestSeq() > pull_cursor_ + 1) {
    StartSnapshot();  // what this node would pull next is pruned at the hub
  } else {
    in_snapshot_ = false;
    SendPull();
  }
}

void Uplink::StartSnapshot() {
  in_snapshot_ = true;
  snapshot_after_.clear();
  snapshot_started_ = false;
  snapshot_have_.clear();
  pull_outstanding_ = false;
  RequestSnapshotPage();
}

void Uplink::RequestSnapshotPage() {
  snapshot_sent_ms_ = clock_.NowMillis();
  capnp::MallocMessageBuilder message(kControlMessageWords);
  auto request = message.initRoot<schema::SyncMessage>().initSnapshotRequest();
  request.setAfter(kj::arrayPtr(reinterpret_cast<const kj::byte*>(snapshot_after_.data()),
                                snapshot_after_.size()));
  request.setMax(static_cast<uint32_t>(options_.snapshot_page));
  Transmit(message);
}

void Uplink::OnSnapshotPage(schema::SnapshotPage::Reader page) {
  std::string after(reinterpret_cast<const char*>(page.getAfter().begin()), page.getAfter().size());
  if (!in_snapshot_ || after != snapshot_after_) return;  // stale or repeated
  if (!snapshot_started_) {
    // The first page's view is the snapshot's point in the hub's log: every
    // later page holds at least that, and the log from there on follows.
    snapshot_seq_ = page.getLogSeq();
    snapshot_have_.clear();
    MergeHave(snapshot_have_, page.getHave());
  }
  std::vector<schema::StoredRecord::Reader> records;
  for (auto record : page.getRecords()) records.push_back(record);
  SnapshotEnd end{snapshot_have_, {{kUplinkPullCursor, snapshot_seq_}}, recovering_own_};
  Status installed = replica_.InstallSnapshot(records, page.getDone() ? &end : nullptr);
  if (!installed.ok()) {
    refusal_ = "cannot install the hub's snapshot: " + installed.ToString();
    return;  // asked again on a tick
  }
  snapshot_started_ = true;
  snapshot_records_ += records.size();
  if (!page.getDone()) {
    snapshot_after_.assign(reinterpret_cast<const char*>(page.getLast().begin()),
                           page.getLast().size());
    RequestSnapshotPage();
    return;
  }
  in_snapshot_ = false;
  pull_cursor_ = snapshot_seq_;
  if (recovering_own_) {
    // The snapshot raised this node's origin seq to what the hub held.
    if (!replica_.SetAwaitingOwnHistory(false).ok()) return;  // the next welcome tries again
    recovering_own_ = false;
  }
  if (on_applied_) on_applied_();
  SendPull();
}

void Uplink::FetchDamaged() {
  const int64_t now = clock_.NowMillis();
  if (fetch_outstanding_ ? now - fetch_sent_ms_ < options_.resend_after_ms
                         : now - damage_checked_ms_ < options_.damage_every_ms) {
    return;
  }
  damage_checked_ms_ = now;
  fetch_outstanding_ = false;
  fetch_asked_.clear();
  auto damaged = replica_.DamagedRecords();
  if (!damaged.ok()) return;
  for (const std::string& key : *damaged) {
    if (fetch_asked_.size() >= options_.snapshot_page) break;
    if (unrepairable_.count(key) == 0) fetch_asked_.insert(key);
  }
  if (fetch_asked_.empty()) return;
  fetch_outstanding_ = true;
  fetch_sent_ms_ = now;
  capnp::MallocMessageBuilder message(kControlMessageWords);
  auto keys = message.initRoot<schema::SyncMessage>().initFetchRecords().initKeys(
      static_cast<unsigned>(fetch_asked_.size()));
  unsigned i = 0;
  for (const std::string& key : fetch_asked_) {
    keys.set(i++, kj::arrayPtr(reinterpret_cast<const kj::byte*>(key.data()), key.size()));
  }
  Transmit(message);
}

void Uplink::OnFetchedRecords(schema::FetchedRecords::Reader fetched) {
  if (!fetch_outstanding_) return;  // stale or repeated
  auto asked = [&](capnp::Data::Reader key) {
    return fetch_asked_.count(std::string(reinterpret_cast<const char*>(key.begin()), key.size())) > 0;
  };
  std::vector<schema::StoredRecord::Reader> records;
  for (auto record : fetched.getRecords()) {
    if (!record.hasId()) continue;
    auto id = IdFromWire(record.getId()).ToBytes();
    std::string key(1, static_cast<char>(record.getEntity()));
    key.append(reinterpret_cast<const char*>(id.data()), id.size());
    if (fetch_asked_.count(key) > 0) records.push_back(record);
  }
  std::vector<std::string> missing;
  for (auto key : fetched.getMissing()) {
    if (asked(key)) missing.emplace_back(reinterpret_cast<const char*>(key.begin()), key.size());
  }
  fetch_outstanding_ = false;
  fetch_asked_.clear();
  damage_checked_ms_ = 0;  // more may wait
  auto unrepaired = replica_.RepairRecords(records, missing);
  if (!unrepaired.ok()) {
    problem_ = "cannot repair damaged records with the hub's copies: " + unrepaired.status().ToString();
    return;
  }
  repaired_ += records.size();
  for (const std::string& key : *unrepaired) {
    unrepairable_.insert(key);
    std::string name = key.size() == 17 && IsKnownKind(static_cast<uint8_t>(key[0]))
                           ? std::string(EntityName(static_cast<EntityKind>(static_cast<uint8_t>(key[0]))))
                           : std::string("record");
    if (key.size() == 17) {
      name += " " + Id::FromBytes(reinterpret_cast<const uint8_t*>(key.data() + 1)).ToString();
    }
    problem_ = "the " + name +
               " is damaged here, and neither the hub nor this node's log holds a copy of it; it "
               "stays unreadable (crm-admin verify names it; docs/storage.md, \"Checksums\")";
  }
  if (unrepaired->empty() && problem_.rfind("cannot repair", 0) == 0) problem_.clear();
}

bool Uplink::Held(const Id& origin, uint64_t seq) const {
  auto it = hub_has_.find(origin);
  return it != hub_has_.end() && it->second >= seq;
}

// Moves the durable push cursor over every pushable entry the hub holds.
Status Uplink::AdvancePushCursor() {
  uint64_t cursor = push_cursor_;
  for (;;) {
    CRM_ASSIGN_OR_RETURN(LogSlice slice,
                         replica_.ReadLogFor(hub_, cursor, options_.batch_changes,
                                             Replica::Toward::kUpstream));
    bool stopped = false;
    for (const auto& entry : slice.entries) {
      if (!Held(entry.origin, entry.origin_seq)) {
        stopped = true;
        break;
      }
      cursor = entry.seq;
    }
    if (!stopped) cursor = std::max(cursor, slice.through);
    if (stopped || slice.through >= slice.log_seq || slice.through == 0) break;
  }
  if (cursor != push_cursor_) {
    CRM_RETURN_IF_ERROR(replica_.SetCursor(kUplinkPushCursor, cursor));
    push_cursor_ = cursor;
  }
  return Status::Ok();
}

void Uplink::Pump() {
  if (state_ != State::kReady) return;
  auto window_full = [&] {
    size_t bytes = 0;
    for (const Batch& batch : inflight_) bytes += batch.bytes;
    return inflight_.size() >= options_.window || (!inflight_.empty() && bytes >= options_.window_bytes);
  };
  while (!window_full() && more_to_push_) {
    auto slice =
        replica_.ReadLogFor(hub_, send_pos_, options_.batch_changes, Replica::Toward::kUpstream);
    if (!slice.ok()) {
      problem_ = "cannot push: " + slice.status().ToString();
      return;
    }
    if (problem_.rfind("cannot push", 0) == 0) problem_.clear();
    std::vector<const LogSlice::Entry*> wanted;
    for (const auto& entry : slice->entries) {
      if (!Held(entry.origin, entry.origin_seq)) wanted.push_back(&entry);
    }
    if (slice->through <= send_pos_) {
      more_to_push_ = false;
      return;
    }
    send_pos_ = slice->through;
    more_to_push_ = slice->through < slice->log_seq;
    if (wanted.empty()) continue;

    Batch batch;
    batch.number = next_batch_++;
    batch.through = slice->through;
    batch.sent_ms = clock_.NowMillis();
    // One segment, sized to fit: pointers within it are cheaper to follow.
    size_t words = 64;
    for (const LogSlice::Entry* entry : wanted) {
      words += entry->change.Root<schema::Change>().totalSize().wordCount + 1;
    }
    batch.bytes = words * sizeof(capnp::word);
    capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
    auto push = message.initRoot<schema::SyncMessage>().initPush();
    push.setBatch(batch.number);
    auto changes = push.initChanges(static_cast<unsigned>(wanted.size()));
    for (unsigned i = 0; i < wanted.size(); ++i) {
      changes.setWithCaveats(i, wanted[i]->change.Root<schema::Change>());
      batch.items.emplace_back(wanted[i]->origin, wanted[i]->origin_seq);
    }
    inflight_.push_back(std::move(batch));
    Transmit(message);
  }
}

void Uplink::GoBack() {
  inflight_.clear();
  send_pos_ = push_cursor_;
  more_to_push_ = true;
}

void Uplink::OnPushAck(schema::PushAck::Reader ack) {
  MergeHave(hub_has_, ack.getHave());
  for (auto rejected : ack.getRejected()) {
    ++rejected_;
    last_rejection_ = rejected.getReason().cStr();
    // Quarantined at the hub: delivered as far as the protocol goes.
    uint64_t& seq = hub_has_[IdFromWire(rejected.getOrigin())];
    seq = std::max(seq, rejected.getOriginSeq());
  }
  bool acked_incomplete = false;
  for (const Batch& batch : inflight_) {
    if (batch.number != ack.getBatch()) continue;
    for (const auto& [origin, seq] : batch.items) {
      if (!Held(origin, seq)) acked_incomplete = true;
    }
  }
  // Retire complete batches from the front; the cursor follows.
  uint64_t through = push_cursor_;
  while (!inflight_.empty()) {
    const Batch& front = inflight_.front();
    bool complete = true;
    for (const auto& [origin, seq] : front.items) complete = complete && Held(origin, seq);
    if (!complete) break;
    through = front.through;
    inflight_.pop_front();
  }
  if (through != push_cursor_ && replica_.SetCursor(kUplinkPushCursor, through).ok()) {
    push_cursor_ = through;
  }
  // The hub skipped part of the acknowledged batch: an earlier one was lost.
  if (acked_incomplete) GoBack();
  Pump();
  // Caught up: let the hub's view of this office say so soon.
  if (inflight_.empty()) status_due_ = true;
}

void Uplink::SendPull() {
  if (state_ != State::kReady || in_snapshot_) return;
  pull_outstanding_ = true;
  pull_sent_ms_ = clock_.NowMillis();
  capnp::MallocMessageBuilder message(kControlMessageWords);
  auto pull = message.initRoot<schema::SyncMessage>().initPull();
  pull.setAfter(pull_cursor_);
  pull.setMax(static_cast<uint32_t>(options_.pull_max));
  Transmit(message);
}

void Uplink::OnEntries(schema::Entries::Reader entries) {
  hub_log_seq_ = std::max(hub_log_seq_, entries.getLogSeq());
  if (!pull_outstanding_ || entries.getThrough() < pull_cursor_) return;  // stale or repeated
  if (entries.getOldestSeq() > pull_cursor_ + 1) {
    StartSnapshot();  // the hub pruned what this node would pull next
    return;
  }
  if (entries.getThrough() == pull_cursor_) {
    pull_outstanding_ = false;  // nothing new since the last pull
    return;
  }
  std::vector<schema::Change::Reader> changes;
  for (auto change : entries.getChanges()) {
    changes.push_back(change);
    // What the hub sent, it holds.
    if (change.hasOrigin()) {
      uint64_t& held = hub_has_[IdFromWire(change.getOrigin())];
      held = std::max(held, change.getOriginSeq());
    }
  }
  auto report = replica_.Apply(changes, {hub_}, {{kUplinkPullCursor, entries.getThrough()}},
                               Replica::Order::kFollowUpstream);
  if (!report.ok()) {
    pull_outstanding_ = false;  // try again on the next tick
    return;
  }
  skews_ += report->clock_skews;
  if (report->gaps > 0) {
    // Something before these entries is missing here: pull again from the
    // start; what is held already is skipped.
    pull_cursor_ = 0;
    (void)replica_.SetCursor(kUplinkPullCursor, 0);
  } else {
    pull_cursor_ = entries.getThrough();
  }
  pull_outstanding_ = false;
  if (report->applied > 0 && on_applied_) on_applied_();
  // Pull until an answer brings nothing new: that last pull also tells the
  // hub how far this node got, so the hub may prune its log up to there.
  SendPull();
}

void Uplink::SendOfficeStatus() {
  last_status_ms_ = clock_.NowMillis();
  status_due_ = false;
  auto have = replica_.Have();
  if (!have.ok()) return;
  uint64_t unsent = 0;
  for (const auto& [origin, seq] : *have) {
    uint64_t held = HubHolds(origin);
    if (seq > held) unsent += seq - held;
  }
  int64_t oldest = 0;
  if (unsent > 0) {
    auto slice =
        replica_.ReadLogFor(hub_, push_cursor_, options_.batch_changes, Replica::Toward::kUpstream);
    if (slice.ok()) {
      for (const auto& entry : slice->entries) {
        if (Held(entry.origin, entry.origin_seq)) continue;
        oldest = entry.change.Root<schema::Change>().getStamp().getPhysical();
        break;
      }
    }
  }
  capnp::MallocMessageBuilder message(kControlMessageWords);
  auto status = message.initRoot<schema::SyncMessage>().initOfficeStatus();
  status.setUnsent(unsent);
  status.setOldestUnsent(oldest);
  if (below_) {
    std::vector<PeerStatus> offices = below_();
    if (offices.size() > kMaxOfficesBelow) offices.resize(kMaxOfficesBelow);
    auto log_seq = replica_.LogSeq();
    WriteBelow(offices, log_seq.ok() ? *log_seq : 0,
               status.initBelow(static_cast<unsigned>(offices.size())));
  }
  Transmit(message);
}

void Uplink::LocalChanges() {
  more_to_push_ = true;
  Pump();
}

void Uplink::Tick() {
  const int64_t now = clock_.NowMillis();
  switch (state_) {
    case State::kIdle:
      return;
    case State::kHandshake:
      if (now - hello_sent_ms_ >= options_.resend_after_ms) Connect();
      return;
    case State::kReady:
      break;
  }
  if (now - last_heard_ms_ >= options_.dead_after_ms) {
    Connect();  // the link is dead: start over from the cursors
    return;
  }
  if (!inflight_.empty() && now - inflight_.front().sent_ms >= options_.resend_after_ms) GoBack();
  if (in_snapshot_ && now - snapshot_sent_ms_ >= options_.resend_after_ms) RequestSnapshotPage();
  if (pull_outstanding_ && now - pull_sent_ms_ >= options_.resend_after_ms) SendPull();
  if (!pull_outstanding_ && pull_cursor_ < hub_log_seq_) SendPull();
  if (!in_snapshot_) FetchDamaged();
  more_to_push_ = true;
  Pump();
  if (now - last_status_ms_ >= options_.status_every_ms ||
      (status_due_ && now - last_status_ms_ >= kMinStatusGapMs)) {
    SendOfficeStatus();
  }
  // A heartbeat when the link is quiet, and at least once a heartbeat
  // period while busy, so that what the node knows of the hub's log is never
  // older than that (UplinkStatus::hub_log_seq_as_of_ms).
  if (now - last_sent_ms_ >= options_.heartbeat_ms ||
      (heartbeats_sent_ms_.empty() && now - hub_log_seq_as_of_ms_ >= options_.heartbeat_ms)) {
    capnp::MallocMessageBuilder message(kControlMessageWords);
    message.initRoot<schema::SyncMessage>().setHeartbeat();
    Transmit(message);
    // Unanswered heartbeats are few (the hub answers each at once); past the
    // bound the newest go unrecorded, so a late answer is credited to an
    // older heartbeat, never to a newer one.
    if (heartbeats_sent_ms_.size() < kMaxUnansweredHeartbeats) heartbeats_sent_ms_.push_back(now);
  }
}

void Uplink::HeartbeatAnswered(bool with_log_seq) {
  if (heartbeats_sent_ms_.empty()) return;
  // The hub answers heartbeats in the order they came, over one connection:
  // the oldest unanswered one is this answer's.
  if (with_log_seq) {
    hub_log_seq_as_of_ms_ = std::max(hub_log_seq_as_of_ms_, heartbeats_sent_ms_.front());
  }
  heartbeats_sent_ms_.pop_front();
}

bool Uplink::Idle() const {
  if (state_ != State::kReady || !inflight_.empty() || pull_outstanding_ || in_snapshot_) {
    return false;
  }
  if (pull_cursor_ < hub_log_seq_) return false;
  auto slice =
        replica_.ReadLogFor(hub_, push_cursor_, options_.batch_changes, Replica::Toward::kUpstream);
  if (!slice.ok()) return false;
  for (const auto& entry : slice->entries) {
    if (!Held(entry.origin, entry.origin_seq)) return false;
  }
  return true;
}

UplinkStatus Uplink::status() const {
  UplinkStatus s;
  s.connected = state_ == State::kReady &&
                clock_.NowMillis() - last_heard_ms_ < options_.dead_after_ms;
  s.hub = hub_;
  s.last_contact_ms = last_heard_ms_;
  s.pushed_through = push_cursor_;
  s.pulled_through = pull_cursor_;
  s.hub_log_seq = hub_log_seq_;
  s.hub_log_seq_as_of_ms = hub_log_seq_as_of_ms_;
  s.skews_reported = skews_;
  s.rejected = rejected_;
  s.last_rejection = last_rejection_;
  s.refusal = refusal_;
  s.batches_in_flight = inflight_.size();
  s.sent_through = send_pos_;
  s.bytes_sent = bytes_sent_;
  s.bytes_received = bytes_received_;
  s.in_snapshot = in_snapshot_;
  s.snapshot_records = snapshot_records_;
  s.records_repaired = repaired_;
  s.records_unrepairable = unrepairable_.size();
  s.problem = problem_;
  return s;
}

}  // namespace crm
