// Upcoming birthdays: the live clients whose birthday falls in the next
// days, for the offices to greet. Each can become an open task for the
// office the client last bought at, which replicates to its front desk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/common/local_time.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/hlc.h"

namespace crm {

// The longest window: any longer and a birthday could fall in it twice.
inline constexpr int kMaxBirthdayDays = 365;

// The day `days` after `date` (before it, if negative).
// REQUIRES: `date` is a day of the calendar.
LocalDate AddDays(const LocalDate& date, int days);

struct Birthday {
  Id client;
  std::string card;  // the loyalty card
  std::string name;  // ClientName
  LocalDate born;    // the birth date
  LocalDate on;      // the day the birthday falls on (28 Feb for 29 Feb in a common year)
  int age = 0;       // the age turned that day
  std::string home_office;
  std::string phone;                         // the first phone (E.164), or empty
  std::string email;                         // the first email, or empty
  std::vector<std::string> consent_granted;  // channel names (ChannelName), in kChannels order
  // Where the greeting goes: the office of the client's last purchase (its
  // merged duplicates' purchases included), else the home office.
  std::string office;
};

// kInvalidArgument (naming "from" or "days") unless `from` is a day of the
// calendar and 1 <= days <= kMaxBirthdayDays.
Status CheckBirthdayWindow(const LocalDate& from, int days);

// Every live client (not deleted, erased, or merged into another) with a
// birth date whose birthday falls on one of the `days` days starting at
// `from`, and who turns at least 1 that day; by that day, then client id. A
// birthday on 29 February falls on 28 February in a common year. A client's
// own birth date counts, not a merged duplicate's.
// kInvalidArgument unless CheckBirthdayWindow(from, days).ok().
Result<std::vector<Birthday>> UpcomingBirthdays(const Store& store, const LocalDate& from,
                                                int days);

// Makes an open task per birthday ("Birthday greeting: NAME turns AGE") for
// its office, due at 09:00 on the day in `time_zone`. The task's id comes
// from the client and the year, so running it again makes none twice.
// Birthdays without an office are skipped. Returns how many were new.
// REQUIRES: CheckTimeZone(time_zone).ok()
Result<size_t> MakeBirthdayTasks(Writer& writer, HybridClock& hlc,
                                 const std::vector<Birthday>& birthdays, std::string_view time_zone,
                                 int64_t now_ms);

}  // namespace crm
