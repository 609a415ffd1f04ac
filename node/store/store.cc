#include "node/store/store.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <kj/exception.h>

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <unordered_set>

#include "node/common/text.h"
#include "node/store/checksum.h"
#include "node/store/client_index.h"
#include "node/store/erasure.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/merge.h"

namespace crm {
namespace {

constexpr std::string_view kMetaNodeId = "node_id";
constexpr std::string_view kMetaInstanceId = "instance_id";
constexpr std::string_view kMetaLogSeq = "log_seq";
constexpr std::string_view kMetaAuditHead = "audit_head";
constexpr std::string_view kMetaAwaitingOwnHistory = "awaiting_own_history";
constexpr std::string_view kMetaHlc = "hlc";
constexpr std::string_view kMetaLogFloor = "log_floor";
constexpr std::string_view kMetaOfficeCode = "office_code";
constexpr std::string_view kMetaLoginLockPrefix = "login_lock/";
// After the delivering peer's id in log_source: the entry is held back.
constexpr char kHeldBackMark = 'H';
constexpr std::string_view kMetaVersionPrefix = "vv/";
// Records found damaged, for the uplink to fetch back: + kind(1) + id(16).
constexpr std::string_view kMetaDamagedPrefix = "damaged/";

// LMDB keys are at most 511 bytes; longer index values are cut (the same cut
// applies to lookups, so they still find them).
constexpr size_t kMaxIndexKey = 400;
// How many index entries a multi-word name search examines at most.
constexpr size_t kNameScanBudget = 20000;

std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (56 - 8 * i));
  return out;
}

// Reads up to 8 big-endian bytes.
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

std::string_view IndexKey(std::string_view value) { return value.substr(0, kMaxIndexKey); }

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

// The first segment of a merged record: most records fit, and a bigger first
// segment costs more to clear than the merge of a typical record.
constexpr unsigned kSmallRecordWords = 256;

// A write of the second phase of Apply failed: the store cannot take it, and
// the whole transaction must go (see StoreTxn::Apply).
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

// The fields of each record type that name another record: `client`, `sale`
// and (of a merged client) `mergedInto`. Looked up once.
const std::vector<capnp::StructSchema::Field>& LinkFieldsOf(EntityKind kind) {
  static const std::vector<std::vector<capnp::StructSchema::Field>> table = [] {
    std::vector<std::vector<capnp::StructSchema::Field>> all;
    for (uint16_t raw = 0; IsKnownKind(raw); ++raw) {
      capnp::StructSchema schema = RecordSchema(static_cast<EntityKind>(raw));
      std::vector<capnp::StructSchema::Field> fields;
      for (const char* name : {"client", "sale", "mergedInto"}) {
        KJ_IF_MAYBE(field, schema.findFieldByName(name)) { fields.push_back(*field); }
      }
      all.push_back(std::move(fields));
    }
    return all;
  }();
  return table[static_cast<size_t>(kind)];
}

// The ids a record refers to in its `client` and `sale` fields (and a merged
// client, in `mergedInto`).
std::vector<Id> LinksOf(EntityKind kind, schema::StoredRecord::Reader stored) {
  std::vector<Id> links;
  const auto& fields = LinkFieldsOf(kind);
  if (fields.empty()) return links;
  auto value = stored.getValue().getAs<capnp::DynamicStruct>(RecordSchema(kind));
  for (const capnp::StructSchema::Field& field : fields) {
    if (!value.has(field)) continue;
    Id id = IdFromWire(value.get(field).as<schema::Id>());
    if (!id.IsNull()) links.push_back(id);
  }
  return links;
}

// The unique-key index entry of a record: kind(1) + key, or empty.
std::string KeyIndexKey(EntityKind kind, std::string_view key) {
  if (key.empty()) return {};
  std::string out(1, static_cast<char>(kind));
  out += kind == EntityKind::USER ? FoldForSearch(key) : std::string(key);
  return out;
}

std::string UniqueKeyOf(EntityKind kind, schema::StoredRecord::Reader stored) {
  auto text = [](capnp::Text::Reader t) { return std::string_view(t.cStr(), t.size()); };
  switch (kind) {
    case EntityKind::USER:
      return KeyIndexKey(kind, text(stored.getValue().getAs<schema::User>().getLogin()));
    case EntityKind::PRODUCT:
      return KeyIndexKey(kind, text(stored.getValue().getAs<schema::Product>().getSku()));
    case EntityKind::SALE:
      return KeyIndexKey(kind, text(stored.getValue().getAs<schema::Sale>().getReceiptNo()));
    default:
      return {};
  }
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// "client 01H...": the record a records key names, for messages.
std::string RecordName(std::string_view key) {
  if (key.size() != 17) return "record under a malformed key of " + std::to_string(key.size()) + " bytes";
  const auto raw = static_cast<uint8_t>(key[0]);
  std::string kind = IsKnownKind(raw) ? std::string(EntityName(static_cast<EntityKind>(raw)))
                                      : "record of unknown kind " + std::to_string(raw);
  return kind + " " + IdFromBytes(key.substr(1)).ToString();
}

// Runs `fn`, a caller's work on the stored record under `key`: a record
// whose pointers lead nowhere throws when read, and becomes kCorruption
// naming it.
template <typename Fn>
Status CallOnRecord(std::string_view key, Fn&& fn) {
  try {
    return fn();
  } catch (const kj::Exception& e) {
    return Status::Corruption("the stored " + RecordName(key) +
                              " cannot be read: " + e.getDescription().cStr());
  }
}

Status ValidateChange(schema::Change::Reader change) {
  auto raw_kind = static_cast<uint16_t>(change.getEntity());
  if (!IsKnownKind(raw_kind)) {
    return Status::InvalidArgument("entity", "unknown entity kind " + std::to_string(raw_kind));
  }
  if (!change.hasId() || IdFromWire(change.getId()).IsNull()) {
    return Status::InvalidArgument("id", "a change needs a record id");
  }
  if (!change.hasStamp() || change.getStamp().getPhysical() <= 0 ||
      !change.getStamp().hasNode() || IdFromWire(change.getStamp().getNode()).IsNull()) {
    return Status::InvalidArgument("stamp", "a change needs an HLC stamp with a time and a node");
  }
  if (!change.hasOrigin() || IdFromWire(change.getOrigin()).IsNull() || change.getOriginSeq() == 0) {
    return Status::InvalidArgument("origin", "a change needs its origin node and origin seq");
  }
  bool event = IsEventKind(change.getEntity());
  switch (change.which()) {
    case schema::Change::PATCH:
      if (event) {
        return Status::InvalidArgument(
            "patch", std::string("a ") + std::string(EntityName(change.getEntity())) +
                         " is written once, never patched");
      }
      return CheckRecordShape(change);
    case schema::Change::EVENT:
      if (!event) {
        return Status::InvalidArgument(
            "event", std::string("a ") + std::string(EntityName(change.getEntity())) +
                         " is changed by patches");
      }
      return CheckRecordShape(change);
    case schema::Change::TOMBSTONE:
    case schema::Change::ERASE:
      if (event) {
        return Status::InvalidArgument(
            "change", std::string("a ") + std::string(EntityName(change.getEntity())) +
                          " is written once and kept");
      }
      return Status::Ok();
  }
  return Status::InvalidArgument("change", "unknown kind of change body");
}

}  // namespace

// ---- StoreView ------------------------------------------------------------

Result<Record> StoreView::Get(EntityKind kind, const Id& id) const {
  const std::string key = RecordKey(kind, id);
  auto bytes = txn_.Get(store_->tables_.records, key);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(std::string(EntityName(kind)) + " " + id.ToString() +
                              " does not exist");
    }
    if (bytes.status().code() == StatusCode::kCorruption) {
      return store_->DamagedRecord(key, bytes.status());
    }
    return bytes.status();
  }
  auto message = DecodedMessage::DecodePacked(*bytes);
  if (!message.ok()) return store_->DamagedRecord(key, message.status());
  return Record(std::move(message).value());
}

Result<std::vector<Id>> StoreView::FindExact(lmdb::Table table, std::string_view key) const {
  std::vector<Id> ids;
  key = IndexKey(key);
  if (key.empty()) return ids;
  // Most keys asked about are held by nobody: one lookup settles those.
  auto first = txn_.Get(table, key);
  if (!first.ok()) {
    if (first.status().code() == StatusCode::kNotFound) return ids;
    return first.status();
  }
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(table));
  CRM_RETURN_IF_ERROR(cursor.Seek(key));
  while (cursor.valid() && cursor.key() == key) {
    ids.push_back(IdFromBytes(cursor.value()));
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return ids;
}

Result<std::vector<Id>> StoreView::FindByPhone(std::string_view e164) const {
  return FindExact(store_->tables_.by_phone, e164);
}

Result<std::vector<Id>> StoreView::FindByEmail(std::string_view email) const {
  return FindExact(store_->tables_.by_email, email);
}

Result<std::vector<Id>> StoreView::FindByCard(std::string_view card) const {
  return FindExact(store_->tables_.by_card, card);
}

