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

// A task a manager at headquarters gives an office, or a named user there
// (`crm-hq task add`).
struct ManagerTask {
  std::string office;    // an enrolled office's code
  std::string assignee;  // the login of an active user of that office; empty: the office's
  Id client;
  std::string title;     // 1 to 200 bytes of text
  int64_t due_ms = 0;    // UTC ms; 0: no due time
};

// Writes `task`, open, as a new task of its office, and returns its id. The
// task has no createdBy: headquarters' commands act as no user of the
// directory (docs/frontdesk.md, "The work queue"). kInvalidArgument naming
// the field for a bad title; kNotFound for an office not enrolled, an
// unknown login at that office or an unknown client; kInvalidArgument
// (field "assignee") for a deactivated user.
Result<Id> AddManagerTask(Writer& writer, HybridClock& hlc, const ManagerTask& task, int64_t now_ms);

}  // namespace crm
