// The hub's transport against hostile or confused peers: a real HubServer on
// loopback, and raw ZeroMQ DEALER sockets playing the offices.
#include <catch2/catch.hpp>
#include <zmq.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "node/store/admission.h"
#include "node/store/offices.h"
#include "node/store/replica.h"
#include "node/store/writer.h"
#include "schema/records.capnp.h"
#include "schema/sync.capnp.h"
#include "sync/base/compression.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"
#include "sync/sync_message.h"
#include "sync/transport.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

class HubFixture {
 public:
  // A hub as crm-hq runs it: HQ-owned data is refused from offices.
  explicit HubFixture(int64_t max_message_bytes = 64 << 20) {
    auto store = Store::Open({dir_.path(), 4u << 20, 1u << 30, false}, wall_);
    REQUIRE(store.ok());
    store_ = std::move(store).value();
    hlc_ = std::make_unique<HybridClock>(wall_, store_->node_id(), 60'000);
    writer_ = std::make_unique<Writer>(*store_);
    replica_ = std::make_unique<StoreReplica>(*store_, *writer_, *hlc_);
    hub_keys_ = *GenerateCurveKeys();
    office_keys_ = *GenerateCurveKeys();
    REQUIRE(EnrollOffice(*writer_, *hlc_, {"LON", "London", office_node_, office_keys_.public_key, ""})
                .ok());
    admission_ = std::make_unique<DownstreamAdmission>(*store_, wall_, 60'000);
    HubServerOptions options;
    options.endpoint = "tcp://127.0.0.1:*";
    options.keys = hub_keys_;
    options.max_message_bytes = max_message_bytes;
    auto server = HubServer::Start(
        *replica_, wall_, options,
        [this](const std::string& key) -> std::optional<Enrollment> {
          if (key == office_keys_.public_key) return Enrollment{"LON", "", office_node_, {}, false};
          return std::nullopt;
        },
        [this](schema::Change::Reader change) { return admission_->Admit(change); },
        [this](const std::string& line) {
          std::lock_guard lock(log_mutex_);
          log_ += line + "\n";
        });
    REQUIRE(server.ok());
    server_ = std::move(server).value();
  }

  // A DEALER that speaks CURVE with `keys`.
  std::unique_ptr<zmq::socket_t> Connect(const CurveKeys& keys) {
    auto socket = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
    socket->set(zmq::sockopt::curve_serverkey, hub_keys_.public_key);
    socket->set(zmq::sockopt::curve_publickey, keys.public_key);
    socket->set(zmq::sockopt::curve_secretkey, keys.secret_key);
    socket->set(zmq::sockopt::linger, 0);
    socket->set(zmq::sockopt::rcvtimeo, 1500);
    socket->connect(server_->endpoint());
    return socket;
  }

  static void Send(zmq::socket_t& socket, capnp::MessageBuilder& message) {
    std::string bytes = EncodeMessage(message);
    socket.send(zmq::buffer(bytes), zmq::send_flags::none);
  }

  // The next message, or nullopt after the receive timeout.
  static std::optional<DecodedMessage> Receive(zmq::socket_t& socket) {
    zmq::message_t message;
    if (!socket.recv(message, zmq::recv_flags::none)) return std::nullopt;
    auto decoded = DecodedMessage::Decode(
        std::string_view(static_cast<const char*>(message.data()), message.size()));
    REQUIRE(decoded.ok());
    return std::move(decoded).value();
  }

  static void Hello(zmq::socket_t& socket, const Id& node, const std::string& office = "") {
    capnp::MallocMessageBuilder message;
    auto hello = message.initRoot<schema::SyncMessage>().initHello();
    hello.setOffice(office);
    IdToWire(node, hello.initNode());
    IdToWire(Id{9, 9}, hello.initInstance());
    hello.setProtocolVersion(schema::SYNC_PROTOCOL_VERSION);
    hello.setSchemaVersion(schema::SYNC_SCHEMA_VERSION);
    Send(socket, message);
  }

  // Says hello as `node` and requires the hub's welcome.
  static void Welcomed(zmq::socket_t& socket, const Id& node) {
    Hello(socket, node);
    auto welcome = Receive(socket);
    REQUIRE(welcome);
    REQUIRE(welcome->Root<schema::SyncMessage>().isWelcome());
  }

  static void PushClient(capnp::List<schema::Change>::Builder list, unsigned i, const Id& origin,
                         uint64_t seq, const Id& client) {
    ChangeMessage change =
        ChangeMessage::Patch(EntityKind::CLIENT, client, Stamp{1'700'000'000'000, 0, origin}, Id{});
    change.record<schema::Client>().setFirstName("Someone");
    REQUIRE(change.Set("firstName").ok());
    auto built = change.change();
    IdToWire(origin, built.initOrigin());
    built.setOriginSeq(seq);
    list.setWithCaveats(i, built.asReader());
  }

  std::string Log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }

  std::mutex log_mutex_;
  std::string log_;
  testing::TempDir dir_;
  SystemClock wall_;
  zmq::context_t context_{1};
  std::unique_ptr<Store> store_;
  std::unique_ptr<HybridClock> hlc_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<StoreReplica> replica_;
  std::unique_ptr<DownstreamAdmission> admission_;
  CurveKeys hub_keys_;
  CurveKeys office_keys_;
  Id office_node_{0x4C4F4E, 1};
  std::unique_ptr<HubServer> server_;
};

TEST_CASE("an enrolled office may push only its own changes, and a forged origin is rejected",
          "[replication][transport]") {
  HubFixture f;
  auto office = f.Connect(f.office_keys_);
  HubFixture::Welcomed(*office, f.office_node_);

  Id other_office{0x4D534B, 2};
  Id honest_client{1, 1}, forged_client{2, 2};
  capnp::MallocMessageBuilder message;
  auto push = message.initRoot<schema::SyncMessage>().initPush();
  push.setBatch(1);
  auto changes = push.initChanges(2);
  HubFixture::PushClient(changes, 0, other_office, 1, forged_client);
  HubFixture::PushClient(changes, 1, f.office_node_, 1, honest_client);
  HubFixture::Send(*office, message);

  auto ack = HubFixture::Receive(*office);
  REQUIRE(ack);
  auto reply = ack->Root<schema::SyncMessage>();
  REQUIRE(reply.isPushAck());
  REQUIRE(reply.getPushAck().getRejected().size() == 1);
  CHECK(IdFromWire(reply.getPushAck().getRejected()[0].getOrigin()) == other_office);

  auto view = f.store_->Read();
  CHECK(view->Get(EntityKind::CLIENT, honest_client).ok());
  CHECK(view->Get(EntityKind::CLIENT, forged_client).status().code() == StatusCode::kNotFound);
  CHECK(*view->OriginSeqOf(other_office) == 0);  // the other office's history is untouched
  CHECK(*view->OriginSeqOf(f.office_node_) == 1);
}

TEST_CASE("an unenrolled key gets no answer at all", "[replication][transport]") {
  HubFixture f;
  CurveKeys stranger = *GenerateCurveKeys();
  auto socket = f.Connect(stranger);
  HubFixture::Hello(*socket, Id{7, 7});
  CHECK_FALSE(HubFixture::Receive(*socket));
  CHECK(f.Log().find(stranger.public_key + " is not enrolled") != std::string::npos);
}

TEST_CASE("an enrolled key claiming another node's id is not welcomed", "[replication][transport]") {
  HubFixture f;
  auto socket = f.Connect(f.office_keys_);
  HubFixture::Hello(*socket, Id{0x4D534B, 2});
  CHECK_FALSE(HubFixture::Receive(*socket));
  CHECK(f.Log().find("said hello with another node's id") != std::string::npos);
}

TEST_CASE("large batches travel compressed", "[replication][transport]") {
  HubFixture f;
  auto office = f.Connect(f.office_keys_);
  HubFixture::Welcomed(*office, f.office_node_);
  capnp::MallocMessageBuilder message;
  auto push = message.initRoot<schema::SyncMessage>().initPush();
  push.setBatch(1);
  auto changes = push.initChanges(200);
  for (unsigned i = 0; i < 200; ++i) {
    HubFixture::PushClient(changes, i, f.office_node_, i + 1, Id{100, i + 1});
  }
  std::string plain = EncodeMessage(message);
  std::string framed = EncodeSyncMessage(message);
  CHECK(framed.size() * 3 < plain.size());  // repetitive records shrink a lot
  office->send(zmq::buffer(framed), zmq::send_flags::none);
  auto ack = HubFixture::Receive(*office);
  REQUIRE(ack);
  CHECK(ack->Root<schema::SyncMessage>().isPushAck());
  CHECK(*f.store_->Read()->OriginSeqOf(f.office_node_) == 200);
}

TEST_CASE("a compressed hello must carry the enrolled node id too", "[replication][transport]") {
  HubFixture f;
  auto socket = f.Connect(f.office_keys_);
  capnp::MallocMessageBuilder hello;
  auto body = hello.initRoot<schema::SyncMessage>().initHello();
  IdToWire(Id{0x4D534B, 2}, body.initNode());
  body.setProtocolVersion(schema::SYNC_PROTOCOL_VERSION);
  body.setSchemaVersion(schema::SYNC_SCHEMA_VERSION);
  std::string inner = EncodeMessage(hello);
  std::string packed = Compress(inner);
  capnp::MallocMessageBuilder wrapper;
  wrapper.initRoot<schema::SyncMessage>().setCompressed(
      kj::arrayPtr(reinterpret_cast<const kj::byte*>(packed.data()), packed.size()));
  HubFixture::Send(*socket, wrapper);
  CHECK_FALSE(HubFixture::Receive(*socket));
}

TEST_CASE("a decompression bomb is refused", "[replication][transport]") {
  std::string huge(300u << 20, 'x');
  std::string bomb = Compress(huge);
  capnp::MallocMessageBuilder wrapper;
  wrapper.initRoot<schema::SyncMessage>().setCompressed(
      kj::arrayPtr(reinterpret_cast<const kj::byte*>(bomb.data()), bomb.size()));
  auto decoded = DecodeSyncMessage(EncodeMessage(wrapper));
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == StatusCode::kResourceExhausted);
}