Result<std::vector<Id>> StoreView::FindByName(std::string_view query, size_t limit) const {
  std::vector<Id> found;
  std::vector<std::string> words = SearchTokens(query);
  if (words.empty() || limit == 0) return found;
  // Scan the index for the longest word (the most selective); check the others
  // against each candidate's own tokens.
  std::sort(words.begin(), words.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  const std::string& scan_word = words.front();

  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.by_name));
  CRM_RETURN_IF_ERROR(cursor.Seek(scan_word));
  std::unordered_set<Id, IdHash> seen;
  size_t scanned = 0;
  while (cursor.valid() && StartsWith(cursor.key(), scan_word) && found.size() < limit &&
         scanned++ < kNameScanBudget) {
    Id id = IdFromBytes(cursor.value());
    if (seen.insert(id).second) {
      bool matches = true;
      if (words.size() > 1) {
        auto found_record = Get(EntityKind::CLIENT, id);
        // A damaged client cannot be matched: it is left out (and noted).
        if (!found_record.ok() && found_record.status().code() == StatusCode::kCorruption) {
          CRM_RETURN_IF_ERROR(cursor.Next());
          continue;
        }
        CRM_ASSIGN_OR_RETURN(Record record, std::move(found_record));
        std::set<std::string> tokens = NameTokensOf(record.value<schema::Client>());
        for (size_t i = 1; i < words.size() && matches; ++i) {
          matches = std::any_of(tokens.begin(), tokens.end(),
                                [&](const std::string& t) { return StartsWith(t, words[i]); });
        }
      }
      if (matches) found.push_back(id);
    }
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return found;
}

Result<std::vector<LogEntry>> StoreView::ReadLog(uint64_t from, size_t limit) const {
  std::vector<LogEntry> entries;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.log));
  Status moved = cursor.Seek(BigEndian64(from));
  while (cursor.valid() && entries.size() < limit) {
    const uint64_t seq = ReadBigEndian64(cursor.key());
    if (!moved.ok()) return store_->DamagedLogEntry(seq, moved);
    auto message = DecodedMessage::DecodePacked(cursor.value());
    if (!message.ok()) return store_->DamagedLogEntry(seq, message.status());
    Id source;
    bool held_back = false;
    auto source_bytes = txn_.Get(store_->tables_.log_source, cursor.key());
    if (source_bytes.ok() && source_bytes->size() >= 16) {
      source = IdFromBytes(source_bytes->substr(0, 16));
      held_back = source_bytes->size() == 17 && (*source_bytes)[16] == kHeldBackMark;
    } else if (!source_bytes.ok() && source_bytes.status().code() != StatusCode::kNotFound) {
      return store_->DamagedLogEntry(seq, source_bytes.status());
    }
    entries.push_back(LogEntry{seq, source, held_back, std::move(message).value()});
    moved = cursor.Next();
  }
  // A damaged entry past the limit belongs to the next read.
  if (!cursor.valid()) CRM_RETURN_IF_ERROR(moved);
  return entries;
}

Result<std::vector<std::pair<uint64_t, std::string>>> StoreView::ReadAudit(uint64_t from,
                                                                           size_t limit) const {
  std::vector<std::pair<uint64_t, std::string>> entries;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.audit));
  CRM_RETURN_IF_ERROR(cursor.Seek(BigEndian64(from)));
  while (cursor.valid() && entries.size() < limit) {
    if (cursor.key().size() != 8) return Status::Corruption("malformed audit log key");
    entries.emplace_back(ReadBigEndian64(cursor.key()), std::string(cursor.value()));
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return entries;
}

Result<std::string> StoreView::AuditHead() const {
  auto head = txn_.Get(store_->tables_.meta, kMetaAuditHead);
  if (!head.ok()) {
    if (head.status().code() == StatusCode::kNotFound) return std::string();
    return head.status();
  }
  return std::string(*head);
}

Result<bool> StoreView::AwaitingOwnHistory() const {
  auto flag = txn_.Get(store_->tables_.meta, kMetaAwaitingOwnHistory);
  if (flag.ok()) return true;
  if (flag.status().code() == StatusCode::kNotFound) return false;
  return flag.status();
}

Result<std::optional<std::string>> StoreView::LoginLock(std::string_view key) const {
  auto lock = txn_.Get(store_->tables_.meta, std::string(kMetaLoginLockPrefix) + std::string(key));
  if (lock.ok()) return std::optional<std::string>(std::string(*lock));
  if (lock.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
  return lock.status();
}

Result<std::vector<StoreView::Anomaly>> StoreView::Anomalies(size_t limit) const {
  std::vector<Anomaly> found;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.anomalies));
  CRM_RETURN_IF_ERROR(cursor.First());
  while (cursor.valid() && found.size() < limit) {
    std::string_view key = cursor.key();
    if (key.size() != 17) return Status::Corruption("malformed anomaly key");
    found.push_back(Anomaly{static_cast<EntityKind>(static_cast<uint8_t>(key[0])),
                            IdFromBytes(key.substr(1)), std::string(cursor.value())});
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return found;
}

Result<std::string> StoreView::OfficeCode() const {
  auto code = txn_.Get(store_->tables_.meta, kMetaOfficeCode);
  if (code.ok()) return std::string(*code);
  if (code.status().code() == StatusCode::kNotFound) return std::string();
  return code.status();
}

Result<std::vector<std::pair<EntityKind, Id>>> StoreView::RecordsLinkedTo(const Id& id) const {
  std::vector<std::pair<EntityKind, Id>> linked;
  std::string key = IdBytes(id);
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.by_link));
  CRM_RETURN_IF_ERROR(cursor.Seek(key));
  while (cursor.valid() && cursor.key() == key) {
    std::string_view link = cursor.value();
    if (link.size() != 17) return Status::Corruption("malformed link index entry");
    linked.emplace_back(static_cast<EntityKind>(static_cast<uint8_t>(link[0])),
                        IdFromBytes(link.substr(1)));
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return linked;
}

Result<Id> StoreView::FindByKey(EntityKind kind, std::string_view key) const {
  CRM_ASSIGN_OR_RETURN(std::vector<Id> ids,
                       FindExact(store_->tables_.by_key, KeyIndexKey(kind, key)));
  if (ids.empty()) {
    return Status::NotFound("no " + std::string(EntityName(kind)) + " '" + std::string(key) + "'");
  }
  return ids.front();
}

Result<Id> StoreView::ResolveClient(const Id& id) const {
  std::vector<Id> path;
  Id current = id;
  for (;;) {
    auto record = Get(EntityKind::CLIENT, current);
    if (!record.ok()) {
      if (record.status().code() == StatusCode::kNotFound) return path.empty() ? id : path.back();
      return record.status();
    }
    auto client = record->value<schema::Client>();
    Id next = client.hasMergedInto() ? IdFromWire(client.getMergedInto()) : Id{};
    path.push_back(current);
    if (next.IsNull() || next == current) return current;
    auto seen = std::find(path.begin(), path.end(), next);
    if (seen != path.end()) return *std::min_element(seen, path.end());  // a cycle
    current = next;
  }
}

Result<std::vector<StoreView::DuplicatePair>> StoreView::Duplicates() const {
  std::vector<DuplicatePair> pairs;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.duplicates));
  CRM_RETURN_IF_ERROR(cursor.First());
  while (cursor.valid()) {
    if (cursor.key().size() != 32) return Status::Corruption("malformed duplicate entry");
    Id first = IdFromBytes(cursor.key().substr(0, 16));
    Id second = IdFromBytes(cursor.key().substr(16));
    CRM_ASSIGN_OR_RETURN(Id a, ResolveClient(first));
    CRM_ASSIGN_OR_RETURN(Id b, ResolveClient(second));
    auto one = Get(EntityKind::CLIENT, first);
    auto two = Get(EntityKind::CLIENT, second);
    if (a != b && one.ok() && two.ok() && IsLive(one->stored()) && IsLive(two->stored())) {
      pairs.push_back(DuplicatePair{first, second, std::string(cursor.value())});
    }
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return pairs;
}

Result<bool> StoreView::AnyRecordOf(EntityKind kind) const {
  std::string prefix(1, static_cast<char>(kind));
  // Only keys are read: a damaged record still exists.
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.records.Raw()));
  CRM_RETURN_IF_ERROR(cursor.Seek(prefix));
  return cursor.valid() && StartsWith(cursor.key(), prefix);
}

Result<std::string> StoreView::GetBlob(std::string_view sha256) const {
  auto bytes = txn_.Get(store_->tables_.blobs, sha256);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no file with SHA-256 " + std::string(sha256));
    }
    return bytes.status();
  }
  return std::string(*bytes);
}

Result<uint64_t> StoreView::LocalChangeCount() const { return OriginSeqOf(store_->node_id_); }

Result<uint64_t> StoreView::OriginSeqOf(const Id& origin) const {
  return MetaCounter(std::string(kMetaVersionPrefix) + IdBytes(origin));
}

