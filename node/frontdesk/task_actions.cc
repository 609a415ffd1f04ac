// The work queue's actions (docs/frontdesk.md, "The work queue"): complete,
// reassign and snooze a task. Each writes only the fields it changes (status
// and completedAt; assignee; due), and those merge last-writer-wins field by
// field, so a reassign at one office and a completion at another both hold
// wherever they meet.
#include <fmt/format.h>

#include <algorithm>

#include "node/common/local_time.h"
#include "node/frontdesk/internal.h"
#include "node/store/offices.h"

namespace crm::frontdesk {
namespace {

constexpr uint32_t kMostSnoozeDays = 365;
// A snooze reaches at most this far ahead: further is surely a typing slip.
constexpr int64_t kMostSnoozeAheadMs = int64_t{5} * 366 * 86'400'000;
// The hour a snooze to a date alone lands on, the office's time.
constexpr int kSnoozeHour = 9;

// The open task `id` the caller may work, or why not.
Result<Record> TaskToWork(const Context& ctx, const StoreView& view, const Id& id) {
  CRM_ASSIGN_OR_RETURN(Record record, Require(view, EntityKind::TASK, id, "task"));
  if (!IsLive(record.stored())) {
    return Status(StatusCode::kNotFound, "task " + id.ToString() + " was deleted", "task");
  }
  auto task = record.value<schema::Task>();
  if (task.getStatus() != schema::TaskStatus::OPEN) {
    return Status(StatusCode::kConflict,
                  task.getStatus() == schema::TaskStatus::DONE ? "the task is done already"
                                                               : "the task was cancelled",
                  "task");
  }
  if (!MayWorkTask(ctx, task)) {
    const std::string whose =
        Str(task.getOffice()) != ctx.office.code
            ? "a task of office " + Str(task.getOffice()) + " assigned to someone else"
            : "a task assigned to someone else";
    return Status(StatusCode::kPermissionDenied,
                  fmt::format("{} works only their own and unassigned tasks; this is {}: ask an "
                              "office manager, or the assignee",
                              RoleName(ctx.user.role), whose),
                  "task");
  }
  return record;
}

}  // namespace

bool MayWorkTask(const Context& ctx, schema::Task::Reader task) {
  const bool assigned = task.hasAssignee() && !IdFromWire(task.getAssignee()).IsNull();
  if (assigned && IdFromWire(task.getAssignee()) == ctx.user.user) return true;
  if (Str(task.getOffice()) != ctx.office.code) return false;
  return !assigned || RoleAllows(ctx.user.role, schema::Role::OFFICE_MANAGER);
}

Status CompleteTask(Context& ctx, StoreTxn& txn, const Id& task_id,
                    schema::Response::Builder response) {
  CRM_RETURN_IF_ERROR(TaskToWork(ctx, txn, task_id).status());
  ChangeMessage change = NewPatch(ctx, EntityKind::TASK, task_id);
  auto task = change.record<schema::Task>();
  task.setStatus(schema::TaskStatus::DONE);
  task.setCompletedAt(ctx.wall.NowMillis());
  CRM_RETURN_IF_ERROR(change.Set("status"));
  CRM_RETURN_IF_ERROR(change.Set("completedAt"));
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(task_id, response.initSaved());
  return Status::Ok();
}

Status ReassignTask(Context& ctx, StoreTxn& txn, schema::ReassignTask::Reader args,
                    schema::Response::Builder response) {
  const Id task_id = args.hasTask() ? IdFromWire(args.getTask()) : Id{};
  if (task_id.IsNull()) return Status::InvalidArgument("task", "name the task to reassign");
  if (args.getTo().size() == 0) return Status::InvalidArgument("to", "name the user to give it to");
  CRM_ASSIGN_OR_RETURN(DeskLogin name, ParseDeskLogin(Str(args.getTo()), ctx.office.code, "to"));
  if (name.office != ctx.office.code) {
    return Status::InvalidArgument(
        "to", fmt::format("'{}' names a user of {}: a task is given to a user of this office, {}",
                          name.canonical,
                          name.office == kHeadquartersOffice ? std::string("headquarters")
                                                             : "office " + name.office,
                          ctx.office.code));
  }
  CRM_ASSIGN_OR_RETURN(Id assignee, FindUser(txn, name, "to"));
  CRM_ASSIGN_OR_RETURN(Record user, Require(txn, EntityKind::USER, assignee, "to"));
  if (!IsLive(user.stored()) || !user.value<schema::User>().getActive()) {
    return Status::InvalidArgument("to", "user '" + name.canonical + "' is deactivated");
  }
  CRM_ASSIGN_OR_RETURN(Record record, TaskToWork(ctx, txn, task_id));
  auto current = record.value<schema::Task>();
  if (current.hasAssignee() && IdFromWire(current.getAssignee()) == assignee) {
    IdToWire(task_id, response.initSaved());  // already theirs: nothing to write
    return Status::Ok();
  }
  ChangeMessage change = NewPatch(ctx, EntityKind::TASK, task_id);
  IdToWire(assignee, change.record<schema::Task>().initAssignee());
  CRM_RETURN_IF_ERROR(change.Set("assignee"));
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(task_id, response.initSaved());
  return Status::Ok();
}

Status SnoozeTask(Context& ctx, StoreTxn& txn, schema::SnoozeTask::Reader args,
                  schema::Response::Builder response) {
  const Id task_id = args.hasTask() ? IdFromWire(args.getTask()) : Id{};
  if (task_id.IsNull()) return Status::InvalidArgument("task", "name the task to snooze");
  const bool by_date = args.getUntilLocal().size() > 0;
  if (by_date == (args.getDays() > 0)) {
    return Status::InvalidArgument("until", "give either a time to snooze until or a number of days");
  }
  if (args.getDays() > kMostSnoozeDays) {
    return Status::InvalidArgument("days", fmt::format("is 1 to {}", kMostSnoozeDays));
  }
  CRM_ASSIGN_OR_RETURN(Record record, TaskToWork(ctx, txn, task_id));
  const int64_t now = ctx.wall.NowMillis();
  int64_t due = 0;
  if (by_date) {
    CRM_ASSIGN_OR_RETURN(due, ParseLocalDateTime(Str(args.getUntilLocal()), ctx.office.time_zone,
                                                 kSnoozeHour, "until"));
    if (due <= now) {
      return Status::InvalidArgument(
          "until", fmt::format("{} ({}) has passed already: snooze to a later time",
                               Str(args.getUntilLocal()), ctx.office.time_zone));
    }
    if (due - now > kMostSnoozeAheadMs) {
      return Status::InvalidArgument("until", "is more than five years ahead");
    }
  } else {
    const int64_t current = record.value<schema::Task>().getDue();
    due = AddLocalDays(std::max(current, now), static_cast<int>(args.getDays()), ctx.office.time_zone);
  }
  ChangeMessage change = NewPatch(ctx, EntityKind::TASK, task_id);
  change.record<schema::Task>().setDue(due);
  CRM_RETURN_IF_ERROR(change.Set("due"));
  CRM_RETURN_IF_ERROR(ApplyChange(txn, change));
  IdToWire(task_id, response.initSaved());
  return Status::Ok();
}

}  // namespace crm::frontdesk
