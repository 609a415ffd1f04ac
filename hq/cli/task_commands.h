// crm-hq task add: a task headquarters gives an office, or a named user
// there (hq/actions/office_tasks.h). It works beside a running `crm-hq
// serve` on the same store: the hub sees its log grow and tells the offices
// at once, so the task is in the office's work queue within a second.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "sync/base/status.h"

namespace crm {

struct TaskAddFlags {
  std::string data_dir;
  std::string office;    // an enrolled office's code
  std::string assignee;  // a login of that office; empty: the office's queue
  std::string client;    // the client's id
  std::string title;
  std::string due;       // ISO 8601 with its zone: 2026-11-23T09:00Z, 2026-11-23T09:00+03:00
  bool json = false;
};

// Adds the task and prints its id. Returns the exit code: 0, 2 for bad
// arguments (the message names the option), 4 for an office, a user or a
// client that is not there, 1 if the store fails.
int AddTask(const TaskAddFlags& flags);

// "2026-11-23T09:00Z", "2026-11-23T09:00:30+03:00" as UTC ms; kInvalidArgument
// (field "due") for anything else.
Result<int64_t> ParseIsoTime(const std::string& text);

class TaskCommands {
 public:
  // Adds `task add` to `app`.
  explicit TaskCommands(CLI::App& app);
  TaskCommands(const TaskCommands&) = delete;
  TaskCommands& operator=(const TaskCommands&) = delete;

  // Runs `task add` over the store in `data_dir` if the command line chose
  // it and returns its exit code; nullopt otherwise.
  std::optional<int> Run(const std::string& data_dir);

 private:
  TaskAddFlags add_flags_;
  CLI::App* add_ = nullptr;
};

}  // namespace crm
