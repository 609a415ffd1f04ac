// crm-admin digest, verify, audit, backup and restore: a store's state
// digest, its checks (every record and index, the audit chain), the audit
// log, and copies of a store.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace crm::admin {

class StoreCommands {
 public:
  // Adds digest, verify, audit (verify, list), backup and restore to `app`.
  explicit StoreCommands(CLI::App& app);
  StoreCommands(const StoreCommands&) = delete;
  StoreCommands& operator=(const StoreCommands&) = delete;

  // Runs the command the command line chose and returns its exit code: 0, 1
  // if a check finds damage or anything fails, 2 for bad arguments; nullopt
  // if it chose none of these.
  std::optional<int> Run();

 private:
  std::string data_;
  bool no_record_ = false;
  size_t audit_count_ = 50;
  std::string backup_dir_;
  CLI::App* digest_ = nullptr;
  CLI::App* verify_ = nullptr;
  CLI::App* audit_verify_ = nullptr;
  CLI::App* audit_list_ = nullptr;
  CLI::App* backup_ = nullptr;
  CLI::App* restore_ = nullptr;
};

}  // namespace crm::admin