Result<std::map<Id, uint64_t>> StoreView::VersionVector() const {
  std::map<Id, uint64_t> vv;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.meta));
  CRM_RETURN_IF_ERROR(cursor.Seek(kMetaVersionPrefix));
  while (cursor.valid() && StartsWith(cursor.key(), kMetaVersionPrefix)) {
    std::string_view id = cursor.key().substr(kMetaVersionPrefix.size());
    if (id.size() != 16) return Status::Corruption("malformed version vector entry");
    vv[IdFromBytes(id)] = ReadBigEndian64(cursor.value());
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return vv;
}

Result<uint64_t> StoreView::Cursor(std::string_view name) const {
  return MetaCounter("cursor/" + std::string(name));
}

Status StoreView::ForEachOfKind(
    EntityKind kind,
    const std::function<Status(const Id&, schema::StoredRecord::Reader)>& fn) const {
  std::string prefix(1, static_cast<char>(kind));
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.records));
  Status moved = cursor.Seek(prefix);
  while (cursor.valid() && StartsWith(cursor.key(), prefix)) {
    CRM_ASSIGN_OR_RETURN(DecodedMessage message, ReadRecordAt(cursor, moved));
    CRM_RETURN_IF_ERROR(CallOnRecord(cursor.key(), [&] {
      return fn(IdFromBytes(cursor.key().substr(1)), message.Root<schema::StoredRecord>());
    }));
    moved = cursor.Next();
  }
  return cursor.valid() ? Status::Ok() : moved;
}

Result<Id> StoreView::CursorId(std::string_view name) const {
  auto bytes = txn_.Get(store_->tables_.meta, "cursor-id/" + std::string(name));
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return Id{};
    return bytes.status();
  }
  if (bytes->size() != 16) return Status::Corruption("malformed cursor id");
  return IdFromBytes(*bytes);
}

Status StoreView::ForEachRecord(
    const std::function<Status(EntityKind, const Id&, schema::StoredRecord::Reader)>& fn) const {
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.records));
  Status moved = cursor.First();
  while (cursor.valid()) {
    CRM_ASSIGN_OR_RETURN(DecodedMessage message, ReadRecordAt(cursor, moved));
    auto kind = static_cast<EntityKind>(static_cast<uint8_t>(cursor.key()[0]));
    CRM_RETURN_IF_ERROR(CallOnRecord(cursor.key(), [&] {
      return fn(kind, IdFromBytes(cursor.key().substr(1)), message.Root<schema::StoredRecord>());
    }));
    moved = cursor.Next();
  }
  return cursor.valid() ? Status::Ok() : moved;
}

Result<std::vector<DecodedMessage>> StoreView::Conflicts(size_t limit) const {
  std::vector<DecodedMessage> found;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.conflicts));
  CRM_RETURN_IF_ERROR(cursor.Last());
  while (cursor.valid() && found.size() < limit) {
    CRM_ASSIGN_OR_RETURN(DecodedMessage message, DecodedMessage::DecodePacked(cursor.value()));
    found.push_back(std::move(message));
    CRM_RETURN_IF_ERROR(cursor.Prev());
  }
  return found;
}

Result<std::vector<QuarantinedChange>> StoreView::Quarantined(size_t limit) const {
  std::vector<QuarantinedChange> found;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.quarantine));
  CRM_RETURN_IF_ERROR(cursor.First());
  while (cursor.valid() && found.size() < limit) {
    std::string_view value = cursor.value();
    size_t end = value.find('\0');
    if (end == std::string_view::npos) return Status::Corruption("a quarantined change without its reason");
    CRM_ASSIGN_OR_RETURN(DecodedMessage change, DecodedMessage::DecodePacked(value.substr(end + 1)));
    found.push_back({std::string(value.substr(0, end)), std::move(change)});
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return found;
}

Result<std::optional<std::string>> StoreView::FindRequest(const Id& request_id) const {
  auto bytes = txn_.Get(store_->tables_.requests, IdBytes(request_id));
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
    return bytes.status();
  }
  return std::optional<std::string>(std::string(*bytes));
}

Result<uint64_t> StoreView::MetaCounter(std::string_view name) const {
  auto bytes = txn_.Get(store_->tables_.meta, name);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return uint64_t{0};
    return bytes.status();
  }
  return ReadBigEndian64(*bytes);
}

Result<uint64_t> StoreView::LastSeq() const {
  if (taken_log_seq_ != 0) return taken_log_seq_;
  return MetaCounter(kMetaLogSeq);
}

Result<uint64_t> StoreView::LogFloor() const {
  CRM_ASSIGN_OR_RETURN(uint64_t floor, MetaCounter(kMetaLogFloor));
  return std::max<uint64_t>(floor, 1);
}

Result<std::vector<std::pair<std::string, DecodedMessage>>> StoreView::ReadRecords(
    std::string_view after, size_t limit) const {
  std::vector<std::pair<std::string, DecodedMessage>> records;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.records));
  Status moved;
  if (after.empty()) {
    moved = cursor.First();
  } else {
    moved = cursor.Seek(after);
    if (cursor.valid() && cursor.key() == after) moved = cursor.Next();
  }
  while (cursor.valid() && records.size() < limit) {
    CRM_ASSIGN_OR_RETURN(DecodedMessage message, ReadRecordAt(cursor, moved));
    records.emplace_back(std::string(cursor.key()), std::move(message));
    moved = cursor.Next();
  }
  // A damaged entry past the limit belongs to the next read.
  if (!cursor.valid()) CRM_RETURN_IF_ERROR(moved);
  return records;
}

Result<Stamp> StoreView::HlcHighWater() const {
  auto bytes = txn_.Get(store_->tables_.meta, kMetaHlc);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return Stamp{};
    return bytes.status();
  }
  return DecodeStamp(*bytes);
}

// ---- StoreTxn -------------------------------------------------------------

Status StoreTxn::SetMetaCounter(std::string_view name, uint64_t value) {
  return txn_.Put(store_->tables_.meta, name, BigEndian64(value));
}

Status StoreTxn::SetOriginSeq(const Id& origin, uint64_t seq) {
  return SetMetaCounter(std::string(kMetaVersionPrefix) + IdBytes(origin), seq);
}

Status StoreTxn::SetSource(uint64_t seq, const Id& source) {
  return txn_.Put(store_->tables_.log_source, BigEndian64(seq), IdBytes(source));
}

Status StoreTxn::SetCursor(std::string_view name, uint64_t value) {
  return SetMetaCounter("cursor/" + std::string(name), value);
}

Status StoreTxn::SetCursorId(std::string_view name, const Id& value) {
  return txn_.Put(store_->tables_.meta, "cursor-id/" + std::string(name), IdBytes(value));
}

Status StoreTxn::Quarantine(schema::Change::Reader change, std::string_view reason) {
  std::string key = IdBytes(change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{}) +
                    BigEndian64(change.getOriginSeq());
  std::string value(reason.substr(0, 1000));
  value += '\0';
  value += EncodeStruct(change, Packing::kPacked);
  return txn_.Put(store_->tables_.quarantine, key, value);
}

Result<uint64_t> StoreTxn::LogHeldBack(schema::Change::Reader change, const Id& source) {
  CRM_ASSIGN_OR_RETURN(uint64_t seq, NextLogSeq());
  CRM_RETURN_IF_ERROR(
      txn_.Put(store_->tables_.log, BigEndian64(seq), EncodeStruct(change, Packing::kPacked)));
  CRM_RETURN_IF_ERROR(
      txn_.Put(store_->tables_.log_source, BigEndian64(seq), IdBytes(source) + kHeldBackMark));
  return seq;
}

Result<Applied> StoreTxn::ApplyLocal(schema::Change::Builder change) {
  if (change.hasId() && (change.isPatch() || change.isTombstone())) {
    CRM_RETURN_IF_ERROR(FillBases(change));
  }
  CRM_ASSIGN_OR_RETURN(uint64_t origin_seq, OriginSeqOf(store_->node_id_));
  ++origin_seq;
  IdToWire(store_->node_id_, change.initOrigin());
  change.setOriginSeq(origin_seq);
  CRM_ASSIGN_OR_RETURN(Applied applied, Apply(change.asReader()));
  if (applied.duplicate) return applied;
  CRM_RETURN_IF_ERROR(SetOriginSeq(store_->node_id_, origin_seq));
  CRM_RETURN_IF_ERROR(RaiseHlcHighWater(StampFromWire(change.getStamp())));
  return applied;
}

namespace {

// kConflict for a local write whose value would lose to one already held
// with a newer stamp: the answer must not say "saved".
Status Overtaken(EntityKind kind, std::string_view what, const Stamp& held, const Stamp& mine) {
  return Status(StatusCode::kConflict,
                "not saved: the " + std::string(EntityName(kind)) + "'s " + std::string(what) +
                    " holds a value stamped " + FormatUtc(held.physical) + ", " +
                    FormatSpan(held.physical - mine.physical) +
                    " after this node's clock; an edit made now would lose to it. A clock "
                    "somewhere in the chain is ahead (docs/replication.md, \"Clocks\")",
                std::string(what));
}

}  // namespace