TEST_CASE("garbage frames are dropped and the hub goes on serving", "[replication][transport]") {
  HubFixture f;
  auto socket = f.Connect(f.office_keys_);
  for (std::string garbage : {std::string("hello"), std::string(64, '\xff'), std::string()}) {
    socket->send(zmq::buffer(garbage), zmq::send_flags::none);
  }
  HubFixture::Hello(*socket, f.office_node_);
  auto welcome = HubFixture::Receive(*socket);
  REQUIRE(welcome);
  CHECK(welcome->Root<schema::SyncMessage>().isWelcome());
}

TEST_CASE("a push of more changes than the hub takes is dropped unread, and the hub goes on",
          "[replication][transport]") {
  HubFixture f;
  auto office = f.Connect(f.office_keys_);
  HubFixture::Welcomed(*office, f.office_node_);
  {
    // Found by fuzz_sync_message: empty changes compress to nearly nothing,
    // so a small frame can list millions, and the hub sized its work (and
    // memory) by that count. Its limit is 10,000 per push.
    capnp::MallocMessageBuilder message;
    auto push = message.initRoot<schema::SyncMessage>().initPush();
    push.setBatch(1);
    push.initChanges(50'000);
    HubFixture::Send(*office, message);
  }
  // No ack for it; the next, honest push is acknowledged as usual.
  capnp::MallocMessageBuilder message;
  auto push = message.initRoot<schema::SyncMessage>().initPush();
  push.setBatch(2);
  HubFixture::PushClient(push.initChanges(1), 0, f.office_node_, 1, Id{1, 1});
  HubFixture::Send(*office, message);
  auto ack = HubFixture::Receive(*office);
  REQUIRE(ack);
  REQUIRE(ack->Root<schema::SyncMessage>().isPushAck());
  CHECK(ack->Root<schema::SyncMessage>().getPushAck().getBatch() == 2);
  CHECK(*f.store_->Read()->OriginSeqOf(f.office_node_) == 1);
}

TEST_CASE("a frame over the size limit cuts the sender off, and the hub goes on serving",
          "[replication][transport]") {
  HubFixture f(256 << 10);
  auto office = f.Connect(f.office_keys_);
  HubFixture::Welcomed(*office, f.office_node_);
  // ZeroMQ drops a peer whose message is over ZMQ_MAXMSGSIZE before the hub
  // holds any of it: no answer, nothing stored, not even a dropped message.
  std::string oversized(512 << 10, 'x');
  office->send(zmq::buffer(oversized), zmq::send_flags::none);
  CHECK_FALSE(HubFixture::Receive(*office));
  CHECK(*f.store_->Read()->LastSeq() == 1);  // the office's enrollment alone
  // A new connection (the office's uplink reconnects) is welcomed again; a
  // small garbage frame on it does reach the hub, and is counted.
  auto again = f.Connect(f.office_keys_);
  again->send(zmq::buffer(std::string("garbage")), zmq::send_flags::none);
  HubFixture::Welcomed(*again, f.office_node_);
  for (int i = 0; i < 50 && f.server_->DroppedMessages() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few hub ticks
  CHECK(f.server_->DroppedMessages() == 1);
}

TEST_CASE("a replayed push is acknowledged again and applied once", "[replication][transport]") {
  HubFixture f;
  auto office = f.Connect(f.office_keys_);
  HubFixture::Welcomed(*office, f.office_node_);
  capnp::MallocMessageBuilder message;
  auto push = message.initRoot<schema::SyncMessage>().initPush();
  push.setBatch(1);
  auto changes = push.initChanges(2);
  HubFixture::PushClient(changes, 0, f.office_node_, 1, Id{1, 1});
  HubFixture::PushClient(changes, 1, f.office_node_, 2, Id{2, 2});
  for (int replay = 0; replay < 3; ++replay) {
    HubFixture::Send(*office, message);
    auto ack = HubFixture::Receive(*office);
    while (ack && ack->Root<schema::SyncMessage>().isNotify()) ack = HubFixture::Receive(*office);
    REQUIRE(ack);
    REQUIRE(ack->Root<schema::SyncMessage>().isPushAck());
    CHECK(ack->Root<schema::SyncMessage>().getPushAck().getRejected().size() == 0);
  }
  auto view = f.store_->Read();
  CHECK(*view->LastSeq() == 3);  // the enrollment and two log entries, not six
  CHECK(*view->OriginSeqOf(f.office_node_) == 2);
}

TEST_CASE("an office writing HQ-owned data is refused, logged and quarantined, the rest applied",
          "[replication][transport]") {
  HubFixture f;
  auto office = f.Connect(f.office_keys_);
  HubFixture::Welcomed(*office, f.office_node_);
  capnp::MallocMessageBuilder message;
  auto push = message.initRoot<schema::SyncMessage>().initPush();
  push.setBatch(1);
  auto changes = push.initChanges(2);
  Id product{7, 7};
  ChangeMessage price = ChangeMessage::Patch(EntityKind::PRODUCT, product,
                                             Stamp{1'700'000'000'000, 0, f.office_node_}, Id{});
  price.record<schema::Product>().setPrice(1);  // a product sold for a penny
  REQUIRE(price.Set("price").ok());
  IdToWire(f.office_node_, price.change().initOrigin());
  price.change().setOriginSeq(1);
  changes.setWithCaveats(0, price.change().asReader());
  HubFixture::PushClient(changes, 1, f.office_node_, 2, Id{1, 1});
  HubFixture::Send(*office, message);

  auto ack = HubFixture::Receive(*office);
  REQUIRE(ack);
  auto rejected = ack->Root<schema::SyncMessage>().getPushAck().getRejected();
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].getOriginSeq() == 1);
  auto view = f.store_->Read();
  CHECK(view->Get(EntityKind::PRODUCT, product).status().code() == StatusCode::kNotFound);
  CHECK(view->Get(EntityKind::CLIENT, Id{1, 1}).ok());
  CHECK(*view->OriginSeqOf(f.office_node_) == 2);  // counted as delivered: not sent again
  CHECK_THAT(f.Log(), Catch::Contains("rejected a change of origin"));
}

