// Fuzzes what `crm-admin audit verify` and `audit list` do with an audit
// entry read back from a store someone may have edited: the entry is put in
// place (in a transaction that is then dropped), the chain is checked and the
// entry read. Neither may crash; a verdict on bytes this random must not say
// "intact" unless they really hash to the stored head.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/common/crypto.h"
#include "node/store/audit.h"
#include "node/store/store.h"
#include "tests/fuzz/fuzz_node.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static crm::fuzz::FuzzNode* node = new crm::fuzz::FuzzNode("audit");
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto txn = node->runtime.store->BeginWrite();
  if (!txn.ok()) return 0;
  // The first 64 bytes stand for the stored hash, as in the store; the head
  // names the same hash, so only the entry's own checks decide.
  std::string hash(bytes.substr(0, 64));
  if (!txn->audit().Put(1, bytes, "1:" + hash).ok()) return 0;
  auto verdict = crm::VerifyAudit(*txn);
  if (verdict.ok() && verdict->intact()) {
    // Intact means the content hashes to what is stored.
    if (bytes.size() < 64 || crm::Sha256Hex(bytes.substr(64)) != hash) std::abort();
  }
  (void)crm::ReadAuditLog(*txn, 1, 10);
  return 0;  // the transaction is dropped uncommitted
}
