// Fuzzes `crm-admin import sales` with a CSV file as it might come from any
// shop system or a hostile hand: the reader, the column mapping, the checks
// of every field and the writes of what passes, into a real store. Nothing
// may crash; every line read is either imported or rejected with a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "node/exchange/sales_csv.h"
#include "tests/fuzz/fuzz_node.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static crm::fuzz::FuzzNode* node = new crm::fuzz::FuzzNode("import");
  std::istringstream csv(std::string(reinterpret_cast<const char*>(data), size));
  crm::ImportOptions options;
  options.sales_per_transaction = 7;  // several transactions even for small inputs
  auto report = crm::ImportSales(*node->runtime.writer, *node->runtime.hlc, csv, options);
  if (!report.ok()) return 0;  // no header, a required column missing
  if (report->lines_imported + report->rejected.size() < report->lines) std::abort();
  for (const crm::ImportRejection& rejection : report->rejected) {
    if (rejection.line == 0 || rejection.reason.empty()) std::abort();
  }
  return 0;
}
