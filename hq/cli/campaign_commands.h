// crm-hq birthdays and crm-hq campaign-list: the actions headquarters sends
// back to the offices (hq/actions/birthdays.h and hq/actions/campaign_list.h hold the
// definitions), printed as a table, CSV or JSON.
#pragma once

#include <string>

#include "hq/reports/print_segments.h"

namespace crm {

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
  std::string currency = "GBP";
  Output output = Output::kTable;
};

// Each prints what it found; returns the process exit code: 0, 2 for bad
// arguments (the message names the argument), 1 if the store fails. Errors
// go to stderr.
int ListBirthdays(const BirthdayFlags& flags);
int ListCampaignAudience(const CampaignListFlags& flags);

}  // namespace crm
