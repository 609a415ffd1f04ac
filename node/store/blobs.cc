#include "node/store/blobs.h"

#include "node/store/internal.h"
#include "node/store/store.h"

namespace crm {

Result<std::string> BlobsView::Get(std::string_view sha256) const {
  auto bytes = txn_.Get(table_, sha256);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no file with SHA-256 " + std::string(sha256));
    }
    return bytes.status();
  }
  return std::string(*bytes);
}

Status Blobs::Put(std::string_view sha256, std::string_view content) {
  auto existing = write_.Get(table_, sha256);
  if (existing.ok()) return Status::Ok();
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  return write_.Put(table_, sha256, content);
}

Status Blobs::Drop(std::string_view sha256) {
  Status dropped = store_internal::Overwrite(write_, table_, sha256, std::nullopt);
  if (dropped.code() == StatusCode::kNotFound) return Status::Ok();
  store_.RequestWipe();
  return dropped;
}

}  // namespace crm
