// The index entries a record makes (client search keys, links to its client
// or sale, its unique key) and the duplicate-client list, written with it.
#include "node/store/store.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <kj/exception.h>

#include <algorithm>
#include <set>
#include <string>
#include <tuple>

#include "node/store/client_index.h"
#include "node/store/internal.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/merge.h"

namespace crm {
namespace {

using namespace store_internal;  // NOLINT(build/namespaces): node/store/internal.h

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

std::string UniqueKeyOf(EntityKind kind, schema::StoredRecord::Reader stored) {
  auto text = [](capnp::Text::Reader t) { return std::string_view(t.cStr(), t.size()); };
  switch (kind) {
    case EntityKind::USER: {
      auto user = stored.getValue().getAs<schema::User>();
      if (user.getLogin().size() == 0) return {};
      return KeyIndexKey(kind, UserKey(text(user.getOffice()), text(user.getLogin())));
    }
    case EntityKind::PRODUCT:
      return KeyIndexKey(kind, text(stored.getValue().getAs<schema::Product>().getSku()));
    case EntityKind::SALE:
      return KeyIndexKey(kind, text(stored.getValue().getAs<schema::Sale>().getReceiptNo()));
    default:
      return {};
  }
}

// The meta entry saying how the user entries of by_key are made: absent in a
// store made before logins were per office (by login alone).
constexpr std::string_view kMetaUserKeys = "index/user_keys";
constexpr std::string_view kUserKeysByOffice = "office+login";

}  // namespace

std::string UserKey(std::string_view office, std::string_view login) {
  std::string key(login);
  key += '@';
  key += office;
  return key;
}

Status Store::RebuildUserKeys() {
  CRM_ASSIGN_OR_RETURN(StoreTxn txn, BeginWrite());
  auto marked = txn.txn_.Get(tables_.meta, kMetaUserKeys);
  if (marked.ok() && *marked == kUserKeysByOffice) return Status::Ok();
  if (!marked.ok() && marked.status().code() != StatusCode::kNotFound) return marked.status();
  // Users are few: every user entry goes, and each user's is made again.
  const std::string prefix(1, static_cast<char>(EntityKind::USER));
  std::vector<std::pair<std::string, std::string>> stale;
  {
    CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn.txn_.OpenCursor(tables_.by_key));
    CRM_RETURN_IF_ERROR(cursor.Seek(prefix));
    while (cursor.valid() && StartsWith(cursor.key(), prefix)) {
      stale.emplace_back(cursor.key(), cursor.value());
      CRM_RETURN_IF_ERROR(cursor.Next());
    }
  }
  for (const auto& [key, value] : stale) CRM_RETURN_IF_ERROR(txn.txn_.Delete(tables_.by_key, key, value));
  std::vector<std::pair<std::string, std::string>> fresh;
  CRM_RETURN_IF_ERROR(txn.ForEachOfKind(
      EntityKind::USER, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        std::string key = UniqueKeyOf(EntityKind::USER, stored);
        if (!key.empty()) fresh.emplace_back(std::string(IndexKey(key)), IdBytes(id));
        return Status::Ok();
      }));
  for (const auto& [key, value] : fresh) CRM_RETURN_IF_ERROR(txn.txn_.Put(tables_.by_key, key, value));
  CRM_RETURN_IF_ERROR(txn.txn_.Put(tables_.meta, kMetaUserKeys, kUserKeysByOffice));
  return txn.Commit();
}

Status Store::PlanIndexes(EntityKind kind, const schema::StoredRecord::Reader* before,
                          schema::StoredRecord::Reader after, const Id& id,
                          IndexPlan& plan) const {
  const std::string id_bytes = IdBytes(id);
  const StoreTables& t = tables_;
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
      for (std::set<std::string>* set :
           {&keys->phones, &keys->emails, &keys->cards, &keys->names, &keys->identities}) {
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
          std::tuple{t.by_name, &old_keys.names, &new_keys.names},
          std::tuple{t.by_identity, &old_keys.identities, &new_keys.identities}}) {
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
  // Another client with one of these phones, emails or cards, or with the
  // same name and birth date or address: a duplicate for a manager to look
  // at (the list skips pairs merged since).
  const std::string id_bytes = IdBytes(id);
  const auto& t = store_->tables_;
  const ClientIndexKeys& old_keys = plan.old_client_keys;
  const ClientIndexKeys& new_keys = plan.new_client_keys;
  auto pair_with = [&](const Id& other, std::string shared) {
    std::string pair = other < id ? IdBytes(other) + id_bytes : id_bytes + IdBytes(other);
    writes.push_back({t.duplicates, std::move(pair), std::move(shared), true});
  };
  for (auto [table, set, what] : {std::tuple{t.by_phone, &new_keys.phones, "phone"},
                                  std::tuple{t.by_email, &new_keys.emails, "email"},
                                  std::tuple{t.by_card, &new_keys.cards, "card"}}) {
    for (const std::string& key : *set) {
      if (old_keys.phones.count(key) || old_keys.emails.count(key) || old_keys.cards.count(key)) {
        continue;  // known before this change
      }
      CRM_ASSIGN_OR_RETURN(std::vector<Id> holders, FindIds(txn_, table, key));
      for (const Id& other : holders) {
        if (other != id) pair_with(other, std::string(what) + " " + key);
      }
    }
  }
  // Many people may share an address (a block of flats) or a common name
  // and birthday: the first few holders are named, not every pair.
  for (const std::string& key : new_keys.identities) {
    if (old_keys.identities.count(key)) continue;
    CRM_ASSIGN_OR_RETURN(std::vector<Id> holders,
                         FindIds(txn_, t.by_identity, key, kMaxIdentityPairs));
    for (const Id& other : holders) {
      if (other != id) pair_with(other, key);
    }
  }
  return Status::Ok();
}

Status StoreTxn::DropIndexEntriesOf(EntityKind kind, const Id& id) {
  const StoreTables& t = store_->tables_;
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
    for (lmdb::Table table : {t.by_phone, t.by_email, t.by_card, t.by_name, t.by_identity}) {
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

}  // namespace crm
