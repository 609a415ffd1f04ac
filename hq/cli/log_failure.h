// How the crm-hq commands that log report a failure: the status as an error
// in the log (stderr) and the exit code for it.
#pragma once

#include <spdlog/spdlog.h>

#include "sync/base/status.h"

namespace crm {

// Logs `status` as an error; returns 2 for an invalid argument, else 1.
inline int LogFailure(const Status& status) {
  spdlog::error("{}", status.ToString());
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

// As LogFailure, for the commands that edit HQ's records (office limits,
// products, tasks), whose scripts tell more apart: 2 an invalid argument,
// 3 a record that exists already, 4 one that does not, 1 anything else.
inline int LogEditFailure(const Status& status) {
  spdlog::error("{}", status.ToString());
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return 2;
    case StatusCode::kAlreadyExists:
      return 3;
    case StatusCode::kNotFound:
      return 4;
    default:
      return 1;
  }
}

}  // namespace crm
