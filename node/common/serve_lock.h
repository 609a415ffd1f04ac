// The lock a serving process holds on its store's directory: one crm-node or
// crm-hq serves a store at a time (tools that read it, and crm-admin, may
// still open it beside the server; LMDB keeps them consistent).
#pragma once

#include <filesystem>
#include <memory>
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
  ~ServeLock();
  ServeLock(const ServeLock&) = delete;
  ServeLock& operator=(const ServeLock&) = delete;

 private:
  explicit ServeLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace crm
