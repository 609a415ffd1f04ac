// crm-admin import and export: sales, clients and a card's other records
// (interactions, notes, tasks, feedback, deals, payments) in and out as CSV
// files (node/exchange/ reads and writes them). "-" is standard input or
// output.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "node/exchange/client_csv.h"
#include "node/exchange/records_csv.h"
#include "node/exchange/sales_csv.h"

namespace crm::admin {

class ExchangeCommands {
 public:
  // Adds import and export of sales, clients and each RecordFile to `app`.
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
  RecordImportOptions record_options_;
  std::string export_out_, export_zone_ = "UTC";
  CLI::App* import_ = nullptr;
  CLI::App* import_sales_ = nullptr;
  CLI::App* import_clients_ = nullptr;
  CLI::App* export_ = nullptr;
  CLI::App* export_sales_ = nullptr;
  CLI::App* export_clients_ = nullptr;
  std::vector<std::pair<RecordFile, CLI::App*>> import_records_, export_records_;
};

}  // namespace crm::admin
