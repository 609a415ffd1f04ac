#include "hq/cli/deal_commands.h"

#include <cctype>
#include <cstdio>

#include "hq/analytics/sales.h"
#include "hq/cli/log_failure.h"
#include "node/store/runtime.h"

namespace crm {

DealCommands::DealCommands(CLI::App& app) {
  deals_ = app.add_subcommand(
      "deals", "the deal pipeline of the chain: per stage the deals and their amounts, by office");
  deals_->add_option("--office", flags_.office, "one office's deals (its code)");
  deals_->add_flag("--json", json_, "print JSON (amounts in minor units)");
}

std::optional<int> DealCommands::Run(const std::string& data_dir) {
  if (!*deals_) return std::nullopt;
  flags_.data_dir = data_dir;
  for (char& c : flags_.office) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  flags_.output = json_ ? Output::kJson : Output::kTable;
  StoreRuntime hq;
  if (Status opened = hq.Open(ReportStore(data_dir)); !opened.ok()) return LogEditFailure(opened);
  Status written = WritePipeline(*hq.store, flags_, stdout);
  return written.ok() ? 0 : LogEditFailure(written);
}

}  // namespace crm
