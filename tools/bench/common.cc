#include "tools/bench/common.h"

#include <stdlib.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <stdexcept>
#include <thread>

namespace crm::bench {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "crm-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  if (std::getenv("CRM_BENCH_KEEP_DATA") != nullptr) {
    fmt::print(stderr, "kept the stores in {}\n", path_.string());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void Die(const std::string& what, const Status& status) {
  fmt::print(stderr, "crm-bench: {}: {}\n", what, status.ToString());
  std::exit(1);
}

LatencyFigures Summarize(std::vector<double> latencies_us, double seconds) {
  LatencyFigures figures;
  if (latencies_us.empty() || seconds <= 0) return figures;
  std::sort(latencies_us.begin(), latencies_us.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(latencies_us.size() - 1));
    return latencies_us[i];
  };
  figures.ops_per_s = static_cast<double>(latencies_us.size()) / seconds;
  figures.p50_us = at(0.50);
  figures.p99_us = at(0.99);
  return figures;
}

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::string Machine() {
  utsname name{};
  uname(&name);
  return fmt::format("{} {} {}, {} cores", name.sysname, name.release, name.machine,
                     std::thread::hardware_concurrency());
}

}  // namespace crm::bench
