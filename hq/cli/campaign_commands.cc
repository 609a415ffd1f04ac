#include "hq/cli/campaign_commands.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "hq/actions/birthdays.h"
#include "hq/actions/campaign_list.h"
#include "hq/actions/reminders.h"
#include "hq/analytics/campaign_tag.h"
#include "hq/analytics/sales.h"
#include "hq/cli/log_failure.h"
#include "hq/reports/print_segments.h"
#include "node/common/csv_field.h"
#include "node/common/local_time.h"
#include "node/common/private_file.h"
#include "node/store/runtime.h"

namespace crm {
namespace {

std::string FormatDate(const LocalDate& date) {
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

// "2025-12-28" as a date (whether it is a day of the calendar is checked
// where it is used).
Result<LocalDate> ParseDate(const std::string& text, const char* field) {
  LocalDate date;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &date.year, &date.month, &date.day, &tail) != 3) {
    return Status::InvalidArgument(field, "'" + text + "' is not a date like 2025-12-28");
  }
  return date;
}

std::string Joined(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

}  // namespace

int ListBirthdays(const BirthdayFlags& flags) {
  if (Status zone = CheckTimeZone(flags.time_zone); !zone.ok()) return FailReport(zone);
  StoreRuntime hq;
  LocalDate from;
  if (flags.from.empty()) {
    from = ToLocalDate(hq.wall.NowMillis(), flags.time_zone);
  } else {
    auto parsed = ParseDate(flags.from, "from");
    if (!parsed.ok()) return FailReport(parsed.status());
    from = *parsed;
  }
  if (Status window = CheckBirthdayWindow(from, flags.days); !window.ok()) return FailReport(window);
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return FailReport(opened);
  auto birthdays = UpcomingBirthdays(*hq.store, from, flags.days);
  if (!birthdays.ok()) return FailReport(birthdays.status());
  size_t made = 0;
  if (flags.make_tasks) {
    auto tasks =
        MakeBirthdayTasks(*hq.writer, *hq.hlc, *birthdays, flags.time_zone, hq.wall.NowMillis());
    if (!tasks.ok()) return FailReport(tasks.status());
    made = *tasks;
  }
  const LocalDate to = AddDays(from, flags.days - 1);
  if (flags.output == Output::kJson) {
    nlohmann::json out = {{"from", FormatDate(from)},
                          {"to", FormatDate(to)},
                          {"days", flags.days},
                          {"time_zone", flags.time_zone},
                          {"tasks_made", made}};
    out["clients"] = nlohmann::json::array();
    for (const Birthday& b : *birthdays) {
      out["clients"].push_back({{"client", b.client.ToString()},
                                {"card", b.card},
                                {"name", b.name},
                                {"birth_date", FormatDate(b.born)},
                                {"day", FormatDate(b.on)},
                                {"age", b.age},
                                {"home_office", b.home_office},
                                {"office", b.office},
                                {"phone", b.phone},
                                {"email", b.email},
                                {"consent_granted", b.consent_granted}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (flags.output == Output::kCsv) {
    fmt::print(
        "day,age,client,card,name,birth_date,home_office,office,phone,email,consent_granted\n");
    for (const Birthday& b : *birthdays) {
      fmt::print("{},{},{},{},{},{},{},{},{},{},{}\n", FormatDate(b.on), b.age, b.client.ToString(),
                 CsvField(b.card), CsvField(b.name), FormatDate(b.born), CsvField(b.home_office),
                 CsvField(b.office), CsvField(b.phone), CsvField(b.email),
                 CsvField(Joined(b.consent_granted, ";")));
    }
    return 0;
  }
  fmt::print("{} birthdays from {} to {} (29 February counts on 28 February in a common year)\n",
             birthdays->size(), FormatDate(from), FormatDate(to));
  fmt::print("{:<10} {:>3}  {:<10} {:<24} {:<6} {:<6} {:<16} {:<28} {}\n", "DAY", "AGE", "CARD",
             "NAME", "HOME", "OFFICE", "PHONE", "EMAIL", "CONSENT GRANTED");
  for (const Birthday& b : *birthdays) {
    fmt::print("{:<10} {:>3}  {:<10} {:<24} {:<6} {:<6} {:<16} {:<28} {}\n", FormatDate(b.on),
               b.age, b.card, b.name, b.home_office, b.office, b.phone, b.email,
               Joined(b.consent_granted, ","));
  }
  if (flags.make_tasks) {
    fmt::print(
        "{} new greeting tasks for the offices ({} made on an earlier run or without an office)\n",
        made, birthdays->size() - made);
  }
  return 0;
}

int ListCampaignAudience(const CampaignListFlags& flags) {
  AudienceQuery query;
  query.currency = flags.currency;
  if (flags.segment.empty() == flags.abc.empty()) {
    return FailReport(Status::InvalidArgument("segment", "give either --segment NAME or --abc A|B|C"));
  }
  if (!flags.segment.empty()) {
    query.segment = flags.segment;
  } else if (flags.abc.size() == 1) {
    query.abc = static_cast<char>(std::toupper(static_cast<unsigned char>(flags.abc[0])));
  } else {
    return FailReport(
        Status::InvalidArgument("abc", "'" + flags.abc + "' is not an ABC class: A, B or C"));
  }
  if (Status checked = CheckAudienceQuery(query); !checked.ok()) return FailReport(checked);
  auto channel = ChannelFromName(flags.channel);
  if (!channel) {
    return FailReport(Status::InvalidArgument(
        "channel",
        "'" + flags.channel + "' is not a channel: email, sms, phone, post or messenger"));
  }
  query.channel = *channel;
  if (flags.tag && flags.code.empty()) {
    return FailReport(
        Status::InvalidArgument("tag", "--tag needs --code CAMPAIGN: the tag is campaign:CODE"));
  }
  if (!flags.code.empty()) {
    if (Status code = CheckCampaignCode(flags.code); !code.ok()) return FailReport(code);
  }
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return FailReport(opened);
  auto audience = CampaignAudience(*hq.store, query);
  if (!audience.ok()) return FailReport(audience.status());
  TagOutcome tagged;
  if (flags.tag) {
    auto outcome = TagAudience(*hq.writer, *hq.hlc, *audience, flags.code);
    if (!outcome.ok()) return FailReport(outcome.status());
    tagged = *outcome;
  }
  std::string segment;  // as the reports name it
  for (char c : query.segment)
    segment += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string label = segment.empty() ? std::string("ABC class ") + query.abc : segment;
  const std::string tag = flags.code.empty() ? "" : CampaignTag(flags.code);
  const Output output =
      !flags.out.empty() && flags.output == Output::kTable ? Output::kCsv : flags.output;

  std::ostringstream list;
  if (output == Output::kJson) {
    nlohmann::json out = {{"audience", segment.empty() ? std::string("abc ") + query.abc : segment},
                          {"channel", flags.channel},
                          {"in_segment", audience->in_segment},
                          {"listed", audience->clients.size()},
                          {"left_out",
                           {{"consent_unknown", audience->consent_unknown},
                            {"consent_refused", audience->consent_refused},
                            {"no_contact", audience->no_contact}}}};
    if (!tag.empty()) out["tag"] = tag;
    if (flags.tag) {
      out["tagged"] = tagged.tagged;
      out["already_tagged"] = tagged.already;
      out["tag_removed_by_office"] = tagged.removed_before;
    }
    out["clients"] = nlohmann::json::array();
    for (const AudienceRow& r : audience->clients) {
      out["clients"].push_back({{"client", r.client.ToString()},
                                {"card", r.card},
                                {"name", r.name},
                                {"contact", r.contact},
                                {"segment", r.segment}});
    }
    list << out.dump(2) << "\n";
  } else if (output == Output::kCsv) {
    list << "client,card,name,contact,segment\n";
    for (const AudienceRow& r : audience->clients) {
      list << r.client.ToString() << ',' << CsvField(r.card) << ',' << CsvField(r.name) << ','
           << CsvField(r.contact) << ',' << CsvField(r.segment) << '\n';
    }
  } else {
    // Name and card first, as a person looks a client up; the id last.
    list << fmt::format("{:<24} {:<10} {:<32} {:<20} {}\n", "NAME", "CARD", "CONTACT", "SEGMENT",
                        "CLIENT");
    for (const AudienceRow& r : audience->clients) {
      list << fmt::format("{:<24} {:<10} {:<32} {:<20} {}\n", r.name, r.card, r.contact,
                          r.segment, r.client.ToString());
    }
  }

  std::string summary = fmt::format(
      "{}: {} clients, {} listed for {}; left out: {} consent unknown, {} consent refused, {} "
      "without {}\n",
      label, audience->in_segment, audience->clients.size(), flags.channel,
      audience->consent_unknown, audience->consent_refused, audience->no_contact,
      *channel == Channel::kEmail  ? "an email"
      : *channel == Channel::kPost ? "a street and city"
                                   : "a phone");
  if (flags.tag) {
    summary +=
        fmt::format("tag {}: added to {}, {} had it, {} had it removed at an office (left so)\n",
                    tag, tagged.tagged, tagged.already, tagged.removed_before);
  }
  if (!flags.out.empty()) {
    if (Status created = CreatePrivateFile(flags.out); !created.ok()) return FailReport(created);
    std::ofstream file(flags.out, std::ios::trunc | std::ios::binary);
    file << list.str();
    file.flush();
    if (!file) return FailReport(Status::IOError("cannot write " + flags.out));
    fmt::print("{}{} written to {}\n", summary,
               output == Output::kJson ? "the list (JSON)" : "the list (CSV)", flags.out);
    return 0;
  }
  if (output == Output::kJson) {
    fmt::print("{}", list.str());
  } else if (output == Output::kCsv) {
    fmt::print(stderr, "{}", summary);  // stdout stays CSV
    fmt::print("{}", list.str());
  } else {
    fmt::print("{}{}", summary, list.str());
  }
  return 0;
}

int ListReminders(const ReminderFlags& flags) {
  if (Status checked = CheckTimeZone(flags.time_zone); !checked.ok()) return LogFailure(checked);
  int64_t as_of = 0;
  if (!flags.as_of.empty()) {
    auto day = DayStartUtc(flags.as_of, flags.time_zone, "as-of");
    if (!day.ok()) return LogFailure(day.status());
    as_of = *day;
  }
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return LogFailure(opened);
  auto due = RepurchaseReminders(*hq.store, as_of, int64_t{flags.within_days} * 86'400'000);
  if (!due.ok()) return LogFailure(due.status());
  size_t made = 0;
  if (flags.make_tasks) {
    auto tasks = MakeReminderTasks(*hq.writer, *hq.hlc, *due, hq.wall.NowMillis());
    if (!tasks.ok()) return LogFailure(tasks.status());
    made = *tasks;
  }
  if (flags.json) {
    nlohmann::json out = {{"as_of", FormatLocalTime(as_of, "UTC")}, {"tasks_made", made}};
    out["clients"] = nlohmann::json::array();
    for (const Reminder& r : *due) {
      out["clients"].push_back({{"client", r.client.ToString()},
                                {"card", r.card},
                                {"office", r.office},
                                {"receipts", r.receipts},
                                {"last_sale_ms", r.last_sale},
                                {"interval_ms", r.interval_ms},
                                {"due_ms", r.due_ms}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{} clients overdue to buy again as of {} UTC\n", due->size(),
             FormatLocalTime(as_of, "UTC"));
  fmt::print("{:<10} {:<8} {:>8} {:>10} {:>17} {:>17}  {}\n", "CARD", "OFFICE", "RECEIPTS",
             "EVERY", "LAST", "DUE", "CLIENT");
  for (const Reminder& r : *due) {
    fmt::print("{:<10} {:<8} {:>8} {:>9}d {:>17} {:>17}  {}\n", r.card, r.office, r.receipts,
               r.interval_ms / 86'400'000, FormatLocalTime(r.last_sale, "UTC"),
               FormatLocalTime(r.due_ms, "UTC"), r.client.ToString());
  }
  if (flags.make_tasks) {
    fmt::print("{} new tasks for the offices ({} made on an earlier run)\n", made,
               due->size() - made);
  }
  return 0;
}

ActionCommands::ActionCommands(CLI::App& app) {
  reminders_ = app.add_subcommand(
      "reminders",
      "clients overdue to buy again by their own rhythm; --make-tasks sends them to offices");
  reminders_->add_option("--as-of", reminder_flags_.as_of,
                         "the day to judge by (default: after the last sale)");
  reminders_->add_option("--time-zone", reminder_flags_.time_zone, "IANA zone of --as-of")
      ->capture_default_str();
  reminders_
      ->add_option("--within", reminder_flags_.within_days,
                   "only clients due at most this many days ago (0: all)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  reminders_->add_flag("--make-tasks", reminder_flags_.make_tasks,
                       "make an open task for each, for the office of the client's last purchase");
  reminders_->add_flag("--json", reminder_flags_.json, "print JSON");
  birthdays_ = app.add_subcommand("birthdays",
                                  "live clients whose birthday falls in the next days; "
                                  "--make-tasks sends greetings to offices");
  birthdays_->add_option("--from", birthday_flags_.from,
                         "the first day, YYYY-MM-DD (default: today in --time-zone)");
  birthdays_->add_option("--days", birthday_flags_.days, "how many days from --from")
      ->capture_default_str();
  birthdays_
      ->add_option("--time-zone", birthday_flags_.time_zone,
                   "IANA zone of today and of the tasks' 09:00")
      ->capture_default_str();
  birthdays_->add_flag("--make-tasks", birthday_flags_.make_tasks,
                       "make an open greeting task for the office of the client's last purchase");
  birthdays_->add_flag("--json", birthday_json_, "print JSON");
  birthdays_->add_flag("--csv", birthday_csv_, "print CSV");
  campaign_list_ = app.add_subcommand(
      "campaign-list",
      "clients of an RFM segment or ABC class with consent and a contact for a channel");
  campaign_list_->add_option("--segment", campaign_flags_.segment,
                             "an RFM segment, e.g. \"at risk\"");
  campaign_list_->add_option("--abc", campaign_flags_.abc, "or an ABC class of clients: A, B or C");
  campaign_list_
      ->add_option("--channel", campaign_flags_.channel, "email, sms, phone, post or messenger")
      ->required();
  campaign_list_->add_option("--code", campaign_flags_.code, "the campaign code");
  campaign_list_->add_flag("--tag", campaign_flags_.tag,
                           "tag each listed client campaign:CODE (needs --code)");
  campaign_list_->add_option("--out", campaign_flags_.out,
                             "write the list to this file (CSV unless --json)");
  campaign_list_->add_option("--currency", campaign_flags_.currency,
                             "ISO 4217 code of the sales the segments are of (default: the only "
                             "currency there is)");
  campaign_list_->add_flag("--json", campaign_json_, "print JSON");
  campaign_list_->add_flag("--csv", campaign_csv_, "print CSV");
}

std::optional<int> ActionCommands::Run(const std::string& data_dir) {
  auto output = [](bool json, bool csv) {
    return json ? Output::kJson : csv ? Output::kCsv : Output::kTable;
  };
  if (*reminders_) {
    reminder_flags_.data_dir = data_dir;
    return ListReminders(reminder_flags_);
  }
  if (*birthdays_) {
    birthday_flags_.data_dir = data_dir;
    birthday_flags_.output = output(birthday_json_, birthday_csv_);
    return ListBirthdays(birthday_flags_);
  }
  if (*campaign_list_) {
    campaign_flags_.data_dir = data_dir;
    campaign_flags_.output = output(campaign_json_, campaign_csv_);
    return ListCampaignAudience(campaign_flags_);
  }
  return std::nullopt;
}

}  // namespace crm
