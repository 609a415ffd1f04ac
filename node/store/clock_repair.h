// The way out for a node whose clock was once set far ahead: its changes of
// that time carry stamps in the future, and its hybrid logical clock would
// stamp everything after them there too, winning over every later edit in
// the chain. The front desk refuses writes in that state (FrontDesk::
// CheckClock) and every hub refuses such stamps (node/store/admission.h); this
// brings the store back to the present. See docs/replication.md, "Clocks".
#pragma once

#include <cstdint>

#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/clock.h"
#include "sync/base/hlc.h"

namespace crm {

struct ClockRepair {
  int64_t limit_ms = 0;      // stamps later than this were in the future
  Stamp high_water_before;   // the newest stamp the store held
  Stamp high_water_after;
  uint64_t records = 0;      // records whose future stamps were brought back
  uint64_t changes = 0;      // changes logged to carry their values to the other nodes
};

// Finds every stamp more than `max_skew_ms` ahead of `wall` in the store's
// records, gives it a fresh stamp of now instead (the values stay), logs a
// change carrying each such value at that stamp (so the hub, which refused
// the future ones, takes them now), and lowers the HLC high-water mark.
// Nothing to do (records 0) for a store whose stamps are all in the present.
// REQUIRES: no process serves the store (crm-admin takes its serve lock).
Result<ClockRepair> RepairClock(Store& store, Writer& writer, Clock& wall, int64_t max_skew_ms);

}  // namespace crm
