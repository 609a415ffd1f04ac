// The managers' analytics over stores written directly, for what the front
// desk can no longer make (amounts from before a bound was checked, or from a
// peer).
#include "hq/analytics/effectiveness.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>

#include "node/store/runtime.h"
#include "sync/base/money.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

constexpr int64_t kNoon = 1'795'348'800'000;  // 2026-11-22 12:00 UTC

// Opens a deal of `amount` GBP at stage lead.
void OpenDeal(Writer& writer, HybridClock& hlc, int64_t amount) {
  REQUIRE(writer
              .Run([&](StoreTxn& txn) -> Status {
                Id id = Id::Generate(kNoon);
                ChangeMessage change = ChangeMessage::Patch(EntityKind::DEAL, id, hlc.Now(), Id{});
                auto deal = change.record<schema::Deal>();
                IdToWire(Id::Generate(kNoon), deal.initClient());
                deal.setTitle("fleet of vans");
                deal.setStage(schema::DealStage::LEAD);
                deal.setFurthestStage(schema::DealStage::LEAD);
                deal.setAmount(amount);
                deal.setCurrency("GBP");
                deal.setCreatedAt(kNoon);
                for (const char* f :
                     {"client", "title", "stage", "furthestStage", "amount", "currency", "createdAt"}) {
                  CRM_RETURN_IF_ERROR(change.Set(f));
                }
                return txn.ApplyLocal(change.change()).status();
              })
              .ok());
}

TEST_CASE("the deal pipeline refuses totals beyond 64 bits instead of wrapping around",
          "[hq][effectiveness]") {
  testing::TempDir dir;
  StoreRuntime hq;
  REQUIRE(hq.Open({dir.path()}).ok());
  OpenDeal(*hq.writer, *hq.hlc, INT64_MAX);
  OpenDeal(*hq.writer, *hq.hlc, 1);

  auto steps = DealFunnel(*hq.store, SalesFilter{}, "GBP");
  REQUIRE_FALSE(steps.ok());
  CHECK(steps.status().code() == StatusCode::kResourceExhausted);
  CHECK_THAT(steps.status().message(), Catch::Contains("'lead'"));

  // Amounts within the bound add up exactly.
  testing::TempDir other_dir;
  StoreRuntime other;
  REQUIRE(other.Open({other_dir.path()}).ok());
  for (int i = 0; i < 3; ++i) OpenDeal(*other.writer, *other.hlc, kMaxAmount);
  auto fine = DealFunnel(*other.store, SalesFilter{}, "GBP");
  REQUIRE(fine.ok());
  CHECK((*fine)[0].reached == 3);
  CHECK((*fine)[0].amount_reached == 3 * kMaxAmount);
}

}  // namespace
}  // namespace crm
