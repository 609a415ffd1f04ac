// What the store's own files share, private to the store floor (node/store):
// how the store lays out the keys of its tables (docs/storage.md): numbers
// big-endian so that keys sort by them, ids as their 16 bytes, a record as
// kind(1) + id(16); and the few helpers its tables' classes have in common.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/store/lmdb.h"
#include "sync/base/entities.h"
#include "sync/base/id.h"
#include "sync/base/hlc.h"
#include "sync/base/status.h"

namespace crm::store_internal {

// Names in the meta table.
inline constexpr std::string_view kMetaNodeId = "node_id";
inline constexpr std::string_view kMetaInstanceId = "instance_id";
inline constexpr std::string_view kMetaLogSeq = "log_seq";
inline constexpr std::string_view kMetaAuditHead = "audit_head";
inline constexpr std::string_view kMetaAwaitingOwnHistory = "awaiting_own_history";
inline constexpr std::string_view kMetaHlc = "hlc";
inline constexpr std::string_view kMetaLogFloor = "log_floor";
inline constexpr std::string_view kMetaOfficeCode = "office_code";
inline constexpr std::string_view kMetaLoginLockPrefix = "login_lock/";
inline constexpr std::string_view kMetaVersionPrefix = "vv/";
// Records found damaged, for the uplink to fetch back: + kind(1) + id(16).
inline constexpr std::string_view kMetaDamagedPrefix = "damaged/";
// After the delivering peer's id in log_source: the entry is held back.
inline constexpr char kHeldBackMark = 'H';

// LMDB keys are at most 511 bytes; longer index values are cut (the same cut
// applies to lookups, so they still find them).
inline constexpr size_t kMaxIndexKey = 400;

// The first segment of a merged record: most records fit, and a bigger first
// segment costs more to clear than the merge of a typical record.
inline constexpr unsigned kSmallRecordWords = 256;

// A write of the second phase of Apply failed: the store cannot take it, and
// the whole transaction must go (see StoreTxn::Apply).
Status AsStoreFailure(const Status& status);

std::string BigEndian64(uint64_t v);
// Reads up to 8 big-endian bytes.
uint64_t ReadBigEndian64(std::string_view bytes);

std::string IdBytes(const Id& id);
// REQUIRES: bytes.size() >= 16.
Id IdFromBytes(std::string_view bytes);

// kind(1) + id(16): the key of a record, of its conflicts and of its anomaly.
std::string RecordKey(EntityKind kind, const Id& id);
inline std::string_view IndexKey(std::string_view value) { return value.substr(0, kMaxIndexKey); }

// The unique-key index entry of a record: kind(1) + key (a login folded
// for search), or empty if `key` is.
std::string KeyIndexKey(EntityKind kind, std::string_view key);

// The ids a multi table holds under `key` (cut as IndexKey cuts it), at most
// `limit` of them (in id order).
Result<std::vector<Id>> FindIds(const lmdb::Txn& txn, lmdb::Table table, std::string_view key,
                                size_t limit = SIZE_MAX);

// physical(8) + logical(4) + node(16).
std::string EncodeStamp(const Stamp& stamp);
Result<Stamp> DecodeStamp(std::string_view bytes);

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// "client 01H...": the record a records key names, for messages.
std::string RecordName(std::string_view key);

// Overwrites the value under `key` with zeros of its length, then puts
// `value` (or deletes the key if none), so the old bytes do not linger in
// the page. kNotFound if there is no value.
Status Overwrite(lmdb::Txn& txn, lmdb::Table table, std::string_view key,
                 std::optional<std::string_view> value);

}  // namespace crm::store_internal
