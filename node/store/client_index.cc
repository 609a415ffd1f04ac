#include "node/store/client_index.h"

#include <algorithm>
#include <unordered_set>

#include "node/common/text.h"
#include "node/store/internal.h"
#include "node/store/store.h"

namespace crm {

std::set<std::string> NameTokensOf(schema::Client::Reader client) {
  std::set<std::string> tokens;
  for (capnp::Text::Reader name : {client.getFirstName(), client.getMiddleName(),
                                   client.getLastName(), client.getCompanyName()}) {
    for (std::string& token : SearchTokens(std::string_view(name.cStr(), name.size()))) {
      tokens.insert(std::move(token));
    }
  }
  return tokens;
}

ClientIndexKeys IndexKeysOf(schema::Client::Reader client) {
  ClientIndexKeys keys;
  for (auto phone : client.getPhones()) {
    if (phone.size() > 0) keys.phones.emplace(phone.cStr(), phone.size());
  }
  for (auto email : client.getEmails()) {
    if (email.size() > 0) keys.emails.emplace(email.cStr(), email.size());
  }
  if (client.getLoyaltyCard().size() > 0) {
    keys.cards.emplace(client.getLoyaltyCard().cStr(), client.getLoyaltyCard().size());
  }
  keys.names = NameTokensOf(client);
  return keys;
}

}  // namespace crm
namespace crm {
namespace {

using namespace store_internal;  // NOLINT(build/namespaces): node/store/internal.h

// How many index entries a multi-word name search examines at most.
constexpr size_t kNameScanBudget = 20000;

}  // namespace


Result<std::vector<Id>> ClientIndex::FindByPhone(std::string_view e164) const {
  return FindIds(txn_, tables_.by_phone, e164);
}

Result<std::vector<Id>> ClientIndex::FindByEmail(std::string_view email) const {
  return FindIds(txn_, tables_.by_email, email);
}

Result<std::vector<Id>> ClientIndex::FindByCard(std::string_view card) const {
  return FindIds(txn_, tables_.by_card, card);
}

Result<std::vector<Id>> ClientIndex::FindByName(std::string_view query, size_t limit) const {
  std::vector<Id> found;
  std::vector<std::string> words = SearchTokens(query);
  if (words.empty() || limit == 0) return found;
  // Scan the index for the longest word (the most selective); check the others
  // against each candidate's own tokens.
  std::sort(words.begin(), words.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  const std::string& scan_word = words.front();

  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(tables_.by_name));
  CRM_RETURN_IF_ERROR(cursor.Seek(scan_word));
  std::unordered_set<Id, IdHash> seen;
  size_t scanned = 0;
  while (cursor.valid() && StartsWith(cursor.key(), scan_word) && found.size() < limit &&
         scanned++ < kNameScanBudget) {
    Id id = IdFromBytes(cursor.value());
    if (seen.insert(id).second) {
      bool matches = true;
      if (words.size() > 1) {
        auto found_record = view_.Get(EntityKind::CLIENT, id);
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

}  // namespace crm
