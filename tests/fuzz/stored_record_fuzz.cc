// Fuzzes what a node does with a stored record it reads back, or receives in
// a snapshot page: packed decoding, the shape check, merging it with itself
// and installing it into a store (in a transaction that is then dropped).
#include <capnp/message.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "node/store/store.h"
#include "sync/base/codec.h"
#include "sync/merge.h"
#include "tests/fuzz/fuzz_node.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static crm::fuzz::FuzzNode* node = new crm::fuzz::FuzzNode("records");
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = crm::DecodedMessage::DecodePacked(bytes);
  if (!decoded.ok()) return 0;
  try {
    auto record = decoded->Root<crm::schema::StoredRecord>();
    if (!crm::CheckStoredShape(record).ok()) return 0;
    (void)crm::IsLive(record);
    // A record from outside may be inconsistent (a value that its elements
    // do not make): merging rebuilds it from its stamps. What the merge
    // makes, though, merged with itself again, must come out the same.
    capnp::MallocMessageBuilder once;
    auto first = crm::MergeStored(record, record, once.initRoot<crm::schema::StoredRecord>());
    if (first.ok()) {
      auto normal = once.getRoot<crm::schema::StoredRecord>().asReader();
      capnp::MallocMessageBuilder twice;
      auto second = crm::MergeStored(normal, normal, twice.initRoot<crm::schema::StoredRecord>());
      if (!second.ok() || second->changed) std::abort();
    }
  } catch (const kj::Exception&) {
    return 0;  // malformed pointers surface as exceptions, which the node catches
  }
  auto txn = node->runtime.store->BeginWrite();
  if (txn.ok()) (void)txn->InstallRecord(decoded->Root<crm::schema::StoredRecord>());
  return 0;  // the transaction is dropped uncommitted
}
