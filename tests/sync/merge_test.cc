#include "sync/merge.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "schema/records.capnp.h"
#include "sync/base/codec.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"

namespace crm {
namespace {

const Id kClient{7, 7};
const Id kOfficeA{1, 1};
const Id kOfficeB{2, 2};

// Applies changes in order to an empty record and returns the merged state.
class Replica {
 public:
  void Apply(ChangeMessage& m) {
    auto next = std::make_unique<capnp::MallocMessageBuilder>();
    auto out = next->initRoot<schema::StoredRecord>();
    schema::StoredRecord::Reader current;
    if (state_) current = state_->getRoot<schema::StoredRecord>().asReader();
    auto outcome = MergeChange(m.change().asReader(), state_ ? &current : nullptr, out);
    REQUIRE(outcome.ok());
    last_changed_ = outcome->changed;
    for (FieldConflict& conflict : outcome->conflicts) conflicts_.push_back(std::move(conflict));
    state_ = std::move(next);
  }
  schema::Client::Reader client() {
    return state_->getRoot<schema::StoredRecord>().asReader().getValue().getAs<schema::Client>();
  }
  std::vector<std::string> phones() {
    std::vector<std::string> out;
    for (auto p : client().getPhones()) out.emplace_back(p.cStr());
    return out;
  }
  // The record's value in canonical form: equal bytes mean equal state.
  kj::Array<capnp::word> Canonical() {
    return state_->getRoot<schema::StoredRecord>().asReader().getValue().getAs<capnp::AnyStruct>().canonicalize();
  }
  bool last_changed() const { return last_changed_; }
  const std::vector<FieldConflict>& conflicts() const { return conflicts_; }
  bool empty() const { return state_ == nullptr; }
  schema::StoredRecord::Reader stored() { return state_->getRoot<schema::StoredRecord>().asReader(); }
  bool live() { return IsLive(state_->getRoot<schema::StoredRecord>().asReader()); }
  // The whole stored record, stamps included, in canonical form.
  kj::Array<capnp::word> CanonicalRecord() {
    return capnp::AnyStruct::Reader(state_->getRoot<schema::StoredRecord>().asReader()).canonicalize();
  }
  Stamp Created() {
    return StampFromWire(state_->getRoot<schema::StoredRecord>().asReader().getCreated());
  }

