// disk-flush: the floor under every durable commit on this machine; see
// scenarios.h.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "tools/bench/scenarios.h"

namespace crm::bench {
namespace {

constexpr size_t kPage = 4096;
constexpr int kPagesUsed = 64;  // rewritten in turn, as a store reuses its free pages

void WriteAndFlush(int fd, const std::vector<char>& page, int page_number) {
  off_t offset = static_cast<off_t>(page_number % kPagesUsed) * static_cast<off_t>(kPage);
  if (::pwrite(fd, page.data(), page.size(), offset) != static_cast<ssize_t>(page.size()) ||
      ::fdatasync(fd) != 0) {
    Die("disk-flush", Status::Unavailable(std::string("write and flush: ") + std::strerror(errno)));
  }
}

}  // namespace

DiskFlushFigures RunDiskFlush(int commits) {
  ScratchDir dir;
  std::string path = (dir.path() / "flush").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) Die("disk-flush", Status::Unavailable("cannot create " + path));
  std::vector<char> page(kPage, 'x');
  for (int p = 0; p < kPagesUsed; ++p) WriteAndFlush(fd, page, p);  // the file exists in full

  auto measure = [&](int flushes_per_commit) {
    std::vector<double> latencies;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < commits; ++i) {
      auto begun = std::chrono::steady_clock::now();
      for (int f = 0; f < flushes_per_commit; ++f) WriteAndFlush(fd, page, i * 2 + f);
      latencies.push_back(MicrosSince(begun));
    }
    return Summarize(std::move(latencies), MicrosSince(start) / 1e6);
  };
  DiskFlushFigures figures;
  figures.one = measure(1);
  figures.two = measure(2);
  ::close(fd);
  return figures;
}

}  // namespace crm::bench
