// Office-local calendar time over ICU time zones: receipt numbers and visit
// days follow the office's own calendar, not UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sync/base/status.h"

namespace crm {

struct LocalDate {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;    // 1..31
  auto operator<=>(const LocalDate&) const = default;
};

// kInvalidArgument (field "time_zone") unless `name` is an IANA zone ICU knows.
Status CheckTimeZone(std::string_view name);

// The date in zone `time_zone` at UTC milliseconds `utc_ms`.
// REQUIRES: CheckTimeZone(time_zone).ok()
LocalDate ToLocalDate(int64_t utc_ms, std::string_view time_zone);

// kInvalidArgument naming `field` unless `date` is a day of the calendar
// between 1900-01-01 and `today` (a birth date, say).
Status CheckPastDate(std::string_view field, const LocalDate& date, const LocalDate& today);

// A wall-clock time in some zone.
struct LocalDateTime {
  LocalDate date;
  int hour = 0;    // 0..23
  int minute = 0;  // 0..59
  int second = 0;  // 0..59
};

// The UTC milliseconds of `local` in `time_zone` (a time skipped or repeated
// by a clock change resolves as ICU's lenient calendar does: to the later
// offset). kInvalidArgument for a date or time that does not exist.
// REQUIRES: CheckTimeZone(time_zone).ok()
Result<int64_t> LocalToUtc(const LocalDateTime& local, std::string_view time_zone);

// The UTC milliseconds of the midnight that starts `day` ("2011-03-01") in
// `time_zone`. kInvalidArgument naming `field` for text that is not such a
// date. REQUIRES: CheckTimeZone(time_zone).ok()
Result<int64_t> DayStartUtc(std::string_view day, std::string_view time_zone, std::string_view field);

// "2026-11-30" or "2026-11-30T15:00" (also with a space for the T) in
// `time_zone`: its UTC milliseconds. A date alone means `default_hour`:00.
// kInvalidArgument naming `field` for text that is no such date and time.
// REQUIRES: CheckTimeZone(time_zone).ok()
Result<int64_t> ParseLocalDateTime(std::string_view text, std::string_view time_zone,
                                   int default_hour, std::string_view field);

// `utc_ms` moved `days` calendar days on in `time_zone`, keeping the local
// time of day across a clock change. REQUIRES: CheckTimeZone(time_zone).ok()
int64_t AddLocalDays(int64_t utc_ms, int days, std::string_view time_zone);

// "2026-11-22 14:05:09" in `time_zone`.
std::string FormatLocalSeconds(int64_t utc_ms, std::string_view time_zone);

// "2026-11-22 14:05" in `time_zone`.
std::string FormatLocalTime(int64_t utc_ms, std::string_view time_zone);

}  // namespace crm
