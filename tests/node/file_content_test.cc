// Files' content as replicated records (node/store/file_content.h): what a
// hub takes from below and what every node checks before storing bytes.
#include "node/store/file_content.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "node/common/crypto.h"
#include "node/store/admission.h"
#include "node/store/blobs.h"
#include "node/store/replica.h"
#include "node/store/runtime.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using testing::TempDir;

constexpr int64_t kNow = 1'700'000'000'000;

struct Node {
  TempDir dir;
  StoreRuntime runtime;
  std::unique_ptr<StoreReplica> replica;

  Node() {
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

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random() & 0xFF);
  return bytes;
}

// The content `bytes` claiming the SHA-256 `sha`, as office `origin` sends it.
std::unique_ptr<capnp::MallocMessageBuilder> Content(const std::string& sha, const std::string& bytes,
                                                     const Id& origin, uint64_t seq, int64_t at) {
  auto message = FileContentEvent(sha, bytes, Stamp{at, 0, origin}, Id{});
  auto change = message->getRoot<schema::Change>();
  IdToWire(origin, change.initOrigin());
  change.setOriginSeq(seq);
  return message;
}

Result<ApplyReport> Push(Node& hub, DownstreamAdmission* admission,
                         const capnp::MallocMessageBuilder& change, const Id& from) {
  std::vector<schema::Change::Reader> changes = {
      const_cast<capnp::MallocMessageBuilder&>(change).getRoot<schema::Change>().asReader()};
  Replica::Admit admit;
  if (admission != nullptr) admit = [admission](schema::Change::Reader c) { return admission->Admit(c); };
  return hub.replica->Apply(changes, {from}, {}, Replica::Order::kContiguous, admit);
}

