// Fuzzes `crm-admin import interactions|notes|tasks|feedback|deals|payments`
// with a CSV file as it might come from another system or a hostile hand:
// the first byte chooses the kind, the rest is the file. The store holds a
// few clients (cards 1 to 3) and keeps what earlier inputs wrote, so new
// records, patches of notes, tasks and deals, and re-runs are all fuzzed.
// Nothing may crash, an error must say what stopped the import, and every
// line read has exactly one outcome: written, updated, unchanged, left
// alone (deleted in the store) or rejected with its line and a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "node/exchange/client_csv.h"
#include "node/exchange/records_csv.h"
#include "tests/fuzz/fuzz_node.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static crm::fuzz::FuzzNode* node = [] {
    auto* made = new crm::fuzz::FuzzNode("record-import");
    std::istringstream clients("ClientNumber,FirstName\n1,Ann\n2,Bob\n3,Cy\n");
    if (!crm::ImportClients(*made->runtime.writer, *made->runtime.hlc, clients, {}).ok()) {
      std::abort();
    }
    return made;
  }();
  if (size == 0) return 0;
  const std::vector<crm::RecordFile> kinds = crm::AllRecordFiles();
  const crm::RecordFile kind = kinds[data[0] % kinds.size()];
  std::istringstream csv(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  crm::RecordImportOptions options;
  options.records_per_transaction = 3;  // several transactions even for small inputs
  auto report = crm::ImportRecords(*node->runtime.writer, *node->runtime.hlc, csv, kind, options);
  if (!report.ok()) {
    if (report.status().message().empty()) std::abort();
    return 0;  // no header, a required column missing
  }
  for (const crm::ImportRejection& rejection : report->rejected) {
    if (rejection.line == 0 || rejection.reason.empty()) std::abort();
  }
  size_t records = report->written + report->updated + report->unchanged + report->removed;
  if (records + report->rejected.size() != report->lines) std::abort();
  return 0;
}
