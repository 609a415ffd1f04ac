// pos tasks: the work queue (the listTasks operation): the open tasks of the
// office and the caller's own, soonest due first; and its actions, pos task
// reassign and pos task snooze (pos task done is in activity.cc with task add).
#include <fmt/format.h>

#include <memory>

#include "pos-client/commands/common.h"
#include "pos-client/format.h"
#include "pos-client/pos.h"
#include "sync/base/wire.h"

namespace crm::pos {
namespace {

struct TasksOptions {
  bool mine = false;
  bool overdue = false;
  bool today = false;
  uint32_t limit = 0;
};

struct ReassignOptions {
  std::string task;
  std::string to;
};

struct SnoozeOptions {
  std::string task;
  std::string until;
  uint32_t days = 0;
};

// Who made the task: headquarters, or the user at a desk.
std::string Source(schema::TaskItem::Reader item) {
  if (item.getFromHeadquarters()) return "headquarters";
  return PersonName(item.getCreatedByLogin(), item.getCreatedByName());
}

}  // namespace

void Pos::AddWorkQueueCommand(CLI::App& app) {
  auto options = std::make_shared<TasksOptions>();
  auto* tasks = app.add_subcommand(
      "tasks", "the work queue: open tasks of this office (headquarters' among them) and yours");
  tasks->add_flag("--mine", options->mine, "only the tasks assigned to you");
  tasks->add_flag("--overdue", options->overdue, "only the tasks past their due time");
  tasks->add_flag("--today", options->today, "only the tasks due today (the office's date)");
  tasks->add_option("--limit", options->limit, "at most this many (default 200, at most 1000)");
  tasks->callback([this, options] {
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initListTasks();
          args.setMine(options->mine);
          args.setOverdue(options->overdue);
          args.setToday(options->today);
          args.setLimit(options->limit);
        },
        false);
    if (!reply) return;
    PrintOrJson(*reply, [&] {
      auto items = reply->Root<schema::Response>().getTasks();
      if (items.size() == 0) {
        Print("No open tasks\n");
        return;
      }
      std::vector<std::vector<std::string>> rows;
      for (auto item : items) {
        auto task = item.getTask();
        std::string due = task.getDue() ? FormatTime(task.getDue()) : "-";
        if (item.getOverdue()) due += " overdue";
        rows.push_back({due, Text(task.getTitle()), Text(item.getClient()),
                        item.getAssigneeLogin().size() ? PersonName(item.getAssigneeLogin(),
                                                                    item.getAssigneeName())
                                                       : "(unassigned)",
                        Source(item), Text(task.getOffice()), IdFromWire(item.getId()).ToString()});
      }
      Print(Table({"due", "task", "client", "assignee", "from", "office", "id"}, rows));
    });
  });
}

void Pos::AddTaskActionCommands(CLI::App& task) {
  auto reassign_options = std::make_shared<ReassignOptions>();
  auto* reassign = task.add_subcommand("reassign", "give a task to another user of this office");
  reassign->add_option("task", reassign_options->task, "task id")->required();
  reassign->add_option("--to", reassign_options->to, "the login of an active user of this office")
      ->required();
  reassign->callback([this, reassign_options] {
    auto id = ParseId(reassign_options->task, "task");
    if (!id) return;
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initReassignTask();
          IdToWire(*id, args.initTask());
          args.setTo(reassign_options->to);
        },
        true);
    if (reply && !settings_.json) Print(fmt::format("Task given to {}\n", reassign_options->to));
  });

  auto snooze_options = std::make_shared<SnoozeOptions>();
  auto* snooze = task.add_subcommand("snooze", "move a task's due time later");
  snooze->add_option("task", snooze_options->task, "task id")->required();
  auto* until = snooze->add_option(
      "--until", snooze_options->until,
      "YYYY-MM-DD (09:00) or YYYY-MM-DDTHH:MM, the office's time zone");
  auto* days = snooze->add_option("--days", snooze_options->days,
                                  "this many days after its due time (or now, if that has passed)");
  until->excludes(days);
  snooze->callback([this, snooze_options] {
    const SnoozeOptions& o = *snooze_options;
    auto id = ParseId(o.task, "task");
    if (!id) return;
    if (o.until.empty() && o.days == 0) {
      Fail(Status::InvalidArgument("--until", "give --until YYYY-MM-DD[THH:MM] or --days N"));
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initSnoozeTask();
          IdToWire(*id, args.initTask());
          args.setUntilLocal(o.until);
          args.setDays(o.days);
        },
        true);
    if (reply && !settings_.json) Print("Task snoozed\n");
  });
}

}  // namespace crm::pos
