// Files a program writes that hold the chain's data (exports, campaign lists,
// rejected lines, reports): readable by their owner only, like key files
// and backups.
#pragma once

#include <string>

#include "sync/base/status.h"

namespace crm {

// Creates `path` empty with mode 0600 (an existing file is emptied and made
// 0600), ready to be opened for writing. kIOError naming the file and why if
// it cannot be.
Status CreatePrivateFile(const std::string& path);

}  // namespace crm
