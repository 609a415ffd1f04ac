// Tasks that headquarters makes for the offices (repurchase reminders,
// birthday greetings): open tasks that replicate like any record, so the
// office's front desk sees each on the client's card.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/store/writer.h"
#include "sync/base/hlc.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

struct OfficeTask {
  // Derived from what the task is about (DerivedId), so making it again on
  // a later run finds it made.
  Id id;
  Id client;
  std::string office;  // the office whose front desk does it
  std::string title;
  int64_t due_ms = 0;  // UTC ms
};

// Writes each task whose id the store does not hold yet, open and created at
// `now_ms`, a transaction per thousand. A task already there (whatever
// became of it since: done, cancelled, deleted) is left as it is. Returns how
// many were new.
Result<size_t> MakeOfficeTasks(Writer& writer, HybridClock& hlc,
                               const std::vector<OfficeTask>& tasks, int64_t now_ms);

}  // namespace crm
