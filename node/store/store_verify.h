// Checking a whole store (crm-admin verify): every value of the sealed tables
// against its checksum, every record and log entry decoded, the indexes
// against the records, every file against its SHA-256 and the audit log's
// hash chain. See docs/storage.md, "Checksums".
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "node/store/store.h"
#include "sync/base/entities.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

struct StoreCheck {
  uint64_t records = 0;
  uint64_t log_entries = 0;
  uint64_t index_entries = 0;
  uint64_t other_values = 0;  // meta, log sources, quarantine, conflicts, requests, duplicates
  uint64_t files = 0;
  uint64_t audit_entries = 0;
  // One line for each thing found wrong, naming it and what to do.
  std::vector<std::string> problems;
  // The records among them whose bytes are damaged: a hub holds a copy
  // (StoreTxn::MarkDamaged records them for the uplink to fetch back).
  std::vector<std::pair<EntityKind, Id>> damaged_records;
  bool clean() const { return problems.empty(); }
};

// Checks the whole store in one read snapshot; a node may serve it
// meanwhile. An error only when the store cannot be read at all; damage is
// in the result.
Result<StoreCheck> VerifyStore(const Store& store);

}  // namespace crm
