// The wall clock as an injectable interface, so simulation tests drive the same
// code that ships with a clock they control.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace crm {

// "2056-03-01 10:00:00 UTC", for messages about clocks.
std::string FormatUtc(int64_t utc_ms);

// A length of time in its largest whole unit, for messages: "30 years",
// "5 days", "3 hours", "12 minutes", "61 seconds".
std::string FormatSpan(int64_t ms);

class Clock {
 public:
  virtual ~Clock() = default;
  // UTC milliseconds since the Unix epoch. May jump backwards (NTP).
  virtual int64_t NowMillis() = 0;
};

// The operating system's real-time clock.
class SystemClock final : public Clock {
 public:
  int64_t NowMillis() override;
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms) : now_ms_(start_ms) {}
  int64_t NowMillis() override { return now_ms_.load(std::memory_order_relaxed); }
  void Set(int64_t ms) { now_ms_.store(ms, std::memory_order_relaxed); }
  void Advance(int64_t ms) { now_ms_.fetch_add(ms, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace crm
