// The node's side of replication: the Replica interface of sync/ over the
// LMDB store and its group-commit writer, and the state digest that tells
// whether two replicas hold the same replicated state.
#pragma once

#include <functional>
#include <string>

#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/hlc.h"
#include "sync/replica.h"

namespace crm {

class StoreReplica final : public Replica {
 public:
  // What one slice of the log, snapshot page or answer to a fetch holds at
  // most (and one record or change more, which a file's content may make
  // larger), besides their counts: a message stays well inside the frame
  // and reader limits, and a 10 MiB file travels alone, not with thousands
  // of others in one transaction the till's writes wait behind.
  static constexpr size_t kSliceBytes = 4u << 20;

  // REQUIRES: store, writer and clock outlive this.
  StoreReplica(Store& store, Writer& writer, HybridClock& hlc);

  // A rule run in the transaction of each change received and applied (not
  // a duplicate): what no single change breaks but changes made apart can,
  // such as NoteOverRefund (node/frontdesk/frontdesk.h). An error fails the batch.
  // REQUIRES: set before the replica is used.
  using AfterApply = std::function<Status(StoreTxn&, schema::Change::Reader)>;
  void SetAfterApply(AfterApply rule) { after_apply_ = std::move(rule); }

  Id node_id() const override { return store_.node_id(); }
  Id instance_id() const override { return store_.instance_id(); }
  Result<VersionVector> Have() override;
  Result<uint64_t> LogSeq() override;
  Result<ApplyReport> Apply(const std::vector<schema::Change::Reader>& changes,
                            const std::vector<Id>& sources,
                            const std::map<std::string, uint64_t>& cursors, Order order,
                            const Admit& admit) override;
  Result<LogSlice> ReadLogFor(const Id& peer, uint64_t after, size_t max, Toward toward) override;
  Result<uint64_t> OldestSeq() override;
  Result<SnapshotSlice> ReadSnapshot(const std::string& after, size_t max) override;
  Status InstallSnapshot(const std::vector<schema::StoredRecord::Reader>& records,
                         const SnapshotEnd* end) override;
  Result<uint64_t> PruneLog(uint64_t below) override;
  Result<uint64_t> Cursor(const std::string& name) override;
  Result<Id> CursorId(const std::string& name) override;
  Status SetCursor(const std::string& name, uint64_t value) override;
  Status SetCursorId(const std::string& name, const Id& value) override;
  Status SetAwaitingOwnHistory(bool awaiting) override;
  Result<std::vector<std::string>> DamagedRecords() override;
  Result<FetchedRecords> ReadRecordsByKey(const std::vector<std::string>& keys) override;
  Result<std::vector<std::string>> RepairRecords(const std::vector<schema::StoredRecord::Reader>& records,
                                                 const std::vector<std::string>& missing) override;

 private:
  Store& store_;
  Writer& writer_;
  HybridClock& hlc_;
  AfterApply after_apply_;
};

// A digest of every replicated record (its merged value and the stamps that
// decide later merges), computed the same way on every node: equal digests
// mean equal replicated state. Left out are only the records that stay where
// they are by rule: at an enrolled office, a product, campaign, user or
// office record that the office alone wrote (every hub refuses those, see
// node/store/admission.h). Anything else an office holds of those kinds (what came
// from headquarters, or a hub's that an office edited) counts, so a hub that
// let such a change in, or an office holding an edit every hub refused,
// shows a different digest. 64 hex digits.
Result<std::string> StateDigest(const Store& store);

}  // namespace crm