// A change of `kind` from the office, made at `physical` ms.
ChangeMessage OfficeChange(HubFixture& f, uint64_t seq, int64_t physical) {
  ChangeMessage change = ChangeMessage::Patch(EntityKind::CLIENT, Id{seq, 5},
                                              Stamp{physical, 0, f.office_node_}, Id{});
  change.record<schema::Client>().setFirstName("Someone");
  REQUIRE(change.Set("firstName").ok());
  IdToWire(f.office_node_, change.change().initOrigin());
  change.change().setOriginSeq(seq);
  return change;
}

// The push ack's rejections after pushing `changes`.
std::vector<std::pair<uint64_t, std::string>> PushAndRejections(
    HubFixture& f, zmq::socket_t& office, std::vector<ChangeMessage>& changes) {
  capnp::MallocMessageBuilder message;
  auto push = message.initRoot<schema::SyncMessage>().initPush();
  push.setBatch(1);
  auto list = push.initChanges(static_cast<unsigned>(changes.size()));
  for (unsigned i = 0; i < changes.size(); ++i) list.setWithCaveats(i, changes[i].change().asReader());
  HubFixture::Send(office, message);
  auto ack = HubFixture::Receive(office);
  while (ack && ack->Root<schema::SyncMessage>().isNotify()) ack = HubFixture::Receive(office);
  REQUIRE(ack);
  REQUIRE(ack->Root<schema::SyncMessage>().isPushAck());
  std::vector<std::pair<uint64_t, std::string>> out;
  for (auto r : ack->Root<schema::SyncMessage>().getPushAck().getRejected()) {
    out.emplace_back(r.getOriginSeq(), r.getReason().cStr());
  }
  (void)f;
  return out;
}

