#include "hq/analytics/employees.h"

#include <map>
#include <set>

#include "schema/records.capnp.h"

namespace crm {

Result<EmployeeNames> EmployeeNames::Load(const StoreView& view) {
  struct User {
    Id id;
    std::string login;
    std::string office;
    std::string display_name;
  };
  std::vector<User> users;
  std::map<std::string, std::set<std::string>> offices_of;  // login -> the offices having it
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::USER, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        auto user = stored.getValue().getAs<schema::User>();
        std::string login = user.getLogin().size() ? user.getLogin().cStr() : "(unknown)";
        users.push_back({id, login, user.getOffice().cStr(), user.getDisplayName().cStr()});
        offices_of[login].insert(users.back().office);
        return Status::Ok();
      }));
  EmployeeNames names;
  for (User& user : users) {
    std::string name = user.login;
    if (offices_of[user.login].size() > 1) name += "@" + user.office;
    names.users_[user.id] = Entry{std::move(name), std::move(user.display_name)};
  }
  return names;
}

std::string EmployeeNames::Name(const Id& id) const {
  if (id.IsNull()) return "(none)";
  auto it = users_.find(id);
  return it == users_.end() ? id.ToString() : it->second.name;
}

std::map<std::string, std::string> EmployeeNames::DisplayNamesByName() const {
  std::map<std::string, std::string> names;
  for (const auto& [id, entry] : users_) names[entry.name] = entry.display_name;
  return names;
}

}  // namespace crm
