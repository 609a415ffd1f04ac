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

Result<std::vector<std::pair<std::string, std::string>>> BlobsView::First(size_t limit) const {
  std::vector<std::pair<std::string, std::string>> files;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(table_));
  CRM_RETURN_IF_ERROR(cursor.First());
  while (cursor.valid() && files.size() < limit) {
    files.emplace_back(std::string(cursor.key()), std::string(cursor.value()));
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return files;
}

Status Blobs::Forget(std::string_view sha256) {
  Status deleted = write_.Delete(table_, sha256);
  return deleted.code() == StatusCode::kNotFound ? Status::Ok() : deleted;
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
