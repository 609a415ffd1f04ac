#include "sync/hub.h"

#include <capnp/message.h>
#include <kj/exception.h>

#include "schema/sync.capnp.h"
#include "sync/base/wire.h"
#include "sync/office_tree.h"
#include "sync/sync_message.h"

namespace crm {
namespace {

void FillHave(capnp::List<schema::OriginSeq>::Builder out, const VersionVector& have) {
  unsigned i = 0;
  for (const auto& [origin, seq] : have) {
    IdToWire(origin, out[i].initOrigin());
    out[i].setSeq(seq);
    ++i;
  }
}

}  // namespace

Hub::Hub(Replica& replica, Clock& clock, HubOptions options, Send send, MayRelay may_relay,
         Admit admit)
    : replica_(replica),
      clock_(clock),
      options_(options),
      send_(std::move(send)),
      may_relay_(std::move(may_relay)),
      admit_(std::move(admit)) {
  // A peer learns of the log as it is now when it is welcomed and pulls.
  if (auto log_seq = replica_.LogSeq(); log_seq.ok()) announced_seq_ = *log_seq;
}

void Hub::Transmit(const std::string& route, capnp::MessageBuilder& message) {
  send_(route, EncodeSyncMessage(message));
}

void Hub::Refuse(const std::string& route, const std::string& reason, bool final) {
  capnp::MallocMessageBuilder message(kControlMessageWords);
  auto refused = message.initRoot<schema::SyncMessage>().initRefused();
  refused.setReason(reason);
  refused.setFinal(final);
  Transmit(route, message);
}

void Hub::OnMessage(const std::string& route, std::string_view bytes) {
  auto decoded = DecodeSyncMessage(bytes);
  if (!decoded.ok()) {
    ++dropped_;
    return;
  }
  try {
    auto message = decoded->Root<schema::SyncMessage>();
    if (message.isHello()) {
      OnHello(route, message.getHello());
      return;
    }
    auto it = peers_.find(route);
    if (it == peers_.end() || !it->second.welcomed) {
      Refuse(route, "say hello first", false);
      return;
    }
    Peer& peer = it->second;
    peer.last_contact_ms = clock_.NowMillis();
    switch (message.which()) {
      case schema::SyncMessage::PUSH:
        if (message.getPush().getChanges().size() > options_.max_push_changes) {
          ++dropped_;
          return;
        }
        OnPush(route, peer, std::move(decoded).value());
        return;
      case schema::SyncMessage::PULL:
        OnPull(route, peer, message.getPull());
        return;
      case schema::SyncMessage::SNAPSHOT_REQUEST:
        OnSnapshotRequest(route, peer, message.getSnapshotRequest());
        return;
      case schema::SyncMessage::FETCH_RECORDS:
        if (message.getFetchRecords().getKeys().size() > options_.snapshot_page_max) {
          ++dropped_;
          return;
        }
        OnFetchRecords(route, peer, message.getFetchRecords());
        return;
      case schema::SyncMessage::OFFICE_STATUS: {
        auto status = message.getOfficeStatus();
        peer.reported = true;
        peer.unsent = status.getUnsent();
        peer.oldest_unsent_ms = status.getOldestUnsent();
        peer.below.clear();
        size_t budget = kMaxOfficesBelow;
        ReadBelow(status.getBelow(), 1, budget, peer.below);
        return;
      }
      case schema::SyncMessage::HEARTBEAT: {
        // Answered with the log's newest seq, read now: the node then knows
        // the whole log as of its heartbeat (pos sync waits for that).
        capnp::MallocMessageBuilder reply(kControlMessageWords);
        if (auto log_seq = replica_.LogSeq(); log_seq.ok()) {
          auto notify = reply.initRoot<schema::SyncMessage>().initNotify();
          notify.setLogSeq(*log_seq);
          notify.setAnswersHeartbeat(true);
        } else {
          reply.initRoot<schema::SyncMessage>().setHeartbeat();
        }
        Transmit(route, reply);
        return;
      }
      default:
        ++dropped_;
        return;
    }
  } catch (const kj::Exception&) {
    ++dropped_;
  }
}

void Hub::OnHello(const std::string& route, schema::Hello::Reader hello) {
  if (hello.getProtocolVersion() != schema::SYNC_PROTOCOL_VERSION ||
      hello.getSchemaVersion() != schema::SYNC_SCHEMA_VERSION) {
    Refuse(route, "this hub speaks sync protocol " +
                      std::to_string(schema::SYNC_PROTOCOL_VERSION) + " with schema " +
                      std::to_string(schema::SYNC_SCHEMA_VERSION) + ", the node " +
                      std::to_string(hello.getProtocolVersion()) + " with schema " +
                      std::to_string(hello.getSchemaVersion()) + "; upgrade the older side",
           true);
    return;
  }
  auto have = replica_.Have();
  auto log_seq = replica_.LogSeq();
  auto oldest = replica_.OldestSeq();
  if (!have.ok() || !log_seq.ok() || !oldest.ok()) return;  // the node will say hello again
  Id node = IdFromWire(hello.getNode());
  // A node that reconnected has a new route: forget the old one.
  for (auto it = peers_.begin(); it != peers_.end();) {
    it = it->first != route && it->second.node == node ? peers_.erase(it) : std::next(it);
  }
  Peer& peer = peers_[route];
  peer.node = node;
  peer.last_contact_ms = clock_.NowMillis();
  peer.welcomed = true;

  capnp::MallocMessageBuilder message(kControlMessageWords);
  auto welcome = message.initRoot<schema::SyncMessage>().initWelcome();
  IdToWire(replica_.node_id(), welcome.initHub());
  IdToWire(replica_.instance_id(), welcome.initInstance());
  FillHave(welcome.initHave(static_cast<unsigned>(have->size())), *have);
  welcome.setLogSeq(*log_seq);
  welcome.setOldestSeq(*oldest);
  Transmit(route, message);
}

void Hub::OnPush(const std::string& route, Peer& peer, DecodedMessage message) {
  const size_t bytes = message.bytes();
  PendingPush pending{route, peer.node, 0, std::move(message), bytes, {}, {}};
  auto push = pending.message.Root<schema::SyncMessage>().getPush();
  pending.batch = push.getBatch();
  for (auto change : push.getChanges()) {
    Id origin = change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{};
    if (may_relay_(peer.node, origin)) {
      pending.admitted.push_back(change);
    } else {
      pending.refused.push_back({origin, change.getOriginSeq(),
                                 "origin " + origin.ToString() + " is not the sending node or below it"});
    }
  }
  pending_.push_back(std::move(pending));
}

void Hub::Flush() {
  if (pending_.empty()) return;
  std::vector<PendingPush> pushes = std::move(pending_);
  pending_.clear();
  // Whole pushes, from any peer, in the order they came, in transactions of
  // at most max_changes_per_apply changes: one flush to disk serves every
  // office heard from since the last.
  std::vector<std::vector<const PendingPush*>> groups;
  size_t in_group = 0;
  size_t group_bytes = 0;
  for (const PendingPush& push : pushes) {
    if (groups.empty() ||
        (!groups.back().empty() &&
         (in_group + push.admitted.size() > options_.max_changes_per_apply ||
          group_bytes + push.bytes > options_.max_bytes_per_apply))) {
      groups.emplace_back();
      in_group = 0;
      group_bytes = 0;
    }
    groups.back().push_back(&push);
    in_group += push.admitted.size();
    group_bytes += push.bytes;
  }
  bool grew = false;
  for (const auto& group : groups) {
    if (ApplyPushes(group, grew) || group.size() == 1) continue;
    // Too much for one transaction (or the store is full): one push at a time.
    for (const PendingPush* push : group) ApplyPushes({push}, grew);
  }
  if (grew) LogGrew();
}

void Hub::OnPull(const std::string& route, Peer& peer, schema::Pull::Reader pull) {
  size_t max = std::min<size_t>(std::max<uint32_t>(pull.getMax(), 1), options_.pull_max);
  peer.applied_through = pull.getAfter();
  peer.in_snapshot = false;
  auto oldest = replica_.OldestSeq();
  if (!oldest.ok()) return;
  if (pull.getAfter() + 1 < *oldest) {
    // What the peer needs next is gone: it takes a snapshot instead.
    auto log_seq = replica_.LogSeq();
    if (!log_seq.ok()) return;
    capnp::MallocMessageBuilder message(kControlMessageWords);
    auto entries = message.initRoot<schema::SyncMessage>().initEntries();
    entries.setOldestSeq(*oldest);
    entries.setThrough(pull.getAfter());
    entries.setLogSeq(*log_seq);
    Transmit(route, message);
    return;
  }
  auto slice = replica_.ReadLogFor(peer.node, pull.getAfter(), max, Replica::Toward::kDownstream);
  if (!slice.ok()) {
    Unanswered(peer, "a pull", slice.status());
    return;
  }
  peer.pulled_through = std::max(peer.pulled_through, slice->through);
  // One segment, sized to fit: pointers within it are cheaper to follow.
  size_t words = 64;
  for (const LogSlice::Entry& entry : slice->entries) {
    words += entry.change.Root<schema::Change>().totalSize().wordCount + 1;
  }
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  auto entries = message.initRoot<schema::SyncMessage>().initEntries();
  entries.setOldestSeq(*oldest);
  auto changes = entries.initChanges(static_cast<unsigned>(slice->entries.size()));
  for (unsigned i = 0; i < slice->entries.size(); ++i) {
    changes.setWithCaveats(i, slice->entries[i].change.Root<schema::Change>());
  }
  entries.setThrough(slice->through);
  entries.setLogSeq(slice->log_seq);
  Transmit(route, message);
}

bool Hub::ApplyPushes(const std::vector<const PendingPush*>& pushes, bool& grew) {
  std::vector<schema::Change::Reader> changes;
  std::vector<Id> sources;
  for (const PendingPush* push : pushes) {
    changes.insert(changes.end(), push->admitted.begin(), push->admitted.end());
    sources.insert(sources.end(), push->admitted.size(), push->node);
  }
  auto report = replica_.Apply(changes, sources, {}, Replica::Order::kContiguous, admit_);
  if (!report.ok()) return false;  // nothing stored: no ack, the node resends
  grew = grew || report->applied > 0;
  for (const PendingPush* pending : pushes) {
    const PendingPush& push = *pending;
    auto peer = peers_.find(push.route);
    // What the hub holds now of the origins this push carried.
    VersionVector have;
    for (const auto& change : push.admitted) {
      Id origin = change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{};
      auto held = report->have.find(origin);
      if (held != report->have.end()) have.emplace(origin, held->second);
    }
    capnp::MallocMessageBuilder message(kControlMessageWords);
    auto ack = message.initRoot<schema::SyncMessage>().initPushAck();
    ack.setBatch(push.batch);
    FillHave(ack.initHave(static_cast<unsigned>(have.size())), have);
    // The rejections of this batch's changes, and the changes refused before applying.
    std::vector<Rejected> rejected;
    for (const Rejected& r : report->rejected) {
      for (const auto& change : push.admitted) {
        Id origin = change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{};
        if (change.getOriginSeq() == r.origin_seq && origin == r.origin) {
          rejected.push_back(r);
          break;
        }
      }
    }
    rejected.insert(rejected.end(), push.refused.begin(), push.refused.end());
    auto out = ack.initRejected(static_cast<unsigned>(rejected.size()));
    for (unsigned i = 0; i < rejected.size(); ++i) {
      IdToWire(rejected[i].origin, out[i].initOrigin());
      out[i].setOriginSeq(rejected[i].origin_seq);
      out[i].setReason(rejected[i].reason);
    }
    if (peer != peers_.end()) peer->second.rejected += rejected.size();
    Transmit(push.route, message);
  }
  return true;
}

void Hub::OnSnapshotRequest(const std::string& route, Peer& peer,
                            schema::SnapshotRequest::Reader request) {
  size_t max = std::min<size_t>(std::max<uint32_t>(request.getMax(), 1), options_.snapshot_page_max);
  std::string after(reinterpret_cast<const char*>(request.getAfter().begin()),
                    request.getAfter().size());
  auto slice = replica_.ReadSnapshot(after, max);
  if (!slice.ok()) {
    Unanswered(peer, "a snapshot page", slice.status());
    return;  // the peer asks again
  }
  peer.in_snapshot = !slice->done;
  capnp::MallocMessageBuilder message(kControlMessageWords);
  auto page = message.initRoot<schema::SyncMessage>().initSnapshotPage();
  page.setAfter(request.getAfter());
  auto records = page.initRecords(static_cast<unsigned>(slice->records.size()));
  for (unsigned i = 0; i < slice->records.size(); ++i) {
    records.setWithCaveats(i, slice->records[i].Root<schema::StoredRecord>());
  }
  page.setLast(kj::arrayPtr(reinterpret_cast<const kj::byte*>(slice->last_key.data()),
                            slice->last_key.size()));
  page.setDone(slice->done);
  page.setLogSeq(slice->log_seq);
  FillHave(page.initHave(static_cast<unsigned>(slice->have.size())), slice->have);
  Transmit(route, message);
}

void Hub::OnFetchRecords(const std::string& route, Peer& peer, schema::FetchRecords::Reader request) {
  std::vector<std::string> keys;
  for (auto key : request.getKeys()) keys.emplace_back(reinterpret_cast<const char*>(key.begin()), key.size());
  auto fetched = replica_.ReadRecordsByKey(keys);
  if (!fetched.ok()) {
    Unanswered(peer, "a request for damaged records", fetched.status());
    return;  // the peer asks again
  }
  size_t words = 64;
  for (const DecodedMessage& record : fetched->records) {
    words += record.Root<schema::StoredRecord>().totalSize().wordCount + 1;
  }
  capnp::MallocMessageBuilder message(static_cast<unsigned>(words));
  auto answer = message.initRoot<schema::SyncMessage>().initFetchedRecords();
  auto records = answer.initRecords(static_cast<unsigned>(fetched->records.size()));
  for (unsigned i = 0; i < fetched->records.size(); ++i) {
    records.setWithCaveats(i, fetched->records[i].Root<schema::StoredRecord>());
  }
  auto missing = answer.initMissing(static_cast<unsigned>(fetched->missing.size()));
  for (unsigned i = 0; i < fetched->missing.size(); ++i) {
    const std::string& key = fetched->missing[i];
    missing.set(i, kj::arrayPtr(reinterpret_cast<const kj::byte*>(key.data()), key.size()));
  }
  Transmit(route, message);
}

void Hub::Unanswered(const Peer& peer, const char* what, const Status& status) {
  problem_ = std::string("cannot answer ") + what + " of node " + peer.node.ToString() + ": " +
             status.ToString();
}

uint64_t Hub::NeededFrom(int64_t remember_ms) const {
  const int64_t now = clock_.NowMillis();
  uint64_t needed = 0;
  bool any = false;
  for (const auto& [route, peer] : peers_) {
    if (!peer.welcomed || now - peer.last_contact_ms > remember_ms) continue;
    uint64_t from = peer.applied_through + 1;
    needed = any ? std::min(needed, from) : from;
    any = true;
  }
  return any ? needed : 0;
}

void Hub::LogGrew() {
  auto log_seq = replica_.LogSeq();
  if (!log_seq.ok() || *log_seq <= announced_seq_) return;
  announced_seq_ = *log_seq;
  capnp::MallocMessageBuilder message(kControlMessageWords);
  message.initRoot<schema::SyncMessage>().initNotify().setLogSeq(*log_seq);
  std::string bytes = EncodeMessage(message);
  for (const auto& [route, peer] : peers_) {
    if (peer.welcomed) send_(route, bytes);
  }
}

std::vector<PeerStatus> Hub::Peers() const {
  std::vector<PeerStatus> out;
  auto have = replica_.Have();
  for (const auto& [route, peer] : peers_) {
    PeerStatus s;
    s.node = peer.node;
    s.route = route;
    s.last_contact_ms = peer.last_contact_ms;
    s.pulled_through = peer.pulled_through;
    s.applied_through = peer.applied_through;
    s.in_snapshot = peer.in_snapshot;
    s.reported = peer.reported;
    s.unsent = peer.unsent;
    s.oldest_unsent_ms = peer.oldest_unsent_ms;
    if (have.ok() && have->count(peer.node)) s.held_from_peer = have->at(peer.node);
    s.rejected = peer.rejected;
    s.online = clock_.NowMillis() - peer.last_contact_ms < options_.peer_silent_ms;
    s.below = peer.below;
    out.push_back(s);
  }
  return out;
}

}  // namespace crm
