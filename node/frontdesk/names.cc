// Names for the desk's lists: people are shown by name, never by id.
#include "node/frontdesk/internal.h"

namespace crm::frontdesk {

NameBook::NameBook(const StoreView& view, std::string desk_office)
    : view_(view), desk_office_(std::move(desk_office)) {}

Result<std::string> NameBook::Client(const Id& asked) {
  if (asked.IsNull()) return std::string();
  if (auto known = clients_.find(asked); known != clients_.end()) return known->second;
  std::string name;
  auto resolved = view_.ResolveClient(asked);
  if (!resolved.ok() && resolved.status().code() != StatusCode::kNotFound) return resolved.status();
  auto record = view_.Get(EntityKind::CLIENT, resolved.ok() ? *resolved : asked);
  if (record.ok()) {
    name = ClientLabel(record->value<schema::Client>());
  } else if (record.status().code() == StatusCode::kNotFound) {
    name = "client " + asked.ToString() + " (not here yet)";
  } else {
    return record.status();
  }
  clients_.emplace(asked, name);
  return name;
}

Result<NameBook::Person> NameBook::User(const Id& id) {
  if (id.IsNull()) return Person{};
  if (auto known = users_.find(id); known != users_.end()) return known->second;
  Person person;
  auto record = view_.Get(EntityKind::USER, id);
  if (record.ok()) {
    auto user = record->value<schema::User>();
    person.login = CanonicalLogin(Str(user.getLogin()), Str(user.getOffice()), desk_office_);
    person.display_name = Str(user.getDisplayName());
  } else if (record.status().code() == StatusCode::kNotFound) {
    // Its directory entry has not arrived yet: say so rather than show an id.
    person.login = "(a user not in this office's directory yet)";
  } else {
    return record.status();
  }
  users_.emplace(id, person);
  return person;
}

}  // namespace crm::frontdesk