Status StoreTxn::FillBases(schema::Change::Builder change) {
  auto existing = Get(change.getEntity(), IdFromWire(change.getId()));
  if (!existing.ok()) {
    return existing.status().code() == StatusCode::kNotFound ? Status::Ok() : existing.status();
  }
  const EntityKind kind = change.getEntity();
  const Stamp mine = StampFromWire(change.getStamp());
  auto stored = existing->stored();
  if (change.isTombstone()) {
    Stamp updated = StampFromWire(stored.getUpdated());
    if (mine < updated) return Overtaken(kind, "deletion", updated, mine);
    return Status::Ok();
  }
  auto patch = change.getPatch();
  auto fields = patch.getFields();
  auto bases = patch.initBases(fields.size());
  auto stamps = stored.getFieldStamps();
  const capnp::StructSchema type = RecordSchema(kind);
  auto field_name = [&](uint16_t ordinal) -> std::string {
    for (auto field : type.getFields()) {
      if (field.getProto().getOrdinal().getExplicit() == ordinal) return field.getProto().getName();
    }
    return "field " + std::to_string(ordinal);
  };
  for (unsigned i = 0; i < fields.size(); ++i) {
    for (auto fs : stamps) {
      if (fs.getField() != fields[i]) continue;
      bases.setWithCaveats(i, fs.getStamp());
      Stamp held = StampFromWire(fs.getStamp());
      if (mine < held) return Overtaken(kind, field_name(fields[i]), held, mine);
    }
  }
  for (auto op : patch.getElements()) {
    for (auto element : stored.getElements()) {
      if (element.getField() != op.getField() || element.getElement() != op.getElement()) continue;
      Stamp held = StampFromWire(element.getStamp());
      if (mine < held) {
        return Overtaken(kind, field_name(op.getField()) + " '" + element.getElement().cStr() + "'",
                         held, mine);
      }
    }
  }
  return Status::Ok();
}

Status StoreTxn::SetHlcHighWater(const Stamp& stamp) {
  return txn_.Put(store_->tables_.meta, kMetaHlc, EncodeStamp(stamp));
}

Result<StoreTxn::Restamped> StoreTxn::RestampRecord(EntityKind kind, const Id& id, int64_t limit,
                                                    const Stamp& stamp) {
  CRM_ASSIGN_OR_RETURN(Record record, Get(kind, id));
  capnp::MallocMessageBuilder copy;
  copy.setRoot(record.stored());
  auto stored = copy.getRoot<schema::StoredRecord>();
  Restamped restamped;
  auto later = [&](schema::Stamp::Reader s) { return s.getPhysical() > limit; };
  for (auto field : stored.getFieldStamps()) {
    if (!later(field.getStamp())) continue;
    StampToWire(stamp, field.getStamp());
    restamped.fields.push_back(field.getField());
  }
  for (auto element : stored.getElements()) {
    if (!later(element.getStamp())) continue;
    StampToWire(stamp, element.getStamp());
    restamped.elements.emplace_back(element.getField(), element.getElement().cStr());
  }
  // (A stamp left unset stays unset: the record must stay the same bytes
  // as elsewhere but for the stamps replaced.)
  auto own = [&](schema::Stamp::Builder s, bool& flag) {
    if (!later(s.asReader())) return;
    StampToWire(stamp, s);
    flag = true;
  };
  if (stored.hasCreated()) own(stored.getCreated(), restamped.written);
  if (stored.hasUpdated()) own(stored.getUpdated(), restamped.written);
  if (stored.hasDeleted()) own(stored.getDeleted(), restamped.deleted);
  if (stored.hasErased()) own(stored.getErased(), restamped.erased);
  CRM_RETURN_IF_ERROR(
      txn_.Put(store_->tables_.records, RecordKey(kind, id), EncodePackedMessage(copy)));
  return restamped;
}

Result<uint64_t> StoreTxn::LogLocal(schema::Change::Builder change) {
  CRM_ASSIGN_OR_RETURN(uint64_t origin_seq, OriginSeqOf(store_->node_id_));
  ++origin_seq;
  IdToWire(store_->node_id_, change.initOrigin());
  change.setOriginSeq(origin_seq);
  CRM_ASSIGN_OR_RETURN(uint64_t seq, NextLogSeq());
  CRM_RETURN_IF_ERROR(txn_.Put(store_->tables_.log, BigEndian64(seq),
                               EncodeStruct(change.asReader(), Packing::kPacked)));
  CRM_RETURN_IF_ERROR(SetOriginSeq(store_->node_id_, origin_seq));
  CRM_RETURN_IF_ERROR(RaiseHlcHighWater(StampFromWire(change.getStamp())));
  return seq;
}

Status StoreTxn::RaiseHlcHighWater(const Stamp& stamp) {
  CRM_ASSIGN_OR_RETURN(Stamp high_water, HlcHighWater());
  if (!(high_water < stamp)) return Status::Ok();
  return txn_.Put(store_->tables_.meta, kMetaHlc, EncodeStamp(stamp));
}

Result<Applied> StoreTxn::Apply(schema::Change::Reader change) {
  return Apply(store_->Prepare(change, Store::Fresh::kSkip));
}

PreparedChange Store::Prepare(schema::Change::Reader change, Fresh fresh) const {
  PreparedChange prepared;
  prepared.change_ = change;
  try {
    prepared.valid_ = ValidateChange(change);
    if (!prepared.valid_.ok()) return prepared;
    prepared.log_entry_ = EncodeStruct(change, Packing::kPacked);
    if (fresh == Fresh::kSkip) return prepared;
    capnp::MallocMessageBuilder merged(kSmallRecordWords);
    auto out = merged.initRoot<schema::StoredRecord>();
    if (change.isEvent()) {
      StoreEvent(change, out);
      prepared.fresh_changed_ = true;
    } else {
      auto outcome = MergeChange(change, nullptr, out);
      if (!outcome.ok()) {
        prepared.valid_ = outcome.status();
        return prepared;
      }
      prepared.fresh_changed_ = outcome->changed;
      prepared.fresh_conflicts_ = std::move(outcome->conflicts);
    }
    if (prepared.fresh_changed_) {
      const Id id = IdFromWire(change.getId());
      Status planned = PlanIndexes(change.getEntity(), nullptr, out.asReader(), id,
                                   prepared.fresh_plan_);
      if (!planned.ok()) {
        prepared.valid_ = planned;
        return prepared;
      }
      prepared.fresh_record_ = EncodePackedMessage(merged);
    }
    prepared.has_fresh_ = true;
  } catch (const kj::Exception& e) {
    // Malformed pointers inside a received change surface while reading it.
    prepared.valid_ =
        Status::Corruption(std::string("malformed change: ") + e.getDescription().cStr());
  } catch (const std::exception& e) {
    // Out of memory, say: the node, not the change, is at fault.
    prepared.valid_ = Status::Internal(std::string("preparing a change failed: ") + e.what());
  }
  return prepared;
}

Result<Applied> StoreTxn::Apply(const PreparedChange& prepared) {
  if (!prepared.valid_.ok()) return prepared.valid_;
  // Personal text for a client erased here (written where the erase had not
  // arrived yet) is taken out before anything of it is stored.
  if (!PersonalTextFields(prepared.change_.getEntity()).empty()) {
    CRM_ASSIGN_OR_RETURN(auto scrubbed, ScrubbedIfErased(*this, prepared.change_));
    if (scrubbed) {
      return ApplyPrepared(
          store_->Prepare(scrubbed->getRoot<schema::Change>().asReader(), Store::Fresh::kSkip));
    }
  }
  return ApplyPrepared(prepared);
}

