#include "node/common/serve_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
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

std::optional<std::string> ServeLock::Server(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "serve.lock";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;  // never served
  std::string holder(256, '\0');
  ssize_t n = ::pread(fd, holder.data(), holder.size() - 1, 0);
  struct stat lock_file {};
  const bool stated = ::fstat(fd, &lock_file) == 0;
  ::close(fd);
  holder.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
  const size_t at = holder.rfind("(process ");
  if (at == std::string::npos || !stated) return std::nullopt;
  const long pid = std::strtol(holder.c_str() + at + 9, nullptr, 10);
  if (pid <= 0) return std::nullopt;
  // A process id is reused in time: the one named must hold a lock on this
  // very file (/proc/locks names the file by device and inode).
  std::ifstream locks("/proc/locks");
  const std::string file = fmt::format("{:02x}:{:02x}:{}", major(lock_file.st_dev),
                                       minor(lock_file.st_dev), lock_file.st_ino);
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream fields(line);
    std::string number, kind, mode, access, locker, where;
    fields >> number >> kind;
    if (kind == "->") fields >> kind;  // a waiter, listed under the lock it waits for
    fields >> mode >> access >> locker >> where;
    if (kind == "FLOCK" && locker == std::to_string(pid) && where == file) return holder;
  }
  return std::nullopt;
}

ServeLock::~ServeLock() { ::close(fd_); }

}  // namespace crm
