// Checksums of stored values (docs/storage.md, "Checksums"): bits flipped in
// the store's file, inside a known record, log entry or any other value, are
// refused by every read and named by VerifyStore; a store from before
// checksums is converted, also after being cut short; a damaged record is
// repaired from a copy and its own logged changes.
#include <capnp/message.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "node/common/crypto.h"
#include "node/store/audit.h"
#include "node/store/blobs.h"
#include "node/store/lmdb.h"
#include "node/store/replica.h"
#include "node/store/request_log.h"
#include "node/store/store.h"
#include "node/store/store_verify.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/merge.h"
#include "tests/support/clients.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

namespace fs = std::filesystem;
using testing::ClientFields;
using testing::NewClientChange;
using testing::TempDir;

// The tables whose values carry a checksum, as docs/storage.md lists them.
const std::vector<const char*> kSealedTables = {"records",    "log",        "meta",     "log_source",
                                                "quarantine", "duplicates", "requests", "conflicts"};

std::string RecordKey(EntityKind kind, const Id& id) {
  auto bytes = id.ToBytes();
  std::string key(1, static_cast<char>(kind));
  key.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return key;
}

std::string SeqKey(uint64_t seq) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) key[static_cast<size_t>(i)] = static_cast<char>(seq & 0xff);
  return key;
}

