// crm-hq office limits: the limits at the till that headquarters sets per
// office and role, or chain-wide (node/frontdesk/till_limits.h, docs/frontdesk.md).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace crm {

struct OfficeLimitFlags {
  std::string data_dir;
  std::string office;        // an enrolled office's code
  bool chain = false;        // or the chain-wide default
  std::string role;          // cashier, office-manager, hq-manager, admin
  std::string max_discount;  // "10%", "unlimited", "default"; empty: left as it is
  std::string max_price_cut;
  bool json = false;
};

// Sets the limits if any is given, else prints them: for --office, what
// applies there to each role and where it comes from; otherwise every record
// as set. Works beside a running `crm-hq serve` on the same store (the hub
// sends the change down at once). Returns the exit code: 0, 2 for bad
// arguments (the message names the option), 4 for an office not enrolled, 1
// if the store fails.
int OfficeLimits(const OfficeLimitFlags& flags);

class OfficeCommands {
 public:
  // Adds `office limits` to `app`.
  explicit OfficeCommands(CLI::App& app);
  OfficeCommands(const OfficeCommands&) = delete;
  OfficeCommands& operator=(const OfficeCommands&) = delete;

  // Runs `office limits` over the store in `data_dir` if the command line
  // chose it and returns its exit code; nullopt otherwise.
  std::optional<int> Run(const std::string& data_dir);

 private:
  OfficeLimitFlags limit_flags_;
  CLI::App* limits_ = nullptr;
};

}  // namespace crm
