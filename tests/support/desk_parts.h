// An office's front desk for unit tests: its store, clock, writer and desk
// opened in a test's directory, as crm-node wires them.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>

#include "node/frontdesk/frontdesk.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/hlc.h"

namespace crm::testing {

// Owns the parts; members are destroyed desk first, store last.
struct DeskParts {
  std::unique_ptr<Store> store;
  std::unique_ptr<HybridClock> hlc;
  std::unique_ptr<Writer> writer;
  std::unique_ptr<FrontDesk> desk;
};

// Opens (or reopens) the store in `dir` with `wall` as its clock, the hybrid
// clock restored from the store's high-water mark, and a desk for `office`.
// REQUIRES the store to open.
inline DeskParts OpenDesk(const std::filesystem::path& dir, Clock& wall,
                          const OfficeConfig& office) {
  DeskParts parts;
  auto opened = Store::Open({dir, 4u << 20, 1u << 30, true}, wall);
  REQUIRE(opened.ok());
  parts.store = std::move(opened).value();
  parts.hlc = std::make_unique<HybridClock>(wall, parts.store->node_id(), 60'000);
  {
    auto view = parts.store->Read();
    REQUIRE(view.ok());
    auto high_water = view->HlcHighWater();
    REQUIRE(high_water.ok());
    parts.hlc->Restore(*high_water);
  }
  parts.writer = std::make_unique<Writer>(*parts.store);
  parts.desk = std::make_unique<FrontDesk>(*parts.store, *parts.writer, wall, *parts.hlc, office);
  return parts;
}

}  // namespace crm::testing
