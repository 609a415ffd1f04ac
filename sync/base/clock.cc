#include "sync/base/clock.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace crm {

std::string FormatUtc(int64_t utc_ms) {
  std::time_t seconds = static_cast<std::time_t>(utc_ms / 1000);
  std::tm parts{};
  if (gmtime_r(&seconds, &parts) == nullptr) return std::to_string(utc_ms) + " ms";
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", parts.tm_year + 1900,
                     parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
}

std::string FormatSpan(int64_t ms) {
  const int64_t s = (ms < 0 ? -ms : ms) / 1000;
  if (s >= 2 * 365 * 86400) return std::to_string(s / (365 * 86400)) + " years";
  if (s >= 2 * 86400) return std::to_string(s / 86400) + " days";
  if (s >= 2 * 3600) return std::to_string(s / 3600) + " hours";
  if (s >= 2 * 60) return std::to_string(s / 60) + " minutes";
  return std::to_string(s) + " seconds";
}

int64_t SystemClock::NowMillis() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace crm