Result<Applied> StoreTxn::ApplyPrepared(const PreparedChange& prepared) {
  // Two phases. The first only reads: it merges the change and works out
  // every index entry to add or remove, so a change refused there leaves
  // nothing behind, even inside a larger batch. The second only writes, and
  // fails only when the store cannot take the writes (map full, I/O); the
  // caller must then drop the whole transaction, so those errors come back as
  // kResourceExhausted, kIOError or kInternal.
  if (!prepared.valid_.ok()) return prepared.valid_;
  const schema::Change::Reader change = prepared.change_;
  capnp::MallocMessageBuilder merged(kSmallRecordWords);
  std::string merged_bytes;
  std::string_view record = prepared.fresh_record_;
  IndexPlan plan;
  const IndexPlan* planned = &plan;
  const std::vector<FieldConflict>* conflicts = &prepared.fresh_conflicts_;
  std::vector<FieldConflict> merge_conflicts;
  bool record_changed = false;
  const EntityKind kind = change.getEntity();
  const Id id = IdFromWire(change.getId());
  bool damaged = false;
  try {
    std::optional<Record> before;
    auto existing = Get(kind, id);
    if (existing.ok()) {
      before.emplace(std::move(existing).value());
    } else if (existing.status().code() == StatusCode::kCorruption) {
      // The record cannot be merged into; the change is still logged (it is
      // part of its origin's history), and the repair that replaces the
      // record merges it from the log (RepairRecords).
      damaged = true;
    } else if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status();
    }

    if (damaged) {
      conflicts = &merge_conflicts;  // none
    } else if (!before && prepared.has_fresh_) {
      // The record is new: Prepare merged it already.
      record_changed = prepared.fresh_changed_;
      planned = &prepared.fresh_plan_;
    } else {
      auto out = merged.initRoot<schema::StoredRecord>();
      conflicts = &merge_conflicts;
      if (change.isEvent()) {
        if (before) {
          if (SameEvent(before->stored(), change)) return Applied{0, change.getOriginSeq(), true};
          return Status::Conflict(std::string(EntityName(kind)) + " " + id.ToString() +
                                  " already exists with different content");
        }
        StoreEvent(change, out);
        record_changed = true;
      } else {
        schema::StoredRecord::Reader current;
        if (before) current = before->stored();
        CRM_ASSIGN_OR_RETURN(MergeOutcome outcome,
                             MergeChange(change, before ? &current : nullptr, out));
        record_changed = outcome.changed;
        merge_conflicts = std::move(outcome.conflicts);
      }
      // A patch that changes nothing here (every value lost to a newer one)
      // is still logged: it is part of its origin's history and others may
      // need it.
      if (record_changed) {
        schema::StoredRecord::Reader old_reader;
        if (before) old_reader = before->stored();
        CRM_RETURN_IF_ERROR(store_->PlanIndexes(kind, before ? &old_reader : nullptr,
                                                out.asReader(), id, plan));
        merged_bytes = EncodePackedMessage(merged);
        record = merged_bytes;
      }
    }
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("malformed change: ") + e.getDescription().cStr());
  }

  const std::string key = RecordKey(kind, id);
  const bool erased_now = record_changed && change.isErase();
  if (record_changed) {
    // Duplicates depend on the other clients stored now, so they are looked
    // for here even when Prepare planned the rest.
    IndexWrites duplicates;
    if (kind == EntityKind::CLIENT) CRM_RETURN_IF_ERROR(PlanDuplicates(id, *planned, duplicates));
    if (erased_now) {
      // The record's old bytes are overwritten where they lie, not left
      // behind in the page.
      Status zeroed = Overwrite(store_->tables_.records, key, record);
      if (!zeroed.ok() && zeroed.code() != StatusCode::kNotFound) return AsStoreFailure(zeroed);
      store_->wipe_wanted_ = true;
    }
    Status written = WritePlanned(key, record, planned->writes, duplicates);
    if (!written.ok()) return AsStoreFailure(written);
  }
  // A change that lost every field it set leaves the record as it was, but
  // what it lost is kept all the same.
  for (const FieldConflict& conflict : *conflicts) {
    std::string conflict_key = key;
    conflict_key += static_cast<char>(conflict.field >> 8);
    conflict_key += static_cast<char>(conflict.field & 0xFF);
    conflict_key += EncodeStamp(conflict.lost);
    if (Status s = txn_.Put(store_->tables_.conflicts, conflict_key, conflict.message); !s.ok()) {
      return AsStoreFailure(s);
    }
  }
  CRM_ASSIGN_OR_RETURN(uint64_t seq, NextLogSeq());
  if (Status s = txn_.Append(store_->tables_.log, BigEndian64(seq), prepared.log_entry_);
      !s.ok()) {
    return AsStoreFailure(s);
  }
  if (erased_now && kind == EntityKind::CLIENT) CRM_RETURN_IF_ERROR(ScrubErasedClient(*this, id));
  return Applied{seq, change.getOriginSeq(), false};
}

Status StoreTxn::WritePlanned(const std::string& key, std::string_view record,
                              const IndexWrites& writes, const IndexWrites& duplicates) {
  CRM_RETURN_IF_ERROR(txn_.Put(store_->tables_.records, key, record));
  for (const IndexWrites* list : {&writes, &duplicates}) {
    for (const IndexWrite& write : *list) {
      if (write.add) {
        CRM_RETURN_IF_ERROR(txn_.Put(write.table, write.key, write.value));
      } else {
        Status s = txn_.Delete(write.table, write.key, write.value);
        if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
      }
    }
  }
  return Status::Ok();
}

Result<bool> StoreTxn::InstallRecord(schema::StoredRecord::Reader incoming) {
  CRM_RETURN_IF_ERROR(CheckStoredShape(incoming));
  const EntityKind kind = incoming.getEntity();
  const Id id = IdFromWire(incoming.getId());
  std::optional<Record> before;
  auto existing = Get(kind, id);
  if (existing.ok()) {
    before.emplace(std::move(existing).value());
  } else if (existing.status().code() == StatusCode::kCorruption) {
    // Damaged here: the other replica's copy replaces it.
    CRM_RETURN_IF_ERROR(RepairRecords({{RecordKey(kind, id), &incoming}}).status());
    return true;
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  capnp::MallocMessageBuilder merged(kSmallRecordWords);
  IndexPlan plan;
  IndexWrites duplicates;
  try {
    auto out = merged.initRoot<schema::StoredRecord>();
    if (before) {
      CRM_ASSIGN_OR_RETURN(MergeOutcome outcome, MergeStored(before->stored(), incoming, out));
      if (!outcome.changed) return false;
    } else {
      merged.setRoot(incoming);
    }
    auto after = merged.getRoot<schema::StoredRecord>().asReader();
    schema::StoredRecord::Reader old_reader;
    if (before) old_reader = before->stored();
    CRM_RETURN_IF_ERROR(
        store_->PlanIndexes(kind, before ? &old_reader : nullptr, after, id, plan));
    if (kind == EntityKind::CLIENT) CRM_RETURN_IF_ERROR(PlanDuplicates(id, plan, duplicates));
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("malformed record: ") + e.getDescription().cStr());
  }
  Status written = WritePlanned(RecordKey(kind, id), EncodePackedMessage(merged), plan.writes,
                                duplicates);
  if (!written.ok()) return AsStoreFailure(written);
  return true;
}