TEST_CASE("a hub refuses file content whose bytes are not the SHA-256 they claim, and keeps none of them",
          "[node][files]") {
  Node hub;
  ManualClock wall(kNow);
  DownstreamAdmission admission(*hub.runtime.store, wall, 60'000);
  const Id office{0x0F, 1};
  const std::string real = RandomBytes(300'000, 1);
  std::string forged = real;
  forged[1234] ^= 0x01;  // one bit: the bytes of another file under this one's hash
  auto change = Content(Sha256Hex(real), forged, office, 1, kNow);

  auto report = Push(hub, &admission, *change, office);
  REQUIRE(report.ok());
  CHECK(report->applied == 0);
  REQUIRE(report->rejected.size() == 1);
  CHECK_THAT(report->rejected[0].reason, Catch::Contains("is not the file it claims to be"));
  CHECK_THAT(report->rejected[0].reason, Catch::Contains(Sha256Hex(forged)));
  // Delivered as far as the protocol goes: the office's next change follows.
  CHECK(report->have.at(office) == 1);

  StoreView view = hub.View();
  auto read = ReadFileContent(view, Sha256Hex(real));
  CHECK(read.status().code() == StatusCode::kNotFound);
  // The quarantine keeps what the change claimed, not the refused bytes.
  auto quarantined = view.Quarantined(10);
  REQUIRE(quarantined.ok());
  REQUIRE(quarantined->size() == 1);
  auto kept = (*quarantined)[0].change.Root<schema::Change>().getEvent().getAs<schema::FileBytes>();
  CHECK(std::string(kept.getSha256().cStr()) == Sha256Hex(real));
  CHECK(kept.getContent().size() == 0);
  // No log entry carries them either (a held-back copy goes up without them).
  auto log = view.ReadLog(1, 10);
  REQUIRE(log.ok());
  for (const LogEntry& entry : *log) {
    CHECK(entry.change().getEvent().getAs<schema::FileBytes>().getContent().size() == 0);
  }

  // An office's node checks the same on what it pulls.
  Node office_node;
  auto pulled = office_node.replica->Apply({change->getRoot<schema::Change>().asReader()}, {office},
                                           {}, Replica::Order::kFollowUpstream, {});
  REQUIRE(pulled.ok());
  CHECK(pulled->rejected.size() == 1);
  CHECK(ReadFileContent(office_node.View(), Sha256Hex(real)).status().code() == StatusCode::kNotFound);
}

TEST_CASE("a hub refuses file content over its --max-file-bytes, saying so", "[node][files]") {
  Node hub;
  ManualClock wall(kNow);
  DownstreamAdmission admission(*hub.runtime.store, wall, 60'000, 1u << 20);
  const Id office{0x0F, 1};
  const std::string big = RandomBytes((1u << 20) + 1, 2);
  auto too_big = Content(Sha256Hex(big), big, office, 1, kNow);
  auto report = Push(hub, &admission, *too_big, office);
  REQUIRE(report.ok());
  REQUIRE(report->rejected.size() == 1);
  CHECK_THAT(report->rejected[0].reason,
             Catch::Contains("has 1048577 bytes; this hub takes files of at most 1048576 bytes "
                             "(--max-file-bytes)"));
  CHECK(ReadFileContent(hub.View(), Sha256Hex(big)).status().code() == StatusCode::kNotFound);

  // At the limit it is taken, and reads back whole.
  const std::string fits = RandomBytes(1u << 20, 3);
  auto ok = Content(Sha256Hex(fits), fits, office, 2, kNow);
  report = Push(hub, &admission, *ok, office);
  REQUIRE(report.ok());
  CHECK(report->rejected.empty());
  auto read = ReadFileContent(hub.View(), Sha256Hex(fits));
  REQUIRE(read.ok());
  CHECK(*read == fits);
}

TEST_CASE("a hub refuses an erased copy of file content it holds live: no office blanks a file by its hash",
          "[node][files]") {
  Node hub;
  ManualClock wall(kNow);
  DownstreamAdmission admission(*hub.runtime.store, wall, 60'000, 1u << 20);
  const Id lon{0x0F, 1};
  const Id msk{0x0F, 2};
  const std::string bytes = RandomBytes(4096, 7);
  const std::string sha = Sha256Hex(bytes);
  auto content = Content(sha, bytes, lon, 1, kNow);
  auto report = Push(hub, &admission, *content, lon);
  REQUIRE(report.ok());
  REQUIRE(report->rejected.empty());
  // MSK sends the erased copy an erase leaves in a log (no bytes, no hash),
  // under that content's id, with no client of its erased.
  auto erased = Content(sha, bytes, msk, 1, kNow + 1);
  erased->getRoot<schema::Change>().getEvent().initAs<schema::FileBytes>();
  report = Push(hub, &admission, *erased, msk);
  REQUIRE(report.ok());
  REQUIRE(report->rejected.size() == 1);
  CHECK_THAT(report->rejected[0].reason, Catch::Contains("live here"));
  auto read = ReadFileContent(hub.View(), sha);
  REQUIRE(read.ok());
  CHECK(*read == bytes);
  // An erased copy of content the hub never held is taken: nothing to erase.
  const std::string other = RandomBytes(4096, 8);
  auto unknown = Content(Sha256Hex(other), other, msk, 2, kNow + 2);
  unknown->getRoot<schema::Change>().getEvent().initAs<schema::FileBytes>();
  report = Push(hub, &admission, *unknown, msk);
  REQUIRE(report.ok());
  CHECK(report->rejected.empty());
}

TEST_CASE("the same bytes attached at two offices are one record, whichever copy comes first",
          "[node][files]") {
  const Id lon{0x0A, 1};
  const Id msk{0x0B, 2};
  const std::string bytes = RandomBytes(200'000, 4);
  const std::string sha = Sha256Hex(bytes);
  auto from_lon = Content(sha, bytes, lon, 1, kNow + 5);
  auto from_msk = Content(sha, bytes, msk, 1, kNow);
  auto apply = [](Node& node, const capnp::MallocMessageBuilder& change, const Id& from) {
    auto report = Push(node, nullptr, change, from);
    REQUIRE(report.ok());
    CHECK(report->rejected.empty());
  };
  Node first;   // LON's copy, then MSK's
  Node second;  // MSK's, then LON's
  apply(first, *from_lon, lon);
  apply(first, *from_msk, msk);
  apply(second, *from_msk, msk);
  apply(second, *from_lon, lon);
  apply(second, *from_lon, lon);  // again: a duplicate

  auto a = StateDigest(*first.runtime.store);
  auto b = StateDigest(*second.runtime.store);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  for (Node* node : {&first, &second}) {
    StoreView view = node->View();
    auto read = ReadFileContent(view, sha);
    REQUIRE(read.ok());
    CHECK(*read == bytes);
    // Each copy is part of its origin's history: both are logged (a regional
    // hub pushes both up, and no origin shows a gap).
    CHECK(*view.LastSeq() == 2);
    CHECK(*view.OriginSeqOf(lon) == 1);
    CHECK(*view.OriginSeqOf(msk) == 1);
  }
}

TEST_CASE("a slice of the log or a snapshot page stops at 4 MiB, and a larger change comes alone",
          "[node][files]") {
  Node node;
  const Id office{0x0F, 1};
  for (uint64_t i = 1; i <= 3; ++i) {
    const std::string bytes = RandomBytes(3u << 20, static_cast<uint32_t>(10 + i));
    auto change = Content(Sha256Hex(bytes), bytes, office, i, kNow + static_cast<int64_t>(i));
    REQUIRE(Push(node, nullptr, *change, office).ok());
  }
  const std::string huge = RandomBytes(10u << 20, 20);
  auto change = Content(Sha256Hex(huge), huge, office, 4, kNow + 4);
  REQUIRE(Push(node, nullptr, *change, office).ok());

  auto slice = node.replica->ReadLogFor(Id{0x0E, 9}, 0, 2000, Replica::Toward::kDownstream);
  REQUIRE(slice.ok());
  CHECK(slice->entries.size() == 2);  // 3 MiB, then 3 more reach the bound
  CHECK(slice->through == 2);
  slice = node.replica->ReadLogFor(Id{0x0E, 9}, 2, 2000, Replica::Toward::kDownstream);
  REQUIRE(slice.ok());
  CHECK(slice->entries.size() == 2);
  CHECK(slice->through == 4);

  // Pages go by record key (not by size): every page stops once 4 MiB are
  // read, and the four records take more than one.
  size_t pages = 0;
  size_t records = 0;
  std::string after;
  for (bool done = false; !done; ++pages) {
    auto page = node.replica->ReadSnapshot(after, 1000);
    REQUIRE(page.ok());
    CHECK(page->records.size() <= 2);
    records += page->records.size();
    after = page->last_key;
    done = page->done;
  }
  CHECK(records == 4);
  CHECK(pages >= 2);
}

TEST_CASE("files a store from before kept only in its blobs table are published once, and read "
          "meanwhile",
          "[node][files]") {
  Node node;
  const std::string old_file = RandomBytes(100'000, 40);
  const std::string sha = Sha256Hex(old_file);
  REQUIRE(node.runtime.writer->Run([&](StoreTxn& txn) { return txn.blobs().Put(sha, old_file); }).ok());
  // A blob not under its own hash (damaged) is not published.
  REQUIRE(node.runtime.writer
              ->Run([&](StoreTxn& txn) { return txn.blobs().Put(std::string(64, 'a'), "damaged"); })
              .ok());
  {
    auto read = ReadFileContent(node.View(), sha);
    REQUIRE(read.ok());
    CHECK(*read == old_file);
  }
  // Not while a restored store awaits its own history: its changes would
  // reuse origin seqs the hub holds.
  size_t published = 9;
  REQUIRE(node.runtime.writer->Run([&](StoreTxn& txn) { return txn.SetAwaitingOwnHistory(true); }).ok());
  REQUIRE(node.runtime.writer
              ->Run([&](StoreTxn& txn) -> Status {
                CRM_ASSIGN_OR_RETURN(published, PublishLegacyBlobs(txn, *node.runtime.hlc, 8));
                return Status::Ok();
              })
              .ok());
  CHECK(published == 0);
  REQUIRE(node.runtime.writer->Run([&](StoreTxn& txn) { return txn.SetAwaitingOwnHistory(false); }).ok());
  for (int round = 0; round < 2; ++round) {
    REQUIRE(node.runtime.writer
                ->Run([&](StoreTxn& txn) -> Status {
                  CRM_ASSIGN_OR_RETURN(published, PublishLegacyBlobs(txn, *node.runtime.hlc, 8));
                  return Status::Ok();
                })
                .ok());
    CHECK(published == (round == 0 ? 1u : 0u));
  }
  StoreView view = node.View();
  CHECK(view.blobs().Get(sha).status().code() == StatusCode::kNotFound);  // kept once
  auto record = view.Get(EntityKind::FILE_CONTENT, FileContentId(sha));
  REQUIRE(record.ok());
  auto read = ReadFileContent(view, sha);
  REQUIRE(read.ok());
  CHECK(*read == old_file);
  // A change of this node's own, for its uplink to push.
  CHECK(*view.LocalChangeCount() == 1);
  CHECK(view.blobs().Get(std::string(64, 'a')).ok());
}

}  // namespace
}  // namespace crm

namespace crm {
namespace {

// How long a till's write waits behind a pulled 10 MiB file (run by hand:
// node_tests "[.files-latency]"); docs/replication.md, "Files", quotes it.
TEST_CASE("a till's write waits behind a pulled 10 MiB file", "[.files-latency]") {
  Node node;
  const Id hub{0x0E, 1};
  const std::string bytes = RandomBytes(10u << 20, 30);
  auto change = Content(Sha256Hex(bytes), bytes, Id{0x0F, 1}, 1, kNow);
  std::vector<schema::Change::Reader> changes = {change->getRoot<schema::Change>().asReader()};
  const auto start = std::chrono::steady_clock::now();
  std::thread pull([&] {
    auto report = node.replica->Apply(changes, {hub}, {}, Replica::Order::kFollowUpstream, {});
    REQUIRE(report.ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto submitted = std::chrono::steady_clock::now();
  REQUIRE(node.runtime.writer->Run([](StoreTxn& txn) { return txn.SetCursor("till", 1); }).ok());
  const auto written = std::chrono::steady_clock::now();
  pull.join();
  const auto pulled = std::chrono::steady_clock::now();
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  WARN("10 MiB pull applied in " << ms(start, pulled) << " ms; a till write submitted 5 ms in "
                                 << "waited " << ms(submitted, written) << " ms");
}

}  // namespace
}  // namespace crm
