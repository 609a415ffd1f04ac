#include "node/store/internal.h"

#include "node/common/text.h"

namespace crm::store_internal {

Status AsStoreFailure(const Status& status) {
  switch (status.code()) {
    case StatusCode::kResourceExhausted:
    case StatusCode::kIOError:
    case StatusCode::kUnavailable:
    case StatusCode::kInternal:
      return status;
    default:
      return Status::Internal("writing a change failed: " + status.ToString());
  }
}

std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (56 - 8 * i));
  return out;
}

uint64_t ReadBigEndian64(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) v = v << 8 | static_cast<uint8_t>(bytes[i]);
  return v;
}

std::string IdBytes(const Id& id) {
  auto bytes = id.ToBytes();
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Id IdFromBytes(std::string_view bytes) {
  return Id::FromBytes(reinterpret_cast<const uint8_t*>(bytes.data()));
}

std::string RecordKey(EntityKind kind, const Id& id) {
  std::string key(1, static_cast<char>(kind));
  key += IdBytes(id);
  return key;
}

std::string EncodeStamp(const Stamp& stamp) {
  std::string out = BigEndian64(static_cast<uint64_t>(stamp.physical));
  out += BigEndian64(stamp.logical).substr(4);
  out += IdBytes(stamp.node);
  return out;
}

Result<Stamp> DecodeStamp(std::string_view bytes) {
  if (bytes.size() != 28) return Status::Corruption("stored HLC stamp has the wrong size");
  Stamp stamp;
  stamp.physical = static_cast<int64_t>(ReadBigEndian64(bytes.substr(0, 8)));
  stamp.logical = static_cast<uint32_t>(ReadBigEndian64(bytes.substr(8, 4)));
  stamp.node = IdFromBytes(bytes.substr(12, 16));
  return stamp;
}

std::string RecordName(std::string_view key) {
  if (key.size() != 17) return "record under a malformed key of " + std::to_string(key.size()) + " bytes";
  const auto raw = static_cast<uint8_t>(key[0]);
  std::string kind = IsKnownKind(raw) ? std::string(EntityName(static_cast<EntityKind>(raw)))
                                      : "record of unknown kind " + std::to_string(raw);
  return kind + " " + IdFromBytes(key.substr(1)).ToString();
}

std::string KeyIndexKey(EntityKind kind, std::string_view key) {
  if (key.empty()) return {};
  std::string out(1, static_cast<char>(kind));
  out += kind == EntityKind::USER ? FoldForSearch(key) : std::string(key);
  return out;
}

Result<std::vector<Id>> FindIds(const lmdb::Txn& txn, lmdb::Table table, std::string_view key,
                                size_t limit) {
  std::vector<Id> ids;
  key = IndexKey(key);
  if (key.empty()) return ids;
  // Most keys asked about are held by nobody: one lookup settles those.
  auto first = txn.Get(table, key);
  if (!first.ok()) {
    if (first.status().code() == StatusCode::kNotFound) return ids;
    return first.status();
  }
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn.OpenCursor(table));
  CRM_RETURN_IF_ERROR(cursor.Seek(key));
  while (cursor.valid() && cursor.key() == key && ids.size() < limit) {
    ids.push_back(IdFromBytes(cursor.value()));
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return ids;
}

Status Overwrite(lmdb::Txn& txn, lmdb::Table table, std::string_view key,
                 std::optional<std::string_view> value) {
  // As stored, checksum included: a damaged value is zeroed too.
  CRM_ASSIGN_OR_RETURN(std::string_view old, txn.Get(table.Raw(), key));
  // Same length: LMDB writes it over the old bytes in the page it copied
  // for this transaction, before the value moves or goes.
  CRM_RETURN_IF_ERROR(txn.Put(table.Raw(), key, std::string(old.size(), '\0')));
  if (value) return txn.Put(table, key, *value);
  return txn.Delete(table, key);
}

}  // namespace crm::store_internal
