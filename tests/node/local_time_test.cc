#include "node/common/local_time.h"

#include <catch2/catch.hpp>

namespace crm {
namespace {

// 2026-11-22 23:30 UTC
constexpr int64_t kLateEvening = 1'795'390'200'000;

TEST_CASE("dates follow the office's time zone", "[node][time]") {
  CHECK(ToLocalDate(kLateEvening, "Europe/London") == LocalDate{2026, 11, 22});
  CHECK(ToLocalDate(kLateEvening, "Europe/Moscow") == LocalDate{2026, 11, 23});
  CHECK(ToLocalDate(kLateEvening, "America/New_York") == LocalDate{2026, 11, 22});
  CHECK(FormatLocalTime(kLateEvening, "Asia/Tehran") == "2026-11-23 03:00");
}

TEST_CASE("unknown time zones are refused", "[node][time]") {
  CHECK(CheckTimeZone("Europe/London").ok());
  CHECK(CheckTimeZone("Mars/Olympus").field() == "time_zone");
  CHECK_FALSE(CheckTimeZone("").ok());
}

}  // namespace
}  // namespace crm
