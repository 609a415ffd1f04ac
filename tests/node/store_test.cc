#include "node/store/store.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <utility>
#include <string>
#include <vector>

#include "node/common/text.h"
#include "node/store/lmdb.h"
#include "node/store/request_log.h"
#include "node/store/store_verify.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "tests/support/clients.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using testing::ClientFields;
using testing::NewClientChange;
using testing::TempDir;

// A store in a temporary directory, written one transaction at a time.
class StoreFixture {
 public:
  StoreFixture() { Reopen(); }

  void Reopen() {
    store_.reset();
    auto opened = Store::Open({dir_.path(), 1u << 20, 1u << 30, true}, wall_);
    REQUIRE(opened.ok());
    store_ = std::move(opened).value();
    hlc_ = std::make_unique<HybridClock>(wall_, store_->node_id(), 60'000);
    auto view = store_->Read();
    REQUIRE(view.ok());
    hlc_->Restore(*view->HlcHighWater());
  }

  Store& store() { return *store_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  void Close() { store_.reset(); }
  Stamp Now() { return hlc_->Now(); }

  Id AddClient(const ClientFields& fields) {
    Id id = Id::Generate(wall_.NowMillis());
    auto change = NewClientChange(id, Now(), fields);
    Write(change);
    return id;
  }

  void Write(ChangeMessage& change) {
    auto txn = store_->BeginWrite();
    REQUIRE(txn.ok());
    auto applied = txn->ApplyLocal(change.change());
    INFO(applied.status().ToString());
    REQUIRE(applied.ok());
    REQUIRE(txn->Commit().ok());
  }

  StoreView View() {
    auto view = store_->Read();
    REQUIRE(view.ok());
    return std::move(view).value();
  }

  std::vector<Id> ByName(std::string_view query) {
    auto found = View().client_index().FindByName(query, 50);
    REQUIRE(found.ok());
    return *found;
  }

 private:
  TempDir dir_;
  ManualClock wall_{1'700'000'000'000};
  std::unique_ptr<Store> store_;
  std::unique_ptr<HybridClock> hlc_;
};

std::vector<Id> Sorted(std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string Text(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

TEST_CASE("a client round-trips through the store and survives a reopen", "[node][store]") {
  StoreFixture f;
  Id id = f.AddClient({"Анна", "Петрова", {"+79123456789"}, {"anna@example.com"}, "C-100"});
  Id node = f.store().node_id();
  f.Reopen();
  CHECK(f.store().node_id() == node);
  auto record = f.View().Get(EntityKind::CLIENT, id);
  REQUIRE(record.ok());
  auto client = record->value<schema::Client>();
  CHECK(Text(client.getFirstName()) == "Анна");
  CHECK(Text(client.getLastName()) == "Петрова");
  REQUIRE(client.getPhones().size() == 1);
  CHECK(Text(client.getPhones()[0]) == "+79123456789");
  CHECK(Text(client.getEmails()[0]) == "anna@example.com");
  CHECK(Text(client.getLoyaltyCard()) == "C-100");
}

TEST_CASE("a missing record is reported as not found", "[node][store]") {
  StoreFixture f;
  auto record = f.View().Get(EntityKind::CLIENT, Id{1, 2});
  REQUIRE_FALSE(record.ok());
  CHECK(record.status().code() == StatusCode::kNotFound);
}

TEST_CASE("every index finds the client", "[node][store][index]") {
  StoreFixture f;
  Id anna = f.AddClient({"Anna", "Smith", {"+441234567890", "+79123456789"}, {"anna@x.org"}, "777"});
  Id bob = f.AddClient({"Bob", "Jones", {"+442079460958"}, {"bob@x.org"}, "888"});
  auto view = f.View();
  CHECK(*view.client_index().FindByPhone("+441234567890") == std::vector<Id>{anna});
  CHECK(*view.client_index().FindByPhone("+79123456789") == std::vector<Id>{anna});
  CHECK(*view.client_index().FindByPhone("+442079460958") == std::vector<Id>{bob});
  CHECK(view.client_index().FindByPhone("+440000000000")->empty());
  CHECK(*view.client_index().FindByEmail("bob@x.org") == std::vector<Id>{bob});
  CHECK(*view.client_index().FindByCard("777") == std::vector<Id>{anna});
  CHECK(view.client_index().FindByCard("77")->empty());  // cards match whole, not by prefix
  CHECK(*view.client_index().FindByName("smi", 10) == std::vector<Id>{anna});
}

TEST_CASE("two clients sharing a phone are both found", "[node][store][index]") {
  StoreFixture f;
  Id a = f.AddClient({"Ann", "A", {"+441234567890"}});
  Id b = f.AddClient({"Ben", "B", {"+441234567890"}});
  auto found = *f.View().client_index().FindByPhone("+441234567890");
  std::sort(found.begin(), found.end());
  CHECK(found == std::vector<Id>{std::min(a, b), std::max(a, b)});
}

TEST_CASE("indexes follow edits: old values stop matching", "[node][store][index]") {
  StoreFixture f;
  Id id = f.AddClient({"Anna", "Smith", {"+441234567890"}, {"old@x.org"}, "111"});
  auto edit = ChangeMessage::Patch(EntityKind::CLIENT, id, f.Now(), Id{});
  edit.record<schema::Client>().setLastName("Brown");
  edit.record<schema::Client>().setLoyaltyCard("222");
  REQUIRE(edit.Set("lastName").ok());
  REQUIRE(edit.Set("loyaltyCard").ok());
  REQUIRE(edit.RemoveElement("phones", "+441234567890").ok());
  REQUIRE(edit.AddElement("phones", "+79123456789").ok());
  REQUIRE(edit.RemoveElement("emails", "old@x.org").ok());
  REQUIRE(edit.AddElement("emails", "new@x.org").ok());
  f.Write(edit);

  auto view = f.View();
  CHECK(view.client_index().FindByPhone("+441234567890")->empty());
  CHECK(*view.client_index().FindByPhone("+79123456789") == std::vector<Id>{id});
  CHECK(view.client_index().FindByEmail("old@x.org")->empty());
  CHECK(*view.client_index().FindByEmail("new@x.org") == std::vector<Id>{id});
  CHECK(view.client_index().FindByCard("111")->empty());
  CHECK(*view.client_index().FindByCard("222") == std::vector<Id>{id});
  CHECK(f.ByName("smith").empty());
  CHECK(f.ByName("brown") == std::vector<Id>{id});
  CHECK(f.ByName("anna") == std::vector<Id>{id});
}

TEST_CASE("name prefix search folds case and accents, in Cyrillic, Latin and Persian",
          "[node][store][index]") {
  StoreFixture f;
  Id anna = f.AddClient({"Анна", "Петрова"});
  Id petr = f.AddClient({"Пётр", "Ёлкин"});
  Id jose = f.AddClient({"José", "Álvarez"});
  Id zoe = f.AddClient({"Zoë", "SMITH"});
  Id reza = f.AddClient({"محمد", "رضایی"});
  Id anne = f.AddClient({"Anne", "Petrov"});

  CHECK(Sorted(f.ByName("ан")) == Sorted({anna, anne}));
  CHECK(Sorted(f.ByName("АН")) == Sorted({anna, anne}));
  // Петрова and Пётр; and Petrov, the same name in Latin letters.
  CHECK(Sorted(f.ByName("пет")) == Sorted({anna, petr, anne}));
  CHECK(Sorted(f.ByName("ПЕТР")) == Sorted({anna, petr, anne}));
  CHECK(f.ByName("елк") == std::vector<Id>{petr});
  CHECK(f.ByName("ёлк") == std::vector<Id>{petr});
  CHECK(f.ByName("jos") == std::vector<Id>{jose});
  CHECK(f.ByName("ALV") == std::vector<Id>{jose});
  CHECK(f.ByName("zoe") == std::vector<Id>{zoe});
  CHECK(f.ByName("sm") == std::vector<Id>{zoe});
  CHECK(f.ByName("رضا") == std::vector<Id>{reza});
  CHECK(f.ByName("رضاي") == std::vector<Id>{reza});  // typed with the Arabic yeh
  CHECK(Sorted(f.ByName("an")) == Sorted({anne, anna}));  // Anne, and Анна transliterated
  // Several words: each must start some name token of the same client.
  CHECK(f.ByName("анна пет") == std::vector<Id>{anna});
  CHECK(f.ByName("пет анна") == std::vector<Id>{anna});
  CHECK(f.ByName("анна ёлк").empty());
  CHECK(f.ByName("").empty());
  CHECK(f.ByName(" - ").empty());
}

TEST_CASE("name search returns at most the limit", "[node][store][index]") {
  StoreFixture f;
  for (int i = 0; i < 30; ++i) f.AddClient({"Maria", "N" + std::to_string(i)});
  CHECK(f.View().client_index().FindByName("mar", 10)->size() == 10);
  CHECK(f.View().client_index().FindByName("mar", 100)->size() == 30);
}

TEST_CASE("every change goes to the log with this node as origin, in order", "[node][store][log]") {
  StoreFixture f;
  Id a = f.AddClient({"A", "A"});
  Id b = f.AddClient({"B", "B"});
  auto view = f.View();
  CHECK(*view.LastSeq() == 2);
  auto log = view.ReadLog(1, 10);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 2);
  CHECK((*log)[0].seq == 1);
  CHECK(IdFromWire((*log)[0].change().getId()) == a);
  CHECK(IdFromWire((*log)[1].change().getId()) == b);
  CHECK(IdFromWire((*log)[1].change().getOrigin()) == f.store().node_id());
  CHECK((*log)[1].change().getOriginSeq() == 2);
  CHECK(view.ReadLog(2, 10)->size() == 1);
  CHECK(view.ReadLog(3, 10)->empty());
}

TEST_CASE("pruning deletes the log below a seq and the floor follows, also under a snapshot's floor",
          "[node][store][log]") {
  StoreFixture f;
  for (int i = 0; i < 10; ++i) f.AddClient({"Client" + std::to_string(i), "Pruned"});
  {
    auto txn = f.store().BeginWrite();
    REQUIRE(txn.ok());
    REQUIRE(*txn->PruneLog(4, 1000) == 3);  // entries 1, 2 and 3
    // A snapshot installed now: the floor goes past the log's end, and a
    // seq is taken without an entry.
    auto skipped = txn->SkipLogSeq();
    REQUIRE(skipped.ok());
    CHECK(*skipped == 11);
    REQUIRE(txn->SetLogFloor(12).ok());
    REQUIRE(txn->Commit().ok());
  }
  CHECK(*f.View().LogFloor() == 12);
  CHECK(f.View().ReadLog(1, 100)->size() == 7);  // 4..10 are still there
  {
    auto txn = f.store().BeginWrite();
    REQUIRE(txn.ok());
    // Entries below the snapshot's floor go too once nobody needs them.
    REQUIRE(*txn->PruneLog(9, 2) == 2);    // at most 2 a call: 4 and 5
    REQUIRE(*txn->PruneLog(9, 100) == 3);  // 6, 7 and 8
    REQUIRE(txn->Commit().ok());
  }
  auto left = f.View().ReadLog(1, 100);
  REQUIRE(left->size() == 2);
  CHECK((*left)[0].seq == 9);
  CHECK(*f.View().LogFloor() == 12);  // never lowered
  // Records are untouched by pruning.
  CHECK(f.ByName("pruned").size() == 10);
}

TEST_CASE("a received edit that loses every field it sets still leaves its conflict",
          "[node][store][conflict]") {
  StoreFixture f;
  const Id client = Id::Generate(1'700'000'000'000);
  const Id office_a{0xA, 1};
  const Id office_b{0xB, 2};
  auto received = [&](const Id& origin, uint64_t seq, int64_t physical, const char* field,
                      const char* value) {
    auto change = ChangeMessage::Patch(EntityKind::CLIENT, client, Stamp{physical, 0, origin}, Id{});
    if (std::string(field) == "loyaltyCard") {
      change.record<schema::Client>().setLoyaltyCard(value);
    } else {
      change.record<schema::Client>().setFirstName(value);
    }
    REQUIRE(change.Set(field).ok());
    change.change().getPatch().initBases(1);  // made over an unset field
    IdToWire(origin, change.change().initOrigin());
    change.change().setOriginSeq(seq);
    auto txn = f.store().BeginWrite();
    REQUIRE(txn.ok());
    auto applied = txn->Apply(change.change().asReader());
    INFO(applied.status().ToString());
    REQUIRE(applied.ok());
    REQUIRE(txn->Commit().ok());
  };
  received(office_b, 1, 500, "firstName", "Anna");
  received(office_b, 2, 2'000, "loyaltyCard", "CARD-B");  // the newer card arrives first
  // The older card, stamped between the record's first and last write, loses
  // its only field: the record stays as it was.
  received(office_a, 1, 1'000, "loyaltyCard", "CARD-A");
  CHECK(Text(f.View().Get(EntityKind::CLIENT, client)->value<schema::Client>().getLoyaltyCard()) ==
        "CARD-B");
  auto conflicts = f.View().Conflicts(10);
  REQUIRE(conflicts.ok());
  REQUIRE(conflicts->size() == 1);
  auto conflict = (*conflicts)[0].Root<schema::Conflict>();
  CHECK(Text(conflict.getLostValue().getAs<schema::Client>().getLoyaltyCard()) == "CARD-A");
  CHECK(Text(conflict.getWonValue().getAs<schema::Client>().getLoyaltyCard()) == "CARD-B");
}

TEST_CASE("the HLC high-water mark is stored with the data and survives a restart",
          "[node][store][hlc]") {
  StoreFixture f;
  f.AddClient({"A", "A"});
  Stamp last = f.Now();  // issued, not written
  Stamp written = *f.View().HlcHighWater();
  CHECK(written < last);
  f.Reopen();
  CHECK(*f.View().HlcHighWater() == written);
  CHECK(written < f.Now());
}

TEST_CASE("an event is written once: a repeat is a no-op, different content a conflict",
          "[node][store][event]") {
  StoreFixture f;
  Id sale_id = Id::Generate(1);
  auto sale = [&](int64_t total) {
    auto m = ChangeMessage::Event(EntityKind::SALE, sale_id, f.Now(), Id{});
    auto s = m.record<schema::Sale>();
    s.setOffice("LON");
    s.setReceiptNo("LON-20240101-0001");
    s.setCurrency("GBP");
    s.setTotal(total);
    return m;
  };
  auto first = sale(1500);
  f.Write(first);

  auto again = sale(1500);  // same content, a later stamp: the same sale delivered twice
  {
    auto txn = f.store().BeginWrite();
    auto applied = txn->Apply(first.change().asReader());
    REQUIRE(applied.ok());
    CHECK(applied->duplicate);
    auto different = sale(9999);
    auto clash = txn->ApplyLocal(different.change());
    REQUIRE_FALSE(clash.ok());
    CHECK(clash.status().code() == StatusCode::kConflict);
    REQUIRE(txn->Commit().ok());
  }
  CHECK(*f.View().LastSeq() == 1);
  CHECK(f.View().Get(EntityKind::SALE, sale_id)->value<schema::Sale>().getTotal() == 1500);
}

TEST_CASE("changes of the wrong shape are refused and store nothing", "[node][store]") {
  StoreFixture f;
  // A sale sent as a patch, a client sent as an event, a change without id.
  auto patch_sale = ChangeMessage::Patch(EntityKind::SALE, Id{1, 1}, f.Now(), Id{});
  auto event_client = ChangeMessage::Event(EntityKind::CLIENT, Id{1, 1}, f.Now(), Id{});
  auto no_id = ChangeMessage::Patch(EntityKind::CLIENT, Id{}, f.Now(), Id{});
  auto txn = f.store().BeginWrite();
  for (ChangeMessage* m : {&patch_sale, &event_client, &no_id}) {
    auto applied = txn->ApplyLocal(m->change());
    REQUIRE_FALSE(applied.ok());
    CHECK(applied.status().code() == StatusCode::kInvalidArgument);
  }
  REQUIRE(txn->Commit().ok());
  CHECK(*f.View().LastSeq() == 0);
  CHECK(*f.store().CountRecords() == 0);
}

TEST_CASE("a store of another format is refused with a clear error", "[node][store]") {
  TempDir dir;
  ManualClock wall(1);
  {
    auto store = Store::Open({dir.path()}, wall);
    REQUIRE(store.ok());
  }
  {
    // Overwrite the format marker underneath the store.
    auto env = lmdb::Env::Open({dir.path()});
    REQUIRE(env.ok());
    auto meta = (*env)->OpenTable("meta", false);
    REQUIRE(meta.ok());
    auto txn = (*env)->BeginWrite();
    REQUIRE(txn->Put(*meta, "format", "crm-store-999").ok());
    REQUIRE(txn->Commit().ok());
  }
  auto reopened = Store::Open({dir.path()}, wall);
  REQUIRE_FALSE(reopened.ok());
  CHECK(reopened.status().code() == StatusCode::kCorruption);
  CHECK(reopened.status().message().find("crm-store-999") != std::string::npos);
}

}  // namespace
}  // namespace crm

namespace crm {
namespace {

TEST_CASE("records naming a client are listed for her card, and follow a move",
          "[node][store][index]") {
  StoreFixture f;
  Id anna = f.AddClient({"Anna", "A"});
  Id bob = f.AddClient({"Bob", "B"});
  Id sale_id = Id::Generate(1);
  auto sale = ChangeMessage::Event(EntityKind::SALE, sale_id, f.Now(), Id{});
  IdToWire(anna, sale.record<schema::Sale>().initClient());
  f.Write(sale);
  Id note_id = Id::Generate(2);
  auto note = ChangeMessage::Patch(EntityKind::NOTE, note_id, f.Now(), Id{});
  IdToWire(anna, note.record<schema::Note>().initClient());
  note.record<schema::Note>().setText("prefers window seats");
  REQUIRE(note.Set("client").ok());
  REQUIRE(note.Set("text").ok());
  f.Write(note);

  using Links = std::vector<std::pair<EntityKind, Id>>;
  CHECK(*f.View().RecordsLinkedTo(anna) ==
        Links{{EntityKind::SALE, sale_id}, {EntityKind::NOTE, note_id}});
  CHECK(f.View().RecordsLinkedTo(bob)->empty());

  // The note was filed under the wrong client: move it.
  auto move = ChangeMessage::Patch(EntityKind::NOTE, note_id, f.Now(), Id{});
  IdToWire(bob, move.record<schema::Note>().initClient());
  REQUIRE(move.Set("client").ok());
  f.Write(move);
  CHECK(*f.View().RecordsLinkedTo(anna) == Links{{EntityKind::SALE, sale_id}});
  CHECK(*f.View().RecordsLinkedTo(bob) == Links{{EntityKind::NOTE, note_id}});
}

TEST_CASE("users are found by office and login, whatever its case", "[node][store][index]") {
  StoreFixture f;
  Id user = Id::Generate(1);
  Id other = Id::Generate(2);
  for (auto [id, office] : {std::pair{user, "LON"}, std::pair{other, "HQ"}}) {
    auto change = ChangeMessage::Patch(EntityKind::USER, id, f.Now(), Id{});
    change.record<schema::User>().setLogin("Anna.K");
    change.record<schema::User>().setOffice(office);
    REQUIRE(change.Set("login").ok());
    REQUIRE(change.Set("office").ok());
    f.Write(change);
  }
  // Logins are per office: the same login in two offices is two users.
  CHECK(*f.View().FindByKey(EntityKind::USER, UserKey("LON", "anna.k")) == user);
  CHECK(*f.View().FindByKey(EntityKind::USER, UserKey("lon", "ANNA.K")) == user);
  CHECK(*f.View().FindByKey(EntityKind::USER, UserKey("HQ", "anna.k")) == other);
  CHECK(f.View().FindByKey(EntityKind::USER, UserKey("MSK", "anna.k")).status().code() ==
        StatusCode::kNotFound);
  CHECK(f.View().FindByKey(EntityKind::USER, "anna.k").status().code() == StatusCode::kNotFound);
}

TEST_CASE("a store whose user index is by login alone is made per office when opened, and its users are found",
          "[node][store][index]") {
  StoreFixture f;
  Id user = Id::Generate(1);
  auto change = ChangeMessage::Patch(EntityKind::USER, user, f.Now(), Id{});
  change.record<schema::User>().setLogin("kate");
  change.record<schema::User>().setOffice("LON");
  REQUIRE(change.Set("login").ok());
  REQUIRE(change.Set("office").ok());
  f.Write(change);
  f.Close();
  {
    // As a store made before logins were per office left it: the user's
    // entry is kind + login, and nothing says how user entries are made.
    auto env = lmdb::Env::Open({f.dir()});
    REQUIRE(env.ok());
    auto by_key = (*env)->OpenTable("by_key", true);
    auto meta = (*env)->OpenTable("meta", false, true);
    REQUIRE(by_key.ok());
    REQUIRE(meta.ok());
    auto txn = (*env)->BeginWrite();
    REQUIRE(txn.ok());
    const std::string kind(1, static_cast<char>(EntityKind::USER));
    auto bytes = user.ToBytes();
    const std::string id(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    REQUIRE(txn->Delete(*by_key, kind + "kate@lon", id).ok());
    REQUIRE(txn->Put(*by_key, kind + "kate", id).ok());
    REQUIRE(txn->Delete(*meta, "index/user_keys").ok());
    REQUIRE(txn->Commit().ok());
  }
  f.Reopen();
  CHECK(*f.View().FindByKey(EntityKind::USER, UserKey("LON", "kate")) == user);
  CHECK(f.View().FindByKey(EntityKind::USER, "kate").status().code() == StatusCode::kNotFound);
  auto check = VerifyStore(f.store());
  REQUIRE(check.ok());
  INFO(check->problems.size());
  CHECK(check->clean());
}

TEST_CASE("request outcomes and counters are kept with the data", "[node][store]") {
  StoreFixture f;
  Id request = Id::Generate(1);
  CHECK_FALSE(f.View().requests().Find(request)->has_value());
  {
    auto txn = f.store().BeginWrite();
    REQUIRE(txn->requests().Remember(request, "outcome").ok());
    CHECK(*txn->NextCounter("LON-20261122") == 1);
    CHECK(*txn->NextCounter("LON-20261122") == 2);
    CHECK(*txn->NextCounter("LON-20261123") == 1);
    REQUIRE(txn->Commit().ok());
  }
  f.Reopen();
  CHECK(**f.View().requests().Find(request) == "outcome");
  auto txn = f.store().BeginWrite();
  CHECK(*txn->NextCounter("LON-20261122") == 3);
}

// A client with a birth date, an address and a home office, as another
// office would send it.
Id AddPerson(StoreFixture& f, const ClientFields& fields, int16_t year, uint8_t month, uint8_t day,
             const std::string& street = "", const std::string& city = "", const std::string& office = "LON") {
  Id id = Id::Generate(1'700'000'000'000);
  auto change = NewClientChange(id, f.Now(), fields);
  auto client = change.record<schema::Client>();
  if (year > 0) {
    auto born = client.initBirthDate();
    born.setYear(year);
    born.setMonth(month);
    born.setDay(day);
    REQUIRE(change.Set("birthDate").ok());
  }
  if (!street.empty()) {
    client.initAddress().setStreet(street);
    client.getAddress().setCity(city);
    REQUIRE(change.Set("address").ok());
  }
  client.setHomeOffice(office);
  REQUIRE(change.Set("homeOffice").ok());
  f.Write(change);
  return id;
}

// The duplicate pairs listed, each as its two ids (smaller first) and what they share.
std::vector<std::tuple<Id, Id, std::string>> Pairs(StoreFixture& f) {
  auto pairs = f.View().Duplicates();
  REQUIRE(pairs.ok());
  std::vector<std::tuple<Id, Id, std::string>> out;
  for (const auto& pair : *pairs) {
    out.emplace_back(std::min(pair.first, pair.second), std::max(pair.first, pair.second), pair.shared);
  }
  return out;
}

TEST_CASE("a Latin query finds Cyrillic, Greek and Persian names, and back", "[node][store][index]") {
  StoreFixture f;
  Id petrova = f.AddClient({"Анна", "Петрова"});
  Id elena = f.AddClient({"Елена", "Щукина"});
  Id eleni = f.AddClient({"Ελένη", "Παπαδοπούλου"});
  Id maryam = f.AddClient({"مریم", "حسینی"});
  Id latin_petrova = f.AddClient({"Olga", "Petrova"});
  Id latin_maryam = f.AddClient({"Maryam", "Hosseini"});

  CHECK(Sorted(f.ByName("petr")) == Sorted({petrova, latin_petrova}));
  CHECK(Sorted(f.ByName("Петр")) == Sorted({petrova, latin_petrova}));
  CHECK(f.ByName("eleni") == std::vector<Id>{eleni});
  CHECK(f.ByName("papadopoulou") == std::vector<Id>{eleni});
  CHECK(f.ByName("elena") == std::vector<Id>{elena});    // ISO 9 spelling
  CHECK(f.ByName("yelena") == std::vector<Id>{elena});   // BGN/PCGN spelling
  CHECK(f.ByName("shchukina") == std::vector<Id>{elena});
  // Persian writes no short vowels: the consonants are compared.
  CHECK(Sorted(f.ByName("maryam")) == Sorted({maryam, latin_maryam}));
  CHECK(Sorted(f.ByName("hosseini")) == Sorted({maryam, latin_maryam}));
  CHECK(Sorted(f.ByName("مریم")) == Sorted({maryam, latin_maryam}));
  // The same name in its own script comes first.
  CHECK(f.ByName("مریم").front() == maryam);
  CHECK(f.ByName("olga petr") == std::vector<Id>{latin_petrova});
  CHECK(f.ByName("anna petr") == std::vector<Id>{petrova});
  CHECK(f.ByName("maryam hosseini").size() == 2);
  CHECK(f.ByName("petrovich").empty());
}

TEST_CASE("clients with the same name and birth date, or the same address, are listed as duplicates",
          "[node][store][index]") {
  StoreFixture f;
  // Helen Brown registered at two offices, with different phones.
  Id lon = AddPerson(f, {"Helen", "Brown", {"+447400000001"}}, 1979, 5, 5, "", "", "LON");
  Id man = AddPerson(f, {"HELEN", "Brown", {"+447400000002"}}, 1979, 5, 5, "", "", "MAN");
  // Born another day, or with no birth date: not suspected.
  AddPerson(f, {"Helen", "Brown", {"+447400000003"}}, 1980, 5, 5);
  AddPerson(f, {"Helen", "Brown", {"+447400000004"}}, 0, 0, 0);
  // The family name first, with an accent: the same name.
  Id swapped = AddPerson(f, {"Bröwn", "Helen"}, 1979, 5, 5);
  // Two people at one address, written in other case and spacing.
  Id tom = AddPerson(f, {"Tom", "Hill"}, 0, 0, 0, "12 Baker Street, flat 3", "London");
  Id ann = AddPerson(f, {"Ann", "Hill"}, 0, 0, 0, "12 baker street  Flat 3", "LONDON");
  AddPerson(f, {"Bob", "Hill"}, 0, 0, 0, "12 Baker Street, flat 4", "London");

  const std::string name = "name brown helen 1979-05-05";
  const std::string address = "address 12 baker street flat 3, london";
  auto pairs = Pairs(f);
  auto listed = [&](const Id& a, const Id& b) -> std::string {
    for (const auto& [first, second, shared] : pairs) {
      if (first == std::min(a, b) && second == std::max(a, b)) return shared;
    }
    return "";
  };
  CHECK(pairs.size() == 4);
  CHECK(listed(lon, man) == name);
  CHECK(listed(lon, swapped) == name);
  CHECK(listed(man, swapped) == name);
  CHECK(listed(tom, ann) == address);
  CHECK(DuplicateReason(name) == "same name and birth date");
  CHECK(DuplicateReason(address) == "same address");
  CHECK(DuplicateReason("phone +447400000001") == "same phone");
  CHECK(DuplicateReason("email a@example.com") == "same email");
  CHECK(DuplicateReason("card LON-1") == "same card");
}

TEST_CASE("a newcomer sharing an address held by many is paired with the first 20 of them",
          "[node][store][index]") {
  StoreFixture f;
  for (int i = 0; i < 25; ++i) {
    AddPerson(f, {"Tenant", "N" + std::to_string(i)}, 0, 0, 0, "1 Tower Block", "Leeds");
  }
  // Each newcomer is paired with at most 20 holders: 0 + 1 + ... + 19 for
  // the first twenty, 20 for each of the last five; not the 300 of every two.
  CHECK(Pairs(f).size() == 290);
}

// Rewrites the client keys of the store in `dir` as a build before
// transliteration made them: by_name holds the folded name tokens alone,
// there are no identity keys or pairs from them, nothing says how keys are made.
void MakeClientKeysOld(const std::filesystem::path& dir, const std::vector<std::pair<Id, ClientFields>>& clients) {
  auto env = lmdb::Env::Open({dir});
  REQUIRE(env.ok());
  auto by_name = (*env)->OpenTable("by_name", true);
  auto by_identity = (*env)->OpenTable("by_identity", true);
  auto duplicates = (*env)->OpenTable("duplicates", false, true);
  auto meta = (*env)->OpenTable("meta", false, true);
  REQUIRE((by_name.ok() && by_identity.ok() && duplicates.ok() && meta.ok()));
  auto txn = (*env)->BeginWrite();
  REQUIRE(txn.ok());
  REQUIRE(txn->Clear(*by_name).ok());
  REQUIRE(txn->Clear(*by_identity).ok());
  REQUIRE(txn->Clear(*duplicates).ok());
  for (const auto& [id, fields] : clients) {
    auto bytes = id.ToBytes();
    const std::string value(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    for (const std::string& name : {fields.first_name, fields.last_name}) {
      for (const std::string& token : SearchTokens(name)) REQUIRE(txn->Put(*by_name, token, value).ok());
    }
  }
  REQUIRE(txn->Delete(*meta, "index/client_keys").ok());
  REQUIRE(txn->Commit().ok());
}

TEST_CASE("a store whose name index predates transliteration is rebuilt when opened, and its clients are found the new way",
          "[node][store][index]") {
  StoreFixture f;
  ClientFields anna{"Анна", "Петрова"};
  ClientFields helen{"Helen", "Brown", {"+447400000001"}};
  ClientFields helen_too{"Helen", "Brown", {"+447400000002"}};
  Id anna_id = f.AddClient(anna);
  Id helen_id = AddPerson(f, helen, 1979, 5, 5);
  Id helen_too_id = AddPerson(f, helen_too, 1979, 5, 5, "", "", "MAN");
  f.Close();
  MakeClientKeysOld(f.dir(), {{anna_id, anna}, {helen_id, helen}, {helen_too_id, helen_too}});
  f.Reopen();
  CHECK(f.ByName("petr") == std::vector<Id>{anna_id});
  CHECK(f.ByName("петр") == std::vector<Id>{anna_id});
  auto pairs = Pairs(f);
  REQUIRE(pairs.size() == 1);
  CHECK(std::get<2>(pairs[0]) == "name brown helen 1979-05-05");
  auto check = VerifyStore(f.store());
  REQUIRE(check.ok());
  for (const std::string& problem : check->problems) INFO(problem);
  CHECK(check->clean());
}

TEST_CASE("a rebuild of the client keys cut short resumes where it stopped when the store is opened again",
          "[node][store][index]") {
  StoreFixture f;
  std::vector<std::pair<Id, ClientFields>> clients;
  for (const char* last : {"Петрова", "Иванова", "Смирнова", "Попова", "Козлова"}) {
    ClientFields fields{"Анна", last};
    clients.emplace_back(f.AddClient(fields), fields);
  }
  f.Close();
  MakeClientKeysOld(f.dir(), clients);
  ManualClock wall(1'700'000'000'000);
  StoreOptions options;
  options.dir = f.dir();
  options.conversion_batch = 2;
  int batches = 0;
  options.on_conversion = [&](std::string_view table, uint64_t) {
    return table != "client keys" || ++batches < 2;
  };
  auto stopped = Store::Open(options, wall);
  REQUIRE_FALSE(stopped.ok());
  CHECK(stopped.status().code() == StatusCode::kUnavailable);
  CHECK(stopped.status().message().find("opening it again resumes") != std::string::npos);
  // Opened again, it goes on from the fifth client: one batch, the last.
  options.on_conversion = [&](std::string_view table, uint64_t) {
    if (table == "client keys") ++batches;
    return true;
  };
  batches = 0;
  REQUIRE(Store::Open(options, wall).ok());
  CHECK(batches == 0);
  f.Reopen();
  CHECK(f.ByName("anna").size() == 5);
  CHECK(f.ByName("smirnova").size() == 1);
  CHECK(f.ByName("kozlova").size() == 1);
  auto check = VerifyStore(f.store());
  REQUIRE(check.ok());
  CHECK(check->clean());
}

}  // namespace
}  // namespace crm
