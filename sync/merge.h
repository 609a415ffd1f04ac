// The merge rules of replication (DESIGN.md, "Conflict-resolving
// replication"): how a change combines with the stored state of its record.
// Pure functions over Cap'n Proto readers and builders; they never touch
// storage, so every replica applies exactly the same rules.
#pragma once

#include <string>
#include <vector>

#include "schema/change.capnp.h"
#include "sync/base/hlc.h"
#include "sync/base/status.h"

namespace crm {

// A concurrent value that per-field last-writer-wins overwrote (see
// schema::Conflict).
struct FieldConflict {
  uint16_t field = 0;
  Stamp lost;
  Stamp won;
  std::string message;  // the packed schema::Conflict
};

struct MergeOutcome {
  // False if the change was already contained in the stored state (applying
  // it again is a no-op).
  bool changed = false;
  // Values lost to a write that had not seen them, and had not been seen by
  // it, with different content. Which replica reports a conflict depends on
  // the order changes arrive in; the merged record does not.
  std::vector<FieldConflict> conflicts;
};

// Merges a patch change into `current` (null for a new record), writing the
// merged record into `out`:
// - each scalar field named in the patch is last-writer-wins by stamp;
// - List(Text) fields are last-writer-wins element sets and List(Attribute)
//   fields last-writer-wins maps, element by element.
// Merging is commutative, associative and idempotent. A field's stamp keeps
// the base (Patch.bases) of its winning write, so a later merge can tell
// whether a write had seen the value it meets.
// kInvalidArgument if the patch names a field its entity does not have, or
// uses a list field as a scalar (or the reverse).
// REQUIRES: change is a patch of a mutable entity kind.
Result<MergeOutcome> MergePatch(schema::Change::Reader change,
                                const schema::StoredRecord::Reader* current,
                                schema::StoredRecord::Builder out);

// Reads every field of the record a change carries that will be kept (the
// whole event; of a patch, the fields it names and its element operations),
// so that a field of the wrong type is refused here (kInvalidArgument) rather
// than stored, relayed, and found broken by every later reader.
// REQUIRES: the change's entity kind is known.
Status CheckRecordShape(schema::Change::Reader change);

// Merges any change of a mutable record: a patch (as MergePatch), a tombstone
// (the record is deleted until a later edit brings it back) or an erase (the
// record is scrubbed, and every write before or after it is ignored).
// Commutative, associative and idempotent like MergePatch.
Result<MergeOutcome> MergeChange(schema::Change::Reader change,
                                 const schema::StoredRecord::Reader* current,
                                 schema::StoredRecord::Builder out);

// Merges two stored states of one record (a snapshot from upstream into the
// local state): the state both histories of changes lead to together. Events
// keep the local content. Commutative (but for events with different content
// under one id), associative and idempotent; `changed` tells whether `out`
// differs from `local`. Conflicts are not reported on this path.
// kInvalidArgument if the two are not the same record.
Result<MergeOutcome> MergeStored(schema::StoredRecord::Reader local,
                                 schema::StoredRecord::Reader incoming,
                                 schema::StoredRecord::Builder out);

// Checks a stored record received from elsewhere (a snapshot) the way
// CheckRecordShape checks a change: known kind, id, and a value of the kind's
// type that reads without error.
Status CheckStoredShape(schema::StoredRecord::Reader stored);

// Stores a write-once event as a new record.
// REQUIRES: change is an event.
void StoreEvent(schema::Change::Reader change, schema::StoredRecord::Builder out);

// True if the stored event has exactly the content the change carries (the
// same event delivered again); false means two different events share an id.
bool SameEvent(schema::StoredRecord::Reader stored, schema::Change::Reader change);

}  // namespace crm
