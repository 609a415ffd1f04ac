#include "node/store/replica.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "node/store/runtime.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "tests/support/clients.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using testing::ClientFields;
using testing::NewClientChange;
using testing::TempDir;

struct ReplicaFixture {
  TempDir dir;
  StoreRuntime runtime;
  std::unique_ptr<StoreReplica> replica;

  ReplicaFixture() {
    StoreOptions options;
    options.dir = dir.path();
    REQUIRE(runtime.Open(options).ok());
    replica = std::make_unique<StoreReplica>(*runtime.store, *runtime.writer, *runtime.hlc);
  }

  StoreView View() {
    auto view = runtime.store->Read();
    REQUIRE(view.ok());
    return std::move(view).value();
  }
};

// A change of `origin` numbered `seq`, as it arrives from another node.
ChangeMessage Received(ChangeMessage change, const Id& origin, uint64_t seq) {
  IdToWire(origin, change.change().initOrigin());
  change.change().setOriginSeq(seq);
  return change;
}

std::string Text(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

TEST_CASE("a batch applies as its changes do one by one: new records, edits of them, duplicates",
          "[node][replica]") {
  const Id origin{0x0F, 1};
  const Id relay{0x0E, 2};
  const Id anna = Id::Generate(1'700'000'000'000);
  const Id other = Id::Generate(1'700'000'000'001);
  std::vector<ChangeMessage> changes;
  changes.push_back(Received(
      NewClientChange(anna, Stamp{1'700'000'000'000, 0, origin},
                      {"Anna", "Petrova", {"+447400000001"}, {}, "CARD-1"}),
      origin, 1));
  // Another client with Anna's phone, in the same batch: a duplicate.
  changes.push_back(Received(
      NewClientChange(other, Stamp{1'700'000'000'001, 0, origin}, {"Ann", "Other", {"+447400000001"}}),
      origin, 2));
  // Anna's first name edited, in the same batch as her creation.
  ChangeMessage edit =
      ChangeMessage::Patch(EntityKind::CLIENT, anna, Stamp{1'700'000'000'002, 0, origin}, Id{});
  edit.record<schema::Client>().setFirstName("Anne");
  REQUIRE(edit.Set("firstName").ok());
  changes.push_back(Received(std::move(edit), origin, 3));

  std::vector<schema::Change::Reader> readers;
  for (ChangeMessage& change : changes) readers.push_back(change.change().asReader());

  ReplicaFixture batch;
  auto report = batch.replica->Apply(readers, {relay, relay, origin}, {},
                                     Replica::Order::kContiguous, {});
  REQUIRE(report.ok());
  CHECK(report->applied == 3);
  CHECK(report->have.at(origin) == 3);

  ReplicaFixture one_by_one;
  for (const auto& reader : readers) {
    auto single = one_by_one.replica->Apply({reader}, {origin}, {}, Replica::Order::kContiguous, {});
    REQUIRE(single.ok());
    REQUIRE(single->applied == 1);
  }

  auto digest_batch = StateDigest(*batch.runtime.store);
  auto digest_single = StateDigest(*one_by_one.runtime.store);
  REQUIRE(digest_batch.ok());
  REQUIRE(digest_single.ok());
  CHECK(*digest_batch == *digest_single);

  StoreView view = batch.View();
  auto record = view.Get(EntityKind::CLIENT, anna);
  REQUIRE(record.ok());
  CHECK(Text(record->value<schema::Client>().getFirstName()) == "Anne");
  CHECK(Text(record->value<schema::Client>().getLastName()) == "Petrova");
  auto by_phone = view.client_index().FindByPhone("+447400000001");
  REQUIRE(by_phone.ok());
  CHECK(by_phone->size() == 2);
  auto duplicates = view.Duplicates();
  REQUIRE(duplicates.ok());
  REQUIRE(duplicates->size() == 1);
  CHECK(duplicates->front().shared == "phone +447400000001");
  CHECK(*view.OriginSeqOf(origin) == 3);
  CHECK(*view.LastSeq() == 3);

  // Each entry remembers who delivered it when that was not its origin.
  auto log = view.ReadLog(1, 10);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 3);
  CHECK((*log)[0].source == relay);
  CHECK((*log)[1].source == relay);
  CHECK((*log)[2].source.IsNull());
}