Result<uint64_t> StoreTxn::PruneLog(uint64_t below, size_t max) {
  CRM_ASSIGN_OR_RETURN(uint64_t last, LastSeq());
  below = std::min(below, last + 1);
  uint64_t removed = 0;
  uint64_t seq = 0;
  // From the first entry: a snapshot may have raised the floor above
  // entries still kept. Only keys are read: a damaged entry goes too.
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.log.Raw()));
  CRM_RETURN_IF_ERROR(cursor.First());
  std::vector<std::string> keys;
  while (cursor.valid() && removed < max) {
    seq = ReadBigEndian64(cursor.key());
    if (seq >= below) break;
    keys.emplace_back(cursor.key());
    ++removed;
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  for (const std::string& key : keys) {
    CRM_RETURN_IF_ERROR(txn_.Delete(store_->tables_.log, key));
    Status s = txn_.Delete(store_->tables_.log_source, key);
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  uint64_t new_floor = removed < max ? below : seq + 1;
  CRM_RETURN_IF_ERROR(SetLogFloor(new_floor));
  return removed;
}

Result<uint64_t> StoreTxn::SkipLogSeq() { return NextLogSeq(); }

Result<uint64_t> StoreTxn::NextLogSeq() {
  CRM_ASSIGN_OR_RETURN(uint64_t seq, LastSeq());
  taken_log_seq_ = seq + 1;
  return taken_log_seq_;
}

Status StoreTxn::SetLogFloor(uint64_t seq) {
  CRM_ASSIGN_OR_RETURN(uint64_t floor, LogFloor());
  if (seq <= floor) return Status::Ok();
  return SetMetaCounter(kMetaLogFloor, seq);
}

Status Store::PlanIndexes(EntityKind kind, const schema::StoredRecord::Reader* before,
                          schema::StoredRecord::Reader after, const Id& id,
                          IndexPlan& plan) const {
  const std::string id_bytes = IdBytes(id);
  const Tables& t = tables_;
  if (kind == EntityKind::CLIENT) {
    // A deleted or erased client is found by nothing.
    ClientIndexKeys& old_keys = plan.old_client_keys;
    ClientIndexKeys& new_keys = plan.new_client_keys;
    if (before != nullptr && IsLive(*before)) {
      old_keys = IndexKeysOf(before->getValue().getAs<schema::Client>());
    }
    if (IsLive(after)) new_keys = IndexKeysOf(after.getValue().getAs<schema::Client>());
    // Compare keys as stored (cut), so two long values sharing a stored key
    // never delete each other's entry.
    for (ClientIndexKeys* keys : {&old_keys, &new_keys}) {
      for (std::set<std::string>* set : {&keys->phones, &keys->emails, &keys->cards, &keys->names}) {
        if (std::none_of(set->begin(), set->end(),
                         [](const std::string& key) { return key.size() > kMaxIndexKey; })) {
          continue;
        }
        std::set<std::string> cut;
        for (const std::string& key : *set) cut.emplace(IndexKey(key));
        *set = std::move(cut);
      }
    }
    for (auto [table, old_set, new_set] :
         {std::tuple{t.by_phone, &old_keys.phones, &new_keys.phones},
          std::tuple{t.by_email, &old_keys.emails, &new_keys.emails},
          std::tuple{t.by_card, &old_keys.cards, &new_keys.cards},
          std::tuple{t.by_name, &old_keys.names, &new_keys.names}}) {
      for (const std::string& key : *old_set) {
        if (new_set->count(key) == 0) plan.writes.push_back({table, key, id_bytes, false});
      }
      for (const std::string& key : *new_set) {
        if (old_set->count(key) == 0) plan.writes.push_back({table, key, id_bytes, true});
      }
    }
  }

  // Links from a record to the client or sale it belongs to.
  std::vector<Id> old_links;
  if (before != nullptr) old_links = LinksOf(kind, *before);
  std::vector<Id> new_links = LinksOf(kind, after);
  if (old_links != new_links) {
    std::string link = std::string(1, static_cast<char>(kind)) + id_bytes;
    for (const Id& target : old_links) {
      if (std::find(new_links.begin(), new_links.end(), target) != new_links.end()) continue;
      plan.writes.push_back({t.by_link, IdBytes(target), link, false});
    }
    for (const Id& target : new_links) {
      if (std::find(old_links.begin(), old_links.end(), target) != old_links.end()) continue;
      plan.writes.push_back({t.by_link, IdBytes(target), link, true});
    }
  }

  // The unique key: a user's login, a product's SKU, a sale's receipt number.
  std::string old_key = before != nullptr ? UniqueKeyOf(kind, *before) : std::string();
  std::string new_key = UniqueKeyOf(kind, after);
  if (old_key != new_key) {
    if (!old_key.empty()) {
      plan.writes.push_back({t.by_key, std::string(IndexKey(old_key)), id_bytes, false});
    }
    if (!new_key.empty()) {
      plan.writes.push_back({t.by_key, std::string(IndexKey(new_key)), id_bytes, true});
    }
  }
  return Status::Ok();
}

Status StoreTxn::PlanDuplicates(const Id& id, const IndexPlan& plan, IndexWrites& writes) const {
  // Another client with one of these phones, emails or cards: a duplicate
  // for a manager to look at (the list skips pairs merged since).
  const std::string id_bytes = IdBytes(id);
  const auto& t = store_->tables_;
  const ClientIndexKeys& old_keys = plan.old_client_keys;
  const ClientIndexKeys& new_keys = plan.new_client_keys;
  for (auto [table, set, what] : {std::tuple{t.by_phone, &new_keys.phones, "phone"},
                                  std::tuple{t.by_email, &new_keys.emails, "email"},
                                  std::tuple{t.by_card, &new_keys.cards, "card"}}) {
    for (const std::string& key : *set) {
      if (old_keys.phones.count(key) || old_keys.emails.count(key) || old_keys.cards.count(key)) {
        continue;  // known before this change
      }
      CRM_ASSIGN_OR_RETURN(std::vector<Id> holders, FindExact(table, key));
      for (const Id& other : holders) {
        if (other == id) continue;
        std::string pair = other < id ? IdBytes(other) + id_bytes : id_bytes + IdBytes(other);
        writes.push_back({t.duplicates, std::move(pair), std::string(what) + " " + key, true});
      }
    }
  }
  return Status::Ok();
}

Status StoreTxn::PutBlob(std::string_view sha256, std::string_view content) {
  auto existing = txn_.Get(store_->tables_.blobs, sha256);
  if (existing.ok()) return Status::Ok();
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();
  return txn_.Put(store_->tables_.blobs, sha256, content);
}

Status StoreTxn::SetAwaitingOwnHistory(bool awaiting) {
  if (awaiting) return txn_.Put(store_->tables_.meta, kMetaAwaitingOwnHistory, "1");
  Status deleted = txn_.Delete(store_->tables_.meta, kMetaAwaitingOwnHistory);
  return deleted.code() == StatusCode::kNotFound ? Status::Ok() : deleted;
}

Status StoreTxn::Overwrite(lmdb::Table table, std::string_view key,
                           std::optional<std::string_view> value) {
  // As stored, checksum included: a damaged value is zeroed too.
  CRM_ASSIGN_OR_RETURN(std::string_view old, txn_.Get(table.Raw(), key));
  // Same length: LMDB writes it over the old bytes in the page it copied
  // for this transaction, before the value moves or goes.
  CRM_RETURN_IF_ERROR(txn_.Put(table.Raw(), key, std::string(old.size(), '\0')));
  if (value) return txn_.Put(table, key, *value);
  return txn_.Delete(table, key);
}

Status StoreTxn::ScrubRecord(EntityKind kind, const Id& id, std::string_view packed) {
  store_->wipe_wanted_ = true;
  return Overwrite(store_->tables_.records, RecordKey(kind, id), packed);
}

Status StoreTxn::ScrubLogEntry(uint64_t seq, schema::Change::Reader change) {
  store_->wipe_wanted_ = true;
  return Overwrite(store_->tables_.log, BigEndian64(seq), EncodeStruct(change, Packing::kPacked));
}

Status StoreTxn::ScrubQuarantined(schema::Change::Reader change) {
  std::string key = IdBytes(change.hasOrigin() ? IdFromWire(change.getOrigin()) : Id{}) +
                    BigEndian64(change.getOriginSeq());
  CRM_ASSIGN_OR_RETURN(std::string_view stored, txn_.Get(store_->tables_.quarantine, key));
  size_t end = stored.find('\0');
  if (end == std::string_view::npos) return Status::Corruption("a quarantined change without its reason");
  std::string value(stored.substr(0, end + 1));
  value += EncodeStruct(change, Packing::kPacked);
  store_->wipe_wanted_ = true;
  return Overwrite(store_->tables_.quarantine, key, value);
}

Status StoreTxn::DropConflictsOf(EntityKind kind, const Id& id) {
  const std::string prefix = RecordKey(kind, id);
  std::vector<std::string> keys;
  {
    CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.conflicts));
    CRM_RETURN_IF_ERROR(cursor.Seek(prefix));
    while (cursor.valid() && StartsWith(cursor.key(), prefix)) {
      keys.emplace_back(cursor.key());
      CRM_RETURN_IF_ERROR(cursor.Next());
    }
  }
  for (const std::string& key : keys) {
    CRM_RETURN_IF_ERROR(Overwrite(store_->tables_.conflicts, key, std::nullopt));
  }
  if (!keys.empty()) store_->wipe_wanted_ = true;
  return Status::Ok();
}

Status StoreTxn::DropDuplicatesOf(const Id& client) {
  const std::string id = IdBytes(client);
  std::vector<std::string> keys;
  {
    CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.duplicates));
    CRM_RETURN_IF_ERROR(cursor.First());
    while (cursor.valid()) {
      std::string_view key = cursor.key();
      if (key.size() == 32 && (key.substr(0, 16) == id || key.substr(16) == id)) {
        keys.emplace_back(key);
      }
      CRM_RETURN_IF_ERROR(cursor.Next());
    }
  }
  for (const std::string& key : keys) {
    CRM_RETURN_IF_ERROR(Overwrite(store_->tables_.duplicates, key, std::nullopt));
  }
  if (!keys.empty()) store_->wipe_wanted_ = true;
  return Status::Ok();
}

Status StoreTxn::DropBlob(std::string_view sha256) {
  Status dropped = Overwrite(store_->tables_.blobs, sha256, std::nullopt);
  if (dropped.code() == StatusCode::kNotFound) return Status::Ok();
  store_->wipe_wanted_ = true;
  return dropped;
}

Status StoreTxn::NoteAnomaly(EntityKind kind, const Id& id, std::string_view what) {
  return txn_.Put(store_->tables_.anomalies, RecordKey(kind, id), what.substr(0, 2000));
}

Status StoreTxn::LockLogin(std::string_view key, std::string_view reason) {
  return txn_.Put(store_->tables_.meta, std::string(kMetaLoginLockPrefix) + std::string(key),
                  reason);
}

Result<bool> StoreTxn::UnlockLogin(std::string_view key) {
  Status deleted =
      txn_.Delete(store_->tables_.meta, std::string(kMetaLoginLockPrefix) + std::string(key));
  if (deleted.code() == StatusCode::kNotFound) return false;
  CRM_RETURN_IF_ERROR(deleted);
  return true;
}

Status StoreTxn::SetOfficeCode(std::string_view code) {
  return txn_.Put(store_->tables_.meta, kMetaOfficeCode, code);
}

Status StoreTxn::PutAudit(uint64_t seq, std::string_view entry, std::string_view head) {
  CRM_RETURN_IF_ERROR(txn_.Put(store_->tables_.audit, BigEndian64(seq), entry));
  return txn_.Put(store_->tables_.meta, kMetaAuditHead, head);
}

Status StoreTxn::RecordRequest(const Id& request_id, std::string_view response) {
  return txn_.Put(store_->tables_.requests, IdBytes(request_id), response);
}

Result<uint64_t> StoreTxn::NextCounter(std::string_view name) {
  std::string key = "counter/" + std::string(name);
  CRM_ASSIGN_OR_RETURN(uint64_t value, MetaCounter(key));
  ++value;
  CRM_RETURN_IF_ERROR(SetMetaCounter(key, value));
  return value;
}

Result<StoreTxn> StoreTxn::BeginChild() {
  // The child reads the log seq from the meta table, and what it takes
  // reaches this transaction through the same table when it commits.
  if (taken_log_seq_ != 0) {
    CRM_RETURN_IF_ERROR(SetMetaCounter(kMetaLogSeq, taken_log_seq_));
    taken_log_seq_ = 0;
  }
  CRM_ASSIGN_OR_RETURN(lmdb::Txn child, txn_.BeginChild());
  return StoreTxn(*store_, std::move(child));
}

