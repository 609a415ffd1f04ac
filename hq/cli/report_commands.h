// crm-hq report sales | rfm | abc | xyz | abc-xyz | forecast | effectiveness
// | credit | satisfaction | html: the managers' reports over the hub's store (hq/reports/
// prints them), as a table, CSV or JSON, or one HTML page.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "hq/reports/html_report.h"
#include "hq/reports/print_credit.h"
#include "hq/reports/print_effectiveness.h"
#include "hq/reports/print_sales.h"
#include "hq/reports/print_satisfaction.h"
#include "hq/reports/print_segments.h"

namespace crm {

class ReportCommands {
 public:
  // Adds `report` and its subcommands to `app`.
  explicit ReportCommands(CLI::App& app);
  ReportCommands(const ReportCommands&) = delete;
  ReportCommands& operator=(const ReportCommands&) = delete;

  // Prints the report the command line chose over the store in `data_dir`
  // and returns the exit code: 0, 2 for bad arguments (the message names the
  // argument), 1 if the store fails. nullopt if no report was chosen.
  std::optional<int> Run(const std::string& data_dir);

 private:
  void AddSales(CLI::App& report);
  void AddSegments(CLI::App& report);         // rfm, abc, xyz, abc-xyz
  void AddSegmentOptions(CLI::App& command);  // --currency, --json, --csv
  void AddForecast(CLI::App& report);
  void AddEffectiveness(CLI::App& report);
  void AddCredit(CLI::App& report);
  void AddSatisfaction(CLI::App& report);
  void AddHtml(CLI::App& report);
  std::optional<int> RunSegments(const std::string& data_dir);

  SalesReportFlags sales_flags_;
  bool sales_json_ = false, sales_csv_ = false;
  SegmentReportFlags segment_flags_;  // rfm, abc, xyz, abc-xyz and forecast
  bool segment_json_ = false, segment_csv_ = false;
  EffectivenessFlags effect_flags_;
  bool effect_json_ = false, effect_csv_ = false;
  CreditReportFlags credit_flags_;
  bool credit_json_ = false, credit_csv_ = false;
  SatisfactionFlags satisfaction_flags_;
  bool satisfaction_json_ = false, satisfaction_csv_ = false;
  HtmlReportOptions html_options_;
  std::string html_out_;

  CLI::App* report_ = nullptr;
  CLI::App* sales_ = nullptr;
  CLI::App* rfm_ = nullptr;
  CLI::App* abc_ = nullptr;
  CLI::App* xyz_ = nullptr;
  CLI::App* abc_xyz_ = nullptr;
  CLI::App* forecast_ = nullptr;
  CLI::App* effectiveness_ = nullptr;
  CLI::App* credit_ = nullptr;
  CLI::App* satisfaction_ = nullptr;
  CLI::App* html_ = nullptr;
};

}  // namespace crm
