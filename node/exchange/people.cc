#include "node/exchange/people.h"

#include "node/common/crypto.h"
#include "node/common/text.h"
#include "schema/records.capnp.h"
#include "sync/change_builder.h"

namespace crm {

Result<PersonRef> ParsePerson(std::string_view text, std::string_view default_office,
                              std::string_view column) {
  PersonRef person;
  size_t at = text.find('@');
  person.login = std::string(text.substr(0, at));
  person.office = at == std::string_view::npos ? std::string(default_office)
                                               : std::string(text.substr(at + 1));
  if (!IsValidLogin(person.login)) {
    return Status::InvalidArgument(
        std::string(column), std::string(column) + " '" + std::string(text) +
                    "': is not a login (3 to 64 letters, digits, '.', '_' or '-'), "
                    "with @OFFICE after it for a user of another office");
  }
  bool office_ok = !person.office.empty() && person.office.size() <= 64;
  for (char c : person.office) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') office_ok = false;
  }
  if (!office_ok) {
    return Status::InvalidArgument(std::string(column), std::string(column) + " '" + std::string(text) +
                                               "': '" + person.office +
                                               "' is not an office code");
  }
  return person;
}

Result<std::string> PeopleNames::Name(const Id& id, std::string_view record_office) {
  if (id.IsNull()) return std::string();
  auto it = users_.find(id);
  if (it == users_.end()) {
    auto record = view_.Get(EntityKind::USER, id);
    if (!record.ok() && record.status().code() != StatusCode::kNotFound) return record.status();
    std::pair<std::string, std::string> user;
    if (record.ok()) {
      auto value = record->value<schema::User>();
      user = {value.getLogin().cStr(), value.getOffice().cStr()};
    }
    it = users_.emplace(id, std::move(user)).first;
  }
  const auto& [login, office] = it->second;
  if (login.empty()) return id.ToString();
  if (office == record_office) return login;
  return login + "@" + office;
}

Result<Id> PeopleDirectory::Resolve(StoreTxn& txn, HybridClock& hlc, const PersonRef& person) {
  auto found = txn.FindByKey(EntityKind::USER, UserKey(person.office, person.login));
  if (found.ok()) return *found;
  if (found.status().code() != StatusCode::kNotFound) return found.status();
  const Id id = ImportedUserId(person.office, person.login);
  ChangeMessage change = ChangeMessage::Patch(EntityKind::USER, id, hlc.Now(), Id{});
  auto user = change.record<schema::User>();
  user.setLogin(person.login);
  user.setDisplayName(person.login);
  user.setRole(schema::Role::CASHIER);
  user.setOffice(person.office);
  user.setActive(false);
  for (const char* f : {"login", "displayName", "role", "office", "active"}) {
    CRM_RETURN_IF_ERROR(change.Set(f));
  }
  CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
  made_.push_back(person.login + "@" + person.office);
  return id;
}

Id ImportedUserId(std::string_view office, std::string_view login) {
  std::string key = "import/user/" + std::string(office) + "/" + LowerCase(login);
  return DerivedId(key, 0);
}

}  // namespace crm
