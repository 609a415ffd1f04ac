// crm-admin unlock and clock: getting a store back into service after an
// administrator locked themselves out, or after a clock was set far ahead.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace crm::admin {

class RecoveryCommands {
 public:
  // Adds unlock and clock (show, repair) to `app`.
  explicit RecoveryCommands(CLI::App& app);
  RecoveryCommands(const RecoveryCommands&) = delete;
  RecoveryCommands& operator=(const RecoveryCommands&) = delete;

  // Runs the command the command line chose and returns its exit code: 0,
  // 2 for bad arguments, 1 if anything else fails; nullopt if it chose none
  // of these.
  std::optional<int> Run();

 private:
  std::string data_;
  std::string unlock_login_;
  int64_t max_skew_ms_ = 60'000;
  CLI::App* unlock_ = nullptr;
  CLI::App* clock_show_ = nullptr;
  CLI::App* clock_repair_ = nullptr;
};

}  // namespace crm::admin
