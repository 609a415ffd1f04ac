#include "node/store/client_index.h"

#include "node/common/text.h"

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
