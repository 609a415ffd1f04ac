// crm-hq: the headquarters hub. `crm-hq serve` accepts enrolled offices over
// CURVE, takes their changes and fans the log out to every office;
// `crm-hq status` shows each office's link as the running hub last saw it.
// The commands live in hq/cli/; main() wires them.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "hq/cli/campaign_commands.h"
#include "hq/cli/deal_commands.h"
#include "hq/cli/hub_commands.h"
#include "hq/cli/office_commands.h"
#include "hq/cli/product_commands.h"
#include "hq/cli/report_commands.h"
#include "hq/cli/task_commands.h"

int main(int argc, char** argv) {
  // Logs go to stderr; stdout stays for what a command prints.
  spdlog::set_default_logger(spdlog::stderr_color_mt("crm-hq"));
  CLI::App app{"crm-hq: the headquarters hub of the point-of-sale CRM"};
  app.set_config("--config", "", "read options from this TOML/INI file");
  app.fallthrough();
  app.require_subcommand(1);
  // In the order `crm-hq --help` lists them.
  crm::HubCommands hub(app);         // --data and the hub's options; serve, bootstrap-admin, status
  crm::ReportCommands reports(app);  // report ...
  crm::ActionCommands actions(app);  // reminders, birthdays, campaign-list
  crm::OfficeCommands offices(app);  // office limits
  crm::TaskCommands tasks(app);      // task add
  crm::DealCommands deals(app);      // deals
  crm::ProductCommands products(app);  // product add, edit, list, import
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  const std::string& data_dir = hub.flags().data_dir;
  if (std::optional<int> code = reports.Run(data_dir)) return *code;
  if (std::optional<int> code = actions.Run(data_dir)) return *code;
  if (std::optional<int> code = offices.Run(data_dir)) return *code;
  if (std::optional<int> code = tasks.Run(data_dir)) return *code;
  if (std::optional<int> code = deals.Run(data_dir)) return *code;
  if (std::optional<int> code = products.Run(data_dir)) return *code;
  return hub.Run();
}
