// The client indexes: what the front desk finds a client by (phone, email,
// loyalty card, a piece of a name), the keys a client record puts in them,
// and the small class over a store transaction that looks them up.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "node/store/lmdb.h"
#include "node/store/tables.h"
#include "schema/records.capnp.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

struct ClientIndexKeys {
  std::set<std::string> phones;  // E.164
  std::set<std::string> emails;  // lower-cased
  std::set<std::string> cards;   // loyalty card numbers as written
  std::set<std::string> names;   // folded tokens of every name field
};

ClientIndexKeys IndexKeysOf(schema::Client::Reader client);

// The folded name tokens of a client (first, middle, last and company name).
std::set<std::string> NameTokensOf(schema::Client::Reader client);

class StoreView;

// Lookups in the client indexes (tables by_phone, by_email, by_card,
// by_name) of one snapshot: StoreView::client_index(). Their entries are
// written with the records (Store::PlanIndexes, node/store/indexes.cc).
class ClientIndex {
 public:
  ClientIndex(const StoreView& view, const lmdb::Txn& txn, const StoreTables& tables)
      : view_(view), txn_(txn), tables_(tables) {}

  // Clients by an exact E.164 phone, normalized email or loyalty card number.
  Result<std::vector<Id>> FindByPhone(std::string_view e164) const;
  Result<std::vector<Id>> FindByEmail(std::string_view email) const;
  Result<std::vector<Id>> FindByCard(std::string_view card) const;

  // Clients that have, for every word of `query`, a name token starting with
  // it (folded: case, accents and script variants do not matter). At most
  // `limit`, in index order. A damaged client is left out (and noted).
  Result<std::vector<Id>> FindByName(std::string_view query, size_t limit) const;

 private:
  Result<std::vector<Id>> FindExact(lmdb::Table table, std::string_view key) const;

  const StoreView& view_;  // for the records a multi-word name search checks
  const lmdb::Txn& txn_;
  const StoreTables& tables_;
};

}  // namespace crm
