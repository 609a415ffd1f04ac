// The lock a serving process holds on its store's directory: one crm-node or
// crm-hq serves a store at a time (tools that read it, and crm-admin, may
// still open it beside the server; LMDB keeps them consistent).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sync/base/status.h"

namespace crm {

class ServeLock {
 public:
  // Takes the lock on `dir` (the file serve.lock in it, created 0600) for
  // `program`, and records the process in it. kUnavailable naming the program
  // and process that serve the store already; kIOError if the file cannot be
  // made. Released when the ServeLock goes or the process ends, however.
  static Result<std::unique_ptr<ServeLock>> Take(const std::filesystem::path& dir,
                                                 std::string_view program);
  // Who serves the store in `dir` now ("crm-hq (process 123)"), or nullopt
  // if no process does. Never takes the lock, so a server starting at the
  // same moment is not held up: it reads the process the lock file names
  // and asks the kernel whether that process lives and holds a lock there.
  static std::optional<std::string> Server(const std::filesystem::path& dir);

  ~ServeLock();
  ServeLock(const ServeLock&) = delete;
  ServeLock& operator=(const ServeLock&) = delete;

 private:
  explicit ServeLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace crm
