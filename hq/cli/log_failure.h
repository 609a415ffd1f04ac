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

}  // namespace crm