TEST_CASE("a change stamped further ahead of the hub's clock than the skew bound is refused and quarantined",
          "[replication][transport][clock]") {
  HubFixture f;
  auto office = f.Connect(f.office_keys_);
  HubFixture::Welcomed(*office, f.office_node_);
  const int64_t now = SystemClock().NowMillis();
  const int64_t thirty_years = int64_t{30} * 365 * 86'400'000 + 86'400'000;  // and a day
  std::vector<ChangeMessage> changes;
  changes.push_back(OfficeChange(f, 1, now));
  changes.push_back(OfficeChange(f, 2, now + thirty_years));
  changes.push_back(OfficeChange(f, 3, now + 30'000));  // within the bound
  auto rejected = PushAndRejections(f, *office, changes);
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].first == 2);
  CHECK_THAT(rejected[0].second, Catch::Contains("30 years ahead of this hub's clock"));
  CHECK_THAT(rejected[0].second, Catch::Contains("crm-admin clock repair"));
  auto view = f.store_->Read();
  CHECK(view->Get(EntityKind::CLIENT, Id{1, 5}).ok());
  CHECK(view->Get(EntityKind::CLIENT, Id{2, 5}).status().code() == StatusCode::kNotFound);
  CHECK(view->Get(EntityKind::CLIENT, Id{3, 5}).ok());
  auto quarantined = view->Quarantined(10);
  REQUIRE(quarantined.ok());
  REQUIRE(quarantined->size() == 1);
  CHECK_THAT(quarantined->at(0).reason, Catch::Contains("ahead of this hub's clock"));
  // The hub's own clock did not move into the future.
  CHECK(f.hlc_->Now().physical < now + 60'000);
}

TEST_CASE("an office's code is bound to its key: a hello or a record naming another office is refused",
          "[replication][transport]") {
  HubFixture f;
  {
    auto impostor = f.Connect(f.office_keys_);
    HubFixture::Hello(*impostor, f.office_node_, "MSK");
    auto answer = HubFixture::Receive(*impostor);
    REQUIRE(answer);
    auto message = answer->Root<schema::SyncMessage>();
    REQUIRE(message.isRefused());
    CHECK(message.getRefused().getFinal());
    CHECK_THAT(std::string(message.getRefused().getReason().cStr()),
               Catch::Contains("enrolled as office LON, but it serves as MSK"));
    CHECK_THAT(f.Log(), Catch::Contains("refused a node serving as MSK with the key of office LON"));
  }
  auto office = f.Connect(f.office_keys_);
  HubFixture::Hello(*office, f.office_node_, "LON");
  auto welcome = HubFixture::Receive(*office);
  REQUIRE(welcome);
  REQUIRE(welcome->Root<schema::SyncMessage>().isWelcome());

  // A sale the LON node numbered as MSK's: refused; LON's own goes in.
  const int64_t now = SystemClock().NowMillis();
  auto sale = [&](uint64_t seq, const std::string& office_code) {
    ChangeMessage change = ChangeMessage::Event(EntityKind::SALE, Id{seq, 9},
                                                Stamp{now, 0, f.office_node_}, Id{});
    auto record = change.record<schema::Sale>();
    record.setOffice(office_code);
    record.setReceiptNo(office_code + "-20261122-0003");
    record.setCurrency("GBP");
    record.setTime(now);
    IdToWire(f.office_node_, change.change().initOrigin());
    change.change().setOriginSeq(seq);
    return change;
  };
  std::vector<ChangeMessage> changes;
  changes.push_back(sale(1, "MSK"));
  changes.push_back(sale(2, "LON"));
  auto rejected = PushAndRejections(f, *office, changes);
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].first == 1);
  CHECK_THAT(rejected[0].second, Catch::Contains("office is 'MSK'"));
  CHECK_THAT(rejected[0].second, Catch::Contains("is enrolled as office LON"));
  auto view = f.store_->Read();
  CHECK(view->Get(EntityKind::SALE, Id{1, 9}).status().code() == StatusCode::kNotFound);
  CHECK(view->Get(EntityKind::SALE, Id{2, 9}).ok());
}

