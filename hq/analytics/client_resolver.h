// The client a sale's client id stands for now (after merges), remembered:
// a report resolves the same few clients over and over.
#pragma once

#include <unordered_map>

#include "node/store/store.h"

namespace crm {

class ClientResolver {
 public:
  // REQUIRES: `view` outlives this.
  explicit ClientResolver(const StoreView& view) : view_(view) {}

  Result<Id> Resolve(const Id& client) {
    auto it = resolved_.find(client);
    if (it != resolved_.end()) return it->second;
    CRM_ASSIGN_OR_RETURN(Id survivor, view_.ResolveClient(client));
    resolved_.emplace(client, survivor);
    return survivor;
  }

 private:
  const StoreView& view_;
  std::unordered_map<Id, Id, IdHash> resolved_;
};

}  // namespace crm
