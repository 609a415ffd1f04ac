#include "node/store/replica.h"

#include <capnp/any.h>
#include <kj/exception.h>

#include <atomic>
#include <future>
#include <optional>

#include "node/common/crypto.h"
#include "node/store/admission.h"
#include "node/store/offices.h"
#include "sync/base/wire.h"

namespace crm {

namespace {

// True if every stamp of `stored` names a node `writer` accepts.
template <typename Writer>
bool WrittenOnlyBy(schema::StoredRecord::Reader stored, const Writer& writer) {
  auto by = [&](schema::Stamp::Reader stamp) {
    Stamp s = StampFromWire(stamp);
    return s.IsZero() || writer(s.node);
  };
  if (!by(stored.getCreated()) || !by(stored.getUpdated()) || !by(stored.getDeleted()) ||
      !by(stored.getErased())) {
    return false;
  }
  for (auto field : stored.getFieldStamps()) {
    if (!by(field.getStamp())) return false;
  }
  for (auto element : stored.getElements()) {
    if (!by(element.getStamp())) return false;
  }
  return true;
}

// What goes down the tree of HQ-kind data (products, campaigns, users,
// offices, till limits) is headquarters' alone: an office's own such records (a regional
// hub is an office too) stay where they were made, as no hub takes them
// from below either.
class OfficeRecords {
 public:
  explicit OfficeRecords(const StoreView& view) : view_(view) {}

  // True if `change` is an office's own HQ-kind change.
  Result<bool> Change(schema::Change::Reader change) {
    if (!IsHeadquartersKind(change.getEntity())) return false;
    CRM_RETURN_IF_ERROR(Load());
    return offices_->count(IdFromWire(change.getOrigin())) > 0;
  }
  // True if `stored` is an HQ-kind record that offices alone wrote.
  Result<bool> Record(schema::StoredRecord::Reader stored) {
    if (!IsHeadquartersKind(stored.getEntity())) return false;
    CRM_RETURN_IF_ERROR(Load());
    return WrittenOnlyBy(stored, [&](const Id& node) { return offices_->count(node) > 0; });
  }

 private:
  Status Load() {
    if (offices_) return Status::Ok();
    CRM_ASSIGN_OR_RETURN(auto codes, OfficeCodesByNode(view_));
    offices_ = std::move(codes);
    return Status::Ok();
  }

