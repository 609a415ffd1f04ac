// The front desk driven through encoded requests, as the server drives it.
#include "node/frontdesk/frontdesk.h"

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>
#include <functional>
#include <future>
#include <memory>
#include <map>
#include <string>
#include <tuple>
#include <thread>

#include "node/store/audit.h"
#include "node/store/clock_repair.h"
#include "sync/base/codec.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"
#include "tests/support/desk_parts.h"
#include "tests/support/desk_request.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using schema::Request;
using schema::Response;

constexpr int64_t kNoon = 1'795'348'800'000;  // 2026-11-22 12:00 UTC

class Desk {
 public:
  Desk() {
    OfficeConfig office;
    office.code = "LON";
    office.phone_region = "GB";
    office.currency = "GBP";
    office.time_zone = "Europe/London";
    office.max_file_bytes = 1024;
    office.password_cost = PasswordCost::Cheap();  // fast for tests; production uses 64 MiB, 3 passes
    REQUIRE(office.Validate().ok());
    parts_ = testing::OpenDesk(dir_.path(), wall_, office);
    REQUIRE(parts_.desk->BootstrapAdmin("admin", "Admin", "admin-password").ok());
    admin_ = Login("admin", "admin-password");
  }

  using Reply = testing::DeskReply;
  // The encoded request `fill` makes.
  std::string Encode(const std::string& session, const testing::FillRequest& fill,
                     Id request_id = Id{}) {
    return testing::EncodeDeskRequest(wall_, session, fill, request_id);
  }
  // Sends one request; `fill` sets the operation. Returns the decoded response.
  Reply Call(const std::string& session, const testing::FillRequest& fill, Id request_id = Id{}) {
    return testing::SendToDesk(*parts_.desk, Encode(session, fill, request_id));
  }

  // A login attempt from `address`, whatever its outcome.
  Reply TryLogin(const std::string& login, const std::string& password,
                 const std::string& address = "") {
    return testing::SendToDesk(*parts_.desk, Encode("", [&](Request::Builder r) {
      r.initLogin().setLogin(login);
      r.getLogin().setPassword(password);
    }), Caller{address});
  }

  std::string Login(const std::string& login, const std::string& password) {
    auto reply = Call("", [&](Request::Builder r) {
      r.initLogin().setLogin(login);
      r.getLogin().setPassword(password);
    });
    INFO(reply.error());
    REQUIRE(reply.ok());
    return reply.get().getSession().getToken().cStr();
  }

  std::string CreateUser(const std::string& login, schema::Role role) {
    auto reply = Call(admin_, [&](Request::Builder r) {
      auto user = r.initCreateUser();
      user.setLogin(login);
      user.setRole(role);
      user.setPassword(login + "-password");
    });
    INFO(reply.error());
    REQUIRE(reply.ok());
    return Login(login, login + "-password");
  }

  void AddProduct(const std::string& sku, const std::string& name, int64_t price) {
    auto reply = Call(admin_, [&](Request::Builder r) {
      auto p = r.initSaveProduct();
      p.setSku(sku);
      p.setName(name);
      p.setPrice(price);
    });
    INFO(reply.error());
    REQUIRE(reply.ok());
  }

  Id AddClient(const std::string& session, const std::string& first, const std::string& last,
               const std::string& phone) {
    auto reply = Call(session, [&](Request::Builder r) {
      auto save = r.initSaveClient();
      save.initClient().setFirstName(first);
      save.getClient().setLastName(last);
      save.initAddPhones(1).set(0, phone);
    });
    INFO(reply.error());
    REQUIRE(reply.ok());
    return IdFromWire(reply.get().getSaved());
  }

  Reply Sale(const std::string& session, const Id& client, int quantity, int64_t paid,
             schema::PaymentMethod method = schema::PaymentMethod::CARD, Id request_id = Id{}) {
    return Call(
        session,
        [&](Request::Builder r) {
          auto sale = r.initRecordSale();
          if (!client.IsNull()) IdToWire(client, sale.initClient());
          auto line = sale.initLines(1)[0];
          line.setSku("MUG");
          line.setQuantity(quantity);
          auto payment = sale.initPayments(1)[0];
          payment.setMethod(method);
          payment.setAmount(paid);
        },
        request_id);
  }

  Reply Card(const std::string& session, const Id& client) {
    return Call(session, [&](Request::Builder r) { IdToWire(client, r.initGetClientCard()); });
  }