std::string Text(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

bool Mentions(const StoreCheck& check, const std::string& what) {
  for (const std::string& problem : check.problems) {
    if (problem.find(what) != std::string::npos) return true;
  }
  return false;
}

std::string Problems(const StoreCheck& check) {
  std::string all;
  for (const std::string& problem : check.problems) all += problem + "\n";
  return all;
}

// A store holding a value in every table, and a compacted copy of it (each
// live value once in the file) to damage: the copy is what the tests open.
class DamagedStore {
 public:
  DamagedStore() {
    {
      auto store = Open(original_.path());
      Writer writer(*store);
      HybridClock hlc(wall_, store->node_id(), 60'000);
      anna = Id::Generate(wall_.NowMillis());
      bob = Id::Generate(wall_.NowMillis() + 1);
      Local(writer, NewClientChange(anna, hlc.Now(), {"Anna", "Petrova", {"+447911123456"},
                                                      {"anna@example.com"}, "C-100"}));
      // Bob shares Anna's phone: a duplicate pair.
      Local(writer, NewClientChange(bob, hlc.Now(), {"Bob", "Jones", {"+447911123456"}}));
      // A received edit that loses to a concurrent one: a conflict, and a
      // log entry delivered by a relay (a log source).
      const Id office_b{0xB, 2};
      auto edit = ChangeMessage::Patch(EntityKind::CLIENT, anna, Stamp{1'000, 0, office_b}, Id{});
      edit.record<schema::Client>().setLoyaltyCard("CARD-B");
      REQUIRE(edit.Set("loyaltyCard").ok());
      edit.change().getPatch().initBases(1);
      IdToWire(office_b, edit.change().initOrigin());
      edit.change().setOriginSeq(1);
      REQUIRE(writer
                  .Run([&](StoreTxn& txn) -> Status {
                    CRM_ASSIGN_OR_RETURN(Applied applied, txn.Apply(edit.change().asReader()));
                    CRM_RETURN_IF_ERROR(txn.SetSource(applied.seq, Id{0xC, 3}));
                    CRM_RETURN_IF_ERROR(txn.Quarantine(edit.change().asReader(), "refused for the test"));
                    CRM_RETURN_IF_ERROR(txn.requests().Remember(Id{0xD, 4}, "the answer sent"));
                    CRM_RETURN_IF_ERROR(txn.blobs().Put(Sha256Hex("a file"), "a file"));
                    AuditEvent event;
                    event.time_ms = wall_.NowMillis();
                    event.login = "anna";
                    event.action = "record a sale";
                    return AppendAudit(txn, event);
                  })
                  .ok());
      REQUIRE(VerifyStore(*store)->clean());
      REQUIRE(store->Backup(copy_.path() / "store").ok());
    }
    file_ = copy_.path() / "store" / "data.mdb";
  }

  const fs::path& dir() const { return dir_; }

  std::unique_ptr<Store> Open() { return Open(dir_); }
  Result<std::unique_ptr<Store>> TryOpen() {
    StoreOptions options;
    options.dir = dir_;
    options.durable = false;
    return Store::Open(options, wall_);
  }

  // Every entry of `table` as stored (checksums included). REQUIRES: the
  // copy is not open as a Store in this process.
  std::vector<std::pair<std::string, std::string>> Raw(const char* table) {
    lmdb::EnvOptions options;
    options.dir = dir_;
    auto env = lmdb::Env::Open(options);
    REQUIRE(env.ok());
    auto opened = (*env)->OpenTable(table, false);
    REQUIRE(opened.ok());
    auto txn = (*env)->BeginRead();
    REQUIRE(txn.ok());
    auto cursor = txn->OpenCursor(*opened);
    REQUIRE(cursor.ok());
    std::vector<std::pair<std::string, std::string>> entries;
    REQUIRE(cursor->First().ok());
    while (cursor->valid()) {
      entries.emplace_back(cursor->key(), cursor->value());
      REQUIRE(cursor->Next().ok());
    }
    return entries;
  }
  std::string Raw(const char* table, const std::string& key) {
    for (auto& [k, v] : Raw(table)) {
      if (k == key) return v;
    }
    FAIL("no such key in " << table);
    return {};
  }

  // Flips a bit of byte `i` of `bytes` wherever they lie in the file (a
  // store written to since its copy was made may keep old copies of a value
  // in free pages).
  void FlipEverywhere(const std::string& bytes, size_t i, int bit) {
    std::string content = File();
    size_t found = 0;
    for (size_t at = content.find(bytes); at != std::string::npos; at = content.find(bytes, at + 1)) {
      Flip(at + i, bit);
      ++found;
    }
    REQUIRE(found > 0);
  }

  // Where `bytes` lie in the file; they must lie there once.
  size_t OffsetOf(const std::string& bytes) {
    std::string content = File();
    size_t at = content.find(bytes);
    REQUIRE(at != std::string::npos);
    REQUIRE(content.find(bytes, at + 1) == std::string::npos);
    return at;
  }
  std::string File() {
    std::ifstream in(file_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // Flips bit `bit` of the byte at `offset` of the file, as a failing disk
  // or a stray write would. Doing it again undoes it.
  void Flip(size_t offset, int bit) {
    std::fstream io(file_, std::ios::binary | std::ios::in | std::ios::out);
    io.seekg(static_cast<std::streamoff>(offset));
    char byte = 0;
    io.read(&byte, 1);
    byte = static_cast<char>(byte ^ (1 << bit));
    io.seekp(static_cast<std::streamoff>(offset));
    io.write(&byte, 1);
    REQUIRE(io.good());
  }

  Id anna;
  Id bob;

 private:
  std::unique_ptr<Store> Open(const fs::path& dir) {
    StoreOptions options;
    options.dir = dir;
    options.durable = false;
    auto store = Store::Open(options, wall_);
    INFO(store.status().ToString());
    REQUIRE(store.ok());
    return std::move(store).value();
  }
  static void Local(Writer& writer, ChangeMessage change) {
    REQUIRE(writer.Run([&](StoreTxn& txn) { return txn.ApplyLocal(change.change()).status(); }).ok());
  }

  ManualClock wall_{1'700'000'000'000};
  TempDir original_;
  TempDir copy_;
  fs::path dir_ = copy_.path() / "store";
  fs::path file_;
};

TEST_CASE("a bit flipped anywhere in a stored record is refused by every read and named by verify",
          "[node][store][integrity]") {
  DamagedStore s;
  const std::string key = RecordKey(EntityKind::CLIENT, s.anna);
  const std::string stored = s.Raw("records", key);
  const size_t at = s.OffsetOf(stored);
  for (size_t i = 0; i < stored.size(); ++i) {
    INFO("byte " << i << " of the " << stored.size() << " stored");
    s.Flip(at + i, static_cast<int>(i % 8));
    {
      auto store = s.Open();
      auto view = store->Read();
      REQUIRE(view.ok());
      auto anna = view->Get(EntityKind::CLIENT, s.anna);
      REQUIRE_FALSE(anna.ok());
      CHECK(anna.status().code() == StatusCode::kCorruption);
      CHECK(anna.status().message().find("client " + s.anna.ToString() + " is damaged") !=
            std::string::npos);
      CHECK(anna.status().message().find("crm-admin verify") != std::string::npos);
      CHECK(view->Get(EntityKind::CLIENT, s.bob).ok());  // the rest reads on
      auto all = [](auto&&...) { return Status::Ok(); };
      CHECK(view->ForEachRecord(all).code() == StatusCode::kCorruption);
      CHECK(view->ForEachOfKind(EntityKind::CLIENT, all).code() == StatusCode::kCorruption);
      CHECK(view->ReadRecords("", 100).status().code() == StatusCode::kCorruption);
      CHECK(StateDigest(*store).status().code() == StatusCode::kCorruption);
      CHECK(*view->DamagedRecordKeys() == std::vector<std::string>{key});

      auto check = VerifyStore(*store);
      REQUIRE(check.ok());
      INFO(Problems(*check));
      CHECK_FALSE(check->clean());
      CHECK(Mentions(*check, "client " + s.anna.ToString() + " is damaged"));
      REQUIRE(check->damaged_records.size() == 1);
      CHECK(check->damaged_records[0].second == s.anna);
    }
    s.Flip(at + i, static_cast<int>(i % 8));
  }
  auto store = s.Open();
  CHECK(VerifyStore(*store)->clean());
  CHECK(store->Read()->Get(EntityKind::CLIENT, s.anna).ok());
}

TEST_CASE("a bit flipped anywhere in a log entry is refused by the log's readers and named by verify",
          "[node][store][integrity]") {
  DamagedStore s;
  const std::string stored = s.Raw("log", SeqKey(1));  // Anna's first change
  const size_t at = s.OffsetOf(stored);
  for (size_t i = 0; i < stored.size(); ++i) {
    INFO("byte " << i << " of the " << stored.size() << " stored");
    s.Flip(at + i, static_cast<int>((i + 3) % 8));
    {
      auto store = s.Open();
      auto log = store->Read()->ReadLog(1, 100);
      REQUIRE_FALSE(log.ok());
      CHECK(log.status().code() == StatusCode::kCorruption);
      CHECK(log.status().message().find("log entry 1 of this store is damaged") != std::string::npos);
      CHECK(store->Read()->ReadLog(2, 100).ok());  // the entries after it read on

      auto check = VerifyStore(*store);
      REQUIRE(check.ok());
      INFO(Problems(*check));
      CHECK(Mentions(*check, "log entry 1 is damaged"));
      CHECK(check->damaged_records.empty());
    }
    s.Flip(at + i, static_cast<int>((i + 3) % 8));
  }
  CHECK(VerifyStore(*s.Open())->clean());
}

TEST_CASE("a bit flipped in the key of a record or a log entry is named by verify",
          "[node][store][integrity]") {
  DamagedStore s;
  // LMDB keeps a key just before its value.
  struct Entry {
    const char* table;
    std::string key;
  };
  for (const Entry& entry : {Entry{"records", RecordKey(EntityKind::CLIENT, s.anna)}, Entry{"log", SeqKey(1)}}) {
    const std::string stored = s.Raw(entry.table, entry.key);
    const size_t at = s.OffsetOf(entry.key + stored);
    for (size_t i = 0; i < entry.key.size(); ++i) {
      for (int bit : {0, 5}) {
        INFO(entry.table << ": bit " << bit << " of key byte " << i);
        s.Flip(at + i, bit);
        {
          auto store = s.Open();
          auto check = VerifyStore(*store);
          REQUIRE(check.ok());
          INFO(Problems(*check));
          CHECK_FALSE(check->clean());
          // A record under another key: not found under its own, and a
          // scan meets it and refuses it. (A log entry under another seq
          // may sort where no read looks: verify is what finds it.)
          if (std::string(entry.table) == "records") {
            auto view = store->Read();
            CHECK_FALSE(view->Get(EntityKind::CLIENT, s.anna).ok());
            CHECK(view->ForEachRecord([](auto&&...) { return Status::Ok(); }).code() ==
                  StatusCode::kCorruption);
          }
        }
        s.Flip(at + i, bit);
      }
    }
  }
}

TEST_CASE("a bit flipped in any value of any checksummed table, in a file or in the audit log, is named by verify",
          "[node][store][integrity]") {
  DamagedStore s;
  std::vector<std::pair<std::string, std::string>> values;  // (what, stored bytes)
  for (const char* table : kSealedTables) {
    auto entries = s.Raw(table);
    CHECK_FALSE(entries.empty());  // the fixture fills every table
    for (auto& [key, value] : entries) values.emplace_back(std::string(table), value);
  }
  for (auto& [key, value] : s.Raw("blobs")) values.emplace_back("blobs", value);
  for (auto& [key, value] : s.Raw("audit")) values.emplace_back("audit", value);
  for (const auto& [table, stored] : values) {
    const size_t at = s.OffsetOf(stored);
    for (size_t i : {size_t{0}, stored.size() / 2, stored.size() - 1}) {
      INFO(table << ": byte " << i << " of a value of " << stored.size());
      s.Flip(at + i, 2);
      {
        auto store = s.TryOpen();
        if (!store.ok()) {
          // The format marker, node id or instance id: the store does not open.
          CHECK(table == "meta");
          CHECK(store.status().code() == StatusCode::kCorruption);
        } else {
          auto check = VerifyStore(**store);
          REQUIRE(check.ok());
          CHECK_FALSE(check->clean());
        }
      }
      s.Flip(at + i, 2);
    }
  }
}

// Makes the copy what a build before checksums wrote: every value as it is,
// without its checksum, and the format crm-store-4.
void RemoveChecksums(const fs::path& dir) {
  lmdb::EnvOptions options;
  options.dir = dir;
  auto env = lmdb::Env::Open(options);
  REQUIRE(env.ok());
  std::vector<lmdb::Table> tables;
  for (const char* name : kSealedTables) {
    auto table = (*env)->OpenTable(name, false);
    REQUIRE(table.ok());
    tables.push_back(*table);
  }
  auto txn = (*env)->BeginWrite();
  REQUIRE(txn.ok());
  for (const lmdb::Table& table : tables) {
    const std::string name = table.name;
    std::vector<std::pair<std::string, std::string>> entries;
    auto cursor = txn->OpenCursor(table);
    REQUIRE(cursor->First().ok());
    while (cursor->valid()) {
      entries.emplace_back(cursor->key(), cursor->value());
      REQUIRE(cursor->Next().ok());
    }
    for (auto& [key, value] : entries) {
      REQUIRE(value.size() >= 8);
      value.resize(value.size() - 8);
      if (name == "meta" && key == "format") value = "crm-store-4";
      REQUIRE(txn->Put(table, key, value).ok());
    }
  }
  REQUIRE(txn->Commit().ok());
}

TEST_CASE("a store written before checksums is converted when opened, also after a conversion cut short",
          "[node][store][integrity]") {
  DamagedStore s;
  std::string digest;
  {
    auto store = s.Open();
    digest = *StateDigest(*store);
  }
  RemoveChecksums(s.dir());
  {
    auto raw = s.Raw("meta", "format");
    REQUIRE(raw == "crm-store-4");
  }

  SECTION("at once") {
    auto store = s.Open();
    CHECK(*StateDigest(*store) == digest);
    auto check = VerifyStore(*store);
    INFO(Problems(*check));
    CHECK(check->clean());
    CHECK(store->Read()->ReadLog(1, 100)->size() == 3);
  }

  SECTION("in steps, stopped after two of them, then resumed") {
    StoreOptions options;
    options.dir = s.dir();
    options.durable = false;
    options.conversion_batch = 2;
    int steps = 0;
    std::vector<std::string> tables;
    options.on_conversion = [&](std::string_view table, uint64_t done) {
      tables.emplace_back(table);
      CHECK(done == 2);
      return ++steps < 2;
    };
    ManualClock wall{1};
    auto stopped = Store::Open(options, wall);
    REQUIRE_FALSE(stopped.ok());
    CHECK(stopped.status().code() == StatusCode::kUnavailable);
    CHECK(stopped.status().message().find("opening it again resumes") != std::string::npos);
    CHECK(tables == std::vector<std::string>{"records", "log"});
    // Half way: still the old format, the records and two log entries with
    // checksums.
    CHECK(s.Raw("meta", "format") == "crm-store-4");

    options.on_conversion = [&](std::string_view, uint64_t) { return true; };
    auto store = Store::Open(options, wall);
    INFO(store.status().ToString());
    REQUIRE(store.ok());
    CHECK(*StateDigest(**store) == digest);
    auto check = VerifyStore(**store);
    INFO(Problems(*check));
    CHECK(check->clean());
    CHECK((*store)->Read()->Get(EntityKind::CLIENT, s.anna).ok());
  }
}

TEST_CASE("a damaged record logs the changes it receives, refuses local edits, and is repaired from a copy and its log",
          "[node][store][integrity]") {
  DamagedStore s;
  const std::string key = RecordKey(EntityKind::CLIENT, s.anna);
  // The hub's copy: Anna as stored here, and then her phone replaced there.
  capnp::MallocMessageBuilder hub_copy;
  {
    auto store = s.Open();
    auto anna = store->Read()->Get(EntityKind::CLIENT, s.anna);
    REQUIRE(anna.ok());
    auto change = ChangeMessage::Patch(EntityKind::CLIENT, s.anna, Stamp{1'800'000'000'000, 0, Id{0xE, 5}}, Id{});
    REQUIRE(change.RemoveElement("phones", "+447911123456").ok());
    REQUIRE(change.AddElement("phones", "+442079460958").ok());
    IdToWire(Id{0xE, 5}, change.change().initOrigin());
    change.change().setOriginSeq(1);
    auto out = hub_copy.initRoot<schema::StoredRecord>();
    auto stored = anna->stored();
    REQUIRE(MergeChange(change.change().asReader(), &stored, out).ok());
  }
  const std::string stored = s.Raw("records", key);
  s.Flip(s.OffsetOf(stored) + stored.size() / 2, 1);

  auto store = s.Open();
  Writer writer(*store);
  ManualClock wall{1'700'000'100'000};
  HybridClock hlc(wall, store->node_id(), 60'000);
  // A change from elsewhere: logged, though it cannot be merged yet.
  const Id office_f{0xF, 6};
  auto rename = ChangeMessage::Patch(EntityKind::CLIENT, s.anna, Stamp{1'750'000'000'000, 0, office_f}, Id{});
  rename.record<schema::Client>().setFirstName("Anne");
  REQUIRE(rename.Set("firstName").ok());
  IdToWire(office_f, rename.change().initOrigin());
  rename.change().setOriginSeq(1);
  Status applied = writer.Run([&](StoreTxn& txn) { return txn.Apply(rename.change().asReader()).status(); });
  INFO(applied.ToString());
  REQUIRE(applied.ok());
  CHECK(store->Read()->ReadLog(1, 100)->size() == 4);
  CHECK(store->Read()->Get(EntityKind::CLIENT, s.anna).status().code() == StatusCode::kCorruption);
  // A local edit is refused: it cannot be checked against the record.
  auto edit = ChangeMessage::Patch(EntityKind::CLIENT, s.anna, hlc.Now(), Id{});
  edit.record<schema::Client>().setLastName("Smith");
  REQUIRE(edit.Set("lastName").ok());
  Status refused = writer.Run([&](StoreTxn& txn) { return txn.ApplyLocal(edit.change()).status(); });
  CHECK(refused.code() == StatusCode::kCorruption);

  auto copy = hub_copy.getRoot<schema::StoredRecord>().asReader();
  std::vector<std::string> unrepaired;
  REQUIRE(writer
              .Run([&](StoreTxn& txn) -> Status {
                CRM_ASSIGN_OR_RETURN(unrepaired, txn.RepairRecords({{key, &copy}}));
                return Status::Ok();
              })
              .ok());
  CHECK(unrepaired.empty());
  auto view = store->Read();
  auto anna = view->Get(EntityKind::CLIENT, s.anna);
  INFO(anna.status().ToString());
  REQUIRE(anna.ok());
  auto client = anna->value<schema::Client>();
  CHECK(Text(client.getFirstName()) == "Anne");        // from this log
  CHECK(Text(client.getLoyaltyCard()) == "C-100");     // from the copy
  REQUIRE(client.getPhones().size() == 1);
  CHECK(Text(client.getPhones()[0]) == "+442079460958");
  // Her index entries follow the repaired record: the old phone finds Bob only.
  CHECK(*view->client_index().FindByPhone("+442079460958") == std::vector<Id>{s.anna});
  CHECK(*view->client_index().FindByPhone("+447911123456") == std::vector<Id>{s.bob});
  CHECK(*view->client_index().FindByName("anne", 10) == std::vector<Id>{s.anna});
  CHECK(view->client_index().FindByName("anna", 10)->empty());
  CHECK(view->DamagedRecordKeys()->empty());
  auto check = VerifyStore(*store);
  INFO(Problems(*check));
  CHECK(check->clean());
}

TEST_CASE("a damaged record the hub has no copy of is rebuilt from this node's log, or stays refused",
          "[node][store][integrity]") {
  DamagedStore s;
  const std::string key = RecordKey(EntityKind::CLIENT, s.bob);
  auto repair = [&](Writer& writer) {
    std::vector<std::string> unrepaired;
    REQUIRE(writer
                .Run([&](StoreTxn& txn) -> Status {
                  CRM_ASSIGN_OR_RETURN(unrepaired, txn.RepairRecords({{key, nullptr}}));
                  return Status::Ok();
                })
                .ok());
    return unrepaired;
  };
  s.FlipEverywhere(s.Raw("records", key), 3, 4);
  {
    auto store = s.Open();
    Writer writer(*store);
    CHECK(repair(writer).empty());  // Bob was made here: his change is in the log
    auto bob = store->Read()->Get(EntityKind::CLIENT, s.bob);
    REQUIRE(bob.ok());
    CHECK(Text(bob->value<schema::Client>().getFirstName()) == "Bob");
    CHECK(*store->Read()->client_index().FindByPhone("+447911123456") == std::vector<Id>{s.anna, s.bob});
    CHECK(VerifyStore(*store)->clean());
    // With the log pruned, nothing is left to rebuild him from.
    REQUIRE(writer.Run([&](StoreTxn& txn) { return txn.PruneLog(100, 100).status(); }).ok());
  }
  s.FlipEverywhere(s.Raw("records", key), 3, 4);
  auto store = s.Open();
  Writer writer(*store);
  CHECK(repair(writer) == std::vector<std::string>{key});
  CHECK(store->Read()->Get(EntityKind::CLIENT, s.bob).status().code() == StatusCode::kCorruption);
}

}  // namespace
}  // namespace crm
