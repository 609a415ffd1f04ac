// A store opened for use by a program: the store, its hybrid logical clock
// restored past the persisted high-water mark (a restart never issues an older
// stamp), and its group-commit writer. main() of every program owns one.
#pragma once

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/clock.h"
#include "sync/base/hlc.h"

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

// Writes `line` and a newline to `path` through a temporary file renamed
// into place, so whoever waits for the file (a script, a test) never reads
// half of it. For the endpoint files the servers write once listening.
inline void WriteLineFile(const std::string& path, const std::string& line) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << line << "\n";
  }
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace crm