  // As a restarted node: the clock restored from the store's high-water
  // mark, sessions gone (the admin logs in again).
  void Restart() {
    OfficeConfig office = parts_.desk->office();
    parts_.desk.reset();
    auto view = parts_.store->Read();
    REQUIRE(view.ok());
    auto high_water = view->HlcHighWater();
    REQUIRE(high_water.ok());
    parts_.hlc = std::make_unique<HybridClock>(wall_, parts_.store->node_id(), 60'000);
    parts_.hlc->Restore(*high_water);
    parts_.desk = std::make_unique<FrontDesk>(*parts_.store, *parts_.writer, wall_, *parts_.hlc, office);
    admin_ = Login("admin", "admin-password");
  }

  // Renames a client (firstName only).
  Reply Rename(const std::string& session, const Id& client, const std::string& first) {
    return Call(session, [&](Request::Builder r) {
      auto save = r.initSaveClient();
      IdToWire(client, save.initId());
      save.initClient().setFirstName(first);
      save.initFields(1).set(0, "firstName");
    });
  }

  const std::string& admin() const { return admin_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  ManualClock& wall() { return wall_; }
  FrontDesk& desk() { return *parts_.desk; }
  Store& store() { return *parts_.store; }
  Writer& writer() { return *parts_.writer; }

 private:
  testing::TempDir dir_;
  ManualClock wall_{kNoon};
  testing::DeskParts parts_;
  std::string admin_;
};

TEST_CASE("the first admin is bootstrapped once, logins check the password",
          "[node][frontdesk][auth]") {
  Desk d;
  CHECK(d.desk().BootstrapAdmin("second", "", "another-password").code() ==
        StatusCode::kAlreadyExists);
  auto wrong = d.Call("", [](Request::Builder r) {
    r.initLogin().setLogin("admin");
    r.getLogin().setPassword("not-the-password");
  });
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.code() == schema::ErrorCode::UNAUTHENTICATED);
  auto unknown = d.Call("", [](Request::Builder r) {
    r.initLogin().setLogin("nobody");
    r.getLogin().setPassword("whatever-password");
  });
  CHECK(unknown.code() == schema::ErrorCode::UNAUTHENTICATED);
  CHECK(unknown.error() == wrong.error());  // no hint which part was wrong
}

TEST_CASE("failed logins make the next one wait longer, ten in a row lock the login until an admin lifts the lock",
          "[node][frontdesk][auth][throttle]") {
  Desk d;
  d.CreateUser("kate", schema::Role::CASHIER);
  d.CreateUser("olga", schema::Role::OFFICE_MANAGER);
  auto wrong = [&] { return d.TryLogin("kate", "guess-" + std::to_string(d.wall().NowMillis())); };
  for (int i = 0; i < 3; ++i) CHECK(wrong().code() == schema::ErrorCode::UNAUTHENTICATED);
  // The fourth attempt must wait, the right password too, and is not checked.
  auto waiting = d.TryLogin("kate", "kate-password");
  CHECK(waiting.code() == schema::ErrorCode::PERMISSION_DENIED);
  CHECK_THAT(waiting.error(), Catch::Contains("too many failed logins for 'kate' (3); try again in 1 second"));
  d.wall().Advance(1000);
  REQUIRE(d.TryLogin("kate", "kate-password").ok());  // a success starts the count again
  for (int i = 0; i < 3; ++i) CHECK(wrong().code() == schema::ErrorCode::UNAUTHENTICATED);

  // Each further failure doubles the wait: 1, 2, 4 ... 64 s; the tenth in a
  // row locks the login.
  int64_t wait = 1000;
  for (int failures = 3; failures < 9; ++failures) {
    d.wall().Advance(wait - 1);
    CHECK(wrong().code() == schema::ErrorCode::PERMISSION_DENIED);
    d.wall().Advance(1);
    CHECK(wrong().code() == schema::ErrorCode::UNAUTHENTICATED);
    wait *= 2;
  }
  d.wall().Advance(wait);
  auto locking = wrong();
  CHECK(locking.code() == schema::ErrorCode::PERMISSION_DENIED);
  CHECK_THAT(locking.error(), Catch::Contains("locked after too many failed attempts"));
  d.writer().Run([](StoreTxn&) { return Status::Ok(); }).ok();  // the lock is written soon after
  d.wall().Advance(24 * 3'600'000);  // a day later, the right password: still locked
  auto locked = d.TryLogin("kate", "kate-password");
  CHECK(locked.code() == schema::ErrorCode::PERMISSION_DENIED);
  CHECK_THAT(locked.error(), Catch::Contains("pos user unlock"));

  // Only an admin lifts the lock; then kate logs in.
  std::string olga = d.Login("olga", "olga-password");
  std::string admin = d.Login("admin", "admin-password");
  auto unlock = [&](const std::string& session) {
    return d.Call(session, [](Request::Builder r) { r.setUnlockLogin("KATE"); });
  };
  CHECK(unlock(olga).code() == schema::ErrorCode::PERMISSION_DENIED);
  REQUIRE(unlock(admin).ok());
  CHECK(unlock(admin).code() == schema::ErrorCode::NOT_FOUND);
  CHECK(d.TryLogin("kate", "kate-password").ok());

  d.writer().Run([](StoreTxn&) { return Status::Ok(); }).ok();
  auto view = d.store().Read();
  REQUIRE(view.ok());
  auto audit = ReadAuditLog(*view, 1, 1000);
  REQUIRE(audit.ok());
  std::string text;
  for (const AuditRecord& r : *audit) text += r.event.action + ": " + r.event.detail + "\n";
  CHECK_THAT(text, Catch::Contains("log in: throttled: too many failed logins for 'kate'"));
  CHECK_THAT(text, Catch::Contains("lock a login: 10 failed logins in a row"));
  CHECK_THAT(text, Catch::Contains("log in: the login is locked"));
  CHECK_THAT(text, Catch::Contains("lift a login's lock: KATE"));
}

TEST_CASE("failed logins from one address are throttled across logins, other addresses are not, and refused attempts cost no hash",
          "[node][frontdesk][auth][throttle]") {
  Desk d;
  for (int i = 0; i < 10; ++i) {
    CHECK(d.TryLogin("nobody-" + std::to_string(i), "whatever-password", "10.0.0.66").code() ==
          schema::ErrorCode::UNAUTHENTICATED);
  }
  auto from_there = d.TryLogin("admin", "admin-password", "10.0.0.66");
  CHECK(from_there.code() == schema::ErrorCode::PERMISSION_DENIED);
  CHECK_THAT(from_there.error(), Catch::Contains("from 10.0.0.66"));
  CHECK(d.TryLogin("admin", "admin-password", "10.0.0.7").ok());

  // A flood at a throttled address is answered at once, on the caller's
  // thread: no password is hashed for it and no login thread is taken.
  const auto caller = std::this_thread::get_id();
  int answered_here = 0;
  for (int i = 0; i < 200; ++i) {
    std::string bytes = d.Encode("", [&](Request::Builder r) {
      r.initLogin().setLogin("admin");
      r.getLogin().setPassword("guess-" + std::to_string(i));
    });
    d.desk().HandleAsync(bytes, [&](std::string reply) {
      auto decoded = DecodedMessage::Decode(reply);
      REQUIRE(decoded.ok());
      CHECK(decoded->Root<Response>().getError().getCode() == schema::ErrorCode::PERMISSION_DENIED);
      if (std::this_thread::get_id() == caller) ++answered_here;
    }, Caller{"10.0.0.66"});
  }
  CHECK(answered_here == 200);
}

TEST_CASE("logins beyond those that may wait for a login thread are refused at once",
          "[node][frontdesk][auth][throttle]") {
  testing::TempDir dir;
  ManualClock wall(kNoon);
  auto store = Store::Open({dir.path(), 4u << 20, 1u << 30, false}, wall);
  REQUIRE(store.ok());
  HybridClock hlc(wall, (*store)->node_id(), 60'000);
  Writer writer(**store);
  OfficeConfig office;
  office.code = "LON";
  office.password_cost = PasswordCost{2, 32u << 20};  // slow on purpose: tens of ms a login
  office.login_threads = 1;
  office.max_waiting_logins = 2;
  FrontDesk desk(**store, writer, wall, hlc, office);
  std::mutex mutex;
  std::vector<schema::ErrorCode> codes;
  std::atomic<int> answers{0};
  for (int i = 0; i < 12; ++i) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<Request>();
    request.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
    request.initLogin().setLogin("someone-" + std::to_string(i));
    request.getLogin().setPassword("whatever-password");
    desk.HandleAsync(EncodeMessage(message), [&](std::string reply) {
      auto decoded = DecodedMessage::Decode(reply);
      std::lock_guard lock(mutex);
      codes.push_back(decoded->Root<Response>().getError().getCode());
      ++answers;
    }, Caller{"10.0.0." + std::to_string(i)});
  }
  while (answers.load() < 12) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  int refused_at_once = 0;
  for (auto code : codes) refused_at_once += code == schema::ErrorCode::UNAVAILABLE;
  // One being checked, two waiting: the rest did not queue.
  CHECK(refused_at_once >= 8);
  CHECK(refused_at_once <= 10);
}

TEST_CASE("every request is checked against the caller's session and role",
          "[node][frontdesk][auth]") {
  Desk d;
  auto no_session = d.Call("", [](Request::Builder r) { r.setStatus(); });
  CHECK(no_session.code() == schema::ErrorCode::UNAUTHENTICATED);
  auto forged = d.Call("0123456789abcdef", [](Request::Builder r) { r.setStatus(); });
  CHECK(forged.code() == schema::ErrorCode::UNAUTHENTICATED);

  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  auto create_user = d.Call(cashier, [](Request::Builder r) {
    auto user = r.initCreateUser();
    user.setLogin("mallory");
    user.setPassword("mallory-password");
    user.setRole(schema::Role::ADMIN);
  });
  CHECK(create_user.code() == schema::ErrorCode::PERMISSION_DENIED);
  CHECK(create_user.error().find("a cashier may not create a user") != std::string::npos);
  auto refund = d.Call(cashier, [](Request::Builder r) { r.initRefundSale().setSale("X"); });
  CHECK(refund.code() == schema::ErrorCode::PERMISSION_DENIED);

  auto logout = d.Call(cashier, [](Request::Builder r) { r.setLogout(); });
  CHECK(logout.ok());
  CHECK(d.Call(cashier, [](Request::Builder r) { r.setStatus(); }).code() ==
        schema::ErrorCode::UNAUTHENTICATED);
}

TEST_CASE("the audit log tells who did what, refusals and failed logins included",
          "[node][frontdesk][auth][audit]") {
  Desk d;
  d.AddProduct("MUG", "Blue mug", 450);
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  Id client = d.AddClient(cashier, "Anna", "Petrova", "+44 7911 123456");
  REQUIRE(d.Sale(cashier, client, 1, 450).ok());
  CHECK(d.Call(cashier, [](Request::Builder r) { r.initRefundSale().setSale("X"); }).code() ==
        schema::ErrorCode::PERMISSION_DENIED);
  CHECK_FALSE(d.Call("", [](Request::Builder r) {
                 r.initLogin().setLogin("kate");
                 r.getLogin().setPassword("guessed-password");
               }).ok());
  // Refusals are appended by the writer after the answer: one more write
  // through it, and they are in.
  REQUIRE(d.writer().Run([](StoreTxn&) { return Status::Ok(); }).ok());

  auto view = d.store().Read();
  REQUIRE(view.ok());
  auto verdict = VerifyAudit(*view);
  REQUIRE(verdict.ok());
  CHECK(verdict->intact());
  auto records = ReadAuditLog(*view, 1, 100);
  REQUIRE(records.ok());
  std::vector<std::string> lines;
  for (const AuditRecord& r : *records) {
    lines.push_back(r.event.login + (r.event.refused ? " REFUSED " : " ") + r.event.action);
  }
  CHECK(lines == std::vector<std::string>{
                     "bootstrap create the first admin", "admin log in", "admin save a product",
                     "admin create a user", "kate log in", "kate save a client",
                     "kate record a sale", "kate REFUSED refund a sale", "kate REFUSED log in"});
  // The sale names what it wrote, with its author.
  const AuditEvent& sale = (*records)[6].event;
  CHECK(sale.role == schema::Role::CASHIER);
  CHECK_FALSE(sale.user.IsNull());
  CHECK_FALSE(sale.request_id.IsNull());
  bool names_sale = false;
  for (const auto& [kind, id] : sale.subjects) names_sale |= kind == EntityKind::SALE;
  CHECK(names_sale);
  CHECK((*records)[7].event.detail.find("it takes an office manager") != std::string::npos);
  CHECK((*records)[8].event.detail == "wrong password");

  // A login through a transport that knows the caller's address names it.
  std::string login = d.Encode("", [](Request::Builder r) {
    r.initLogin().setLogin("kate");
    r.getLogin().setPassword("guessed-again");
  });
  CHECK(DecodedMessage::Decode(d.desk().Handle(login, Caller{"192.0.2.7"}))
            ->Root<Response>()
            .isError());
  login = d.Encode("", [](Request::Builder r) {
    r.initLogin().setLogin("kate");
    r.getLogin().setPassword("kate-password");
  });
  CHECK(DecodedMessage::Decode(d.desk().Handle(login, Caller{"2001:db8::7"}))
            ->Root<Response>()
            .isSession());
  REQUIRE(d.writer().Run([](StoreTxn&) { return Status::Ok(); }).ok());
  auto later = d.store().Read();
  REQUIRE(later.ok());
  records = ReadAuditLog(*later, 10, 100);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 2);
  CHECK((*records)[0].event.detail == "wrong password, from 192.0.2.7");
  CHECK((*records)[1].event.detail == "from 2001:db8::7");
}

