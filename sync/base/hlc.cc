#include "sync/base/hlc.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace crm {

std::string Stamp::ToString() const {
  return fmt::format("{}.{}@{}", physical, logical, node.ToString());
}

HybridClock::HybridClock(Clock& wall, Id node, int64_t max_skew_ms)
    : wall_(wall), node_(node), max_skew_ms_(max_skew_ms) {}

Stamp HybridClock::Now() {
  int64_t wall_ms = wall_.NowMillis();
  MutexLock lock(&mutex_);
  if (wall_ms > physical_) {
    physical_ = wall_ms;
    logical_ = 0;
  } else {
    if (logical_ == std::numeric_limits<uint32_t>::max()) {
      // 4 billion stamps in one millisecond: borrow the next millisecond.
      ++physical_;
      logical_ = 0;
    } else {
      ++logical_;
    }
  }
  return Stamp{physical_, logical_, node_};
}

Status HybridClock::Observe(const Stamp& remote) {
  int64_t wall_ms = wall_.NowMillis();
  // Compared without subtracting first: a hostile stamp may be near INT64_MIN.
  if (remote.physical > wall_ms && remote.physical - wall_ms > max_skew_ms_) {
    return Status::Conflict(fmt::format(
        "stamp {} from node {} is {} ms ahead of the local clock (bound {} ms)", remote.ToString(),
        remote.node.ToString(), remote.physical - wall_ms, max_skew_ms_));
  }
  MutexLock lock(&mutex_);
  int64_t physical = std::max({physical_, remote.physical, wall_ms});
  if (physical == physical_ && physical == remote.physical) {
    logical_ = std::max(logical_, remote.logical);
  } else if (physical == remote.physical) {
    logical_ = remote.logical;
  } else if (physical != physical_) {
    logical_ = 0;
  }
  physical_ = physical;
  return Status::Ok();
}

void HybridClock::Restore(const Stamp& high_water) {
  MutexLock lock(&mutex_);
  if (high_water.physical > physical_ ||
      (high_water.physical == physical_ && high_water.logical > logical_)) {
    physical_ = high_water.physical;
    logical_ = high_water.logical;
  }
}

Stamp HybridClock::Latest() const {
  MutexLock lock(&mutex_);
  return Stamp{physical_, logical_, node_};
}

}  // namespace crm
