// What every crm-bench scenario shares: scratch directories, fatal errors,
// latency statistics and the machine's description.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "sync/base/status.h"

namespace crm::bench {

// A temporary directory, removed with everything in it when done (kept and
// named on stderr if CRM_BENCH_KEEP_DATA is set).
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Prints the failure and exits 1: a benchmark that fails has no figures.
[[noreturn]] void Die(const std::string& what, const Status& status);

template <typename T>
T Must(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what, result.status());
  return std::move(result).value();
}
inline void Must(const Status& status, const std::string& what) {
  if (!status.ok()) Die(what, status);
}

// Throughput and latency of one run of a closed-loop scenario.
struct LatencyFigures {
  double ops_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
};

inline double MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
}

// From per-operation latencies (microseconds) and the run's wall time.
LatencyFigures Summarize(std::vector<double> latencies_us, double seconds);

// Runs `clients` threads at once (started together once every one is
// ready): each opens its own connection with `open()` and then makes
// `ops_each` timed calls `op(connection, i)`. The figures cover every call.
template <typename Open, typename Op>
LatencyFigures RunClosedLoop(int clients, int ops_each, Open open, Op op) {
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto connection = open();
      ++ready;
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < ops_each; ++i) {
        auto begun = std::chrono::steady_clock::now();
        op(connection, i);
        latencies[static_cast<size_t>(c)].push_back(MicrosSince(begun));
      }
    });
  }
  while (ready.load() < clients) std::this_thread::yield();
  auto start = std::chrono::steady_clock::now();
  go = true;
  for (std::thread& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (const auto& per_client : latencies) all.insert(all.end(), per_client.begin(), per_client.end());
  return Summarize(std::move(all), seconds);
}

// The median of `field` over runs.
template <typename T, typename F>
double Median(const std::vector<T>& runs, F field) {
  std::vector<double> values;
  for (const T& run : runs) values.push_back(field(run));
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

long PeakRssKb();
std::string Machine();

}  // namespace crm::bench