TEST_CASE(
    "HandleAsync answers a read at once, a write on the writer's thread once committed, "
    "a login on a thread of the desk's",
    "[node][frontdesk]") {
  Desk d;
  struct Heard {
    std::string response;
    std::thread::id thread;
    bool stored = false;  // the saved client, read from the store when the answer came
  };
  auto heard = [&d](std::shared_ptr<std::promise<Heard>> promise) {
    return [&d, promise](std::string response) {
      bool stored = false;
      auto decoded = DecodedMessage::Decode(response);
      if (decoded.ok() && decoded->Root<Response>().isSaved()) {
        auto view = d.store().Read();
        stored = view.ok() &&
                 view->Get(EntityKind::CLIENT, IdFromWire(decoded->Root<Response>().getSaved())).ok();
      }
      promise->set_value(Heard{std::move(response), std::this_thread::get_id(), stored});
    };
  };

  auto status = std::make_shared<std::promise<Heard>>();
  std::future<Heard> status_heard = status->get_future();
  d.desk().HandleAsync(d.Encode(d.admin(), [](Request::Builder r) { r.setStatus(); }), heard(status));
  REQUIRE(status_heard.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
  CHECK(status_heard.get().thread == std::this_thread::get_id());

  auto saved = std::make_shared<std::promise<Heard>>();
  std::future<Heard> saved_heard = saved->get_future();
  d.desk().HandleAsync(d.Encode(d.admin(),
                                [](Request::Builder r) {
                                  auto save = r.initSaveClient();
                                  save.initClient().setFirstName("Anna");
                                  save.initAddPhones(1).set(0, "020 7946 0958");
                                }),
                       heard(saved));
  Heard answer = saved_heard.get();
  auto decoded = DecodedMessage::Decode(answer.response);
  REQUIRE(decoded.ok());
  CHECK(decoded->Root<Response>().isSaved());
  CHECK(answer.stored);
  CHECK(answer.thread != std::this_thread::get_id());

  // A login hashes a password: one of the desk's own threads answers it.
  auto login = std::make_shared<std::promise<Heard>>();
  std::future<Heard> login_heard = login->get_future();
  d.desk().HandleAsync(d.Encode("",
                                [](Request::Builder r) {
                                  r.initLogin().setLogin("admin");
                                  r.getLogin().setPassword("admin-password");
                                }),
                       heard(login));
  Heard logged_in = login_heard.get();
  auto session = DecodedMessage::Decode(logged_in.response);
  REQUIRE(session.ok());
  CHECK(session->Root<Response>().isSession());
  CHECK(logged_in.thread != std::this_thread::get_id());
}

TEST_CASE("a node whose clock was set ahead and back refuses writes, and crm-admin clock repair brings it back",
          "[node][frontdesk][clock]") {
  Desk d;
  Id anna = d.AddClient(d.admin(), "Anna", "Smith", "020 7946 0958");
  const int64_t thirty_years = int64_t{30} * 365 * 86'400'000;
  d.wall().Set(kNoon + thirty_years);
  std::string admin = d.Login("admin", "admin-password");  // the jump ended the session
  auto ahead = d.Rename(admin, anna, "Anya");  // stamped 2056: nobody here can tell yet
  INFO(ahead.error());
  REQUIRE(ahead.ok());

  // The clock is set right: writes would still be stamped 2056 and beat
  // everyone, so they are refused, saying what to do; reads go on.
  d.wall().Set(kNoon + 60'000);
  auto refused = d.Rename(admin, anna, "Ann");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.code() == schema::ErrorCode::UNAVAILABLE);
  CHECK_THAT(refused.error(), Catch::Contains("crm-admin clock repair"));
  CHECK_THAT(refused.error(), Catch::Contains("as late as 2056-"));
  auto card = d.Card(admin, anna);
  REQUIRE(card.ok());
  CHECK(std::string(card.get().getCard().getClient().getFirstName().cStr()) == "Anya");
  auto status = d.Call(admin, [](Request::Builder r) { r.setStatus(); });
  REQUIRE(status.ok());
  CHECK_THAT(std::string(status.get().getStatus().getClockProblem().cStr()),
             Catch::Contains("crm-admin clock repair"));

  // The way out: the future stamps become stamps of now, the edit is kept
  // and logged again at that stamp, and the node writes again.
  auto repaired = RepairClock(d.store(), d.writer(), d.wall(), 60'000);
  REQUIRE(repaired.ok());
  CHECK(repaired->records == 1);
  CHECK(repaired->changes == 1);
  CHECK(repaired->high_water_after.physical <= kNoon + 60'000);
  d.Restart();
  {
    auto view = d.store().Read();
    REQUIRE(view.ok());
    auto last = view->ReadLog(*view->LastSeq(), 1);
    REQUIRE(last.ok());
    REQUIRE(last->size() == 1);
    auto change = last->front().change();
    CHECK(IdFromWire(change.getId()) == anna);
    CHECK(change.getStamp().getPhysical() <= kNoon + 60'000);
    CHECK(std::string(change.getPatch().getRecord().getAs<schema::Client>().getFirstName().cStr()) ==
          "Anya");
  }
  auto after = d.Card(d.admin(), anna);
  CHECK(std::string(after.get().getCard().getClient().getFirstName().cStr()) == "Anya");
  REQUIRE(d.Rename(d.admin(), anna, "Ann").ok());
  auto renamed = d.Card(d.admin(), anna);
  CHECK(std::string(renamed.get().getCard().getClient().getFirstName().cStr()) == "Ann");
  auto again = RepairClock(d.store(), d.writer(), d.wall(), 60'000);
  REQUIRE(again.ok());
  CHECK(again->records == 0);
}

TEST_CASE("a write that loses to a newer value held here says so instead of saved",
          "[node][frontdesk][clock]") {
  Desk d;
  Id anna = d.AddClient(d.admin(), "Anna", "Smith", "020 7946 0958");
  // Another office's edit, stamped an hour ahead of this node's clock (too
  // far for this clock to follow it), arrives from the hub.
  const Id elsewhere{0xE15E, 1};
  ChangeMessage remote =
      ChangeMessage::Patch(EntityKind::CLIENT, anna, Stamp{kNoon + 3'600'000, 0, elsewhere}, Id{});
  remote.record<schema::Client>().setFirstName("Anne");
  REQUIRE(remote.Set("firstName").ok());
  IdToWire(elsewhere, remote.change().initOrigin());
  remote.change().setOriginSeq(1);
  REQUIRE(d.writer().Run([&](StoreTxn& txn) { return txn.Apply(remote.change().asReader()).status(); }).ok());

  auto lost = d.Rename(d.admin(), anna, "Annie");
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.code() == schema::ErrorCode::CONFLICT);
  CHECK(lost.error_field() == "firstName");
  CHECK_THAT(lost.error(), Catch::Contains("not saved"));
  CHECK_THAT(lost.error(), Catch::Contains("after this node's clock"));
  auto card = d.Card(d.admin(), anna);
  CHECK(std::string(card.get().getCard().getClient().getFirstName().cStr()) == "Anne");
  // Another field is not held by that edit: saved as usual.
  auto other = d.Call(d.admin(), [&](Request::Builder r) {
    auto save = r.initSaveClient();
    IdToWire(anna, save.initId());
    save.initClient().setLastName("Smythe");
    save.initFields(1).set(0, "lastName");
  });
  CHECK(other.ok());
}

TEST_CASE("an erased client leaves no byte of their data in the store's file",
          "[node][frontdesk][erase]") {
  Desk d;
  const std::string email = "erin.erasable@example.org";
  auto added = d.Call(d.admin(), [&](Request::Builder r) {
    auto save = r.initSaveClient();
    save.initClient().setFirstName("Erinna");
    save.getClient().setLastName("Quist");
    save.initAddPhones(1).set(0, "020 7946 0999");
    save.initAddEmails(1).set(0, email);
  });
  REQUIRE(added.ok());
  Id erin = IdFromWire(added.get().getSaved());
  REQUIRE(d.Call(d.admin(), [&](Request::Builder r) {
            auto n = r.initAddNote();
            IdToWire(erin, n.initClient());
            n.setText("Erin-confides-secret-7731");
          }).ok());
  std::string content = "Erin-passport-scan-9925";
  REQUIRE(d.Call(d.admin(), [&](Request::Builder r) {
            auto f = r.initAttachFile();
            IdToWire(erin, f.initClient());
            f.setName("passport.txt");
            f.setContent(kj::arrayPtr(reinterpret_cast<const kj::byte*>(content.data()), content.size()));
          }).ok());
  // Other clients around her, so her index keys share pages with theirs.
  for (int i = 0; i < 40; ++i) {
    d.AddClient(d.admin(), "Other" + std::to_string(i), "Person", "020 7946 " + std::to_string(1000 + i));
  }
  REQUIRE(d.Call(d.admin(), [&](Request::Builder r) { IdToWire(erin, r.initEraseClient()); }).ok());
  REQUIRE(d.writer().Run([](StoreTxn&) { return Status::Ok(); }).ok());
  INFO("wipe failures " << d.writer().stats().wipe_failures);
  CHECK(d.writer().stats().pages_wiped > 0);
  std::ifstream in(d.dir() / "data.mdb", std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string& secret : {email, std::string("+442079460999"),
                                    std::string("Erin-confides-secret-7731"), content}) {
    INFO(secret);
    CHECK(file.find(secret) == std::string::npos);
  }
}

TEST_CASE("sessions expire after the idle time", "[node][frontdesk][auth]") {
  Desk d;
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  d.wall().Advance(13 * 3600 * 1000);
  CHECK(d.Call(cashier, [](Request::Builder r) { r.setStatus(); }).code() ==
        schema::ErrorCode::UNAUTHENTICATED);
}

TEST_CASE("clients are found by phone in any format, email, card and name",
          "[node][frontdesk][clients]") {
  Desk d;
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  auto saved = d.Call(cashier, [](Request::Builder r) {
    auto save = r.initSaveClient();
    auto c = save.initClient();
    c.setFirstName("Анна");
    c.setLastName("Петрова");
    c.setLoyaltyCard("LON-0001");
    save.initAddPhones(1).set(0, "+7 (912) 345-67-89");
    save.initAddEmails(1).set(0, "Anna@Example.com");
    save.initAddTags(1).set(0, "vip");
    auto attrs = save.initSetAttributes(1);
    attrs[0].setKey("car");
    attrs[0].setValue("Volvo XC60");
  });
  INFO(saved.error());
  REQUIRE(saved.ok());
  Id anna = IdFromWire(saved.get().getSaved());

  for (const char* query : {"8 912 345 67 89", "+79123456789", "anna@example.com", "LON-0001",
                            "пет", "АННА", "анна пе"}) {
    INFO(query);
    auto found = d.Call(cashier, [&](Request::Builder r) { r.initFindClients().setQuery(query); });
    REQUIRE(found.ok());
    auto clients = found.get().getClients();
    if (std::string(query) == "8 912 345 67 89") {
      CHECK(clients.size() == 0);  // a Russian trunk prefix means nothing in a GB office
      continue;
    }
    REQUIRE(clients.size() == 1);
    CHECK(IdFromWire(clients[0].getId()) == anna);
  }
  auto card = d.Card(cashier, anna);
  REQUIRE(card.ok());
  auto client = card.get().getCard().getClient();
  CHECK(std::string(client.getPhones()[0].cStr()) == "+79123456789");
  CHECK(std::string(client.getEmails()[0].cStr()) == "anna@example.com");
  CHECK(std::string(client.getAttributes()[0].getValue().cStr()) == "Volvo XC60");
  CHECK(std::string(client.getHomeOffice().cStr()) == "LON");
}

TEST_CASE("bad client input is refused naming the field, and nothing is stored",
          "[node][frontdesk][clients]") {
  Desk d;
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  struct Case {
    const char* field;
    std::function<void(schema::SaveClient::Builder)> fill;
  };
  std::vector<Case> cases = {
      {"phone", [](auto s) { s.initClient().setFirstName("A"); s.initAddPhones(1).set(0, "12345"); }},
      {"email", [](auto s) { s.initClient().setFirstName("A"); s.initAddEmails(1).set(0, "anna@"); }},
      {"birthDate", [](auto s) {
         s.initClient().setFirstName("A");
         auto date = s.getClient().initBirthDate();
         date.setYear(2001);
         date.setMonth(2);
         date.setDay(30);
       }},
      {"birthDate", [](auto s) {
         s.initClient().setFirstName("A");
         auto date = s.getClient().initBirthDate();
         date.setYear(2030);
         date.setMonth(1);
         date.setDay(1);
       }},
      {"firstName", [](auto s) { s.initClient().setFirstName(std::string(500, 'x')); }},
      {"name", [](auto s) { s.initClient(); }},
      {"nosuchfield", [](auto s) {
         s.initClient().setFirstName("A");
         s.initFields(1).set(0, "nosuchfield");
       }},
  };
  for (const Case& c : cases) {
    auto reply = d.Call(cashier, [&](Request::Builder r) { c.fill(r.initSaveClient()); });
    INFO(c.field);
    REQUIRE_FALSE(reply.ok());
    CHECK(reply.code() == schema::ErrorCode::INVALID_ARGUMENT);
    CHECK(reply.error_field() == c.field);
  }
  auto status = d.Call(cashier, [](Request::Builder r) { r.setStatus(); });
  CHECK(status.get().getStatus().getRecords() == 2);  // the two users, no client
}

TEST_CASE("a sale gets a receipt number, a retry returns it and sells nothing twice",
          "[node][frontdesk][sales]") {
  Desk d;
  d.AddProduct("MUG", "Blue mug", 450);
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  Id anna = d.AddClient(cashier, "Anna", "Smith", "020 7946 0958");

  Id request = Id::Generate(1);
  auto first = d.Sale(cashier, anna, 2, 900, schema::PaymentMethod::CARD, request);
  INFO(first.error());
  REQUIRE(first.ok());
  auto receipt = first.get().getReceipt().getSale();
  CHECK(std::string(receipt.getReceiptNo().cStr()) == "LON-20261122-0001");
  CHECK(receipt.getTotal() == 900);
  CHECK(std::string(receipt.getLines()[0].getName().cStr()) == "Blue mug");

  auto retry = d.Sale(cashier, anna, 2, 900, schema::PaymentMethod::CARD, request);
  REQUIRE(retry.ok());
  CHECK(std::string(retry.get().getReceipt().getSale().getReceiptNo().cStr()) == "LON-20261122-0001");
  CHECK(IdFromWire(retry.get().getReceipt().getId()) == IdFromWire(first.get().getReceipt().getId()));

  auto second = d.Sale(cashier, anna, 1, 450);
  REQUIRE(second.ok());
  CHECK(std::string(second.get().getReceipt().getSale().getReceiptNo().cStr()) == "LON-20261122-0002");

  auto card = d.Card(cashier, anna);
  REQUIRE(card.ok());
  CHECK(card.get().getCard().getSales().size() == 2);
  CHECK(card.get().getCard().getTotalSpent() == 1350);
  CHECK(card.get().getCard().getAverageTicket() == 675);
  CHECK(card.get().getCard().getVisitCount() == 1);

  auto by_receipt = d.Call(cashier, [](Request::Builder r) { r.setGetSale("LON-20261122-0002"); });
  REQUIRE(by_receipt.ok());
  CHECK(by_receipt.get().getReceipt().getSale().getTotal() == 450);
}

TEST_CASE("a request id is good for one request of one user: reused otherwise it is a conflict",
          "[node][frontdesk][sales][idempotency]") {
  Desk d;
  d.AddProduct("MUG", "Blue mug", 450);
  std::string kate = d.CreateUser("kate", schema::Role::CASHIER);
  std::string olga = d.CreateUser("olga", schema::Role::CASHIER);
  Id anna = d.AddClient(kate, "Anna", "Smith", "020 7946 0958");

  Id request = Id::Generate(1);
  auto first = d.Sale(kate, anna, 2, 900, schema::PaymentMethod::CARD, request);
  REQUIRE(first.ok());
  std::string receipt = first.get().getReceipt().getSale().getReceiptNo().cStr();

  // Another body under the same id: refused, nothing sold, no receipt shown.
  auto other_body = d.Sale(kate, anna, 1, 450, schema::PaymentMethod::CARD, request);
  REQUIRE_FALSE(other_body.ok());
  CHECK(other_body.code() == schema::ErrorCode::CONFLICT);
  CHECK(other_body.error_field() == "requestId");
  CHECK_THAT(other_body.error(), Catch::Contains("with other content"));
  CHECK_FALSE(other_body.get().isReceipt());

  // Another user sending the very same request: refused, never kate's receipt.
  auto other_user = d.Sale(olga, anna, 2, 900, schema::PaymentMethod::CARD, request);
  REQUIRE_FALSE(other_user.ok());
  CHECK(other_user.code() == schema::ErrorCode::CONFLICT);
  CHECK_THAT(other_user.error(), Catch::Contains("by another user"));

  // Another operation under the same id: refused, the note is not added.
  auto other_op = d.Call(
      kate,
      [&](Request::Builder r) {
        auto note = r.initAddNote();
        IdToWire(anna, note.initClient());
        note.setText("called back");
      },
      request);
  REQUIRE_FALSE(other_op.ok());
  CHECK(other_op.code() == schema::ErrorCode::CONFLICT);
  CHECK_THAT(other_op.error(), Catch::Contains("for another operation"));

  // The same request from the same user, after logging in again: the first answer.
  std::string kate_again = d.Login("kate", "kate-password");
  auto retry = d.Sale(kate_again, anna, 2, 900, schema::PaymentMethod::CARD, request);
  REQUIRE(retry.ok());
  CHECK(std::string(retry.get().getReceipt().getSale().getReceiptNo().cStr()) == receipt);

  auto card = d.Card(kate, anna);
  REQUIRE(card.ok());
  CHECK(card.get().getCard().getSales().size() == 1);
  CHECK(card.get().getCard().getNotes().size() == 0);
}

TEST_CASE("bad sales are refused naming the field", "[node][frontdesk][sales]") {
  Desk d;
  d.AddProduct("MUG", "Blue mug", 450);
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  Id anna = d.AddClient(cashier, "Anna", "Smith", "020 7946 0958");

  auto negative = d.Sale(cashier, anna, -1, 450);
  CHECK(negative.error_field() == "lines[0].quantity");
  auto short_paid = d.Sale(cashier, anna, 2, 500);
  CHECK(short_paid.error_field() == "payments");
  CHECK(short_paid.error().find("do not cover the total of 900") != std::string::npos);
  auto unknown_client = d.Sale(cashier, Id::Generate(5), 1, 450);
  CHECK(unknown_client.code() == schema::ErrorCode::NOT_FOUND);
  CHECK(unknown_client.error_field() == "client");
  auto anonymous_credit = d.Sale(cashier, Id{}, 1, 450, schema::PaymentMethod::CREDIT);
  CHECK(anonymous_credit.error_field() == "payments[0]");
  auto unknown_product = d.Call(cashier, [](Request::Builder r) {
    auto sale = r.initRecordSale();
    auto line = sale.initLines(1)[0];
    line.setSku("NOPE");
    line.setQuantity(1);
    sale.initPayments(1)[0].setAmount(1);
  });
  CHECK(unknown_product.code() == schema::ErrorCode::NOT_FOUND);
  CHECK(unknown_product.error_field() == "lines[0].sku");
  // A price past the limit is refused saying the limit.
  auto priceless = d.Call(cashier, [](Request::Builder r) {
    auto sale = r.initRecordSale();
    auto line = sale.initLines(1)[0];
    line.setSku("MUG");
    line.setQuantity(1);
    line.setUnitPrice(10'000'000'001);
    sale.initPayments(1)[0].setMethod(schema::PaymentMethod::CASH);
  });
  CHECK(priceless.error_field() == "lines[0].unitPrice");
  CHECK(priceless.error() == "may be at most 100000000.00 GBP (10000000000 in minor units)");
  auto negative_price = d.Call(cashier, [](Request::Builder r) {
    auto sale = r.initRecordSale();
    auto line = sale.initLines(1)[0];
    line.setSku("MUG");
    line.setQuantity(1);
    line.setUnitPrice(-5);
    sale.initPayments(1)[0].setMethod(schema::PaymentMethod::CASH);
  });
  CHECK(negative_price.error_field() == "lines[0].unitPrice");
  CHECK(negative_price.error() == "may not be negative");
  auto dear_product = d.Call(d.admin(), [](Request::Builder r) {
    auto p = r.initSaveProduct();
    p.setSku("GOLD");
    p.setName("A gold mug");
    p.setPrice(10'000'000'001);
  });
  CHECK(dear_product.error_field() == "price");
  CHECK(dear_product.error().find("at most 100000000.00 GBP") != std::string::npos);

  auto card = d.Card(cashier, anna);
  CHECK(card.get().getCard().getSales().size() == 0);
  // The failed sales used no receipt numbers.
  auto ok = d.Sale(cashier, anna, 1, 450);
  CHECK(std::string(ok.get().getReceipt().getSale().getReceiptNo().cStr()) == "LON-20261122-0001");
}

TEST_CASE("receipt numbers restart each office-local day", "[node][frontdesk][sales]") {
  Desk d;
  d.AddProduct("MUG", "Blue mug", 450);
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  CHECK(std::string(d.Sale(cashier, Id{}, 1, 450).get().getReceipt().getSale().getReceiptNo().cStr()) ==
        "LON-20261122-0001");
  d.wall().Advance(12 * 3600 * 1000 + 60'000);  // 00:01 next day in London
  std::string again = d.Login("kate", "kate-password");
  CHECK(std::string(d.Sale(again, Id{}, 1, 450).get().getReceipt().getSale().getReceiptNo().cStr()) ==
        "LON-20261123-0001");
}

TEST_CASE("refunds against a sale, within what was sold", "[node][frontdesk][sales]") {
  Desk d;
  d.AddProduct("MUG", "Blue mug", 450);
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  std::string manager = d.CreateUser("olga", schema::Role::OFFICE_MANAGER);
  Id anna = d.AddClient(cashier, "Anna", "Smith", "020 7946 0958");
  REQUIRE(d.Sale(cashier, anna, 3, 1350).ok());

  auto refund = [&](uint32_t quantity) {
    return d.Call(manager, [&](Request::Builder r) {
      auto args = r.initRefundSale();
      args.setSale("LON-20261122-0001");
      auto line = args.initLines(1)[0];
      line.setLineIndex(0);
      line.setQuantity(static_cast<int32_t>(quantity));
      args.setMethod(schema::PaymentMethod::CARD);
      args.setReason("chipped");
    });
  };
  auto one = refund(1);
  INFO(one.error());
  REQUIRE(one.ok());
  CHECK(one.get().getRefund().getRefund().getAmount() == 450);
  auto too_many = refund(3);
  CHECK(too_many.error_field() == "lines[0].quantity");
  CHECK(too_many.error().find("2 of line 0 can still be refunded") != std::string::npos);
  REQUIRE(refund(2).ok());

  auto card = d.Card(cashier, anna);
  CHECK(card.get().getCard().getTotalSpent() == 0);
  CHECK(card.get().getCard().getRefunds().size() == 2);
  CHECK(card.get().getCard().getSales()[0].getRefunded() == 1350);
}

TEST_CASE("a sale on credit leaves a balance that payments reduce", "[node][frontdesk][sales]") {
  Desk d;
  d.AddProduct("MUG", "Blue mug", 450);
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  Id anna = d.AddClient(cashier, "Anna", "Smith", "020 7946 0958");
  REQUIRE(d.Sale(cashier, anna, 2, 900, schema::PaymentMethod::CREDIT).ok());
  CHECK(d.Card(cashier, anna).get().getCard().getOutstanding() == 900);

  auto pay = [&](int64_t amount) {
    return d.Call(cashier, [&](Request::Builder r) {
      auto p = r.initRecordPayment();
      IdToWire(anna, p.initClient());
      p.setAmount(amount);
      p.setMethod(schema::PaymentMethod::CASH);
    });
  };
  REQUIRE(pay(500).ok());
  CHECK(d.Card(cashier, anna).get().getCard().getOutstanding() == 400);
  auto over = pay(401);
  CHECK(over.error_field() == "amount");
  REQUIRE(pay(400).ok());
  CHECK(d.Card(cashier, anna).get().getCard().getOutstanding() == 0);
}

TEST_CASE("interactions, notes, tasks and feedback show on the card", "[node][frontdesk][activity]") {
  Desk d;
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  Id anna = d.AddClient(cashier, "Anna", "Smith", "020 7946 0958");
  auto call = d.Call(cashier, [&](Request::Builder r) {
    auto i = r.initLogInteraction();
    IdToWire(anna, i.initClient());
    i.setChannel(schema::InteractionChannel::VISIT);
    i.setDirection(schema::Direction::INBOUND);
    i.setSummary("asked about winter tyres");
  });
  REQUIRE(call.ok());
  REQUIRE(d.Call(cashier, [&](Request::Builder r) {
            auto n = r.initAddNote();
            IdToWire(anna, n.initClient());
            n.setText("prefers morning calls");
          }).ok());
  auto task = d.Call(cashier, [&](Request::Builder r) {
    auto t = r.initCreateTask();
    IdToWire(anna, t.initClient());
    t.setTitle("call back about tyres");
    t.setDue(kNoon + 86'400'000);
  });
  REQUIRE(task.ok());
  Id task_id = IdFromWire(task.get().getSaved());
  REQUIRE(d.Call(cashier, [&](Request::Builder r) { IdToWire(task_id, r.initCompleteTask()); }).ok());
  auto twice = d.Call(cashier, [&](Request::Builder r) { IdToWire(task_id, r.initCompleteTask()); });
  CHECK(twice.code() == schema::ErrorCode::CONFLICT);
  auto bad_score = d.Call(cashier, [&](Request::Builder r) {
    auto f = r.initRecordFeedback();
    IdToWire(anna, f.initClient());
    f.setScore(9);
  });
  CHECK(bad_score.error_field() == "score");
  REQUIRE(d.Call(cashier, [&](Request::Builder r) {
            auto f = r.initRecordFeedback();
            IdToWire(anna, f.initClient());
            f.setScore(5);
            f.setComment("great service");
          }).ok());
  auto no_summary = d.Call(cashier, [&](Request::Builder r) {
    IdToWire(anna, r.initLogInteraction().initClient());
  });
  CHECK(no_summary.error_field() == "summary");

  auto card_reply = d.Card(cashier, anna);  // keeps the message the reader points into
  auto card = card_reply.get().getCard();
  CHECK(card.getInteractions().size() == 1);
  CHECK(card.getVisitCount() == 1);
  CHECK(card.getNotes().size() == 1);
  REQUIRE(card.getTasks().size() == 1);
  CHECK(card.getTasks()[0].getTask().getStatus() == schema::TaskStatus::DONE);
  CHECK(card.getFeedback()[0].getFeedback().getScore() == 5);
}

TEST_CASE("files are stored by content hash, within the size limit", "[node][frontdesk][activity]") {
  Desk d;
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  Id anna = d.AddClient(cashier, "Anna", "Smith", "020 7946 0958");
  auto attach = [&](const std::string& content, const std::string& name = "passport.txt") {
    return d.Call(cashier, [&](Request::Builder r) {
      auto f = r.initAttachFile();
      IdToWire(anna, f.initClient());
      f.setName(name);
      f.setContent(kj::arrayPtr(reinterpret_cast<const kj::byte*>(content.data()), content.size()));
    });
  };
  REQUIRE(attach("scan of a passport").ok());
  auto too_big = attach(std::string(2000, 'x'));
  CHECK(too_big.code() == schema::ErrorCode::RESOURCE_EXHAUSTED);
  CHECK(too_big.error_field() == "content");

  auto card_reply = d.Card(cashier, anna);  // keeps the message the reader points into
  auto card = card_reply.get().getCard();
  REQUIRE(card.getFiles().size() == 1);
  std::string sha = card.getFiles()[0].getFile().getSha256().cStr();
  auto file = d.Call(cashier, [&](Request::Builder r) { r.setGetFile(sha); });
  REQUIRE(file.ok());
  auto content = file.get().getFile().getContent();
  CHECK(std::string(reinterpret_cast<const char*>(content.begin()), content.size()) ==
        "scan of a passport");

  // A name that walks out of a folder keeps only its last part; one that is
  // nothing but dots is refused.
  REQUIRE(attach("root:x:0:0", "../../../../etc/passwd").ok());
  REQUIRE(attach("a letter", "C:\\Users\\kate\\letter.txt").ok());
  auto dots = attach("x", "../..");
  CHECK(dots.error_field() == "name");
  auto names_reply = d.Card(cashier, anna);
  std::vector<std::string> names;
  for (auto f : names_reply.get().getCard().getFiles()) names.push_back(f.getFile().getName());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"letter.txt", "passport.txt", "passwd"});
}

TEST_CASE("a manager deletes or erases a client, a cashier may not", "[node][frontdesk][clients]") {
  Desk d;
  std::string cashier = d.CreateUser("kate", schema::Role::CASHIER);
  std::string manager = d.CreateUser("olga", schema::Role::OFFICE_MANAGER);
  Id anna = d.AddClient(cashier, "Anna", "Smith", "020 7946 0958");
  Id bob = d.AddClient(cashier, "Bob", "Jones", "07911 123456");
  auto remove = [&](const std::string& session, const Id& id, bool erase) {
    return d.Call(session, [&](Request::Builder r) {
      IdToWire(id, erase ? r.initEraseClient() : r.initDeleteClient());
    });
  };
  CHECK(remove(cashier, anna, false).code() == schema::ErrorCode::PERMISSION_DENIED);
  REQUIRE(remove(manager, anna, false).ok());
  REQUIRE(remove(manager, bob, true).ok());
  auto find = [&](const char* query) {
    return d.Call(cashier, [&](Request::Builder r) { r.initFindClients().setQuery(query); })
        .get().getClients().size();
  };
  CHECK(find("Anna") == 0);
  CHECK(find("+442079460958") == 0);
  CHECK(find("Bob") == 0);
  CHECK(d.Card(cashier, anna).error().find("was deleted") != std::string::npos);
  CHECK(d.Card(cashier, bob).error().find("was erased") != std::string::npos);
  // The front desk edits live clients only: neither comes back through it.
  auto edit = [&](const Id& id) {
    return d.Call(cashier, [&](Request::Builder r) {
      auto save = r.initSaveClient();
      IdToWire(id, save.initId());
      save.initAddTags(1).set(0, "back");
    });
  };
  CHECK(edit(bob).code() == schema::ErrorCode::NOT_FOUND);
  CHECK(edit(anna).code() == schema::ErrorCode::NOT_FOUND);
}

// A saveClient of a new client whose address carries a pointer the schema
// does not know, the head of a chain of `depth` structs: a message nested as
// deep as its sender likes, which the desk copies into the change it writes.
std::string NestedAddress(Desk& d, const std::string& session, int depth) {
  return d.Encode(session, [depth](Request::Builder r) {
    auto save = r.initSaveClient();
    save.initFields(2).set(0, "firstName");
    save.getFields().set(1, "address");
    auto client = save.initClient();
    client.setFirstName("Anna");
    const auto address_slot =
        capnp::Schema::from<schema::Client>().getFieldByName("address").getProto().getSlot();
    const uint16_t address_pointers =
        capnp::Schema::from<schema::Address>().getProto().getStruct().getPointerCount();
    capnp::AnyStruct::Builder any_client(kj::mv(client));
    auto address = any_client.getPointerSection()[address_slot.getOffset()].initAsAnyStruct(
        0, address_pointers + 1);
    auto next = address.getPointerSection()[address_pointers];
    for (int i = 0; i < depth; ++i) {
      auto link = next.initAsAnyStruct(0, 1);
      next = link.getPointerSection()[0];
    }
  });
}

TEST_CASE(
    "a request that cannot be read is the sender's fault: bytes that are no message and a "
    "message nested beyond the limit get invalidArgument, not internal",
    "[node][frontdesk]") {
  Desk d;
  std::string not_words = "hello";
  std::string overrun("\0\0\0\0\xff\xff\xff\x0f", 8);  // one segment, longer than the frame
  for (const std::string& bytes : {not_words, overrun, std::string(64, '\xff')}) {
    auto decoded = DecodedMessage::Decode(d.desk().Handle(bytes));
    REQUIRE(decoded.ok());
    REQUIRE(decoded->Root<Response>().isError());
    CHECK(decoded->Root<Response>().getError().getCode() == schema::ErrorCode::INVALID_ARGUMENT);
    CHECK(std::string(decoded->Root<Response>().getError().getField().cStr()) == "request");
  }

  // Nested within the limit, the same request is written (the pointer it
  // does not know rides along).
  auto shallow = DecodedMessage::Decode(d.desk().Handle(NestedAddress(d, d.admin(), 10)));
  REQUIRE(shallow.ok());
  INFO(shallow->Root<Response>().getError().getMessage().cStr());
  CHECK(shallow->Root<Response>().isSaved());
  // Nested beyond it (64 levels): refused as malformed, nothing written.
  auto deep = DecodedMessage::Decode(d.desk().Handle(NestedAddress(d, d.admin(), 100)));
  REQUIRE(deep.ok());
  auto reply = deep->Root<Response>();
  REQUIRE(reply.isError());
  INFO(reply.getError().getMessage().cStr());
  CHECK(reply.getError().getCode() == schema::ErrorCode::INVALID_ARGUMENT);
  CHECK(std::string(reply.getError().getMessage().cStr()).find("malformed request") !=
        std::string::npos);
  auto found = d.Call(d.admin(), [](Request::Builder r) { r.initFindClients().setQuery("Anna"); });
  CHECK(found.get().getClients().size() == 1);
}

TEST_CASE("garbage and version mismatches get error responses, never a crash",
          "[node][frontdesk]") {
  Desk d;
  for (std::string bytes : {std::string(), std::string("hello"), std::string(64, '\xff')}) {
    auto decoded = DecodedMessage::Decode(d.desk().Handle(bytes));
    REQUIRE(decoded.ok());
    CHECK(decoded->Root<Response>().isError());
  }
  capnp::MallocMessageBuilder message;
  message.initRoot<Request>().setProtocolVersion(99);
  auto reply = DecodedMessage::Decode(d.desk().Handle(EncodeMessage(message)));
  CHECK(reply->Root<Response>().getError().getCode() == schema::ErrorCode::VERSION_MISMATCH);
}

}  // namespace
TEST_CASE("the work queue lists the office's open tasks and the caller's, soonest due first, with names",
          "[frontdesk][tasks]") {
  Desk d;
  std::string kate = d.CreateUser("kate", schema::Role::CASHIER);
  d.CreateUser("bob", schema::Role::CASHIER);
  Id anna = d.AddClient(kate, "Anna", "Smith", "020 7946 0958");
  auto task = [&](const std::string& title, int64_t due, const std::string& assignee) {
    auto reply = d.Call(kate, [&](Request::Builder r) {
      auto t = r.initCreateTask();
      IdToWire(anna, t.initClient());
      t.setTitle(title);
      t.setDue(due);
      t.setAssignee(assignee);
    });
    INFO(reply.error());
    REQUIRE(reply.ok());
    return IdFromWire(reply.get().getSaved());
  };
  constexpr int64_t kHour = 3'600'000;
  task("call back tomorrow", kNoon + 24 * kHour, "");
  task("ring about the order", kNoon + kHour, "");  // overdue once the clock moves on
  task("bob's afternoon call", kNoon + 3 * kHour, "bob");
  Id done = task("already done", kNoon + 2 * kHour, "");
  REQUIRE(d.Call(kate, [&](Request::Builder r) { IdToWire(done, r.initCompleteTask()); }).ok());
  // Another office's task, assigned to nobody here: not in this queue.
  REQUIRE(d.writer()
              .Run([&](StoreTxn& txn) {
                ChangeMessage change =
                    ChangeMessage::Patch(EntityKind::TASK, Id{0x7A5C, 1}, Stamp{kNoon, 0, Id{5, 5}}, Id{});
                auto t = change.record<schema::Task>();
                t.setTitle("Manchester's task");
                t.setOffice("MAN");
                t.setDue(kNoon);
                for (const char* f : {"title", "office", "due"}) CRM_RETURN_IF_ERROR(change.Set(f));
                return txn.ApplyLocal(change.change()).status();
              })
              .ok());
  d.wall().Advance(2 * kHour);

  auto list = [&](bool mine, bool overdue, bool today, uint32_t limit = 0) {
    auto reply = d.Call(kate, [&](Request::Builder r) {
      auto l = r.initListTasks();
      l.setMine(mine);
      l.setOverdue(overdue);
      l.setToday(today);
      l.setLimit(limit);
    });
    INFO(reply.error());
    REQUIRE(reply.ok());
    std::vector<std::string> titles;
    for (auto item : reply.get().getTasks()) {
      titles.push_back(std::string(item.getTask().getTitle().cStr()) + " / " + item.getClient().cStr() +
                       " / " + item.getAssigneeLogin().cStr());
    }
    return titles;
  };
  CHECK(list(false, false, false) ==
        std::vector<std::string>{"ring about the order / Anna Smith / kate",
                                 "bob's afternoon call / Anna Smith / bob",
                                 "call back tomorrow / Anna Smith / kate"});
  CHECK(list(true, false, false) == std::vector<std::string>{"ring about the order / Anna Smith / kate",
                                                             "call back tomorrow / Anna Smith / kate"});
  CHECK(list(false, true, false) == std::vector<std::string>{"ring about the order / Anna Smith / kate"});
  CHECK(list(false, false, true) == std::vector<std::string>{"ring about the order / Anna Smith / kate",
                                                             "bob's afternoon call / Anna Smith / bob"});
  CHECK(list(false, false, false, 1).size() == 1);
  auto too_many = d.Call(kate, [&](Request::Builder r) { r.initListTasks().setLimit(1001); });
  CHECK(too_many.error_field() == "limit");
}

}  // namespace crm

namespace crm {
namespace {

TEST_CASE("the card shows money spent and owed in every currency, never summed across them",
          "[frontdesk][card]") {
  Desk d;
  Id anna = d.AddClient(d.admin(), "Anna", "Smith", "020 7946 0958");
  // Sales as they arrive from the chain: one here in pounds, one at the
  // Moscow office in roubles, each partly on credit; a rouble payment since.
  auto sale = [&](uint64_t n, const char* office, const char* currency, int64_t total, int64_t credit) {
    REQUIRE(d.writer()
                .Run([&](StoreTxn& txn) {
                  ChangeMessage change = ChangeMessage::Event(EntityKind::SALE, Id{0x5A1E, n},
                                                              Stamp{kNoon, 0, Id{6, n}}, Id{});
                  auto s = change.record<schema::Sale>();
                  s.setOffice(office);
                  s.setReceiptNo(std::string(office) + "-20261122-000" + std::to_string(n));
                  IdToWire(anna, s.initClient());
                  s.setTime(kNoon);
                  s.setCurrency(currency);
                  auto line = s.initLines(1)[0];
                  line.setSku("LAMP");
                  line.setQuantity(1);
                  line.setUnitPrice(total);
                  line.setAmount(total);
                  auto parts = s.initPayments(2);
                  parts[0].setMethod(schema::PaymentMethod::CASH);
                  parts[0].setAmount(total - credit);
                  parts[1].setMethod(schema::PaymentMethod::CREDIT);
                  parts[1].setAmount(credit);
                  s.setTotal(total);
                  return txn.ApplyLocal(change.change()).status();
                })
                .ok());
  };
  sale(1, "LON", "GBP", 2158, 1000);
  sale(2, "MSK", "RUB", 349900, 100000);
  REQUIRE(d.writer()
              .Run([&](StoreTxn& txn) {
                ChangeMessage change = ChangeMessage::Event(EntityKind::PAYMENT, Id{0x9A7, 1},
                                                            Stamp{kNoon, 1, Id{6, 2}}, Id{});
                auto p = change.record<schema::Payment>();
                IdToWire(anna, p.initClient());
                p.setOffice("MSK");
                p.setTime(kNoon);
                p.setCurrency("RUB");
                p.setAmount(40000);
                p.setMethod(schema::PaymentMethod::CASH);
                return txn.ApplyLocal(change.change()).status();
              })
              .ok());

  auto reply = d.Call(d.admin(), [&](Request::Builder r) { IdToWire(anna, r.initGetClientCard()); });
  REQUIRE(reply.ok());
  auto card = reply.get().getCard();
  // The headline is LON's pounds only.
  CHECK(std::string(card.getCurrency().cStr()) == "GBP");
  CHECK(card.getTotalSpent() == 2158);
  CHECK(card.getOutstanding() == 1000);
  // Each currency apart: the roubles owed at MSK are not lost from view.
  std::map<std::string, std::tuple<int64_t, int64_t, uint32_t>> money;
  for (auto m : card.getMoney()) {
    money[m.getCurrency().cStr()] = {m.getTotalSpent(), m.getOutstanding(), m.getSales()};
  }
  CHECK(money.size() == 2);
  CHECK(money["GBP"] == std::make_tuple(int64_t{2158}, int64_t{1000}, uint32_t{1}));
  CHECK(money["RUB"] == std::make_tuple(int64_t{349900}, int64_t{60000}, uint32_t{1}));
}

}  // namespace
}  // namespace crm
