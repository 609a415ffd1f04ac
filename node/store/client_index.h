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
  std::set<std::string> phones;      // E.164
  std::set<std::string> emails;      // lower-cased
  std::set<std::string> cards;       // loyalty card numbers as written
  std::set<std::string> names;       // NameKeysOf
  std::set<std::string> identities;  // IdentityKeysOf
};

ClientIndexKeys IndexKeysOf(schema::Client::Reader client);

// The by_name keys of a client (first, middle, last and company name): for
// each folded word token (SearchTokens), the token itself, its Latin-ASCII
// spellings (LatinKeys: "елена" -> "yelena", "elena") and its consonant
// skeleton (the first Latin key without vowels, 'y', doubled letters; "w"
// read as "v") behind a marker naming the script side: kArabicSkeleton for
// tokens in the Arabic script, whose short vowels are not written,
// kOtherSkeleton for the rest. A skeleton lets "maryam" find "مریم" and back.
std::set<std::string> NameKeysOf(schema::Client::Reader client);

inline constexpr std::string_view kArabicSkeleton = "\001a";
inline constexpr std::string_view kOtherSkeleton = "\001l";

// One key a search word looks for in by_name: keys starting with `key`, or
// (for a short skeleton, which would match too much as a prefix) equal to it.
struct NameProbe {
  std::string key;
  bool exact = false;
};

// The keys a folded query word is looked for under, the most faithful first:
// the word, its Latin spellings, and its skeleton on the other script side (a
// Latin word looks among Arabic-script skeletons, an Arabic-script word
// among the others). Transliterates the word once.
std::vector<NameProbe> NameProbesOf(std::string_view word);

// The keys of the by_identity index that make two clients suspected
// duplicates (docs/frontdesk.md, "Duplicates"):
//   "name <Latin keys of the first and last name, sorted> <yyyy-mm-dd>"
//     for a client with a birth date and a name;
//   "address <Latin keys of the street line>, <Latin keys of the city>"
//     for a person with a street and a city.
// Names and addresses are compared transliterated and folded, so "Helen
// Brown" and "BROWN, Hélen" born the same day share a key.
std::set<std::string> IdentityKeysOf(schema::Client::Reader client);

// How many clients already holding an identity key a new holder is paired
// with as a suspected duplicate: many people share an address (a block of
// flats) or a common name and birthday, and the list names the first few.
inline constexpr size_t kMaxIdentityPairs = 20;

// Why a pair of clients is listed as duplicates, from what they share as the
// duplicates table keeps it: "phone +44..." -> "same phone", "email ..." ->
// "same email", "card ..." -> "same card", "name ..." -> "same name and
// birth date", "address ..." -> "same address".
std::string DuplicateReason(std::string_view shared);

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

  // Clients that have, for every word of `query`, a name key that one of the
  // word's probes finds (NameProbesOf: folded, so case, accents and script
  // variants do not matter; transliterated, so "petr" finds "Петрова" and
  // "Петр" finds "Petrova"). At most `limit`: first those found by the word
  // as written or its Latin key (in index order), then by its skeleton. A
  // damaged client is left out (and noted).
  Result<std::vector<Id>> FindByName(std::string_view query, size_t limit) const;

 private:
  Result<std::vector<Id>> FindExact(lmdb::Table table, std::string_view key) const;

  const StoreView& view_;  // for the records a multi-word name search checks
  const lmdb::Txn& txn_;
  const StoreTables& tables_;
};

}  // namespace crm