 private:
  std::unique_ptr<capnp::MallocMessageBuilder> state_;
  bool last_changed_ = false;
  std::vector<FieldConflict> conflicts_;
};

// SetCard made over the value stamped `base` (as the store fills it in).
ChangeMessage SetCardOver(const Stamp& stamp, const char* card, const Stamp& base) {
  auto m = ChangeMessage::Patch(EntityKind::CLIENT, kClient, stamp, Id{});
  m.record<schema::Client>().setLoyaltyCard(card);
  REQUIRE(m.Set("loyaltyCard").ok());
  auto bases = m.change().getPatch().initBases(1);
  if (!base.IsZero()) StampToWire(base, bases[0]);
  return m;
}

ChangeMessage SetName(const Stamp& stamp, const char* first, const char* last) {
  auto m = ChangeMessage::Patch(EntityKind::CLIENT, kClient, stamp, Id{});
  m.record<schema::Client>().setFirstName(first);
  m.record<schema::Client>().setLastName(last);
  REQUIRE(m.Set("firstName").ok());
  REQUIRE(m.Set("lastName").ok());
  return m;
}

ChangeMessage SetCard(const Stamp& stamp, const char* card) {
  auto m = ChangeMessage::Patch(EntityKind::CLIENT, kClient, stamp, Id{});
  m.record<schema::Client>().setLoyaltyCard(card);
  REQUIRE(m.Set("loyaltyCard").ok());
  return m;
}

TEST_CASE("edits of different fields at two offices both survive, in any order",
          "[sync][merge]") {
  Stamp t1{1000, 0, kOfficeA}, t2{1000, 0, kOfficeB};
  Replica ab, ba;
  auto name = SetName(t1, "Anna", "Petrova");
  auto card = SetCard(t2, "CARD-1");
  ab.Apply(name);
  ab.Apply(card);
  ba.Apply(card);
  ba.Apply(name);
  for (Replica* r : {&ab, &ba}) {
    CHECK(std::string(r->client().getFirstName().cStr()) == "Anna");
    CHECK(std::string(r->client().getLoyaltyCard().cStr()) == "CARD-1");
  }
  CHECK(ab.Canonical().asBytes() == ba.Canonical().asBytes());
}

TEST_CASE("the newer stamp wins a field whatever order the edits arrive in", "[sync][merge]") {
  Stamp older{1000, 5, kOfficeB}, newer{1001, 0, kOfficeA};
  Replica forward, backward;
  auto first = SetName(older, "Anna", "Old");
  auto second = SetName(newer, "Anna", "New");
  forward.Apply(first);
  forward.Apply(second);
  backward.Apply(second);
  auto before_older = backward.Canonical();
  backward.Apply(first);
  CHECK(std::string(forward.client().getLastName().cStr()) == "New");
  CHECK(std::string(backward.client().getLastName().cStr()) == "New");
  CHECK(backward.Canonical().asBytes() == before_older.asBytes());  // no value moved
  CHECK(forward.Created() == backward.Created());  // the oldest stamp, whatever the order
}

TEST_CASE("equal physical time is decided by the node id", "[sync][merge]") {
  Stamp a{1000, 0, kOfficeA}, b{1000, 0, kOfficeB};
  Replica r1, r2;
  auto from_a = SetName(a, "A", "A");
  auto from_b = SetName(b, "B", "B");
  r1.Apply(from_a);
  r1.Apply(from_b);
  r2.Apply(from_b);
  r2.Apply(from_a);
  CHECK(std::string(r1.client().getFirstName().cStr()) == "B");
  CHECK(r1.Canonical().asBytes() == r2.Canonical().asBytes());
}

TEST_CASE("applying the same change twice is a no-op", "[sync][merge]") {
  Replica r;
  auto m = SetName({1000, 0, kOfficeA}, "Anna", "Petrova");
  r.Apply(m);
  auto before = r.Canonical();
  r.Apply(m);
  CHECK_FALSE(r.last_changed());
  CHECK(r.Canonical().asBytes() == before.asBytes());
}

TEST_CASE("phones merge element by element: concurrent add and remove of different numbers",
          "[sync][merge]") {
  Replica a_first, b_first;
  auto create = ChangeMessage::Patch(EntityKind::CLIENT, kClient, {1000, 0, kOfficeA}, Id{});
  REQUIRE(create.AddElement("phones", "+441234567890").ok());
  auto add_at_a = ChangeMessage::Patch(EntityKind::CLIENT, kClient, {2000, 0, kOfficeA}, Id{});
  REQUIRE(add_at_a.AddElement("phones", "+79123456789").ok());
  auto remove_at_b = ChangeMessage::Patch(EntityKind::CLIENT, kClient, {2000, 0, kOfficeB}, Id{});
  REQUIRE(remove_at_b.RemoveElement("phones", "+441234567890").ok());

  a_first.Apply(create);
  a_first.Apply(add_at_a);
  a_first.Apply(remove_at_b);
  b_first.Apply(remove_at_b);
  b_first.Apply(create);
  b_first.Apply(add_at_a);
  CHECK(a_first.phones() == std::vector<std::string>{"+79123456789"});
  CHECK(b_first.phones() == std::vector<std::string>{"+79123456789"});
  CHECK(a_first.Canonical().asBytes() == b_first.Canonical().asBytes());
}

TEST_CASE("attributes merge as a map, key by key", "[sync][merge]") {
  Replica r;
  auto m1 = ChangeMessage::Patch(EntityKind::CLIENT, kClient, {1000, 0, kOfficeA}, Id{});
  REQUIRE(m1.AddElement("attributes", "car", "Volvo").ok());
  REQUIRE(m1.AddElement("attributes", "children", "2").ok());
  auto m2 = ChangeMessage::Patch(EntityKind::CLIENT, kClient, {2000, 0, kOfficeB}, Id{});
  REQUIRE(m2.AddElement("attributes", "car", "Lada").ok());
  r.Apply(m2);
  r.Apply(m1);
  auto attributes = r.client().getAttributes();
  REQUIRE(attributes.size() == 2);
  std::map<std::string, std::string> got;
  for (auto a : attributes) got[a.getKey().cStr()] = a.getValue().cStr();
  CHECK(got["car"] == "Lada");
  CHECK(got["children"] == "2");
}

TEST_CASE("an element operation with a zero stamp leaves no phantom element", "[sync][merge]") {
  Replica r;
  auto real = ChangeMessage::Patch(EntityKind::CLIENT, kClient, {1000, 0, kOfficeA}, Id{});
  REQUIRE(real.AddElement("tags", "vip").ok());
  r.Apply(real);
  auto zero = ChangeMessage::Patch(EntityKind::CLIENT, kClient, Stamp{}, Id{});
  REQUIRE(zero.AddElement("tags", "ghost").ok());
  r.Apply(zero);
  auto tags = r.client().getTags();
  REQUIRE(tags.size() == 2);  // a zero stamp still beats "never seen": the element is real
  auto stale = ChangeMessage::Patch(EntityKind::CLIENT, kClient, Stamp{}, Id{});
  REQUIRE(stale.RemoveElement("tags", "vip").ok());
  r.Apply(stale);  // older than the add: ignored, and nothing invented
  CHECK(r.client().getTags().size() == 2);
}

TEST_CASE("a record field of the wrong type is refused before it is stored", "[sync][merge]") {
  // A peer sends a sale whose `office` (Text) is a struct pointer.
  capnp::MallocMessageBuilder raw;
  auto change = raw.initRoot<schema::Change>();
  change.setEntity(EntityKind::SALE);
  auto sale = change.initEvent().initAs<schema::Client>();  // wrong struct type on purpose
  sale.initAddress().setCity("London");                     // pointer slot 6 = Sale.lines
  sale.initPhones(1).set(0, "+441234567890");              // slot 1 = Sale.receiptNo: a list
  Status shape = CheckRecordShape(change.asReader());
  REQUIRE_FALSE(shape.ok());
  CHECK(shape.code() == StatusCode::kInvalidArgument);
  CHECK(shape.message().find("does not match its schema") != std::string::npos);
}

TEST_CASE("a deleted client stays deleted for older edits and comes back with a newer one",
          "[sync][merge]") {
  Replica r;
  auto create = SetName({1000, 0, kOfficeA}, "Anna", "Smith");
  auto older_edit = SetCard({1500, 0, kOfficeB}, "OLD");
  auto remove = ChangeMessage::Tombstone(EntityKind::CLIENT, kClient, {2000, 0, kOfficeA}, Id{});
  auto newer_edit = SetCard({3000, 0, kOfficeB}, "NEW");
  r.Apply(create);
  r.Apply(remove);
  CHECK_FALSE(r.live());
  r.Apply(older_edit);
  CHECK_FALSE(r.live());
  r.Apply(newer_edit);
  CHECK(r.live());
  CHECK(std::string(r.client().getLoyaltyCard().cStr()) == "NEW");
}

TEST_CASE("erasure wins over every write, before or after, in any order", "[sync][merge]") {
  auto create = SetName({1000, 0, kOfficeA}, "Anna", "Smith");
  auto phone = ChangeMessage::Patch(EntityKind::CLIENT, kClient, {1100, 0, kOfficeA}, Id{});
  REQUIRE(phone.AddElement("phones", "+441234567890").ok());
  auto erase = ChangeMessage::Erase(EntityKind::CLIENT, kClient, {2000, 0, kOfficeB}, Id{});
  auto later = SetName({9000, 0, kOfficeA}, "Anna", "Again");
  std::vector<ChangeMessage*> changes = {&create, &phone, &erase, &later};
  std::vector<kj::Array<capnp::word>> results;
  std::vector<size_t> order = {0, 1, 2, 3};
  do {
    Replica r;
    for (size_t i : order) r.Apply(*changes[i]);
    CHECK_FALSE(r.live());
    CHECK(r.client().getFirstName().size() == 0);
    CHECK(r.client().getPhones().size() == 0);
    results.push_back(r.CanonicalRecord());
  } while (std::next_permutation(order.begin(), order.end()));
  for (const auto& result : results) CHECK(result.asBytes() == results[0].asBytes());
}

// Edits of every kind by two offices: a name, a card, a tombstone, a tag
// added and removed again.
std::vector<ChangeMessage> MixedHistory() {
  std::vector<ChangeMessage> history;
  history.push_back(SetName({1000, 0, kOfficeA}, "Anna", "Smith"));
  history.push_back(SetCard({1000, 1, kOfficeB}, "C-1"));
  history.push_back(ChangeMessage::Tombstone(EntityKind::CLIENT, kClient, {1500, 0, kOfficeB}, Id{}));
  history.push_back(ChangeMessage::Patch(EntityKind::CLIENT, kClient, {1200, 0, kOfficeA}, Id{}));
  REQUIRE(history.back().AddElement("tags", "vip").ok());
  history.push_back(ChangeMessage::Patch(EntityKind::CLIENT, kClient, {1800, 0, kOfficeA}, Id{}));
  REQUIRE(history.back().RemoveElement("tags", "vip").ok());
  return history;
}

TEST_CASE("merge is commutative for patches, tombstones and sets together", "[sync][merge]") {
  std::vector<ChangeMessage> history = MixedHistory();
  std::vector<ChangeMessage*> changes;
  for (ChangeMessage& change : history) changes.push_back(&change);
  std::vector<size_t> order = {0, 1, 2, 3, 4};
  std::optional<kj::Array<capnp::word>> first;
  do {
    Replica r;
    for (size_t i : order) r.Apply(*changes[i]);
    auto bytes = r.CanonicalRecord();
    if (!first) {
      first = std::move(bytes);
    } else {
      REQUIRE(bytes.asBytes() == first->asBytes());
    }
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_CASE("a patch naming a field the record lacks is refused", "[sync][merge]") {
  auto m = ChangeMessage::Patch(EntityKind::CLIENT, kClient, {1000, 0, kOfficeA}, Id{});
  CHECK(m.Set("noSuchField").field() == "noSuchField");
  CHECK_FALSE(m.Set("phones").ok());  // a set field is changed element by element
  // A peer's change naming field number 999, which a client does not have.
  capnp::MallocMessageBuilder raw;
  raw.setRoot(m.change().asReader());
  raw.getRoot<schema::Change>().getPatch().initFields(1).set(0, 999);
  capnp::MallocMessageBuilder out;
  auto bad = MergePatch(raw.getRoot<schema::Change>().asReader(), nullptr,
                        out.initRoot<schema::StoredRecord>());
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  CHECK(bad.status().message().find("no field number 999") != std::string::npos);
}


std::string LostCard(const FieldConflict& conflict) {
  auto decoded = DecodedMessage::DecodePacked(conflict.message);
  REQUIRE(decoded.ok());
  return decoded->Root<schema::Conflict>().getLostValue().getAs<schema::Client>().getLoyaltyCard().cStr();
}

TEST_CASE("a concurrent value lost to a newer one is reported as a conflict, in either order",
          "[sync][merge][conflict]") {
  const Stamp created{1000, 0, kOfficeA};
  const Stamp at_a{2000, 0, kOfficeA};
  const Stamp at_b{2500, 0, kOfficeB};  // newer: B wins
  for (bool a_first : {true, false}) {
    INFO("A's edit arrives " << (a_first ? "first" : "second"));
    Replica replica;
    auto create = SetCardOver(created, "C-1", Stamp{});
    replica.Apply(create);
    // Both offices edit the card over the value they both had.
    auto edit_a = SetCardOver(at_a, "C-A", created);
    auto edit_b = SetCardOver(at_b, "C-B", created);
    replica.Apply(a_first ? edit_a : edit_b);
    replica.Apply(a_first ? edit_b : edit_a);
    CHECK(std::string(replica.client().getLoyaltyCard().cStr()) == "C-B");
    REQUIRE(replica.conflicts().size() == 1);
    const FieldConflict& conflict = replica.conflicts()[0];
    CHECK(conflict.lost == at_a);
    CHECK(conflict.won == at_b);
    CHECK(LostCard(conflict) == "C-A");
  }
}

TEST_CASE("an edit made over the value it replaces is no conflict, in either order",
          "[sync][merge][conflict]") {
  const Stamp at_a{2000, 0, kOfficeA};
  const Stamp at_b{3000, 0, kOfficeB};
  for (bool a_first : {true, false}) {
    Replica replica;
    auto edit_a = SetCardOver(at_a, "C-A", Stamp{});
    auto edit_b = SetCardOver(at_b, "C-B", at_a);  // B saw A's card and changed it
    replica.Apply(a_first ? edit_a : edit_b);
    replica.Apply(a_first ? edit_b : edit_a);
    CHECK(std::string(replica.client().getLoyaltyCard().cStr()) == "C-B");
    CHECK(replica.conflicts().empty());
  }
}

TEST_CASE("concurrent edits that set the same value are no conflict", "[sync][merge][conflict]") {
  Replica replica;
  auto edit_a = SetCardOver(Stamp{2000, 0, kOfficeA}, "C-SAME", Stamp{});
  auto edit_b = SetCardOver(Stamp{2100, 0, kOfficeB}, "C-SAME", Stamp{});
  replica.Apply(edit_a);
  replica.Apply(edit_b);
  CHECK(replica.conflicts().empty());
}

TEST_CASE("the stored state is the same whatever order concurrent edits with bases arrive in",
          "[sync][merge][conflict]") {
  auto one = SetCardOver(Stamp{2000, 0, kOfficeA}, "C-A", Stamp{});
  auto two = SetCardOver(Stamp{2500, 0, kOfficeB}, "C-B", Stamp{});
  auto three = SetCardOver(Stamp{2600, 0, kOfficeA}, "C-A2", Stamp{2000, 0, kOfficeA});
  std::vector<ChangeMessage*> changes{&one, &two, &three};
  std::optional<std::string> first;
  std::sort(changes.begin(), changes.end());
  do {
    Replica replica;
    for (ChangeMessage* change : changes) replica.Apply(*change);
    kj::Array<capnp::word> record = replica.CanonicalRecord();
    auto canonical = record.asBytes();
    std::string bytes(reinterpret_cast<const char*>(canonical.begin()), canonical.size());
    if (!first) first = bytes;
    CHECK(bytes == *first);
  } while (std::next_permutation(changes.begin(), changes.end()));
}


TEST_CASE("merging two stored states gives the state of applying both histories",
          "[sync][merge][snapshot]") {
  std::vector<ChangeMessage> history = MixedHistory();
  history.push_back(SetName({1900, 0, kOfficeB}, "Anne", "Smith"));
  std::vector<ChangeMessage*> changes;
  for (ChangeMessage& change : history) changes.push_back(&change);
  Replica all;
  for (ChangeMessage* change : changes) all.Apply(*change);
  auto expected = all.CanonicalRecord();

  for (unsigned mask = 1; mask + 1 < (1u << changes.size()); ++mask) {
    Replica x, y;
    for (size_t i = 0; i < changes.size(); ++i) ((mask >> i) & 1 ? x : y).Apply(*changes[i]);
    for (bool x_local : {true, false}) {
      INFO("split " << mask << (x_local ? ", x local" : ", y local"));
      capnp::MallocMessageBuilder merged;
      auto out = merged.initRoot<schema::StoredRecord>();
      auto outcome = x_local ? MergeStored(x.stored(), y.stored(), out)
                             : MergeStored(y.stored(), x.stored(), out);
      REQUIRE(outcome.ok());
      CHECK(capnp::AnyStruct::Reader(out.asReader()).canonicalize().asBytes() == expected.asBytes());
    }
  }
}

TEST_CASE("merging a state with itself changes nothing, and erasure wins", "[sync][merge][snapshot]") {
  auto a = SetName({1000, 0, kOfficeA}, "Anna", "Smith");
  Replica x;
  x.Apply(a);
  capnp::MallocMessageBuilder same;
  auto outcome = MergeStored(x.stored(), x.stored(), same.initRoot<schema::StoredRecord>());
  REQUIRE(outcome.ok());
  CHECK_FALSE(outcome->changed);

  auto erase = ChangeMessage::Erase(EntityKind::CLIENT, kClient, {900, 0, kOfficeB}, Id{});
  Replica y;
  y.Apply(erase);
  capnp::MallocMessageBuilder merged;
  auto out = merged.initRoot<schema::StoredRecord>();
  REQUIRE(MergeStored(x.stored(), y.stored(), out).ok());
  CHECK(out.hasErased());
  CHECK_FALSE(IsLive(out.asReader()));
  CHECK(std::string(out.asReader().getValue().getAs<schema::Client>().getFirstName().cStr()).empty());
}

}  // namespace
}  // namespace crm