Status StoreTxn::Commit() {
  if (taken_log_seq_ != 0) {
    if (Status s = SetMetaCounter(kMetaLogSeq, taken_log_seq_); !s.ok()) return AsStoreFailure(s);
  }
  return txn_.Commit();
}

// ---- Store ----------------------------------------------------------------

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options, Clock& clock) {
  if (options.must_exist && !std::filesystem::exists(options.dir / "data.mdb")) {
    return Status::NotFound("there is no store in " + options.dir.string());
  }
  lmdb::EnvOptions env_options;
  env_options.dir = options.dir;
  env_options.initial_map_bytes = options.initial_map_bytes;
  env_options.max_map_bytes = options.max_map_bytes;
  env_options.durable = options.durable;
  std::unique_ptr<Store> store(new Store());
  CRM_ASSIGN_OR_RETURN(store->env_, lmdb::Env::Open(env_options));

  store->dir_ = options.dir;
  // Sealed tables keep a checksum with every value (docs/storage.md,
  // "Checksums"). The indexes are worked out from the records, the audit log
  // is its own hash chain, and a file's key is the SHA-256 of its content.
  Tables& t = store->tables_;
  CRM_ASSIGN_OR_RETURN(t.records, store->env_->OpenTable("records", false, true));
  CRM_ASSIGN_OR_RETURN(t.log, store->env_->OpenTable("log", false, true));
  CRM_ASSIGN_OR_RETURN(t.meta, store->env_->OpenTable("meta", false, true));
  CRM_ASSIGN_OR_RETURN(t.by_phone, store->env_->OpenTable("by_phone", true));
  CRM_ASSIGN_OR_RETURN(t.by_email, store->env_->OpenTable("by_email", true));
  CRM_ASSIGN_OR_RETURN(t.by_card, store->env_->OpenTable("by_card", true));
  CRM_ASSIGN_OR_RETURN(t.by_name, store->env_->OpenTable("by_name", true));
  CRM_ASSIGN_OR_RETURN(t.by_link, store->env_->OpenTable("by_link", true));
  CRM_ASSIGN_OR_RETURN(t.by_key, store->env_->OpenTable("by_key", true));
  CRM_ASSIGN_OR_RETURN(t.blobs, store->env_->OpenTable("blobs", false));
  CRM_ASSIGN_OR_RETURN(t.log_source, store->env_->OpenTable("log_source", false, true));
  CRM_ASSIGN_OR_RETURN(t.quarantine, store->env_->OpenTable("quarantine", false, true));
  CRM_ASSIGN_OR_RETURN(t.duplicates, store->env_->OpenTable("duplicates", false, true));
  CRM_ASSIGN_OR_RETURN(t.requests, store->env_->OpenTable("requests", false, true));
  CRM_ASSIGN_OR_RETURN(t.conflicts, store->env_->OpenTable("conflicts", false, true));
  CRM_ASSIGN_OR_RETURN(t.audit, store->env_->OpenTable("audit", false));
  CRM_ASSIGN_OR_RETURN(t.anomalies, store->env_->OpenTable("anomalies", false));

  CRM_ASSIGN_OR_RETURN(lmdb::Txn txn, store->env_->BeginWrite());
  // Read as stored: a store from before checksums has its format unsealed.
  auto format = txn.Get(t.meta.Raw(), kMetaFormat);
  if (format.ok() && *format == kFormatBeforeChecksums) {
    txn.Abort();
    CRM_RETURN_IF_ERROR(store->ConvertToChecksums(options));
    CRM_ASSIGN_OR_RETURN(txn, store->env_->BeginWrite());
    format = txn.Get(t.meta.Raw(), kMetaFormat);
  }
  if (format.ok()) {
    std::string_view name;
    if (!Unseal(kMetaFormat, *format, &name)) {
      if (format->substr(0, kFormatVersion.size()) == kFormatVersion) {
        return Status::Corruption("store " + options.dir.string() +
                                  " has a damaged format marker; restore it from a backup");
      }
      name = *format;
    }
    if (name != kFormatVersion) {
      return Status::Corruption("store " + options.dir.string() + " has format '" +
                                std::string(name) + "', this build reads '" +
                                std::string(kFormatVersion) + "' (and converts '" +
                                std::string(kFormatBeforeChecksums) + "')");
    }
    CRM_ASSIGN_OR_RETURN(std::string_view node_id, txn.Get(t.meta, kMetaNodeId));
    CRM_ASSIGN_OR_RETURN(std::string_view instance_id, txn.Get(t.meta, kMetaInstanceId));
    if (node_id.size() != 16 || instance_id.size() != 16) {
      return Status::Corruption("store " + options.dir.string() + " has a malformed node id");
    }
    store->node_id_ = IdFromBytes(node_id);
    store->instance_id_ = IdFromBytes(instance_id);
    txn.Abort();
  } else if (format.status().code() == StatusCode::kNotFound) {
    store->node_id_ =
        options.new_node_id.IsNull() ? Id::Generate(clock.NowMillis()) : options.new_node_id;
    store->instance_id_ = options.new_instance_id.IsNull() ? Id::Generate(clock.NowMillis())
                                                           : options.new_instance_id;
    CRM_RETURN_IF_ERROR(txn.Put(t.meta, kMetaNodeId, IdBytes(store->node_id_)));
    CRM_RETURN_IF_ERROR(txn.Put(t.meta, kMetaInstanceId, IdBytes(store->instance_id_)));
    CRM_RETURN_IF_ERROR(txn.Put(t.meta, kMetaFormat, kFormatVersion));
    CRM_RETURN_IF_ERROR(txn.Commit());
  } else {
    return format.status();
  }
  return store;
}

Status Store::Backup(const std::filesystem::path& dir) const {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::exists(dir / "data.mdb", error)) {
    return Status::AlreadyExists(dir.string() + " already holds a store; back up to a new directory");
  }
  fs::create_directories(dir, error);
  if (error) return Status::Internal("cannot create " + dir.string() + ": " + error.message());
  fs::permissions(dir, fs::perms::owner_all, error);
  return env_->CopyCompacted(dir);
}

Status Store::RestoreBackup(const std::filesystem::path& backup, const std::filesystem::path& dir,
                            Clock& clock) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::exists(backup / "data.mdb", error)) {
    return Status::NotFound("there is no backup in " + backup.string());
  }
  if (fs::exists(dir / "data.mdb", error)) {
    return Status::AlreadyExists(dir.string() +
                                 " already holds a store; move it aside before restoring into it");
  }
  fs::create_directories(dir, error);
  if (error) return Status::Internal("cannot create " + dir.string() + ": " + error.message());
  fs::permissions(dir, fs::perms::owner_all, error);
  // Copied under a temporary name and renamed: an interrupted restore leaves
  // no half-copied store behind to be opened by mistake.
  fs::path partial = dir / "data.mdb.restoring";
  fs::copy_file(backup / "data.mdb", partial, fs::copy_options::overwrite_existing, error);
  if (error) return Status::Internal("cannot copy the backup: " + error.message());
  fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write, error);
  fs::rename(partial, dir / "data.mdb", error);
  if (error) return Status::Internal("cannot move the restored store in place: " + error.message());

  StoreOptions options;
  options.dir = dir;
  CRM_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Open(options, clock));
  CRM_ASSIGN_OR_RETURN(StoreTxn txn, store->BeginWrite());
  Id instance = Id::Generate(clock.NowMillis());
  CRM_RETURN_IF_ERROR(txn.txn_.Put(store->tables_.meta, kMetaInstanceId, IdBytes(instance)));
  CRM_RETURN_IF_ERROR(txn.SetAwaitingOwnHistory(true));
  return txn.Commit();
}

Result<StoreView> Store::Read() const {
  CRM_ASSIGN_OR_RETURN(lmdb::Txn txn, env_->BeginRead());
  return StoreView(*this, std::move(txn));
}

Result<StoreTxn> Store::BeginWrite() {
  CRM_ASSIGN_OR_RETURN(lmdb::Txn txn, env_->BeginWrite());
  return StoreTxn(*this, std::move(txn));
}

Result<uint64_t> Store::CountRecords() const { return env_->Count(tables_.records); }

}  // namespace crm

// ---- Damaged records ------------------------------------------------------