  const StoreView& view_;
  std::optional<std::map<Id, std::string>> offices_;
};

}  // namespace

StoreReplica::StoreReplica(Store& store, Writer& writer, HybridClock& hlc)
    : store_(store), writer_(writer), hlc_(hlc) {}

Result<VersionVector> StoreReplica::Have() {
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  return view.VersionVector();
}

Result<uint64_t> StoreReplica::LogSeq() {
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  return view.LastSeq();
}

Result<ApplyReport> StoreReplica::Apply(const std::vector<schema::Change::Reader>& changes,
                                        const std::vector<Id>& sources,
                                        const std::map<std::string, uint64_t>& cursors,
                                        Order order, const Admit& admit) {
  // This thread prepares the changes (checks, log entries, new records) while
  // the writer applies those prepared before: change i waits until `ready`
  // passes it. Preparing never waits on the writer, so the two cannot block
  // each other.
  if (sources.size() != 1 && sources.size() != changes.size()) {
    return Status::InvalidArgument("sources", "one source, or one per change");
  }
  std::vector<PreparedChange> prepared(changes.size());
  std::atomic<size_t> ready{0};
  auto wait_for = [&ready](size_t i) {
    for (size_t now = ready.load(std::memory_order_acquire); now <= i;
         now = ready.load(std::memory_order_acquire)) {
      ready.wait(now, std::memory_order_acquire);
    }
  };
  ApplyReport report;
  std::future<Status> done = writer_.Submit([&](StoreTxn& txn) -> Status {
    report = ApplyReport{};  // the writer may run this again after growing the map
    VersionVector held;      // per origin named: the highest seq held, as the batch goes
    VersionVector stored;    // the same as the store had it before the batch
    std::optional<Stamp> newest;
    for (size_t i = 0; i < changes.size(); ++i) {
      const schema::Change::Reader& change = changes[i];
      Id origin = change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{};
      uint64_t seq = change.getOriginSeq();
      if (origin.IsNull() || seq == 0) {
        report.rejected.push_back({origin, seq, "a change needs its origin and origin seq"});
        continue;
      }
      auto known = held.find(origin);
      if (known == held.end()) {
        CRM_ASSIGN_OR_RETURN(uint64_t have, txn.OriginSeqOf(origin));
        known = held.emplace(origin, have).first;
        stored.emplace(origin, have);
      }
      if (seq <= known->second) {
        ++report.duplicates;
        continue;
      }
      // A pulled change may skip origin seqs the hub quarantined: the vv then
      // jumps to it, as the hub's log order is the authority on that path.
      if (seq > known->second + 1 && order == Order::kContiguous) {
        ++report.gaps;
        continue;
      }
      const Id& source = sources.size() == 1 ? sources[0] : sources[i];
      if (admit) {
        if (Status admitted = admit(change); !admitted.ok()) {
          CRM_RETURN_IF_ERROR(txn.Quarantine(change, admitted.message()));
          CRM_RETURN_IF_ERROR(txn.LogHeldBack(change, source).status());
          report.rejected.push_back({origin, seq, admitted.message()});
          known->second = seq;
          continue;
        }
      }
      Stamp stamp = change.hasStamp() ? StampFromWire(change.getStamp()) : Stamp{};
      bool clock_ok = hlc_.Observe(stamp).ok();
      if (!clock_ok) ++report.clock_skews;
      wait_for(i);
      auto applied = txn.Apply(prepared[i]);
      if (!applied.ok()) {
        StatusCode code = applied.status().code();
        if (code == StatusCode::kResourceExhausted || code == StatusCode::kIOError ||
            code == StatusCode::kUnavailable || code == StatusCode::kInternal) {
          return applied.status();  // the store cannot take it now: nothing of the batch is kept
        }
        // The change itself is bad: keep it aside, report it, and go on.
        CRM_RETURN_IF_ERROR(txn.Quarantine(change, applied.status().ToString()));
        CRM_RETURN_IF_ERROR(txn.LogHeldBack(change, source).status());
        report.rejected.push_back({origin, seq, applied.status().ToString()});
      } else if (!applied->duplicate) {
        // The source is kept only when it is not the origin itself (a relay):
        // a pull skips what the puller made or delivered, and for a change
        // its origin delivered those are the same.
        if (source != origin) CRM_RETURN_IF_ERROR(txn.SetSource(applied->seq, source));
        if (after_apply_) CRM_RETURN_IF_ERROR(after_apply_(txn, change));
        if (clock_ok && (!newest || *newest < stamp)) newest = stamp;
        ++report.applied;
      } else {
        ++report.duplicates;
      }
      known->second = seq;
    }
    // The version vector and the HLC high-water mark move once per batch, in
    // the same transaction as the changes.
    for (const auto& [origin, seq] : held) {
      if (seq != stored[origin]) CRM_RETURN_IF_ERROR(txn.SetOriginSeq(origin, seq));
    }
    if (newest) CRM_RETURN_IF_ERROR(txn.RaiseHlcHighWater(*newest));
    // What is held now for every origin the batch named, duplicates and gaps
    // included: the sender learns where to resume even if an earlier
    // acknowledgement was lost.
    for (const auto& [origin, seq] : held) report.have[origin] = seq;
    for (const auto& [name, value] : cursors) CRM_RETURN_IF_ERROR(txn.SetCursor(name, value));
    return Status::Ok();
  });
  try {
    for (size_t i = 0; i < changes.size(); ++i) {
      prepared[i] = store_.Prepare(changes[i], Store::Fresh::kPrepare);
      ready.store(i + 1, std::memory_order_release);
      ready.notify_one();
    }
  } catch (...) {
    // What is left stays unprepared, which fails the batch; the writer must
    // be done with `prepared` before it goes.
    ready.store(changes.size(), std::memory_order_release);
    ready.notify_one();
    done.wait();
    throw;
  }
  Status status = done.get();
  if (!status.ok()) return status;
  return report;
}

Result<LogSlice> StoreReplica::ReadLogFor(const Id& peer, uint64_t after, size_t max,
                                          Toward toward) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  LogSlice slice;
  CRM_ASSIGN_OR_RETURN(slice.log_seq, view.LastSeq());
  slice.through = after;
  bool cut = false;
  CRM_ASSIGN_OR_RETURN(std::vector<LogEntry> entries,
                       view.ReadLog(after + 1, max, kSliceBytes, &cut));
  // Fewer than asked for, and not for their bytes: the rest of the log was
  // examined (seqs without an entry included).
  const bool partial = entries.size() >= max || cut;
  if (!partial) slice.through = std::max(after, slice.log_seq);
  OfficeRecords office_records(view);
  for (LogEntry& entry : entries) {
    if (partial) slice.through = entry.seq;
    auto change = entry.change();
    Id origin = IdFromWire(change.getOrigin());
    if (origin == peer || entry.source == peer) continue;
    if (toward == Toward::kDownstream) {
      if (entry.held_back) continue;
      CRM_ASSIGN_OR_RETURN(bool offices_own, office_records.Change(change));
      if (offices_own) continue;
    }
    uint64_t origin_seq = change.getOriginSeq();
    slice.entries.push_back(LogSlice::Entry{entry.seq, origin, origin_seq, std::move(entry.message)});
  }
  return slice;
}

