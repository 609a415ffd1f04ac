// The secondary index keys of a client record: what the front desk searches by.
#pragma once

#include <set>
#include <string>

#include "schema/records.capnp.h"

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

}  // namespace crm
