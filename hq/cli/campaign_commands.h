// crm-hq reminders, birthdays and campaign-list: the actions headquarters
// sends back to the offices (hq/actions/reminders.h, hq/actions/birthdays.h and
// hq/actions/campaign_list.h hold the definitions), printed as a table, CSV or JSON.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "hq/reports/print_segments.h"

namespace crm {

struct ReminderFlags {
  std::string data_dir;
  std::string as_of;              // YYYY-MM-DD in time_zone; empty: after the last sale
  std::string time_zone = "UTC";  // of as_of
  int within_days = 90;           // only clients due at most this many days ago; 0: all
  bool make_tasks = false;        // an open task for the office of each client's last purchase
  bool json = false;
};

struct BirthdayFlags {
  std::string data_dir;
  std::string from;  // YYYY-MM-DD; empty: today in time_zone
  int days = 14;
  std::string time_zone = "UTC";  // of today, and of the tasks' 09:00
  bool make_tasks = false;
  Output output = Output::kTable;
};

struct CampaignListFlags {
  std::string data_dir;
  std::string segment;  // an RFM segment, any case
  std::string abc;      // or an ABC class of clients
  std::string channel;
  std::string code;  // the campaign code
  bool tag = false;  // add CampaignTag(code) to each listed client
  std::string out;   // write the list here instead of stdout
  std::string currency;  // empty: the only currency the sales are in
  Output output = Output::kTable;
};

// Each prints what it found; returns the process exit code: 0, 2 for bad
// arguments (the message names the argument), 1 if the store fails. Errors
// go to stderr.
int ListBirthdays(const BirthdayFlags& flags);
int ListCampaignAudience(const CampaignListFlags& flags);

// Prints the clients overdue to buy again by their own rhythm (with
// make_tasks, makes their tasks); returns the exit code as the two above do,
// but logs its errors (stderr).
int ListReminders(const ReminderFlags& flags);

class ActionCommands {
 public:
  // Adds reminders, birthdays and campaign-list to `app`.
  explicit ActionCommands(CLI::App& app);
  ActionCommands(const ActionCommands&) = delete;
  ActionCommands& operator=(const ActionCommands&) = delete;

  // Runs the command the command line chose over the store in `data_dir`
  // and returns its exit code; nullopt if it chose none of these.
  std::optional<int> Run(const std::string& data_dir);

 private:
  ReminderFlags reminder_flags_;
  BirthdayFlags birthday_flags_;
  bool birthday_json_ = false, birthday_csv_ = false;
  CampaignListFlags campaign_flags_;
  bool campaign_json_ = false, campaign_csv_ = false;
  CLI::App* reminders_ = nullptr;
  CLI::App* birthdays_ = nullptr;
  CLI::App* campaign_list_ = nullptr;
};

}  // namespace crm
