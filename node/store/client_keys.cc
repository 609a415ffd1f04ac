// Making the client search keys again when this build makes them another way
// than the build that wrote the store (docs/storage.md, "Client search keys"):
// by_name and by_identity are emptied and filled from the client records, in
// batches, each transaction recording how far it got.
#include <algorithm>
#include <string>
#include <vector>

#include "node/store/client_index.h"
#include "node/store/internal.h"
#include "node/store/store.h"

namespace crm {
namespace {

using namespace store_internal;  // NOLINT(build/namespaces): node/store/internal.h

// The meta entry naming how the client search keys are made (absent in a
// store made before transliteration: folded name tokens only, no identity
// keys), and the one recording the last client re-keyed by a rebuild under way.
constexpr std::string_view kMetaClientKeys = "index/client_keys";
constexpr std::string_view kClientKeysVersion =
    "names:token+latin+skeleton;identity:name+birth,address";
constexpr std::string_view kMetaClientKeysDone = "index/client_keys_done";

}  // namespace

Status StoreTxn::RekeyClient(const Id& id, schema::Client::Reader client) {
  const StoreTables& t = store_->tables_;
  const std::string id_bytes = IdBytes(id);
  ClientIndexKeys keys = IndexKeysOf(client);
  for (const std::string& key : keys.names) {
    CRM_RETURN_IF_ERROR(txn_.Put(t.by_name, IndexKey(key), id_bytes));
  }
  for (const std::string& key : keys.identities) {
    CRM_ASSIGN_OR_RETURN(std::vector<Id> holders,
                         FindIds(txn_, t.by_identity, key, kMaxIdentityPairs));
    for (const Id& other : holders) {
      if (other == id) continue;
      std::string pair = other < id ? IdBytes(other) + id_bytes : id_bytes + IdBytes(other);
      // A pair listed already keeps what it was listed for.
      auto listed = txn_.Get(t.duplicates, pair);
      if (listed.ok()) continue;
      if (listed.status().code() != StatusCode::kNotFound &&
          listed.status().code() != StatusCode::kCorruption) {
        return listed.status();
      }
      CRM_RETURN_IF_ERROR(txn_.Put(t.duplicates, pair, key));
    }
    CRM_RETURN_IF_ERROR(txn_.Put(t.by_identity, IndexKey(key), id_bytes));
  }
  return Status::Ok();
}

Status Store::RebuildClientKeys(const StoreOptions& options) {
  const size_t batch = std::max<size_t>(options.conversion_batch, 1);
  const std::string prefix(1, static_cast<char>(EntityKind::CLIENT));
  uint64_t rekeyed = 0;
  for (bool finished = false; !finished;) {
    size_t count = 0;
    bool map_full = false;
    // One batch: the clients after the last one re-keyed, and how far it got.
    Status step = [&]() -> Status {
      CRM_ASSIGN_OR_RETURN(StoreTxn txn, BeginWrite());
      auto marked = txn.txn_.Get(tables_.meta, kMetaClientKeys);
      if (marked.ok() && *marked == kClientKeysVersion) {
        finished = true;
        return Status::Ok();
      }
      if (!marked.ok() && marked.status().code() != StatusCode::kNotFound) return marked.status();
      auto done = txn.txn_.Get(tables_.meta, kMetaClientKeysDone);
      if (!done.ok() && done.status().code() != StatusCode::kNotFound) return done.status();
      const std::string after = done.ok() ? std::string(*done) : std::string();
      auto batch_done = [&]() -> Status {
        if (!done.ok()) {
          // A fresh start: the keys made the old way go, all of them.
          CRM_RETURN_IF_ERROR(txn.txn_.Clear(tables_.by_name));
          CRM_RETURN_IF_ERROR(txn.txn_.Clear(tables_.by_identity));
        }
        std::vector<std::string> keys;
        {
          CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn.txn_.OpenCursor(tables_.records.Raw()));
          CRM_RETURN_IF_ERROR(cursor.Seek(after.empty() ? prefix : after));
          if (cursor.valid() && !after.empty() && cursor.key() == after) {
            CRM_RETURN_IF_ERROR(cursor.Next());
          }
          while (cursor.valid() && StartsWith(cursor.key(), prefix) && keys.size() < batch) {
            keys.emplace_back(cursor.key());
            CRM_RETURN_IF_ERROR(cursor.Next());
          }
        }
        for (const std::string& key : keys) {
          Id id = IdFromBytes(std::string_view(key).substr(1));
          auto record = txn.Get(EntityKind::CLIENT, id);
          // A damaged client is keyed when it is fetched back (damaged.cc).
          if (!record.ok() && record.status().code() == StatusCode::kCorruption) continue;
          if (!record.ok()) return record.status();
          if (!IsLive(record->stored())) continue;
          CRM_RETURN_IF_ERROR(txn.RekeyClient(id, record->value<schema::Client>()));
        }
        count = keys.size();
        if (count == batch) return txn.txn_.Put(tables_.meta, kMetaClientKeysDone, keys.back());
        if (done.ok()) CRM_RETURN_IF_ERROR(txn.txn_.Delete(tables_.meta, kMetaClientKeysDone));
        finished = true;
        return txn.txn_.Put(tables_.meta, kMetaClientKeys, kClientKeysVersion);
      }();
      if (batch_done.ok()) batch_done = txn.Commit();
      map_full = txn.map_full();
      return batch_done;
    }();
    if (!step.ok()) {
      if (!map_full) return step;
      finished = false;
      CRM_RETURN_IF_ERROR(GrowMap());
      continue;
    }
    rekeyed += count;
    if (!finished && options.on_conversion && !options.on_conversion("client keys", rekeyed)) {
      return Status::Unavailable("rebuilding the client search keys of store " + dir_.string() +
                                 " stopped; opening it again resumes it");
    }
  }
  return Status::Ok();
}

}  // namespace crm