TEST_CASE("a batch with a malformed change keeps the rest and quarantines only that one",
          "[node][replica]") {
  const Id origin{0x0F, 1};
  const Id anna = Id::Generate(1'700'000'000'000);
  std::vector<ChangeMessage> changes;
  changes.push_back(Received(
      NewClientChange(anna, Stamp{1'700'000'000'000, 0, origin}, {"Anna", "Petrova"}), origin, 1));
  // A client is changed by patches, never written as an event.
  ChangeMessage bad = ChangeMessage::Event(EntityKind::CLIENT, Id::Generate(1'700'000'000'001),
                                           Stamp{1'700'000'000'001, 0, origin}, Id{});
  bad.record<schema::Client>().setFirstName("Nobody");
  changes.push_back(Received(std::move(bad), origin, 2));
  changes.push_back(Received(
      NewClientChange(Id::Generate(1'700'000'000'002), Stamp{1'700'000'000'002, 0, origin},
                      {"Ivan", "Ivanov"}),
      origin, 3));
  std::vector<schema::Change::Reader> readers;
  for (ChangeMessage& change : changes) readers.push_back(change.change().asReader());

  ReplicaFixture f;
  auto report = f.replica->Apply(readers, {origin}, {}, Replica::Order::kContiguous, {});
  REQUIRE(report.ok());
  CHECK(report->applied == 2);
  REQUIRE(report->rejected.size() == 1);
  CHECK(report->rejected[0].origin_seq == 2);
  CHECK(report->have.at(origin) == 3);
  // The refused change is logged held back: it goes on upstream, so the hub
  // above sees origin seqs 1, 2, 3 without a gap, but never downstream.
  CHECK(*f.View().LastSeq() == 3);
  auto up = f.replica->ReadLogFor(Id{0x0A, 0x0A}, 0, 10, Replica::Toward::kUpstream);
  REQUIRE(up.ok());
  std::vector<uint64_t> up_seqs;
  for (const auto& entry : up->entries) up_seqs.push_back(entry.origin_seq);
  CHECK(up_seqs == std::vector<uint64_t>{1, 2, 3});
  auto down = f.replica->ReadLogFor(Id{0x0A, 0x0A}, 0, 10, Replica::Toward::kDownstream);
  REQUIRE(down.ok());
  std::vector<uint64_t> down_seqs;
  for (const auto& entry : down->entries) down_seqs.push_back(entry.origin_seq);
  CHECK(down_seqs == std::vector<uint64_t>{1, 3});
  CHECK(f.View().Quarantined(10)->size() == 1);
}

// A product patch stamped by `node`.
ChangeMessage ProductChange(const Id& product, const Id& node, int64_t physical,
                            const std::string& sku, int64_t price) {
  ChangeMessage change =
      ChangeMessage::Patch(EntityKind::PRODUCT, product, Stamp{physical, 0, node}, Id{});
  auto record = change.record<schema::Product>();
  record.setSku(sku);
  record.setName(sku);
  record.setPrice(price);
  for (const char* f : {"sku", "name", "price"}) REQUIRE(change.Set(f).ok());
  return change;
}

TEST_CASE("the state digest covers what replicates, and leaves out only an office's own HQ-kind records",
          "[node][replica]") {
  ReplicaFixture office;
  const Id me = office.runtime.store->node_id();
  const Id hq{0x4851, 1};
  const Id other_office{0x4F4646, 1};
  // The store is an enrolled office (the enrollment comes from headquarters).
  std::vector<ChangeMessage> enrollment;
  {
    ChangeMessage change =
        ChangeMessage::Patch(EntityKind::OFFICE, Id{0x0FF1CE, 1}, Stamp{1'700'000'000'000, 0, hq}, Id{});
    auto record = change.record<schema::Office>();
    record.setCode("LON");
    IdToWire(me, record.initNode());
    REQUIRE(change.Set("code").ok());
    REQUIRE(change.Set("node").ok());
    enrollment.push_back(Received(std::move(change), hq, 1));
  }
  auto apply = [&](std::vector<ChangeMessage>& changes, const Id& origin) {
    std::vector<schema::Change::Reader> readers;
    for (ChangeMessage& change : changes) readers.push_back(change.change().asReader());
    auto report = office.replica->Apply(readers, {origin}, {}, Replica::Order::kFollowUpstream, {});
    REQUIRE(report.ok());
    REQUIRE(report->rejected.empty());
  };
  apply(enrollment, hq);
  const std::string enrolled = *StateDigest(*office.runtime.store);

  // The office's own product stays here by rule: not part of the digest.
  REQUIRE(office.runtime.writer
              ->Run([&](StoreTxn& txn) {
                ChangeMessage mine =
                    ProductChange(Id{0xAA, 1}, me, office.runtime.hlc->Now().physical, "LAMP", 1);
                return txn.ApplyLocal(mine.change()).status();
              })
              .ok());
  CHECK(*StateDigest(*office.runtime.store) == enrolled);

  // A product from headquarters counts.
  std::vector<ChangeMessage> from_hq;
  from_hq.push_back(Received(ProductChange(Id{0xBB, 1}, hq, 1'700'000'000'100, "MUG", 450), hq, 2));
  apply(from_hq, hq);
  const std::string with_hq_product = *StateDigest(*office.runtime.store);
  CHECK(with_hq_product != enrolled);

  // Another office's product, which some hub let in, counts too: a split no
  // hub should allow shows.
  std::vector<ChangeMessage> let_in;
  let_in.push_back(Received(
      ProductChange(Id{0xCC, 1}, other_office, 1'700'000'000'200, "CHEAP", 1), other_office, 1));
  apply(let_in, other_office);
  CHECK(*StateDigest(*office.runtime.store) != with_hq_product);
}

}  // namespace
}  // namespace crm
