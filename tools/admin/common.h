// What the crm-admin commands share: how a failure is reported, and opening
// the store a command works on.
#pragma once

#include <fmt/format.h>

#include <string>

#include "node/store/runtime.h"
#include "sync/base/status.h"

namespace crm::admin {

// Prints `status` as crm-admin's error (stderr); returns the exit code: 2 for
// an invalid argument, else 1.
inline int Fail(const Status& status) {
  fmt::print(stderr, "crm-admin: {}\n", status.ToString());
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

// Opens the store in `dir` into `opened`; with `must_exist`, a directory
// without a store is kNotFound rather than a new, empty store.
inline Status OpenStore(StoreRuntime& opened, const std::string& dir, bool must_exist) {
  StoreOptions options;
  options.dir = dir;
  options.must_exist = must_exist;
  return opened.Open(options);
}

}  // namespace crm::admin
