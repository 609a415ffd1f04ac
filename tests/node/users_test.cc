// The directory of users at the front desk: logins per office, the user
// operations and their protections, sessions checked against the directory
// on every request and kept across a restart.
#include <capnp/message.h>
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "node/common/crypto.h"
#include "node/frontdesk/frontdesk.h"
#include "node/frontdesk/password.h"
#include "node/store/sessions.h"
#include "node/store/store_verify.h"
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
using schema::Role;
using Code = schema::ErrorCode;

constexpr int64_t kNoon = 1'795'348'800'000;  // 2026-11-22 12:00 UTC

// A desk of office `code` (LON, or HQ as crm-hq's dashboard runs it) with its
// first admin logged in.
class UserDesk {
 public:
  explicit UserDesk(std::string code = "LON") : code_(std::move(code)) {
    Open();
    REQUIRE(parts_.desk->BootstrapAdmin("admin", "Admin", "admin-password").ok());
    admin_ = Login("admin", "admin-password");
  }

  using Reply = testing::DeskReply;
  Reply Call(const std::string& session, const testing::FillRequest& fill) {
    return testing::SendToDesk(*parts_.desk, testing::EncodeDeskRequest(wall_, session, fill));
  }

  Reply TryLogin(const std::string& login, const std::string& password) {
    return Call("", [&](Request::Builder r) {
      r.initLogin().setLogin(login);
      r.getLogin().setPassword(password);
    });
  }
  std::string Login(const std::string& login, const std::string& password) {
    Reply reply = TryLogin(login, password);
    INFO(login << ": " << reply.error());
    REQUIRE(reply.ok());
    return reply.get().getSession().getToken().cStr();
  }
  bool Works(const std::string& session) {
    return Call(session, [](Request::Builder r) { r.setStatus(); }).ok();
  }

  // A user of this office, made at this desk by the admin.
  void Create(const std::string& login, Role role) {
    Reply reply = Call(admin_, [&](Request::Builder r) {
      auto user = r.initCreateUser();
      user.setLogin(login);
      user.setRole(role);
      user.setPassword(login + "-password");
    });
    INFO(reply.error());
    REQUIRE(reply.ok());
  }

  // A user written elsewhere (another office, headquarters), as replication
  // brings it: its password is `login-password`.
  Id Arrive(const std::string& login, const std::string& office, Role role) {
    Id id = Id::Generate(wall_.NowMillis());
    auto hash = HashPassword(login + "-password", PasswordCost::Cheap());
    REQUIRE(hash.ok());
    ChangeMessage change = ChangeMessage::Patch(EntityKind::USER, id, parts_.hlc->Now(), Id{});
    auto user = change.record<schema::User>();
    user.setLogin(login);
    user.setDisplayName(login);
    user.setRole(role);
    user.setPasswordHash(*hash);
    user.setOffice(office);
    user.setActive(true);
    user.setSessionEpoch(7);
    for (const char* f : {"login", "displayName", "role", "passwordHash", "office", "active",
                          "sessionEpoch"}) {
      REQUIRE(change.Set(f).ok());
    }
    REQUIRE(parts_.writer->Run([&](StoreTxn& txn) { return txn.ApplyLocal(change.change()).status(); })
                .ok());
    return id;
  }
  // A change to user `id` made elsewhere (headquarters deactivating them).
  void Deactivated(const Id& id, uint64_t epoch) {
    ChangeMessage change = ChangeMessage::Patch(EntityKind::USER, id, parts_.hlc->Now(), Id{});
    change.record<schema::User>().setActive(false);
    change.record<schema::User>().setSessionEpoch(epoch);
    REQUIRE(change.Set("active").ok());
    REQUIRE(change.Set("sessionEpoch").ok());
    REQUIRE(parts_.writer->Run([&](StoreTxn& txn) { return txn.ApplyLocal(change.change()).status(); })
                .ok());
  }