// A change to user `id` from the office LON: the fields `set` of `user`.
ChangeMessage OfficeUserChange(HubFixture& f, uint64_t seq, const Id& id,
                               const std::function<void(schema::User::Builder)>& fill,
                               std::initializer_list<const char*> set) {
  // Stamped in the order made (a later seq, a later stamp).
  const int64_t now = SystemClock().NowMillis();
  ChangeMessage change = ChangeMessage::Patch(EntityKind::USER, id,
                                              Stamp{now, static_cast<uint32_t>(seq), f.office_node_}, Id{});
  fill(change.record<schema::User>());
  for (const char* field : set) REQUIRE(change.Set(field).ok());
  IdToWire(f.office_node_, change.change().initOrigin());
  change.change().setOriginSeq(seq);
  return change;
}

TEST_CASE("a hub admits an office's own users and refuses any other user change from it",
          "[replication][transport][users]") {
  HubFixture f;
  // Users the hub holds: headquarters' anna, and MSK's ivan.
  const Id anna{0xA, 1};
  const Id ivan{0xB, 1};
  for (auto [id, office] : {std::pair{anna, "HQ"}, std::pair{ivan, "MSK"}}) {
    ChangeMessage made = ChangeMessage::Patch(EntityKind::USER, id, f.hlc_->Now(), Id{});
    made.record<schema::User>().setLogin("someone");
    made.record<schema::User>().setOffice(office);
    made.record<schema::User>().setRole(schema::Role::HQ_MANAGER);
    made.record<schema::User>().setActive(true);
    REQUIRE(made.Set("active").ok());
    REQUIRE(made.Set("login").ok());
    REQUIRE(made.Set("office").ok());
    REQUIRE(made.Set("role").ok());
    REQUIRE(f.writer_->Run([&](StoreTxn& txn) { return txn.ApplyLocal(made.change()).status(); }).ok());
  }
  auto office = f.Connect(f.office_keys_);
  HubFixture::Welcomed(*office, f.office_node_);
  const Id kate{0xC, 1};
  const Id boss{0xD, 1};
  std::vector<ChangeMessage> changes;
  // 1: LON makes its kate; 2: then makes her a manager (no office set: the
  // stored one counts).
  changes.push_back(OfficeUserChange(f, 1, kate, [](schema::User::Builder u) {
    u.setLogin("kate");
    u.setOffice("LON");
    u.setRole(schema::Role::CASHIER);
    u.setActive(true);
  }, {"login", "office", "role", "active"}));
  changes.push_back(OfficeUserChange(f, 2, kate, [](schema::User::Builder u) {
    u.setRole(schema::Role::OFFICE_MANAGER);
  }, {"role"}));
  // 3: deactivates headquarters' anna without naming an office; 4: takes
  // MSK's ivan over by setting office LON; 5: a user of office HQ; 6: makes
  // kate an HQ manager; 7: a user with no office at all.
  changes.push_back(OfficeUserChange(f, 3, anna, [](schema::User::Builder u) { u.setActive(false); },
                                     {"active"}));
  changes.push_back(OfficeUserChange(f, 4, ivan, [](schema::User::Builder u) {
    u.setOffice("LON");
    u.setPasswordHash("$argon2id$mine");
  }, {"office", "passwordHash"}));
  changes.push_back(OfficeUserChange(f, 5, boss, [](schema::User::Builder u) {
    u.setLogin("boss");
    u.setOffice("HQ");
    u.setRole(schema::Role::ADMIN);
  }, {"login", "office", "role"}));
  changes.push_back(OfficeUserChange(f, 6, kate, [](schema::User::Builder u) {
    u.setRole(schema::Role::HQ_MANAGER);
  }, {"role"}));
  changes.push_back(OfficeUserChange(f, 7, Id{0xE, 1}, [](schema::User::Builder u) {
    u.setLogin("ghost");
  }, {"login"}));
  auto rejected = PushAndRejections(f, *office, changes);
  std::map<uint64_t, std::string> why(rejected.begin(), rejected.end());
  CHECK(why.count(1) == 0);
  CHECK(why.count(2) == 0);
  CHECK_THAT(why[3], Catch::Contains("belongs to headquarters; office LON may write only its own users"));
  CHECK_THAT(why[4], Catch::Contains("belongs to office MSK"));
  CHECK_THAT(why[5], Catch::Contains("office is 'HQ'"));
  CHECK_THAT(why[6], Catch::Contains("an HQ manager is a user of headquarters"));
  CHECK_THAT(why[7], Catch::Contains("does not say its office"));
  CHECK(rejected.size() == 5);

  auto view = f.store_->Read();
  REQUIRE(view.ok());
  auto stored_kate = view->Get(EntityKind::USER, kate);
  REQUIRE(stored_kate.ok());
  CHECK(stored_kate->value<schema::User>().getRole() == schema::Role::OFFICE_MANAGER);
  CHECK(*view->FindByKey(EntityKind::USER, UserKey("LON", "kate")) == kate);
  CHECK(view->Get(EntityKind::USER, anna)->value<schema::User>().getActive());
  CHECK(std::string(view->Get(EntityKind::USER, ivan)->value<schema::User>().getOffice().cStr()) == "MSK");
  CHECK(view->Get(EntityKind::USER, boss).status().code() == StatusCode::kNotFound);
}

