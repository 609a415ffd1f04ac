// crm-hq serve, bootstrap-admin and status, and the hub's own options: the
// hub that accepts enrolled offices over CURVE, the first administrator of
// its dashboard, and each office's link as the running hub last saw it.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "node/frontdesk/frontdesk.h"
#include "node/server/web_server.h"

namespace crm {

struct HubFlags {
  std::string data_dir = "hq-data";
  std::string listen = "tcp://127.0.0.1:7800";
  std::string key_file = "hq.key";
  std::string endpoint_file;
  std::string status_file;
  uint64_t log_keep = 100'000;
  int64_t prune_every_ms = 10'000;
  WebServerOptions web;  // web.listen empty: no dashboard
  std::string web_endpoint_file;
  OfficeConfig desk;  // the hub's own front desk, behind the dashboard
};

class HubCommands {
 public:
  // Adds the hub's options (--data and the others every command may take)
  // and the commands serve, bootstrap-admin and status to `app`.
  explicit HubCommands(CLI::App& app);
  HubCommands(const HubCommands&) = delete;
  HubCommands& operator=(const HubCommands&) = delete;

  // The options as parsed.
  const HubFlags& flags() const { return flags_; }

  // Runs serve or bootstrap-admin if the command line chose it, else status;
  // returns the exit code: 0, 2 for bad arguments, 1 if anything else fails.
  // Errors go to the log (stderr).
  int Run();

 private:
  HubFlags flags_;
  std::string admin_login_ = "admin";
  std::string admin_name_;
  CLI::App* serve_ = nullptr;
  CLI::App* bootstrap_ = nullptr;
};

}  // namespace crm
