#include "node/common/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace crm {

Status CreatePrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
  // An existing file keeps its mode through O_CREAT: narrow it.
  int changed = ::fchmod(fd, 0600);
  int error = errno;
  ::close(fd);
  if (changed != 0) {
    return Status::IOError("cannot make " + path + " private: " + std::strerror(error));
  }
  return Status::Ok();
}

}  // namespace crm
