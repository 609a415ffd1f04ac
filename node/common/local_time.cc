#include "node/common/local_time.h"

#include <cstdio>

#include <unicode/calendar.h>
#include <unicode/timezone.h>

#include <fmt/format.h>

#include <memory>

namespace crm {
namespace {

std::unique_ptr<icu::Calendar> CalendarAt(int64_t utc_ms, std::string_view time_zone) {
  icu::TimeZone* zone = icu::TimeZone::createTimeZone(
      icu::UnicodeString::fromUTF8(icu::StringPiece(time_zone.data(), static_cast<int32_t>(time_zone.size()))));
  UErrorCode status = U_ZERO_ERROR;
  // The calendar adopts the zone.
  std::unique_ptr<icu::Calendar> calendar(
      icu::Calendar::createInstance(zone, icu::Locale::getRoot(), status));
  if (U_FAILURE(status)) return nullptr;
  calendar->setTime(static_cast<UDate>(utc_ms), status);
  if (U_FAILURE(status)) return nullptr;
  return calendar;
}

}  // namespace

Status CheckTimeZone(std::string_view name) {
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(
      icu::UnicodeString::fromUTF8(icu::StringPiece(name.data(), static_cast<int32_t>(name.size())))));
  if (name.empty() || zone == nullptr || *zone == icu::TimeZone::getUnknown()) {
    return Status::InvalidArgument("time_zone",
                                   "'" + std::string(name) + "' is not a known IANA time zone");
  }
  return Status::Ok();
}

Status CheckPastDate(std::string_view field, const LocalDate& date, const LocalDate& today) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int y = date.year, m = date.month, d = date.day;
  if (m < 1 || m > 12) return Status::InvalidArgument(std::string(field), "month must be 1 to 12");
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int days = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  if (d < 1 || d > days) {
    return Status::InvalidArgument(std::string(field), "day must be 1 to " + std::to_string(days));
  }
  if (y < 1900 || date > today) {
    return Status::InvalidArgument(std::string(field), "must lie between 1900 and today");
  }
  return Status::Ok();
}

LocalDate ToLocalDate(int64_t utc_ms, std::string_view time_zone) {
  auto calendar = CalendarAt(utc_ms, time_zone);
  if (calendar == nullptr) return LocalDate{1970, 1, 1};
  UErrorCode status = U_ZERO_ERROR;
  LocalDate date;
  date.year = calendar->get(UCAL_YEAR, status);
  date.month = calendar->get(UCAL_MONTH, status) + 1;
  date.day = calendar->get(UCAL_DATE, status);
  return date;
}

Result<int64_t> LocalToUtc(const LocalDateTime& local, std::string_view time_zone) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const LocalDate& d = local.date;
  bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  if (d.year < 1900 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1 ||
      d.day > kDays[d.month - 1] || (d.month == 2 && d.day == 29 && !leap) || local.hour < 0 ||
      local.hour > 23 || local.minute < 0 || local.minute > 59 || local.second < 0 ||
      local.second > 59) {
    return Status::InvalidArgument("time", "not a valid date and time");
  }
  auto calendar = CalendarAt(0, time_zone);
  if (calendar == nullptr) return Status::InvalidArgument("time_zone", "unknown time zone");
  calendar->clear();
  calendar->set(d.year, d.month - 1, d.day, local.hour, local.minute, local.second);
  UErrorCode status = U_ZERO_ERROR;
  UDate utc = calendar->getTime(status);
  if (U_FAILURE(status)) return Status::InvalidArgument("time", "not a valid date and time");
  return static_cast<int64_t>(utc);
}

Result<int64_t> DayStartUtc(std::string_view day, std::string_view time_zone, std::string_view field) {
  LocalDateTime start;
  char tail = 0;
  std::string text(day);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &start.date.year, &start.date.month, &start.date.day,
                  &tail) != 3) {
    return Status::InvalidArgument(std::string(field), "'" + text + "' is not a date like 2011-03-01");
  }
  auto ms = LocalToUtc(start, time_zone);
  if (!ms.ok()) return Status::InvalidArgument(std::string(field), "'" + text + "' is not a date");
  return ms;
}

Result<int64_t> ParseLocalDateTime(std::string_view text, std::string_view time_zone,
                                   int default_hour, std::string_view field) {
  const Status bad = Status::InvalidArgument(
      std::string(field), "'" + std::string(text) + "' is not a date like 2026-11-30 or 2026-11-30T15:00");
  if (text.size() != 10 && text.size() != 16) return bad;
  LocalDateTime local;
  std::string copy(text);
  int used = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%n", &local.date.year, &local.date.month, &local.date.day,
                  &used) != 3 ||
      used != 10) {
    return bad;
  }
  local.hour = default_hour;
  if (copy.size() == 16) {
    if ((copy[10] != 'T' && copy[10] != ' ') || copy[13] != ':' ||
        std::sscanf(copy.c_str() + 11, "%2d:%2d%n", &local.hour, &local.minute, &used) != 2 || used != 5) {
      return bad;
    }
  }
  auto utc = LocalToUtc(local, time_zone);
  if (!utc.ok()) return Status::InvalidArgument(std::string(field), "'" + copy + "' is no such date and time");
  return utc;
}

int64_t AddLocalDays(int64_t utc_ms, int days, std::string_view time_zone) {
  auto calendar = CalendarAt(utc_ms, time_zone);
  if (calendar == nullptr) return utc_ms + int64_t{days} * 86'400'000;
  UErrorCode status = U_ZERO_ERROR;
  calendar->add(UCAL_DATE, days, status);
  UDate moved = calendar->getTime(status);
  if (U_FAILURE(status)) return utc_ms + int64_t{days} * 86'400'000;
  return static_cast<int64_t>(moved);
}

std::string FormatLocalSeconds(int64_t utc_ms, std::string_view time_zone) {
  auto calendar = CalendarAt(utc_ms, time_zone);
  if (calendar == nullptr) return "?";
  UErrorCode status = U_ZERO_ERROR;
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", calendar->get(UCAL_YEAR, status),
                     calendar->get(UCAL_MONTH, status) + 1, calendar->get(UCAL_DATE, status),
                     calendar->get(UCAL_HOUR_OF_DAY, status), calendar->get(UCAL_MINUTE, status),
                     calendar->get(UCAL_SECOND, status));
}

std::string FormatLocalTime(int64_t utc_ms, std::string_view time_zone) {
  auto calendar = CalendarAt(utc_ms, time_zone);
  if (calendar == nullptr) return "?";
  UErrorCode status = U_ZERO_ERROR;
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", calendar->get(UCAL_YEAR, status),
                     calendar->get(UCAL_MONTH, status) + 1, calendar->get(UCAL_DATE, status),
                     calendar->get(UCAL_HOUR_OF_DAY, status), calendar->get(UCAL_MINUTE, status));
}

}  // namespace crm
