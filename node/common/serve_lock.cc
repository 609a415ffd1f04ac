#include "node/common/serve_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace crm {

Result<std::unique_ptr<ServeLock>> ServeLock::Take(const std::filesystem::path& dir,
                                                   std::string_view program) {
  std::filesystem::path path = dir / "serve.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IOError("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    std::string holder(256, '\0');
    ssize_t n = ::pread(fd, holder.data(), holder.size() - 1, 0);
    ::close(fd);
    holder.resize(n > 0 ? static_cast<size_t>(n) : 0);
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
    if (error != EWOULDBLOCK) {
      return Status::IOError("cannot lock " + path.string() + ": " + std::strerror(error));
    }
    return Status::Unavailable("the store in " + dir.string() + " is served already" +
                               (holder.empty() ? "" : " by " + holder) +
                               "; stop that process first, or give another --data");
  }
  std::string me = std::string(program) + " (process " + std::to_string(::getpid()) + ")\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) !=
                                     static_cast<ssize_t>(me.size())) {
    int error = errno;
    ::close(fd);
    return Status::IOError("cannot write " + path.string() + ": " + std::strerror(error));
  }
  return std::unique_ptr<ServeLock>(new ServeLock(fd));
}

ServeLock::~ServeLock() { ::close(fd_); }

}  // namespace crm
