#include "hq/analytics/client_name.h"

namespace crm {

std::string ClientName(schema::Client::Reader client) {
  auto text = [](capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); };
  std::string company = text(client.getCompanyName());
  if (client.getKind() == schema::ClientKind::COMPANY && !company.empty()) return company;
  std::string person;
  for (capnp::Text::Reader part : {client.getFirstName(), client.getMiddleName(), client.getLastName()}) {
    if (part.size() == 0) continue;
    if (!person.empty()) person += ' ';
    person += text(part);
  }
  return person.empty() ? company : person;
}

}  // namespace crm
