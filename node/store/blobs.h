// The files attached to records as stores from before replicated content
// kept them (table blobs), once per content under the SHA-256 (hex) of their
// bytes; new files are FileContent records (node/store/file_content.h), and
// these are published as such when a node serves the store. Small classes over a store transaction:
// StoreView::blobs() reads, StoreTxn::blobs() writes too.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/store/lmdb.h"
#include "sync/base/status.h"

namespace crm {

class Store;

class BlobsView {
 public:
  BlobsView(const lmdb::Txn& txn, lmdb::Table table) : txn_(txn), table_(table) {}

  // The content of the file `sha256`; kNotFound naming it if none is kept.
  Result<std::string> Get(std::string_view sha256) const;
  // The first `limit` files in key order, as (SHA-256, content).
  Result<std::vector<std::pair<std::string, std::string>>> First(size_t limit) const;

 protected:
  const lmdb::Txn& txn_;
  lmdb::Table table_;
};

class Blobs : public BlobsView {
 public:
  Blobs(lmdb::Txn& txn, lmdb::Table table, const Store& store)
      : BlobsView(txn, table), write_(txn), store_(store) {}

  // Keeps `content` under `sha256` (its digest, which the caller computed);
  // nothing happens if that content is kept already.
  Status Put(std::string_view sha256, std::string_view content);
  // Forgets the file, its bytes zeroed first (an erase: the writer then
  // wipes the free pages, Store::RequestWipe). OK if there is none.
  Status Drop(std::string_view sha256);
  // Forgets the file without zeroing it (its content lives on elsewhere in
  // the store, as a FileContent record). OK if there is none.
  Status Forget(std::string_view sha256);

 private:
  lmdb::Txn& write_;
  const Store& store_;
};

}  // namespace crm
