// Repurchase reminders: clients who, by their own rhythm of buying, should
// have bought again by now. Each becomes an open task for the office of the
// client's last purchase, which replicates to that office's front desk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/hlc.h"

namespace crm {

struct Reminder {
  Id client;
  std::string card;      // the client's loyalty card
  std::string office;    // where the client last bought
  uint64_t receipts = 0;
  int64_t first_sale = 0;   // UTC ms
  int64_t last_sale = 0;
  int64_t interval_ms = 0;  // (last - first) / (receipts - 1), in whole ms
  int64_t due_ms = 0;       // last + interval
};

// Every client with at least two receipts before `as_of_ms` (0: the UTC
// midnight after the last sale; set to it) whose next purchase was due
// before then, at most `within_ms` before (0: however long ago), and who has
// not bought since; most recently due first (ties by client id).
Result<std::vector<Reminder>> RepurchaseReminders(const Store& store, int64_t& as_of_ms,
                                                  int64_t within_ms);

// Makes an open task per reminder ("usually buys every N days ..."), due at
// `now_ms`, for the reminder's office. A reminder made again for the same
// client and due day is not made twice. Returns how many were new.
Result<size_t> MakeReminderTasks(Writer& writer, HybridClock& hlc, const std::vector<Reminder>& reminders,
                                 int64_t now_ms);

}  // namespace crm
