// crm-admin keygen, node-id, enroll and revoke: CURVE key pairs, a store's
// node id, and which offices' keys the hub lets connect.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace crm::admin {

class KeyCommands {
 public:
  // Adds keygen, node-id, enroll and revoke to `app`.
  explicit KeyCommands(CLI::App& app);
  KeyCommands(const KeyCommands&) = delete;
  KeyCommands& operator=(const KeyCommands&) = delete;

  // Runs keygen, node-id or enroll if the command line chose it, else
  // revoke; returns the exit code: 0, 2 for bad arguments, 1 if anything
  // else fails.
  int Run();

 private:
  std::string out_;  // keygen: path prefix of the key files
  std::string data_;
  std::string hub_data_, office_, node_, key_file_, parent_, name_, currency_;
  CLI::App* keygen_ = nullptr;
  CLI::App* node_id_ = nullptr;
  CLI::App* enroll_ = nullptr;
};

}  // namespace crm::admin