Result<uint64_t> StoreReplica::OldestSeq() {
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  return view.LogFloor();
}

Result<SnapshotSlice> StoreReplica::ReadSnapshot(const std::string& after, size_t max) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  SnapshotSlice slice;
  CRM_ASSIGN_OR_RETURN(slice.log_seq, view.LastSeq());
  CRM_ASSIGN_OR_RETURN(slice.have, view.VersionVector());
  bool cut = false;
  CRM_ASSIGN_OR_RETURN(auto records, view.ReadRecords(after, max, kSliceBytes, &cut));
  slice.done = records.size() < max && !cut;
  slice.last_key = records.empty() ? after : records.back().first;
  OfficeRecords office_records(view);
  for (auto& [key, record] : records) {
    CRM_ASSIGN_OR_RETURN(bool offices_own, office_records.Record(record.Root<schema::StoredRecord>()));
    if (!offices_own) slice.records.push_back(std::move(record));
  }
  return slice;
}

Status StoreReplica::InstallSnapshot(const std::vector<schema::StoredRecord::Reader>& records,
                                     const SnapshotEnd* end) {
  return writer_.Run([&](StoreTxn& txn) -> Status {
    for (const schema::StoredRecord::Reader& record : records) {
      CRM_RETURN_IF_ERROR(txn.InstallRecord(record).status());
    }
    if (end == nullptr) return Status::Ok();
    for (const auto& [origin, seq] : end->have) {
      // Only this node knows its own history, unless it lost some of it.
      if (origin == store_.node_id() && !end->own_history) continue;
      CRM_ASSIGN_OR_RETURN(uint64_t held, txn.OriginSeqOf(origin));
      if (seq > held) CRM_RETURN_IF_ERROR(txn.SetOriginSeq(origin, seq));
    }
    for (const auto& [name, value] : end->cursors) CRM_RETURN_IF_ERROR(txn.SetCursor(name, value));
    // The state changed without log entries: a puller of this log that
    // pulled through its last seq lacks it, and one that takes a snapshot
    // from now on has it. A seq without an entry tells them apart.
    CRM_ASSIGN_OR_RETURN(uint64_t installed_at, txn.SkipLogSeq());
    return txn.SetLogFloor(installed_at + 1);
  });
}

Result<uint64_t> StoreReplica::PruneLog(uint64_t below) {
  constexpr size_t kMaxPrunedPerCall = 20000;  // keeps the writer responsive
  uint64_t removed = 0;
  Status status = writer_.Run([&](StoreTxn& txn) -> Status {
    CRM_ASSIGN_OR_RETURN(removed, txn.PruneLog(below, kMaxPrunedPerCall));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return removed;
}

Result<uint64_t> StoreReplica::Cursor(const std::string& name) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  return view.Cursor(name);
}

Result<Id> StoreReplica::CursorId(const std::string& name) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  return view.CursorId(name);
}

Status StoreReplica::SetCursor(const std::string& name, uint64_t value) {
  return writer_.Run([&](StoreTxn& txn) { return txn.SetCursor(name, value); });
}

Status StoreReplica::SetCursorId(const std::string& name, const Id& value) {
  return writer_.Run([&](StoreTxn& txn) { return txn.SetCursorId(name, value); });
}

