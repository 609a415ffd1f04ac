// pos tasks: the work queue (the listTasks operation): the open tasks of the
// office and the caller's own, soonest due first.
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

}  // namespace

void Pos::AddWorkQueueCommand(CLI::App& app) {
  auto options = std::make_shared<TasksOptions>();
  auto* tasks = app.add_subcommand("tasks", "the work queue: open tasks of this office and yours");
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
        rows.push_back({task.getDue() ? FormatTime(task.getDue()) : "-", Text(task.getTitle()),
                        Text(item.getClient()), Text(item.getAssigneeLogin()), Text(task.getOffice()),
                        IdFromWire(item.getId()).ToString()});
      }
      Print(Table({"due", "task", "client", "assignee", "office", "id"}, rows));
    });
  });
}

}  // namespace crm::pos