  Reply SetActive(const std::string& session, const std::string& login, bool active) {
    return Call(session, [&](Request::Builder r) {
      auto args = r.initSetUserActive();
      args.setLogin(login);
      args.setActive(active);
    });
  }
  Reply SetRole(const std::string& session, const std::string& login, Role role) {
    return Call(session, [&](Request::Builder r) {
      auto args = r.initSetUserRole();
      args.setLogin(login);
      args.setRole(role);
    });
  }
  Reply Reset(const std::string& session, const std::string& login, const std::string& password) {
    return Call(session, [&](Request::Builder r) {
      auto args = r.initResetPassword();
      args.setLogin(login);
      args.setPassword(password);
    });
  }
  // The logins listUsers answers, in order.
  std::vector<std::string> List(const std::string& session, const std::string& office = "") {
    Reply reply = Call(session, [&](Request::Builder r) { r.initListUsers().setOffice(office); });
    INFO(reply.error());
    REQUIRE(reply.ok());
    std::vector<std::string> logins;
    for (auto user : reply.get().getUsers()) logins.emplace_back(user.getLogin().cStr());
    return logins;
  }

  // As a restarted node: the desk and the store closed and opened again.
  void Restart() {
    parts_.desk.reset();
    parts_.writer.reset();
    parts_.hlc.reset();
    parts_.store.reset();
    Open();
  }

  const std::string& admin() const { return admin_; }
  ManualClock& wall() { return wall_; }
  Store& store() { return *parts_.store; }

 private:
  void Open() {
    OfficeConfig office;
    office.code = code_;
    office.password_cost = PasswordCost::Cheap();
    REQUIRE(office.Validate().ok());
    parts_ = testing::OpenDesk(dir_.path(), wall_, office);
  }

  std::string code_;
  testing::TempDir dir_;
  ManualClock wall_{kNoon};
  testing::DeskParts parts_;
  std::string admin_;
};

TEST_CASE("logins are per office: an office's kate and headquarters' kate are two users",
          "[node][frontdesk][users][auth]") {
  UserDesk lon("LON");
  lon.Create("kate", Role::CASHIER);
  lon.Arrive("kate", "HQ", Role::HQ_MANAGER);
  lon.Arrive("anna", "HQ", Role::HQ_MANAGER);
  lon.Arrive("ivan", "MSK", Role::CASHIER);

  // A bare login is this office's user: HQ's kate does not shadow LON's.
  auto kate = lon.TryLogin("kate", "kate-password");
  REQUIRE(kate.ok());
  CHECK(kate.get().getSession().getRole() == Role::CASHIER);
  CHECK(std::string(kate.get().getSession().getLogin().cStr()) == "kate");
  // Headquarters' users log in at an office as login@HQ (any case).
  auto hq_kate = lon.TryLogin("kate@hq", "kate-password");
  REQUIRE(hq_kate.ok());
  CHECK(hq_kate.get().getSession().getRole() == Role::HQ_MANAGER);
  CHECK(std::string(hq_kate.get().getSession().getLogin().cStr()) == "kate@HQ");
  CHECK(lon.TryLogin("anna@HQ", "anna-password").ok());
  CHECK(lon.TryLogin("anna", "anna-password").code() == Code::UNAUTHENTICATED);
  // Another office's user never logs in here, however named.
  CHECK(lon.TryLogin("ivan", "ivan-password").code() == Code::UNAUTHENTICATED);
  CHECK(lon.TryLogin("ivan@MSK", "ivan-password").code() == Code::UNAUTHENTICATED);

  // A login taken in this office is refused; other offices' do not count.
  auto again = lon.Call(lon.admin(), [](Request::Builder r) {
    auto user = r.initCreateUser();
    user.setLogin("KATE");
    user.setRole(Role::CASHIER);
    user.setPassword("another-password");
  });
  CHECK(again.code() == Code::ALREADY_EXISTS);
  CHECK_THAT(again.error(), Catch::Contains("'KATE' is taken at LON"));
  lon.Create("ivan", Role::CASHIER);
  CHECK(lon.TryLogin("ivan", "ivan-password").ok());
  // An office does not make HQ managers.
  auto hq_manager = lon.Call(lon.admin(), [](Request::Builder r) {
    auto user = r.initCreateUser();
    user.setLogin("boss");
    user.setRole(Role::HQ_MANAGER);
    user.setPassword("boss-password");
  });
  CHECK(hq_manager.code() == Code::PERMISSION_DENIED);

  // At headquarters' desk a bare login is an HQ user; an office's is not.
  UserDesk hq("HQ");
  hq.Arrive("kate", "LON", Role::CASHIER);
  hq.Arrive("kate", "HQ", Role::HQ_MANAGER);
  auto at_hq = hq.TryLogin("kate", "kate-password");
  REQUIRE(at_hq.ok());
  CHECK(at_hq.get().getSession().getRole() == Role::HQ_MANAGER);
  CHECK(hq.TryLogin("kate@LON", "kate-password").code() == Code::UNAUTHENTICATED);
}