Status StoreReplica::SetAwaitingOwnHistory(bool awaiting) {
  return writer_.Run([&](StoreTxn& txn) -> Status {
    CRM_ASSIGN_OR_RETURN(bool now, txn.AwaitingOwnHistory());
    return now == awaiting ? Status::Ok() : txn.SetAwaitingOwnHistory(awaiting);
  });
}

Result<std::vector<std::string>> StoreReplica::DamagedRecords() {
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  return view.DamagedRecordKeys();
}

Result<FetchedRecords> StoreReplica::ReadRecordsByKey(const std::vector<std::string>& keys) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store_.Read());
  OfficeRecords office_records(view);
  FetchedRecords fetched;
  size_t bytes = 0;
  for (const std::string& key : keys) {
    // The rest are neither sent nor missing: the node asks for them again.
    if (bytes >= kSliceBytes) break;
    if (key.size() != 17 || !IsKnownKind(static_cast<uint8_t>(key[0]))) {
      fetched.missing.push_back(key);
      continue;
    }
    auto record = view.Get(static_cast<EntityKind>(static_cast<uint8_t>(key[0])),
                           Id::FromBytes(reinterpret_cast<const uint8_t*>(key.data() + 1)));
    if (!record.ok()) {
      StatusCode code = record.status().code();
      if (code != StatusCode::kNotFound && code != StatusCode::kCorruption) return record.status();
      fetched.missing.push_back(key);  // a damaged one is noted here for this node's own uplink
      continue;
    }
    // As in a snapshot: an office's own HQ-kind records do not go down.
    CRM_ASSIGN_OR_RETURN(bool offices_own, office_records.Record(record->stored()));
    if (offices_own) {
      fetched.missing.push_back(key);
      continue;
    }
    bytes += record->stored().totalSize().wordCount * sizeof(capnp::word);
    fetched.records.push_back(std::move(record).value().TakeMessage());
  }
  return fetched;
}

Result<std::vector<std::string>> StoreReplica::RepairRecords(
    const std::vector<schema::StoredRecord::Reader>& records, const std::vector<std::string>& missing) {
  std::vector<std::string> unrepaired;
  Status status = writer_.Run([&](StoreTxn& txn) -> Status {
    std::vector<StoreTxn::Repair> repairs;
    try {
      for (const schema::StoredRecord::Reader& record : records) {
        auto id = IdFromWire(record.getId()).ToBytes();
        std::string key(1, static_cast<char>(record.getEntity()));
        key.append(reinterpret_cast<const char*>(id.data()), id.size());
        repairs.emplace_back(std::move(key), &record);
      }
    } catch (const kj::Exception& e) {
      return Status::InvalidArgument("records", std::string("malformed record: ") +
                                                    e.getDescription().cStr());
    }
    for (const std::string& key : missing) repairs.emplace_back(key, nullptr);
    CRM_ASSIGN_OR_RETURN(unrepaired, txn.RepairRecords(repairs));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return unrepaired;
}

Result<std::string> StateDigest(const Store& store) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  CRM_ASSIGN_OR_RETURN(auto offices, OfficeCodesByNode(view));
  const bool at_office = offices.count(store.node_id()) > 0;
  Sha256 hash;
  CRM_RETURN_IF_ERROR(view.ForEachRecord(
      [&](EntityKind kind, const Id& id, schema::StoredRecord::Reader stored) -> Status {
        // Erased file content is each node's guard against the bytes coming
        // back, not state: a node that never held them has none.
        if (kind == EntityKind::FILE_CONTENT && stored.hasErased()) return Status::Ok();
        if (at_office && IsHeadquartersKind(kind) &&
            WrittenOnlyBy(stored, [&](const Id& node) { return node == store.node_id(); })) {
          return Status::Ok();
        }
        auto key = id.ToBytes();
        char kind_byte = static_cast<char>(kind);
        hash.Update(std::string_view(&kind_byte, 1));
        hash.Update(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
        auto words = capnp::AnyStruct::Reader(stored).canonicalize();
        auto bytes = words.asBytes();
        std::string length = std::to_string(bytes.size()) + ":";
        hash.Update(length);
        hash.Update(std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
        return Status::Ok();
      }));
  return hash.HexDigest();
}

}  // namespace crm