namespace crm {
namespace {

// What a read of a damaged value found, said shortly.
std::string DamageReason(const Status& found) {
  constexpr std::string_view kChecksum = "its checksum does not match";
  if (found.message().find(kChecksum) != std::string::npos) return std::string(kChecksum);
  return found.message();
}

}  // namespace

Status Store::DamagedRecord(std::string_view key, const Status& found) const {
  {
    MutexLock lock(&damaged_mutex_);
    damaged_.emplace(key);
  }
  return Status::Corruption("the stored " + RecordName(key) + " is damaged (" + DamageReason(found) +
                            ") and is not served. A node with a hub fetches it back from there by "
                            "itself; crm-admin verify --data " + dir_.string() +
                            " lists all damage (docs/storage.md, \"Checksums\")");
}

Status Store::DamagedLogEntry(uint64_t seq, const Status& found) const {
  return Status::Corruption("log entry " + std::to_string(seq) + " of this store is damaged (" +
                            DamageReason(found) + ") and is not served; crm-admin verify --data " +
                            dir_.string() +
                            " tells whether the hub holds its change already (docs/storage.md, "
                            "\"Checksums\")");
}

Result<DecodedMessage> StoreView::ReadRecordAt(const lmdb::Cursor& cursor,
                                               const Status& moved) const {
  if (cursor.key().size() != 17) return Status::Corruption("the store holds a " + RecordName(cursor.key()));
  if (!moved.ok()) return store_->DamagedRecord(cursor.key(), moved);
  auto message = DecodedMessage::DecodePacked(cursor.value());
  if (!message.ok()) return store_->DamagedRecord(cursor.key(), message.status());
  return message;
}

Result<std::vector<std::string>> StoreView::DamagedRecordKeys() const {
  std::set<std::string> candidates;
  {
    MutexLock lock(&store_->damaged_mutex_);
    candidates = store_->damaged_;
  }
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.meta));
  Status moved = cursor.Seek(kMetaDamagedPrefix);
  while (cursor.valid() && StartsWith(cursor.key(), kMetaDamagedPrefix)) {
    candidates.emplace(cursor.key().substr(kMetaDamagedPrefix.size()));
    moved = cursor.Next();
  }
  if (!cursor.valid()) CRM_RETURN_IF_ERROR(moved);
  // Only those still damaged: a record repaired or gone since is not.
  std::vector<std::string> keys;
  for (const std::string& key : candidates) {
    auto bytes = txn_.Get(store_->tables_.records, key);
    bool damaged = !bytes.ok() && bytes.status().code() == StatusCode::kCorruption;
    if (bytes.ok()) damaged = !DecodedMessage::DecodePacked(*bytes).ok();
    if (damaged) {
      keys.push_back(key);
    } else if (bytes.ok() || bytes.status().code() == StatusCode::kNotFound) {
      MutexLock lock(&store_->damaged_mutex_);
      store_->damaged_.erase(key);
    }
  }
  return keys;
}

Status StoreTxn::MarkDamaged(EntityKind kind, const Id& id) {
  return txn_.Put(store_->tables_.meta, std::string(kMetaDamagedPrefix) + RecordKey(kind, id), "");
}

Status StoreTxn::DropIndexEntriesOf(EntityKind kind, const Id& id) {
  const Store::Tables& t = store_->tables_;
  const std::string id_bytes = IdBytes(id);
  const std::string link = std::string(1, static_cast<char>(kind)) + id_bytes;
  struct Scan {
    lmdb::Table table;
    std::string prefix;  // of the keys that may hold it
    const std::string* value;
  };
  std::vector<Scan> scans = {{t.by_link, "", &link}};
  if (kind == EntityKind::USER || kind == EntityKind::PRODUCT || kind == EntityKind::SALE) {
    scans.push_back({t.by_key, std::string(1, static_cast<char>(kind)), &id_bytes});
  }
  if (kind == EntityKind::CLIENT) {
    for (lmdb::Table table : {t.by_phone, t.by_email, t.by_card, t.by_name}) {
      scans.push_back({table, "", &id_bytes});
    }
  }
  for (const Scan& scan : scans) {
    std::vector<std::string> keys;
    CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(scan.table));
    CRM_RETURN_IF_ERROR(scan.prefix.empty() ? cursor.First() : cursor.Seek(scan.prefix));
    while (cursor.valid() && StartsWith(cursor.key(), scan.prefix)) {
      if (cursor.value() == *scan.value) keys.emplace_back(cursor.key());
      CRM_RETURN_IF_ERROR(cursor.Next());
    }
    for (const std::string& key : keys) CRM_RETURN_IF_ERROR(txn_.Delete(scan.table, key, *scan.value));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> StoreTxn::RepairRecords(const std::vector<Repair>& repairs) {
  // The damaged ones: what each is rebuilt from so far.
  struct Rebuilt {
    std::unique_ptr<capnp::MallocMessageBuilder> record;
    bool have = false;
  };
  std::map<std::string, Rebuilt> damaged;
  for (const auto& [key, copy] : repairs) {
    if (key.size() != 17 || !IsKnownKind(static_cast<uint8_t>(key[0]))) {
      return Status::InvalidArgument("key", "not a record key: a " + RecordName(key));
    }
    const auto kind = static_cast<EntityKind>(static_cast<uint8_t>(key[0]));
    const Id id = IdFromBytes(key.substr(1));
    if (copy != nullptr) {
      CRM_RETURN_IF_ERROR(CheckStoredShape(*copy));
      if (copy->getEntity() != kind || IdFromWire(copy->getId()) != id) {
        return Status::InvalidArgument("record", "the copy sent for the " + RecordName(key) +
                                                     " is another record");
      }
    }
    auto existing = Get(kind, id);
    if (existing.ok() || existing.status().code() == StatusCode::kNotFound) {
      // Not damaged (any more): the copy merges as a snapshot's record does.
      if (copy != nullptr) CRM_RETURN_IF_ERROR(InstallRecord(*copy).status());
      Status unmarked = txn_.Delete(store_->tables_.meta, std::string(kMetaDamagedPrefix) + key);
      if (!unmarked.ok() && unmarked.code() != StatusCode::kNotFound) return unmarked;
      continue;
    }
    if (existing.status().code() != StatusCode::kCorruption) return existing.status();
    Rebuilt& rebuilt = damaged[key];
    rebuilt.record = std::make_unique<capnp::MallocMessageBuilder>(kSmallRecordWords);
    if (copy != nullptr) {
      rebuilt.record->setRoot(*copy);
      rebuilt.have = true;
    }
  }
  std::vector<std::string> unrepaired;
  if (damaged.empty()) return unrepaired;
  try {
    // Every change of them in this log merged in: what this node applied
    // that a copy may lack (its own changes not yet at the hub, or changes
    // that came while the record was damaged here).
    CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(store_->tables_.log.Raw()));
    Status moved = cursor.First();
    for (; moved.ok() && cursor.valid(); moved = cursor.Next()) {
      std::string_view bytes;
      if (!Unseal(cursor.key(), cursor.value(), &bytes)) continue;  // a damaged entry: verify names it
      auto message = DecodedMessage::DecodePacked(bytes);
      if (!message.ok()) continue;
      auto change = message->Root<schema::Change>();
      if (!change.hasId() || !IsKnownKind(static_cast<uint16_t>(change.getEntity()))) continue;
      auto it = damaged.find(RecordKey(change.getEntity(), IdFromWire(change.getId())));
      if (it == damaged.end()) continue;
      auto source = txn_.Get(store_->tables_.log_source, cursor.key());
      if (source.ok() && source->size() == 17 && (*source)[16] == kHeldBackMark) continue;
      Rebuilt& rebuilt = it->second;
      auto next = std::make_unique<capnp::MallocMessageBuilder>(kSmallRecordWords);
      auto out = next->initRoot<schema::StoredRecord>();
      if (change.isEvent()) {
        if (rebuilt.have) continue;
        StoreEvent(change, out);
      } else {
        schema::StoredRecord::Reader before;
        if (rebuilt.have) before = rebuilt.record->getRoot<schema::StoredRecord>().asReader();
        auto outcome = MergeChange(change, rebuilt.have ? &before : nullptr, out);
        if (!outcome.ok() || !outcome->changed) continue;
      }
      rebuilt.record = std::move(next);
      rebuilt.have = true;
    }
    CRM_RETURN_IF_ERROR(moved);
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("repairing damaged records: ") + e.getDescription().cStr());
  }
  for (auto& [key, rebuilt] : damaged) {
    if (!rebuilt.have) {
      unrepaired.push_back(key);
      continue;
    }
    const auto kind = static_cast<EntityKind>(static_cast<uint8_t>(key[0]));
    const Id id = IdFromBytes(std::string_view(key).substr(1));
    IndexPlan plan;
    IndexWrites duplicates;
    try {
      CRM_RETURN_IF_ERROR(store_->PlanIndexes(
          kind, nullptr, rebuilt.record->getRoot<schema::StoredRecord>().asReader(), id, plan));
      if (kind == EntityKind::CLIENT) CRM_RETURN_IF_ERROR(PlanDuplicates(id, plan, duplicates));
    } catch (const kj::Exception& e) {
      return Status::Corruption("repairing the " + RecordName(key) + ": " + e.getDescription().cStr());
    }
    // A damaged record's index entries cannot be read from it. An event's
    // are fixed by its content, which the copy shares; a mutable record's may
    // have changed since.
    if (!IsEventKind(kind)) CRM_RETURN_IF_ERROR(DropIndexEntriesOf(kind, id));
    Status written =
        WritePlanned(key, EncodePackedMessage(*rebuilt.record), plan.writes, duplicates);
    if (!written.ok()) return AsStoreFailure(written);
    Status unmarked = txn_.Delete(store_->tables_.meta, std::string(kMetaDamagedPrefix) + key);
    if (!unmarked.ok() && unmarked.code() != StatusCode::kNotFound) return unmarked;
  }
  return unrepaired;
}

}  // namespace crm
