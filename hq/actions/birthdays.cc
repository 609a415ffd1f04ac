#include "hq/actions/birthdays.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <unordered_map>

#include "hq/actions/client_contact.h"
#include "hq/actions/office_tasks.h"
#include "hq/analytics/client_resolver.h"
#include "node/common/crypto.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"

namespace crm {
namespace {

constexpr int64_t kDayMs = 86'400'000;

std::chrono::year_month_day Ymd(const LocalDate& date) {
  return std::chrono::year{date.year} / std::chrono::month{static_cast<unsigned>(date.month)} /
         std::chrono::day{static_cast<unsigned>(date.day)};
}

// Days since 1970-01-01. REQUIRES: Ymd(date).ok()
int64_t DayNumber(const LocalDate& date) {
  return std::chrono::sys_days{Ymd(date)}.time_since_epoch().count();
}

// The day the birthday of someone born on `born` falls on in `year`.
LocalDate BirthdayIn(const LocalDate& born, int year) {
  if (born.month == 2 && born.day == 29 && !std::chrono::year{year}.is_leap()) return {year, 2, 28};
  return {year, born.month, born.day};
}

std::string Str(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

// The office of the latest live sale of `client` or of the clients merged
// into it (ties by sale id), or empty if none.
Result<std::string> LastPurchaseOffice(const StoreView& view, const Id& client,
                                       const std::vector<Id>& merged) {
  std::string office;
  int64_t latest = INT64_MIN;
  Id latest_id;
  std::vector<Id> ids = merged;
  ids.push_back(client);
  for (const Id& id : ids) {
    CRM_ASSIGN_OR_RETURN(auto linked, view.RecordsLinkedTo(id));
    for (const auto& [kind, sale_id] : linked) {
      if (kind != EntityKind::SALE) continue;
      CRM_ASSIGN_OR_RETURN(Record record, view.Get(EntityKind::SALE, sale_id));
      if (!IsLive(record.stored())) continue;
      auto sale = record.value<schema::Sale>();
      if (sale.getTime() > latest || (sale.getTime() == latest && latest_id < sale_id)) {
        latest = sale.getTime();
        latest_id = sale_id;
        office = Str(sale.getOffice());
      }
    }
  }
  return office;
}

}  // namespace

LocalDate AddDays(const LocalDate& date, int days) {
  std::chrono::year_month_day day{std::chrono::sys_days{Ymd(date)} + std::chrono::days{days}};
  return LocalDate{static_cast<int>(day.year()),
                   static_cast<int>(static_cast<unsigned>(day.month())),
                   static_cast<int>(static_cast<unsigned>(day.day()))};
}

Status CheckBirthdayWindow(const LocalDate& from, int days) {
  if (!Ymd(from).ok()) {
    return Status::InvalidArgument(
        "from", fmt::format("{:04}-{:02}-{:02} is not a day of the calendar", from.year, from.month,
                            from.day));
  }
  if (days < 1 || days > kMaxBirthdayDays) {
    return Status::InvalidArgument(
        "days", fmt::format("{} days: the window is 1 to {} days long", days, kMaxBirthdayDays));
  }
  return Status::Ok();
}

Result<std::vector<Birthday>> UpcomingBirthdays(const Store& store, const LocalDate& from,
                                                int days) {
  CRM_RETURN_IF_ERROR(CheckBirthdayWindow(from, days));
  const int64_t first = DayNumber(from);
  const int64_t last = first + days - 1;
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  ClientResolver resolver(view);
  std::unordered_map<Id, std::vector<Id>, IdHash> merged;  // survivor -> clients merged into it
  std::vector<Birthday> found;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::CLIENT, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        CRM_ASSIGN_OR_RETURN(Id survivor, resolver.Resolve(id));
        if (survivor != id) {
          merged[survivor].push_back(id);
          return Status::Ok();
        }
        auto client = stored.getValue().getAs<schema::Client>();
        if (!client.hasBirthDate()) return Status::Ok();
        auto date = client.getBirthDate();
        const LocalDate born{date.getYear(), date.getMonth(), date.getDay()};
        if (!Ymd(born).ok()) return Status::Ok();  // every writer checks it; nothing to greet
        // A window of at most 365 days holds a birthday at most once, in its
        // first year or the next.
        for (int year : {from.year, from.year + 1}) {
          const LocalDate on = BirthdayIn(born, year);
          const int64_t day = DayNumber(on);
          if (day < first || day > last || year - born.year < 1) continue;
          Birthday& b = found.emplace_back();
          b.client = id;
          b.card = Str(client.getLoyaltyCard());
          b.name = ClientName(client);
          b.born = born;
          b.on = on;
          b.age = year - born.year;
          b.home_office = Str(client.getHomeOffice());
          b.phone = ContactFor(client, Channel::kPhone);
          b.email = ContactFor(client, Channel::kEmail);
          for (Channel channel : kChannels) {
            if (ConsentFor(client, channel) == schema::Consent::GRANTED) {
              b.consent_granted.emplace_back(ChannelName(channel));
            }
          }
        }
        return Status::Ok();
      }));
  for (Birthday& b : found) {
    auto duplicates = merged.find(b.client);
    CRM_ASSIGN_OR_RETURN(
        b.office,
        LastPurchaseOffice(view, b.client,
                           duplicates == merged.end() ? std::vector<Id>{} : duplicates->second));
    if (b.office.empty()) b.office = b.home_office;
  }
  std::sort(found.begin(), found.end(), [](const Birthday& a, const Birthday& b) {
    return a.on != b.on ? a.on < b.on : a.client < b.client;
  });
  return found;
}

Result<size_t> MakeBirthdayTasks(Writer& writer, HybridClock& hlc,
                                 const std::vector<Birthday>& birthdays, std::string_view time_zone,
                                 int64_t now_ms) {
  std::vector<OfficeTask> tasks;
  for (const Birthday& b : birthdays) {
    if (b.office.empty()) continue;
    CRM_ASSIGN_OR_RETURN(int64_t due, LocalToUtc(LocalDateTime{b.on, 9, 0, 0}, time_zone));
    OfficeTask& t = tasks.emplace_back();
    // The client and the year, not the zone's hour: a re-run in another
    // zone still finds the task made.
    t.id = DerivedId(fmt::format("birthday/{}/{}", b.client.ToString(), b.on.year),
                     DayNumber(b.on) * kDayMs);
    t.client = b.client;
    t.office = b.office;
    t.title = fmt::format("Birthday greeting: {} turns {}",
                          b.name.empty() ? "client " + b.card : b.name, b.age);
    t.due_ms = due;
  }
  return MakeOfficeTasks(writer, hlc, tasks, now_ms);
}

}  // namespace crm
