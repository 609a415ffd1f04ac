// A store opened for use by a program: the store, its hybrid logical clock
// restored past the persisted high-water mark (a restart never issues an older
// stamp), and its group-commit writer. main() of every program owns one.
#pragma once

#include <memory>

#include "node/store.h"
#include "node/writer.h"
#include "sync/clock.h"
#include "sync/hlc.h"

namespace crm {

struct StoreRuntime {
  SystemClock wall;
  std::unique_ptr<Store> store;
  std::unique_ptr<HybridClock> hlc;
  std::unique_ptr<Writer> writer;

  Status Open(const StoreOptions& options, int64_t max_skew_ms = 60'000) {
    CRM_ASSIGN_OR_RETURN(store, Store::Open(options, wall));
    hlc = std::make_unique<HybridClock>(wall, store->node_id(), max_skew_ms);
    {
      CRM_ASSIGN_OR_RETURN(StoreView view, store->Read());
      CRM_ASSIGN_OR_RETURN(Stamp high_water, view.HlcHighWater());
      hlc->Restore(high_water);
    }
    writer = std::make_unique<Writer>(*store);
    return Status::Ok();
  }
};

}  // namespace crm
