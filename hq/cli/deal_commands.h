// crm-hq deals: the deal pipeline of the whole chain, or of one office
// (hq/reports/print_pipeline.h): per stage the deals and their amounts.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "hq/reports/print_pipeline.h"

namespace crm {

class DealCommands {
 public:
  // Adds `deals` to `app`.
  explicit DealCommands(CLI::App& app);
  DealCommands(const DealCommands&) = delete;
  DealCommands& operator=(const DealCommands&) = delete;

  // Runs `deals` over the store in `data_dir` if the command line chose it
  // and returns its exit code (0; 2 for bad options; 4 for an unknown
  // office; 1 if the store fails); nullopt otherwise.
  std::optional<int> Run(const std::string& data_dir);

 private:
  PipelineFlags flags_;
  bool json_ = false;
  CLI::App* deals_ = nullptr;
};

}  // namespace crm