TEST_CASE("an office's manager manages its own users, and nobody locks themselves out",
          "[node][frontdesk][users]") {
  UserDesk lon("LON");
  lon.Create("olga", Role::OFFICE_MANAGER);
  lon.Create("kate", Role::CASHIER);
  lon.Arrive("anna", "HQ", Role::HQ_MANAGER);
  lon.Arrive("ivan", "MSK", Role::CASHIER);
  std::string olga = lon.Login("olga", "olga-password");
  std::string kate = lon.Login("kate", "kate-password");

  CHECK(lon.List(olga) == std::vector<std::string>{"admin", "kate", "olga"});
  // A cashier may not list them: it takes an office manager.
  CHECK(lon.Call(kate, [](Request::Builder r) { r.initListUsers(); }).code() ==
        Code::PERMISSION_DENIED);

  CHECK(lon.SetRole(olga, "kate", Role::OFFICE_MANAGER).ok());
  CHECK(lon.SetRole(olga, "kate", Role::ADMIN).code() == Code::PERMISSION_DENIED);
  CHECK(lon.SetRole(olga, "kate", Role::HQ_MANAGER).code() == Code::PERMISSION_DENIED);
  auto admin_touched = lon.SetActive(olga, "admin", false);
  CHECK(admin_touched.code() == Code::PERMISSION_DENIED);
  CHECK_THAT(admin_touched.error(), Catch::Contains("only an admin changes an admin"));
  CHECK(lon.Reset(olga, "admin", "new-admin-password").code() == Code::PERMISSION_DENIED);
  // Not another office's users, nor headquarters'.
  auto hq_user = lon.SetActive(olga, "anna@HQ", false);
  CHECK(hq_user.code() == Code::PERMISSION_DENIED);
  CHECK_THAT(hq_user.error(), Catch::Contains("a user of headquarters"));
  CHECK(lon.SetActive(olga, "ivan@MSK", false).code() == Code::PERMISSION_DENIED);
  CHECK(lon.SetActive(olga, "nobody", false).code() == Code::NOT_FOUND);
  CHECK(lon.SetActive(olga, "bad login!", false).code() == Code::INVALID_ARGUMENT);

  // Nobody deactivates themselves; the last admin is neither deactivated
  // nor demoted.
  auto self = lon.SetActive(olga, "olga", false);
  CHECK(self.code() == Code::CONFLICT);
  CHECK_THAT(self.error(), Catch::Contains("you may not deactivate yourself"));
  auto last = lon.SetRole(lon.admin(), "admin", Role::OFFICE_MANAGER);
  CHECK(last.code() == Code::CONFLICT);
  CHECK_THAT(last.error(), Catch::Contains("the last active admin of LON"));
  // With a second admin, the first may step down.
  CHECK(lon.SetRole(lon.admin(), "olga", Role::ADMIN).ok());
  CHECK(lon.SetRole(lon.admin(), "admin", Role::OFFICE_MANAGER).ok());
}

TEST_CASE("headquarters manages every user of the chain", "[node][frontdesk][users]") {
  UserDesk hq("HQ");
  hq.Arrive("kate", "LON", Role::CASHIER);
  hq.Arrive("ivan", "MSK", Role::CASHIER);
  hq.Arrive("boss", "HQ", Role::HQ_MANAGER);
  std::string boss = hq.Login("boss", "boss-password");
  CHECK(hq.List(boss) == std::vector<std::string>{"admin", "boss", "kate@LON", "ivan@MSK"});
  CHECK(hq.List(boss, "lon") == std::vector<std::string>{"kate@LON"});
  CHECK(hq.SetActive(boss, "kate@LON", false).ok());
  CHECK(hq.SetRole(boss, "ivan@MSK", Role::OFFICE_MANAGER).ok());
  CHECK(hq.SetRole(boss, "ivan@MSK", Role::HQ_MANAGER).code() == Code::PERMISSION_DENIED);
  CHECK(hq.Reset(boss, "kate@LON", "kate-new-password").ok());
}

