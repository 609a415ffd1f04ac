// Converting a store written before checksums (format crm-store-4) to
// crm-store-5: every value of the sealed tables is written again with its
// checksum (docs/storage.md, "Checksums").
#include <string>
#include <utility>
#include <vector>

#include "node/store/store.h"

namespace crm {
namespace {

// The meta key under which the conversion of `table` records the last key it
// converted. Meta itself is converted last, in one transaction with the
// format, so until then these are read and written as stored.
std::string ProgressKey(const lmdb::Table& table) { return std::string("convert/") + table.name; }

// Runs `work` in a write transaction and commits it; grows the map and runs
// it again if it ran out of room.
template <typename Work>
Status InWriteTransaction(lmdb::Env& env, Work&& work) {
  for (;;) {
    CRM_ASSIGN_OR_RETURN(lmdb::Txn txn, env.BeginWrite());
    Status done = work(txn);
    if (done.ok()) done = txn.Commit();
    if (done.ok()) return done;
    if (!txn.map_full()) return done;
    txn.Abort();
    CRM_RETURN_IF_ERROR(env.GrowMap());
  }
}

}  // namespace

Status Store::ConvertToChecksums(const StoreOptions& options) {
  const StoreTables& t = tables_;
  const lmdb::Table meta = t.meta.Raw();
  const size_t batch = std::max<size_t>(options.conversion_batch, 1);
  for (const lmdb::Table& table :
       {t.records, t.log, t.log_source, t.quarantine, t.duplicates, t.requests, t.conflicts}) {
    uint64_t done = 0;
    for (bool more = true; more;) {
      uint64_t converted = 0;
      CRM_RETURN_IF_ERROR(InWriteTransaction(*env_, [&](lmdb::Txn& txn) -> Status {
        converted = 0;
        // Keys up to the one recorded are converted already.
        std::vector<std::pair<std::string, std::string>> entries;
        {
          CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn.OpenCursor(table.Raw()));
          auto last = txn.Get(meta, ProgressKey(table));
          if (last.ok()) {
            std::string after(*last);
            CRM_RETURN_IF_ERROR(cursor.Seek(after));
            if (cursor.valid() && cursor.key() == after) CRM_RETURN_IF_ERROR(cursor.Next());
          } else if (last.status().code() == StatusCode::kNotFound) {
            CRM_RETURN_IF_ERROR(cursor.First());
          } else {
            return last.status();
          }
          while (cursor.valid() && entries.size() < batch) {
            entries.emplace_back(cursor.key(), cursor.value());
            CRM_RETURN_IF_ERROR(cursor.Next());
          }
        }
        for (const auto& [key, value] : entries) CRM_RETURN_IF_ERROR(txn.Put(table, key, value));
        if (!entries.empty()) CRM_RETURN_IF_ERROR(txn.Put(meta, ProgressKey(table), entries.back().first));
        converted = entries.size();
        return Status::Ok();
      }));
      more = converted == batch;
      done += converted;
      if (converted > 0 && options.on_conversion && !options.on_conversion(table.name, done)) {
        return Status::Unavailable("converting store " + dir_.string() +
                                   " to checksums stopped in table " + table.name +
                                   "; opening it again resumes the conversion");
      }
    }
  }
  // Last, in one transaction: meta with its checksums, and the new format.
  return InWriteTransaction(*env_, [&](lmdb::Txn& txn) -> Status {
    std::vector<std::pair<std::string, std::string>> entries;
    {
      CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn.OpenCursor(meta));
      CRM_RETURN_IF_ERROR(cursor.First());
      while (cursor.valid()) {
        entries.emplace_back(cursor.key(), cursor.value());
        CRM_RETURN_IF_ERROR(cursor.Next());
      }
    }
    for (const auto& [key, value] : entries) {
      if (key.rfind("convert/", 0) == 0) {
        CRM_RETURN_IF_ERROR(txn.Delete(meta, key));
      } else if (key != kMetaFormat) {
        CRM_RETURN_IF_ERROR(txn.Put(t.meta, key, value));
      }
    }
    return txn.Put(t.meta, kMetaFormat, kFormatVersion);
  });
}

}  // namespace crm