TEST_CASE("a change committed at an office goes up at once: the writer's commit wakes the uplink",
          "[replication][transport]") {
  HubFixture f;
  testing::TempDir office_dir;
  StoreOptions store_options{office_dir.path(), 4u << 20, 1u << 30, false};
  store_options.new_node_id = f.office_node_;
  auto store = Store::Open(store_options, f.wall_);
  REQUIRE(store.ok());
  HybridClock hlc(f.wall_, f.office_node_, 60'000);
  Writer writer(**store);
  StoreReplica replica(**store, writer, hlc);
  UplinkClientOptions options;
  options.hub_endpoint = f.server_->endpoint();
  options.hub_public_key = f.hub_keys_.public_key;
  options.keys = f.office_keys_;
  options.uplink.office = "LON";
  // A tick far longer than the test: only a wake-up can push in time.
  options.tick_ms = 60'000;
  options.uplink.heartbeat_ms = 60'000;
  options.uplink.dead_after_ms = 120'000;
  auto uplink = UplinkClient::Start(replica, f.wall_, options, [](const std::string&) {});
  REQUIRE(uplink.ok());
  writer.NotifyCommits([client = uplink->get()] { client->Wake(); });
  auto until = [](const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  };
  REQUIRE(until([&] { return (*uplink)->Snapshot().uplink.connected; }));

  const Id client{0xC1, 1};
  ChangeMessage change = ChangeMessage::Patch(EntityKind::CLIENT, client, hlc.Now(), Id{});
  change.record<schema::Client>().setFirstName("Prompt");
  REQUIRE(change.Set("firstName").ok());
  REQUIRE(writer.Run([&](StoreTxn& txn) { return txn.ApplyLocal(change.change()).status(); }).ok());
  const auto committed = std::chrono::steady_clock::now();
  CHECK(until([&] { return f.store_->Read()->Get(EntityKind::CLIENT, client).ok(); }));
  CHECK(std::chrono::steady_clock::now() - committed < std::chrono::seconds(5));
  writer.NotifyCommits(nullptr);
  // Stopping wakes the sync thread too, rather than waiting out its tick.
  const auto stopping = std::chrono::steady_clock::now();
  (*uplink)->Stop();
  CHECK(std::chrono::steady_clock::now() - stopping < std::chrono::seconds(5));
}

TEST_CASE("key files are private and checked", "[replication][transport]") {
  testing::TempDir dir;
  auto keys = GenerateCurveKeys();
  REQUIRE(keys.ok());
  auto prefix = dir.path() / "lon";
  REQUIRE(WriteKeyFiles(prefix, *keys).ok());
  CHECK((std::filesystem::status(prefix.string() + ".key").permissions() &
         (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
        std::filesystem::perms::none);
  CHECK(ReadKeyFile(prefix.string() + ".key")->secret_key == keys->secret_key);
  CHECK(*ReadPublicKey(prefix.string() + ".pub") == keys->public_key);
  CHECK(WriteKeyFiles(prefix, *keys).code() == StatusCode::kAlreadyExists);
  std::filesystem::permissions(prefix.string() + ".key", std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  CHECK(ReadKeyFile(prefix.string() + ".key").status().code() == StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace crm
