// Fuzzes `crm-admin import clients` with a CSV file as it might come from
// another CRM or a hostile hand: the reader, the column mapping, the checks of
// every field (phones, emails, dates, consents, tags) and the writes of what
// passes, into a real store that keeps what earlier inputs wrote (so updates
// of existing clients are fuzzed too). Nothing may crash, and every line read
// has exactly one outcome: written, updated, unchanged, left alone (removed or
// merged in the store) or rejected with a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "node/exchange/client_csv.h"
#include "tests/fuzz/fuzz_node.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static crm::fuzz::FuzzNode* node = new crm::fuzz::FuzzNode("client-import");
  std::istringstream csv(std::string(reinterpret_cast<const char*>(data), size));
  crm::ClientImportOptions options;
  options.clients_per_transaction = 3;  // several transactions even for small inputs
  auto report = crm::ImportClients(*node->runtime.writer, *node->runtime.hlc, csv, options);
  if (!report.ok()) {
    if (report.status().message().empty()) std::abort();  // an error must say what stopped it
    return 0;  // no header, no ClientNumber column
  }
  for (const crm::ImportRejection& rejection : report->rejected) {
    if (rejection.line == 0 || rejection.reason.empty()) std::abort();
  }
  // Every line read has exactly one outcome.
  size_t clients = report->clients_written + report->clients_updated + report->clients_unchanged +
                   report->clients_removed + report->clients_merged;
  if (clients + report->rejected.size() != report->lines) std::abort();
  return 0;
}
