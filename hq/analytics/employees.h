// The names the reports give employees: from the directory of users, which
// holds every office's users at headquarters (docs/reports.md). An employee is
// named by login; a login two offices both have is named `login@OFFICE`, so
// two people are never counted as one.
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "node/store/store.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

class EmployeeNames {
 public:
  // Reads the directory of `view` (every user record, once).
  static Result<EmployeeNames> Load(const StoreView& view);

  // The name of user `id`: its login (or `login@OFFICE`, see above); "(none)"
  // for a null id; the id itself for a user this store does not hold.
  std::string Name(const Id& id) const;
  // Every user's display name by the user's Name.
  std::map<std::string, std::string> DisplayNamesByName() const;
  // True if the directory here holds user `id`.
  bool Knows(const Id& id) const { return users_.count(id) > 0; }

 private:
  struct Entry {
    std::string name;
    std::string display_name;
  };
  std::unordered_map<Id, Entry, IdHash> users_;
};

}  // namespace crm
