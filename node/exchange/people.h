// The people a record names (a sale's cashier, a note's author, a task's
// assignee ...) as the exchange files write them: a login, or
// "login@OFFICE" when the user is not of the record's own office (logins are
// per office: kate of LON and kate of MSK are two users).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "node/store/store.h"
#include "sync/base/hlc.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

// A login written in a file, split: "kate@LON" -> {kate, LON}; "kate" ->
// {kate, default_office}. kInvalidArgument (naming `column`) for text that
// is not a login (3 to 64 letters, digits, '.', '_' or '-') with an optional
// office code after '@'.
struct PersonRef {
  std::string login;
  std::string office;
};
Result<PersonRef> ParsePerson(std::string_view text, std::string_view default_office,
                              std::string_view column);

// Looks the users of a store up by id, once each, for an export.
class PeopleNames {
 public:
  // Borrows `view`, which must outlive this.
  explicit PeopleNames(const StoreView& view) : view_(view) {}

  // How the file names user `id` on a record of `record_office`: its login,
  // with "@OFFICE" when the user's office is another; "" for a null id; the
  // id itself for a user the store does not hold (so nothing is lost).
  Result<std::string> Name(const Id& id, std::string_view record_office);

 private:
  const StoreView& view_;
  std::unordered_map<Id, std::pair<std::string, std::string>, IdHash> users_;  // login, office
};

// Finds users named in an import file in the user directory. A login the
// directory lacks is made as a new user who cannot log in (inactive, no
// password, role cashier) until an administrator sets it up, and is listed
// in made(): an imported record keeps who made it, never silently loses it.
class PeopleDirectory {
 public:
  // The user `person` names, made if the directory lacks it, within `txn`.
  Result<Id> Resolve(StoreTxn& txn, HybridClock& hlc, const PersonRef& person);

  // "login@OFFICE" of every user made, in order.
  const std::vector<std::string>& made() const { return made_; }

  // Forgets users made in a transaction that did not commit (the work of a
  // Writer::Run may run again): call before each run of it.
  void Rewind(size_t made_before) { made_.resize(made_before); }

 private:
  std::vector<std::string> made_;
};

// The id an import gives the user `login` of `office` it makes (the same in
// any case of the login, as the directory compares logins).
Id ImportedUserId(std::string_view office, std::string_view login);

}  // namespace crm
