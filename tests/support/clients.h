// Builders of client changes for tests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/records.capnp.h"
#include "sync/change_builder.h"

namespace crm::testing {

struct ClientFields {
  ClientFields(std::string first, std::string last, std::vector<std::string> phone_list = {},
               std::vector<std::string> email_list = {}, std::string card_number = {})
      : first_name(std::move(first)),
        last_name(std::move(last)),
        phones(std::move(phone_list)),
        emails(std::move(email_list)),
        card(std::move(card_number)) {}

  std::string first_name;
  std::string last_name;
  std::vector<std::string> phones;
  std::vector<std::string> emails;
  std::string card;
};

// A patch creating a client with the given fields.
inline ChangeMessage NewClientChange(const Id& id, const Stamp& stamp, const ClientFields& f) {
  ChangeMessage m = ChangeMessage::Patch(EntityKind::CLIENT, id, stamp, Id{});
  auto client = m.record<schema::Client>();
  client.setFirstName(f.first_name);
  client.setLastName(f.last_name);
  client.setLoyaltyCard(f.card);
  (void)m.Set("firstName");
  (void)m.Set("lastName");
  if (!f.card.empty()) (void)m.Set("loyaltyCard");
  for (const auto& phone : f.phones) (void)m.AddElement("phones", phone);
  for (const auto& email : f.emails) (void)m.AddElement("emails", email);
  return m;
}

}  // namespace crm::testing