TEST_CASE("deactivation and a password reset end the user's sessions, and a new role applies at once",
          "[node][frontdesk][users][auth]") {
  UserDesk lon("LON");
  lon.Create("kate", Role::CASHIER);
  std::string kate = lon.Login("kate", "kate-password");
  CHECK(lon.Call(kate, [](Request::Builder r) { r.initListUsers(); }).code() ==
        Code::PERMISSION_DENIED);
  REQUIRE(lon.SetRole(lon.admin(), "kate", Role::OFFICE_MANAGER).ok());
  CHECK(lon.Call(kate, [](Request::Builder r) { r.initListUsers(); }).ok());

  REQUIRE(lon.SetActive(lon.admin(), "kate", false).ok());
  auto refused = lon.Call(kate, [](Request::Builder r) { r.setStatus(); });
  CHECK(refused.code() == Code::UNAUTHENTICATED);
  CHECK_THAT(refused.error(), Catch::Contains("deactivated"));
  CHECK(lon.TryLogin("kate", "kate-password").code() == Code::PERMISSION_DENIED);
  // Activated again: she logs in again; the old session stays ended.
  REQUIRE(lon.SetActive(lon.admin(), "kate", true).ok());
  CHECK_FALSE(lon.Works(kate));
  kate = lon.Login("kate", "kate-password");
  CHECK(lon.Works(kate));

  REQUIRE(lon.Reset(lon.admin(), "kate", "kate-new-password").ok());
  CHECK_FALSE(lon.Works(kate));
  CHECK(lon.TryLogin("kate", "kate-password").code() == Code::UNAUTHENTICATED);
  kate = lon.Login("kate", "kate-new-password");
  CHECK(lon.Works(kate));
  CHECK(lon.Reset(lon.admin(), "kate", "short").code() == Code::INVALID_ARGUMENT);

  // A deactivation made elsewhere (headquarters) ends a session here as
  // soon as it is in the store, even if she is activated again before her
  // next request.
  Id anna = lon.Arrive("anna", "HQ", Role::HQ_MANAGER);
  std::string anna_session = lon.Login("anna@HQ", "anna-password");
  CHECK(lon.Works(anna_session));
  lon.Deactivated(anna, 8);
  CHECK_FALSE(lon.Works(anna_session));
}

TEST_CASE("sessions survive a restart of the node, and logout and idle expiry still end them",
          "[node][frontdesk][users][auth]") {
  UserDesk lon("LON");
  lon.Create("kate", Role::CASHIER);
  std::string kate = lon.Login("kate", "kate-password");
  std::string olga = lon.Login("kate", "kate-password");
  lon.Restart();
  CHECK(lon.Works(kate));
  CHECK(lon.Works(lon.admin()));

  // The store keeps the token's SHA-256, never the token.
  {
    auto view = lon.store().Read();
    REQUIRE(view.ok());
    int sessions = 0;
    REQUIRE(view->sessions()
                .ForEach([&](std::string_view key, const StoredSession&) -> Status {
                  CHECK(key != kate);
                  ++sessions;
                  return Status::Ok();
                })
                .ok());
    CHECK(sessions == 3);
    CHECK(view->sessions().Find(Sha256Hex(kate))->has_value());
  }
  // crm-admin verify knows the table: its entries check out.
  auto check = VerifyStore(lon.store());
  REQUIRE(check.ok());
  CHECK(check->problems == std::vector<std::string>{});

  // Logged out: gone, after a restart too.
  REQUIRE(lon.Call(kate, [](Request::Builder r) { r.setLogout(); }).ok());
  CHECK_FALSE(lon.Works(kate));
  lon.Restart();
  CHECK_FALSE(lon.Works(kate));
  CHECK(lon.Works(olga));

  // Idle past the limit, across a restart: refused.
  lon.wall().Advance(13 * 3600 * 1000);
  lon.Restart();
  auto expired = lon.Call(olga, [](Request::Builder r) { r.setStatus(); });
  CHECK(expired.code() == Code::UNAUTHENTICATED);
  CHECK_THAT(expired.error(), Catch::Contains("expired"));
}

}  // namespace
}  // namespace crm
