#include "hq/cli/task_commands.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>

#include "hq/cli/log_failure.h"
#include "hq/actions/office_tasks.h"
#include "hq/analytics/sales.h"
#include "node/common/local_time.h"
#include "node/store/runtime.h"

namespace crm {

Result<int64_t> ParseIsoTime(const std::string& text) {
  const Status bad = Status::InvalidArgument(
      "due", "'" + text + "' is no time: give it as 2026-11-23T09:00Z or 2026-11-23T09:00+03:00");
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &used) != 5) {
    return bad;
  }
  std::string rest = text.substr(static_cast<size_t>(used));
  if (rest.size() >= 3 && rest[0] == ':' && std::isdigit(static_cast<unsigned char>(rest[1])) &&
      std::isdigit(static_cast<unsigned char>(rest[2]))) {
    second = (rest[1] - '0') * 10 + (rest[2] - '0');
    rest = rest.substr(3);
  }
  int64_t offset_minutes = 0;
  if (rest == "Z" || rest == "z") {
    offset_minutes = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) != 2 || oh > 14 || om > 59) return bad;
    offset_minutes = (rest[0] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return bad;
  }
  if (hour > 23 || minute > 59 || second > 59) return bad;
  LocalDateTime local{LocalDate{year, month, day}, hour, minute, second};
  auto utc = LocalToUtc(local, "UTC");
  if (!utc.ok()) return bad;
  return *utc - offset_minutes * 60'000;
}

int AddTask(const TaskAddFlags& flags) {
  ManagerTask task;
  task.office = flags.office;
  for (char& c : task.office) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  task.assignee = flags.assignee;
  task.title = flags.title;
  auto client = Id::Parse(flags.client);
  if (!client.ok()) {
    return LogEditFailure(Status::InvalidArgument("client", "'" + flags.client + "' is no client id"));
  }
  task.client = *client;
  if (!flags.due.empty()) {
    auto due = ParseIsoTime(flags.due);
    if (!due.ok()) return LogEditFailure(due.status());
    task.due_ms = *due;
  }
  StoreRuntime hq;
  // Written beside a running hub (LMDB serializes the writers; the hub sees
  // its log grow and tells the offices at once).
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return LogEditFailure(opened);
  auto id = AddManagerTask(*hq.writer, *hq.hlc, task, hq.wall.NowMillis());
  if (!id.ok()) return LogEditFailure(id.status());
  if (flags.json) {
    nlohmann::json out = {{"task", id->ToString()},
                          {"office", task.office},
                          {"assignee", task.assignee.empty() ? nlohmann::json(nullptr)
                                                             : nlohmann::json(task.assignee)},
                          {"client", task.client.ToString()},
                          {"title", task.title},
                          {"due_ms", task.due_ms}};
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("task {} for {}{}\n", id->ToString(), task.office,
               task.assignee.empty() ? "" : " (" + task.assignee + ")");
  }
  return 0;
}

TaskCommands::TaskCommands(CLI::App& app) {
  CLI::App* task = app.add_subcommand("task", "tasks headquarters gives the offices");
  task->require_subcommand(1);
  add_ = task->add_subcommand(
      "add", "give an office (or a user there) a task; it is in their work queue within a second");
  add_->add_option("--office", add_flags_.office, "an enrolled office's code")->required();
  add_->add_option("--assignee", add_flags_.assignee,
                   "the login of an active user of that office (default: the office's queue)");
  add_->add_option("--client", add_flags_.client, "the client's id")->required();
  add_->add_option("--title", add_flags_.title, "what to do (1 to 200 bytes)")->required();
  add_->add_option("--due", add_flags_.due,
                   "when it is due, ISO 8601 with its zone: 2026-11-23T09:00Z");
  add_->add_flag("--json", add_flags_.json, "print JSON");
}

std::optional<int> TaskCommands::Run(const std::string& data_dir) {
  if (!*add_) return std::nullopt;
  add_flags_.data_dir = data_dir;
  return AddTask(add_flags_);
}

}  // namespace crm
