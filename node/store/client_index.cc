#include "node/store/client_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "node/common/text.h"
#include "node/store/internal.h"
#include "node/store/store.h"

namespace crm {
namespace {

using namespace store_internal;  // NOLINT(build/namespaces): node/store/internal.h

// How many index entries a name search examines at most.
constexpr size_t kNameScanBudget = 20000;
// A skeleton shorter than this is looked for whole, not as a prefix ("ali"
// is "l": every name starting with an l would match).
constexpr size_t kMinSkeletonPrefix = 3;

std::string_view View(capnp::Text::Reader text) {
  return std::string_view(text.cStr(), text.size());
}

// The Latin key without vowels, 'y' (Persian ی and و are as often vowels
// as consonants) and doubled letters, 'w' read as 'v': what a romanized
// name and the romanization of its Arabic-script spelling share.
std::string Skeleton(std::string_view latin) {
  std::string out;
  for (char c : latin) {
    if (c == 'w') c = 'v';
    if (std::strchr("aeiouy", c) != nullptr) continue;
    if (!out.empty() && out.back() == c) continue;
    out += c;
  }
  return out;
}

// The Latin keys of the word tokens of `text`, in order.
std::vector<std::string> LatinWords(std::string_view text) {
  std::vector<std::string> words;
  for (const std::string& token : SearchTokens(text)) {
    std::string latin = LatinKey(token);
    if (!latin.empty()) words.push_back(std::move(latin));
  }
  return words;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

// True if one of `keys` (sorted) is found by one of `probes`.
bool Matches(const std::set<std::string>& keys, const std::vector<NameProbe>& probes) {
  for (const NameProbe& probe : probes) {
    if (probe.exact) {
      if (keys.count(probe.key) > 0) return true;
      continue;
    }
    auto at = keys.lower_bound(probe.key);
    if (at != keys.end() && StartsWith(*at, probe.key)) return true;
  }
  return false;
}

}  // namespace

std::set<std::string> NameKeysOf(schema::Client::Reader client) {
  std::set<std::string> keys;
  for (capnp::Text::Reader name : {client.getFirstName(), client.getMiddleName(),
                                   client.getLastName(), client.getCompanyName()}) {
    for (std::string& token : SearchTokens(View(name))) {
      std::vector<std::string> latin = LatinKeys(token);
      std::string skeleton = latin.empty() ? std::string() : Skeleton(latin.front());
      if (!skeleton.empty()) {
        keys.insert(std::string(IsArabicScript(token) ? kArabicSkeleton : kOtherSkeleton) +
                    skeleton);
      }
      for (std::string& key : latin) keys.insert(std::move(key));
      keys.insert(std::move(token));
    }
  }
  return keys;
}

std::vector<NameProbe> NameProbesOf(std::string_view word) {
  std::vector<NameProbe> probes = {{std::string(word), false}};
  std::vector<std::string> latin = LatinKeys(word);
  if (latin.empty()) return probes;
  for (const std::string& key : latin) {
    if (key != word) probes.push_back({key, false});
  }
  std::string skeleton = Skeleton(latin.front());
  if (!skeleton.empty()) {
    bool exact = skeleton.size() < kMinSkeletonPrefix;
    probes.push_back(
        {std::string(IsArabicScript(word) ? kOtherSkeleton : kArabicSkeleton) + skeleton, exact});
  }
  return probes;
}

std::set<std::string> IdentityKeysOf(schema::Client::Reader client) {
  std::set<std::string> keys;
  if (client.hasBirthDate() && client.getBirthDate().getYear() > 0) {
    std::vector<std::string> words = LatinWords(View(client.getFirstName()));
    for (std::string& word : LatinWords(View(client.getLastName()))) {
      words.push_back(std::move(word));
    }
    // Sorted: one office may have put the family name first.
    std::sort(words.begin(), words.end());
    auto date = client.getBirthDate();
    if (!words.empty()) {
      keys.insert(fmt::format("name {} {:04}-{:02}-{:02}", Join(words), date.getYear(),
                              date.getMonth(), date.getDay()));
    }
  }
  if (client.getKind() == schema::ClientKind::PERSON && client.hasAddress()) {
    std::vector<std::string> street = LatinWords(View(client.getAddress().getStreet()));
    std::vector<std::string> city = LatinWords(View(client.getAddress().getCity()));
    if (!street.empty() && !city.empty()) {
      keys.insert("address " + Join(street) + ", " + Join(city));
    }
  }
  return keys;
}

std::string DuplicateReason(std::string_view shared) {
  std::string_view what = shared.substr(0, shared.find(' '));
  if (what == "name") return "same name and birth date";
  return "same " + std::string(what);
}

ClientIndexKeys IndexKeysOf(schema::Client::Reader client) {
  ClientIndexKeys keys;
  for (auto phone : client.getPhones()) {
    if (phone.size() > 0) keys.phones.emplace(View(phone));
  }
  for (auto email : client.getEmails()) {
    if (email.size() > 0) keys.emails.emplace(View(email));
  }
  if (client.getLoyaltyCard().size() > 0) keys.cards.emplace(View(client.getLoyaltyCard()));
  keys.names = NameKeysOf(client);
  keys.identities = IdentityKeysOf(client);
  return keys;
}

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
  // against each candidate's own keys.
  std::sort(words.begin(), words.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::vector<std::vector<NameProbe>> probes;
  for (const std::string& word : words) probes.push_back(NameProbesOf(word));

  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(tables_.by_name));
  std::unordered_set<Id, IdHash> seen;
  size_t scanned = 0;
  for (const NameProbe& probe : probes.front()) {
    auto within = [&](std::string_view key) {
      return probe.exact ? key == IndexKey(probe.key) : StartsWith(key, IndexKey(probe.key));
    };
    CRM_RETURN_IF_ERROR(cursor.Seek(IndexKey(probe.key)));
    while (cursor.valid() && within(cursor.key()) && found.size() < limit &&
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
          std::set<std::string> keys = NameKeysOf(record.value<schema::Client>());
          for (size_t i = 1; i < words.size() && matches; ++i) matches = Matches(keys, probes[i]);
        }
        if (matches) found.push_back(id);
      }
      CRM_RETURN_IF_ERROR(cursor.Next());
    }
  }
  return found;
}

}  // namespace crm
