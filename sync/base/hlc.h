// Hybrid logical clock: stamps that follow the wall clock, never go backwards,
// and order causally related events across nodes (Kulkarni et al., 2014).
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "sync/base/clock.h"
#include "sync/base/id.h"
#include "sync/base/mutex.h"
#include "sync/base/status.h"

namespace crm {

// Totally ordered by (physical, logical, node).
struct Stamp {
  int64_t physical = 0;  // UTC milliseconds
  uint32_t logical = 0;
  Id node;

  auto operator<=>(const Stamp&) const = default;
  bool IsZero() const { return physical == 0 && logical == 0 && node.IsNull(); }
  std::string ToString() const;
};

class HybridClock {
 public:
  // `max_skew_ms` bounds how far ahead of the local wall clock a remote stamp
  // may be and still move this clock forward.
  HybridClock(Clock& wall, Id node, int64_t max_skew_ms);

  HybridClock(const HybridClock&) = delete;
  HybridClock& operator=(const HybridClock&) = delete;

  // A new stamp, greater than every stamp this clock issued or observed before.
  // Thread-safe.
  Stamp Now();

  // Takes in a stamp made elsewhere (a received change) so that later local
  // stamps order after it. If it lies more than max_skew_ms ahead of the local
  // wall clock, the clock does NOT move (a far-future peer must not drag every
  // office into its future) and the result is kConflict naming the skew; the
  // caller still accepts the change and reports the skew. Thread-safe.
  Status Observe(const Stamp& remote);

  // Moves the clock to at least `high_water` (the newest stamp persisted
  // before a restart), so a restarted node never issues an older stamp.
  void Restore(const Stamp& high_water);

  // The newest stamp issued or observed.
  Stamp Latest() const;

  const Id& node() const { return node_; }
  int64_t max_skew_ms() const { return max_skew_ms_; }

 private:
  Clock& wall_;
  const Id node_;
  const int64_t max_skew_ms_;
  mutable Mutex mutex_;
  int64_t physical_ GUARDED_BY(mutex_) = 0;
  uint32_t logical_ GUARDED_BY(mutex_) = 0;
};

}  // namespace crm
