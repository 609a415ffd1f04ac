// Who still needs which part of a node's log. A node's uplink needs the
// entries it has not pushed yet; its hub side needs what its downstream
// nodes have not pulled yet. Each says so; the log may go below the lowest
// of them, and never within the newest `keep_newest` entries (so a peer
// briefly away resumes from the log rather than from a snapshot).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sync/base/mutex.h"

namespace crm {

class LogRetention {
 public:
  // Every party named here must report before anything is pruned.
  LogRetention(std::vector<std::string> parties, uint64_t keep_newest)
      : keep_newest_(keep_newest) {
    for (std::string& party : parties) needed_from_[std::move(party)] = 0;
  }

  // `party` still needs the log from seq `needed_from` on (0: it cannot tell
  // yet, so nothing may go). Thread-safe.
  void Needs(const std::string& party, uint64_t needed_from) {
    MutexLock lock(&mutex_);
    needed_from_[party] = needed_from;
  }

  // The seq below which entries may be deleted, given the newest seq; 0 for
  // none. Thread-safe.
  uint64_t PrunableBelow(uint64_t log_seq) const {
    MutexLock lock(&mutex_);
    if (needed_from_.empty()) return 0;
    uint64_t below = UINT64_MAX;
    for (const auto& [party, from] : needed_from_) below = std::min(below, from);
    if (below == 0 || log_seq <= keep_newest_) return 0;
    return std::min(below, log_seq - keep_newest_ + 1);
  }

 private:
  const uint64_t keep_newest_;
  mutable Mutex mutex_;
  std::map<std::string, uint64_t> needed_from_ GUARDED_BY(mutex_);
};

}  // namespace crm
