// The audit log's hash chain: appends commit with their write, and an edit
// made to the store underneath is found and named.
#include "node/store/audit.h"

#include <capnp/message.h>
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "node/common/crypto.h"
#include "node/store/lmdb.h"
#include "node/store/writer.h"
#include "schema/audit.capnp.h"
#include "sync/base/clock.h"
#include "sync/base/codec.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

std::string SeqKey(uint64_t seq) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i, seq >>= 8) key[static_cast<size_t>(i)] = static_cast<char>(seq & 0xff);
  return key;
}

// A store whose audit log holds `count` entries: sales rung up by "anna".
class AuditedStore {
 public:
  explicit AuditedStore(int count) {
    Open();
    Append(1, count);
  }

  void Open() {
    auto opened = Store::Open({dir_.path(), 4u << 20, 1u << 30, true}, clock_);
    REQUIRE(opened.ok());
    store_ = std::move(opened).value();
    writer_ = std::make_unique<Writer>(*store_);
  }
  void Close() {
    writer_.reset();
    store_.reset();
  }

  void Append(int first, int last) {
    for (int i = first; i <= last; ++i) {
      AuditEvent event;
      event.time_ms = 1'795'348'800'000 + i;
      event.login = "anna";
      event.action = "record a sale";
      event.detail = "LON-20261122-" + std::to_string(1000 + i);
      event.subjects.emplace_back(EntityKind::SALE, Id::Generate(event.time_ms));
      REQUIRE(writer_->Run([&](StoreTxn& txn) { return AppendAudit(txn, event); }).ok());
    }
  }

  AuditVerdict Verify() {
    auto view = store_->Read();
    REQUIRE(view.ok());
    auto verdict = VerifyAudit(*view);
    REQUIRE(verdict.ok());
    return *verdict;
  }

  std::vector<AuditRecord> Read() {
    auto view = store_->Read();
    REQUIRE(view.ok());
    auto records = ReadAuditLog(*view, 1, 1000);
    REQUIRE(records.ok());
    return *records;
  }

  // Edits the audit table with the store closed, as someone with the file
  // would: `edit(txn, table)` inside one LMDB write transaction.
  template <typename Edit>
  void Tamper(Edit&& edit) {
    Close();
    {
      lmdb::EnvOptions options;
      options.dir = dir_.path();
      auto env = lmdb::Env::Open(options);
      REQUIRE(env.ok());
      auto table = (*env)->OpenTable("audit", false);
      REQUIRE(table.ok());
      auto txn = (*env)->BeginWrite();
      REQUIRE(txn.ok());
      edit(*txn, *table);
      REQUIRE(txn->Commit().ok());
    }
    Open();
  }

  Store& store() { return *store_; }
  Writer& writer() { return *writer_; }

 private:
  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Writer> writer_;
};

// Entry `seq` with its detail changed to `detail`; the hash recomputed if
// `rehash` (a forger who knows the format), kept otherwise.
std::string Forged(lmdb::Txn& txn, lmdb::Table table, uint64_t seq, const std::string& detail,
                   bool rehash) {
  auto stored = txn.Get(table, SeqKey(seq));
  REQUIRE(stored.ok());
  std::string value(*stored);
  auto decoded = DecodedMessage::DecodePacked(std::string_view(value).substr(64));
  REQUIRE(decoded.ok());
  capnp::MallocMessageBuilder copy;
  copy.setRoot(decoded->Root<schema::AuditEntry>());
  copy.getRoot<schema::AuditEntry>().setDetail(detail);
  std::string bytes = EncodePackedMessage(copy);
  return (rehash ? Sha256Hex(bytes) : value.substr(0, 64)) + bytes;
}

