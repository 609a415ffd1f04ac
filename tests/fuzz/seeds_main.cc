// Writes the seed corpus of the fuzz targets: well-formed inputs of every
// kind each target reads, so fuzzing starts from deep inside the decoders.
// Usage: crm-fuzz-seeds DIR (writes DIR/<target>/<name>).
#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/schema.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "node/common/crypto.h"
#include "schema/audit.capnp.h"
#include "schema/frontdesk.capnp.h"
#include "schema/sync.capnp.h"
#include "sync/base/codec.h"
#include "sync/base/wire.h"
#include "sync/merge.h"
#include "sync/sync_message.h"
#include "tests/support/clients.h"

namespace crm {
namespace {

std::filesystem::path root;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(root / target);
  std::ofstream out(root / target / name, std::ios::binary);
  out << bytes;
}

const Id kOffice{0x0FF1CE, 1};
const Id kHub{0x4B, 2};

ChangeMessage Client(uint64_t seq, const std::string& first, const std::string& phone) {
  ChangeMessage change = testing::NewClientChange(
      Id{1'700'000'000'000ull << 16 | seq, seq}, Stamp{1'700'000'000'000 + static_cast<int64_t>(seq), 0, kOffice},
      {first, "Petrova", {phone}, {first + "@example.com"}, "CARD-" + std::to_string(seq)});
  IdToWire(kOffice, change.change().initOrigin());
  change.change().setOriginSeq(seq);
  return change;
}

void SyncSeeds() {
  {
    capnp::MallocMessageBuilder m;
    auto hello = m.initRoot<schema::SyncMessage>().initHello();
    IdToWire(kOffice, hello.initNode());
    IdToWire(Id{7, 7}, hello.initInstance());
    hello.setProtocolVersion(schema::SYNC_PROTOCOL_VERSION);
    hello.setSchemaVersion(schema::SYNC_SCHEMA_VERSION);
    Write("sync_message", "hello", EncodeSyncMessage(m));
  }
  {
    capnp::MallocMessageBuilder m;
    auto welcome = m.initRoot<schema::SyncMessage>().initWelcome();
    IdToWire(kHub, welcome.initHub());
    IdToWire(Id{8, 8}, welcome.initInstance());
    auto have = welcome.initHave(1);
    IdToWire(kOffice, have[0].initOrigin());
    have[0].setSeq(1);
    welcome.setLogSeq(3);
    welcome.setOldestSeq(1);
    Write("sync_message", "welcome", EncodeSyncMessage(m));
  }
  for (unsigned n : {2u, 60u}) {  // 60 changes: large enough to travel compressed
    capnp::MallocMessageBuilder m;
    auto push = m.initRoot<schema::SyncMessage>().initPush();
    push.setBatch(1);
    auto changes = push.initChanges(n);
    for (unsigned i = 0; i < n; ++i) {
      ChangeMessage change = Client(i + 1, i % 2 ? "Anna" : "Иван", "+4474000000" + std::to_string(10 + i % 5));
      changes.setWithCaveats(i, change.change().asReader());
    }
    Write("sync_message", "push-" + std::to_string(n), EncodeSyncMessage(m));
    capnp::MallocMessageBuilder e;
    auto entries = e.initRoot<schema::SyncMessage>().initEntries();
    entries.setChanges(changes.asReader());
    entries.setThrough(n);
    entries.setLogSeq(n);
    entries.setOldestSeq(1);
    Write("sync_message", "entries-" + std::to_string(n), EncodeSyncMessage(e));
  }
  {
    capnp::MallocMessageBuilder m;
    auto pull = m.initRoot<schema::SyncMessage>().initPull();
    pull.setAfter(0);
    pull.setMax(100);
    Write("sync_message", "pull", EncodeSyncMessage(m));
  }
  {
    capnp::MallocMessageBuilder m;
    m.initRoot<schema::SyncMessage>().initNotify().setLogSeq(5);
    Write("sync_message", "notify", EncodeSyncMessage(m));
  }
}

void Request(const std::string& name, const std::function<void(schema::Request::Builder)>& fill,
             Id request_id = Id{}) {
  capnp::MallocMessageBuilder m;
  auto request = m.initRoot<schema::Request>();
  request.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
  if (request_id.IsNull()) request_id = Id{0xABC, static_cast<uint64_t>(name.size())};
  IdToWire(request_id, request.initRequestId());
  fill(request);
  Write("frontdesk_request", name, EncodeMessage(m));
}

void FrontDeskSeeds() {
  Request("login", [](schema::Request::Builder r) {
    auto login = r.initLogin();
    login.setLogin("admin");
    login.setPassword("fuzz-password-1");
  });
  Request("find", [](schema::Request::Builder r) {
    auto find = r.initFindClients();
    find.setQuery("+44 7400 000010");
    find.setLimit(20);
  });
  Request("save-client", [](schema::Request::Builder r) {
    auto args = r.initSaveClient();
    args.getClient().setFirstName("Anna");
    args.getClient().setLastName("Petrova");
    auto fields = args.initFields(2);
    fields.set(0, "firstName");
    fields.set(1, "lastName");
    args.initAddPhones(1).set(0, "+7 912 345 67 89");
  });
  Request("save-product", [](schema::Request::Builder r) {
    auto product = r.initSaveProduct();
    product.setSku("SKU-1");
    product.setName("Product");
    product.setPrice(255);
    product.setActive(true);
  });
  Request("sale", [](schema::Request::Builder r) {
    auto sale = r.initRecordSale();
    auto lines = sale.initLines(1);
    lines[0].setSku("SKU-1");
    lines[0].setQuantity(2);
    sale.initPayments(1)[0].setMethod(schema::PaymentMethod::CARD);
  });
  // One request id for three requests (issue 17, item 13): a sale, the same
  // sale with another quantity, and a note. Only the first is done; the
  // others are conflicts, never the sale's receipt.
  const Id reused{0xF13, 0x13};
  for (int quantity : {2, 5}) {
    Request("sale-reused-id-" + std::to_string(quantity), [quantity](schema::Request::Builder r) {
      auto sale = r.initRecordSale();
      auto lines = sale.initLines(1);
      lines[0].setSku("SKU-1");
      lines[0].setQuantity(quantity);
      sale.initPayments(1)[0].setMethod(schema::PaymentMethod::CASH);
    }, reused);
  }
  Request("note-reused-id", [](schema::Request::Builder r) {
    auto note = r.initAddNote();
    IdToWire(Id{1'700'000'000'000ull << 16 | 1, 1}, note.initClient());
    note.setText("the same request id as a sale");
  }, reused);
  // A new client whose address carries a pointer the schema does not know,
  // heading a chain of 100 structs: nested past the readers' limit (64),
  // which only copying the address into the change runs into.
  Request("save-client-nested-too-deep", [](schema::Request::Builder r) {
    auto args = r.initSaveClient();
    auto fields = args.initFields(2);
    fields.set(0, "firstName");
    fields.set(1, "address");
    auto client = args.initClient();
    client.setFirstName("Anna");
    const uint32_t address_slot = capnp::Schema::from<schema::Client>()
                                      .getFieldByName("address")
                                      .getProto()
                                      .getSlot()
                                      .getOffset();
    const uint16_t address_pointers =
        capnp::Schema::from<schema::Address>().getProto().getStruct().getPointerCount();
    capnp::AnyStruct::Builder any_client(kj::mv(client));
    auto address =
        any_client.getPointerSection()[address_slot].initAsAnyStruct(0, address_pointers + 1);
    auto next = address.getPointerSection()[address_pointers];
    for (int i = 0; i < 100; ++i) next = next.initAsAnyStruct(0, 1).getPointerSection()[0];
  });
  // Not a message: a segment table promising a segment longer than the frame.
  Write("frontdesk_request", "segment-longer-than-the-frame",
        std::string("\0\0\0\0\xff\xff\xff\x0f", 8));
}

void StoredRecordSeeds() {
  for (uint64_t seq : {1u, 2u}) {
    ChangeMessage change = Client(seq, seq == 1 ? "Anna" : "Мария", "+447400000010");
    capnp::MallocMessageBuilder m;
    auto outcome = MergeChange(change.change().asReader(), nullptr, m.initRoot<schema::StoredRecord>());
    if (!outcome.ok()) {
      std::fprintf(stderr, "merge failed: %s\n", outcome.status().ToString().c_str());
      std::exit(1);
    }
    Write("stored_record", "client-" + std::to_string(seq), EncodePackedMessage(m));
  }
}

// The first entry of an audit log as the store keeps it: its hash, then the
// packed entry (node/store/audit.h).
void AuditSeeds() {
  capnp::MallocMessageBuilder m;
  auto entry = m.initRoot<schema::AuditEntry>();
  entry.setSeq(1);
  entry.setTime(1'795'348'800'000);
  IdToWire(Id{0x5A1E, 7}, entry.initUser());
  entry.setLogin("kate");
  entry.setRole(schema::Role::CASHIER);
  entry.setAction("record a sale");
  entry.setDetail("LON-20261122-0001");
  IdToWire(Id{0x5E0, 1}, entry.initRequestId());
  auto subject = entry.initSubjects(1)[0];
  subject.setKind(EntityKind::SALE);
  IdToWire(Id{0x5A1E, 8}, subject.initId());
  std::string bytes = EncodePackedMessage(m);
  Write("audit_entry", "sale", Sha256Hex(bytes) + bytes);
}

}  // namespace
}  // namespace crm

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  crm::root = argv[1];
  crm::SyncSeeds();
  crm::FrontDeskSeeds();
  crm::StoredRecordSeeds();
  crm::AuditSeeds();
  return 0;
}
