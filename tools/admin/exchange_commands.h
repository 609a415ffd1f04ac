// crm-admin import and export: sales and clients in and out as CSV files
// (node/exchange/ reads and writes them).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "node/exchange/client_csv.h"
#include "node/exchange/sales_csv.h"

namespace crm::admin {

class ExchangeCommands {
 public:
  // Adds import (sales, clients) and export (sales, clients) to `app`.
  explicit ExchangeCommands(CLI::App& app);
  ExchangeCommands(const ExchangeCommands&) = delete;
  ExchangeCommands& operator=(const ExchangeCommands&) = delete;

  // Runs the import or export the command line chose and returns its exit
  // code: 0 (also with rejected lines, which are reported), 2 for bad
  // arguments, 1 if anything else fails; nullopt if it chose neither.
  std::optional<int> Run();

 private:
  int Export();

  std::string data_;
  std::string csv_file_, rejects_file_;
  std::vector<std::string> mappings_;  // --map FIELD=COLUMN
  ImportOptions import_options_;
  ClientImportOptions client_options_;
  std::string export_out_, export_zone_ = "UTC";
  CLI::App* import_ = nullptr;
  CLI::App* import_sales_ = nullptr;
  CLI::App* import_clients_ = nullptr;
  CLI::App* export_ = nullptr;
  CLI::App* export_sales_ = nullptr;
};

}  // namespace crm::admin