TEST_CASE("the audit log chains every entry and reads back what was written",
          "[node][audit]") {
  AuditedStore audited(5);
  AuditVerdict verdict = audited.Verify();
  CHECK(verdict.intact());
  CHECK(verdict.entries == 5);
  auto records = audited.Read();
  REQUIRE(records.size() == 5);
  CHECK(records[2].seq == 3);
  CHECK(records[2].event.login == "anna");
  CHECK(records[2].event.action == "record a sale");
  CHECK(records[2].event.detail == "LON-20261122-1003");
  REQUIRE(records[2].event.subjects.size() == 1);
  CHECK(records[2].event.subjects[0].first == EntityKind::SALE);
  CHECK(verdict.head == records[4].hash);

  // The chain goes on across a restart.
  audited.Close();
  audited.Open();
  audited.Append(6, 7);
  CHECK(audited.Verify().intact());
  CHECK(audited.Verify().entries == 7);
}

TEST_CASE("an audit entry commits with its write or not at all", "[node][audit]") {
  AuditedStore audited(2);
  Status failed = audited.writer().Run([&](StoreTxn& txn) -> Status {
    AuditEvent event;
    event.action = "record a sale";
    CRM_RETURN_IF_ERROR(AppendAudit(txn, event));
    return Status::InvalidArgument("lines", "a sale needs a line");
  });
  CHECK_FALSE(failed.ok());
  CHECK(audited.Verify().intact());
  CHECK(audited.Verify().entries == 2);
}

TEST_CASE("an audit entry edited in the store is named as the first broken one",
          "[node][audit]") {
  AuditedStore audited(10);
  audited.Tamper([](lmdb::Txn& txn, lmdb::Table table) {
    REQUIRE(txn.Put(table, SeqKey(4), Forged(txn, table, 4, "LON-20261122-9999", false)).ok());
  });
  AuditVerdict verdict = audited.Verify();
  CHECK(verdict.broken_at == 4);
  CHECK(verdict.entries == 3);
  CHECK_THAT(verdict.reason, Catch::Contains("changed after it was written"));
}

TEST_CASE("an audit entry rewritten with a fresh hash breaks the link to the next one",
          "[node][audit]") {
  AuditedStore audited(10);
  audited.Tamper([](lmdb::Txn& txn, lmdb::Table table) {
    REQUIRE(txn.Put(table, SeqKey(4), Forged(txn, table, 4, "LON-20261122-9999", true)).ok());
  });
  AuditVerdict verdict = audited.Verify();
  CHECK(verdict.broken_at == 5);
  CHECK_THAT(verdict.reason, Catch::Contains("does not follow entry 4"));
}

TEST_CASE("an audit entry removed from the middle or cut off the end is named",
          "[node][audit]") {
  SECTION("from the middle") {
    AuditedStore audited(10);
    audited.Tamper([](lmdb::Txn& txn, lmdb::Table table) {
      REQUIRE(txn.Delete(table, SeqKey(6)).ok());
    });
    AuditVerdict verdict = audited.Verify();
    CHECK(verdict.broken_at == 6);
    CHECK_THAT(verdict.reason, Catch::Contains("missing"));
  }
  SECTION("off the end") {
    AuditedStore audited(10);
    audited.Tamper([](lmdb::Txn& txn, lmdb::Table table) {
      REQUIRE(txn.Delete(table, SeqKey(9)).ok());
      REQUIRE(txn.Delete(table, SeqKey(10)).ok());
    });
    AuditVerdict verdict = audited.Verify();
    CHECK(verdict.broken_at == 9);
    CHECK(verdict.entries == 8);
    CHECK_THAT(verdict.reason, Catch::Contains("cut short"));
  }
  SECTION("all of it") {
    AuditedStore audited(3);
    audited.Tamper([](lmdb::Txn& txn, lmdb::Table table) {
      for (uint64_t seq = 1; seq <= 3; ++seq) REQUIRE(txn.Delete(table, SeqKey(seq)).ok());
    });
    CHECK(audited.Verify().broken_at == 1);
  }
}

}  // namespace
}  // namespace crm
