// What the replication protocol needs from a node's store. The protocol state
// machines (Uplink, Hub) are written against this interface; node/ implements
// it over the LMDB store, so sync/ never depends on the storage engine.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "schema/change.capnp.h"
#include "sync/base/codec.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

using VersionVector = std::map<Id, uint64_t>;

// A change the receiver refused and quarantined; it counts as delivered.
struct Rejected {
  Id origin;
  uint64_t origin_seq = 0;
  std::string reason;
};

struct ApplyReport {
  VersionVector have;             // after the batch, for every origin it named
  std::vector<Rejected> rejected;
  size_t applied = 0;             // new changes now in the log
  size_t duplicates = 0;          // held already
  size_t gaps = 0;                // skipped: an earlier change of their origin is missing
  size_t clock_skews = 0;         // stamps beyond the skew bound (accepted, reported)
};

// A slice of the log.
struct LogSlice {
  struct Entry {
    uint64_t seq = 0;
    Id origin;
    uint64_t origin_seq = 0;
    DecodedMessage change;  // a schema::Change
  };
  std::vector<Entry> entries;
  uint64_t through = 0;  // the last seq examined (entries may have been skipped)
  uint64_t log_seq = 0;  // the newest seq of the log
};

// A page of a snapshot of a replica's records (see SnapshotPage in sync.capnp).
struct SnapshotSlice {
  std::vector<DecodedMessage> records;  // each a schema::StoredRecord
  std::string last_key;                 // resume after it
  bool done = false;
  uint64_t log_seq = 0;
  VersionVector have;
};

// Records read by their keys for a downstream node that holds them damaged.
struct FetchedRecords {
  std::vector<DecodedMessage> records;  // each a schema::StoredRecord
  std::vector<std::string> missing;     // keys of those this replica does not serve
};

// The end of an installed snapshot: what the upstream held when it began.
struct SnapshotEnd {
  VersionVector have;
  std::map<std::string, uint64_t> cursors;  // stored with it (the pull cursor)
  // Raise this node's own origin seq to what the upstream holds of it too:
  // the node lost some of its own history (restored from a backup), and the
  // snapshot brings it back.
  bool own_history = false;
};

class Replica {
 public:
  virtual ~Replica() = default;

  virtual Id node_id() const = 0;
  virtual Id instance_id() const = 0;

  // For every origin, the highest contiguous origin seq held.
  virtual Result<VersionVector> Have() = 0;
  virtual Result<uint64_t> LogSeq() = 0;

  // Decides whether a change may be applied here (HQ-owned data ...).
  using Admit = std::function<Status(schema::Change::Reader change)>;

  // How strictly each origin's changes must follow one another.
  enum class Order {
    // From the origin's side (a push): a change whose predecessor from the
    // same origin is missing is skipped as a gap, to be sent again.
    kContiguous,
    // From the upstream hub's log (a pull): the hub's log order is the
    // authority, and a change it quarantined never comes, so later ones of
    // the same origin are taken.
    kFollowUpstream,
  };

  // Applies changes, in order, in one durable transaction; `sources[i]` is
  // the peer that delivered `changes[i]` (one entry: it delivered them all).
  // A change held already is skipped; gaps are handled as `order` says; one
  // that `admit` (if set) or the merge refuses is quarantined and reported,
  // and counts as held so the rest go on; it is logged held back too, so it
  // still goes upstream (Toward::kUpstream) and no origin shows a gap there.
  // `cursors` are stored in the same transaction. Fails only when nothing
  // could be stored (disk full ...).
  virtual Result<ApplyReport> Apply(const std::vector<schema::Change::Reader>& changes,
                                    const std::vector<Id>& sources,
                                    const std::map<std::string, uint64_t>& cursors,
                                    Order order, const Admit& admit = {}) = 0;

  // The oldest log seq this replica can serve to a puller; a puller whose
  // cursor lies below it needs a snapshot.
  virtual Result<uint64_t> OldestSeq() = 0;

  // A page of at most `max` records after the record key `after` (from the
  // first if empty), read in one consistent view.
  virtual Result<SnapshotSlice> ReadSnapshot(const std::string& after, size_t max) = 0;

  // Merges records of an upstream snapshot into this replica, in one durable
  // transaction. With `end`: also raises this replica's version vector to
  // `end->have` (its own origin excepted unless end->own_history), stores `end->cursors`, and raises
  // its log floor past its log (its own pullers need a snapshot too now).
  // A malformed record fails the whole page (kInvalidArgument).
  virtual Status InstallSnapshot(const std::vector<schema::StoredRecord::Reader>& records,
                                 const SnapshotEnd* end) = 0;

  // Deletes log entries below `below` (a bounded number per call); returns
  // how many went.
  virtual Result<uint64_t> PruneLog(uint64_t below) = 0;

  // Which way log entries go.
  enum class Toward {
    // To the upstream hub: every entry, those refused here included (see
    // Apply): the upstream applies its own rules to them and, above all,
    // sees each origin's changes without a gap.
    kUpstream,
    // To downstream nodes: what this replica holds; a change refused here
    // never goes down.
    kDownstream,
  };

  // Log entries after `after`, examining at most `max`, without those that
  // `peer` made or delivered (it has them).
  virtual Result<LogSlice> ReadLogFor(const Id& peer, uint64_t after, size_t max,
                                      Toward toward) = 0;

  // Damaged records (docs/storage.md, "Checksums"). A replica that keeps
  // no checksums has none, and serves none.
  //
  // The keys (as in snapshots) of the records this replica holds damaged,
  // for the uplink to fetch back from the upstream.
  virtual Result<std::vector<std::string>> DamagedRecords() { return std::vector<std::string>(); }
  // The records under `keys`, read in one view, for a downstream node that
  // holds them damaged. Missing are the keys of records this replica does
  // not hold, holds damaged too, or does not serve downstream.
  virtual Result<FetchedRecords> ReadRecordsByKey(const std::vector<std::string>& keys) {
    FetchedRecords none;
    none.missing = keys;
    return none;
  }
  // Replaces damaged records with the upstream's copies (`records`), each
  // merged with its changes in this replica's log, and rebuilds from the log
  // alone those the upstream has no copy of (`missing`), in one durable
  // transaction. Returns the keys of the records that stay damaged.
  virtual Result<std::vector<std::string>> RepairRecords(
      const std::vector<schema::StoredRecord::Reader>& records,
      const std::vector<std::string>& missing) {
    (void)records;
    return missing;
  }

  // Marks (or clears) that this node lacks part of its own history, which
  // the upstream holds: while marked, the node makes no changes of its own,
  // so none reuses an origin seq the upstream already has.
  virtual Status SetAwaitingOwnHistory(bool awaiting) = 0;

  // Durable named cursors and the ids they belong to.
  virtual Result<uint64_t> Cursor(const std::string& name) = 0;
  virtual Result<Id> CursorId(const std::string& name) = 0;
  virtual Status SetCursor(const std::string& name, uint64_t value) = 0;
  virtual Status SetCursorId(const std::string& name, const Id& value) = 0;
};

}  // namespace crm
