// Limits at the till and a manager's approval (docs/frontdesk.md, "Limits at
// the till"), through the front desk as the server drives it.
#include <capnp/message.h>
#include <pthread.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/frontdesk/frontdesk.h"
#include "node/frontdesk/till_limits.h"
#include "node/store/admission.h"
#include "node/store/audit.h"
#include "node/store/offices.h"
#include "node/store/request_log.h"
#include "sync/base/codec.h"
#include "sync/base/wire.h"
#include "tests/support/desk_parts.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using schema::Request;
using schema::Response;

constexpr int64_t kNoon = 1'795'348'800'000;  // 2026-11-22 12:00 UTC

struct Line {
  std::string sku;
  int32_t quantity = 1;
  int64_t unit_price = -1;  // the catalogue's
  int64_t discount = 0;
};

struct Approval {
  std::string login;
  std::string password;
};

class Till {
 public:
  Till() {
    OfficeConfig office;
    office.code = "LON";
    office.password_cost = PasswordCost::Cheap();  // fast for tests
    parts_ = testing::OpenDesk(dir_.path(), wall_, office);
    REQUIRE(parts_.desk->BootstrapAdmin("admin", "Admin", "admin-password").ok());
    admin_ = Login("admin", "admin-password");
    Product("PEN", 1000);  // 10.00
    Product("LAMP", 339);  // 3.39
    Product("MUG", 500);   // 5.00
    kate_ = User("kate", schema::Role::CASHIER);
    ivan_ = User("ivan", schema::Role::CASHIER);
    olga_ = User("olga", schema::Role::OFFICE_MANAGER);
  }

  std::string Encode(const std::string& session, const std::function<void(Request::Builder)>& fill,
                     Id request_id = Id{}) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<Request>();
    request.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
    if (request_id.IsNull()) request_id = Id::Generate(wall_.NowMillis());
    IdToWire(request_id, request.initRequestId());
    request.setSession(session);
    fill(request);
    return EncodeMessage(message);
  }
  DecodedMessage Call(const std::string& session, const std::function<void(Request::Builder)>& fill,
                      Id request_id = Id{}) {
    auto decoded = DecodedMessage::Decode(parts_.desk->Handle(Encode(session, fill, request_id)));
    REQUIRE(decoded.ok());
    return std::move(decoded).value();
  }
  std::string Login(const std::string& login, const std::string& password) {
    auto reply = Call("", [&](Request::Builder r) {
      r.initLogin().setLogin(login);
      r.getLogin().setPassword(password);
    });
    REQUIRE(reply.Root<Response>().isSession());
    return reply.Root<Response>().getSession().getToken().cStr();
  }
  std::string User(const std::string& login, schema::Role role) {
    auto reply = Call(admin_, [&](Request::Builder r) {
      auto user = r.initCreateUser();
      user.setLogin(login);
      user.setRole(role);
      user.setPassword(login + "-password");
    });
    REQUIRE_FALSE(reply.Root<Response>().isError());
    return Login(login, login + "-password");
  }
  void Product(const std::string& sku, int64_t price) {
    auto reply = Call(admin_, [&](Request::Builder r) {
      auto p = r.initSaveProduct();
      p.setSku(sku);
      p.setName(sku);
      p.setPrice(price);
    });
    REQUIRE_FALSE(reply.Root<Response>().isError());
  }

  // A sale of `lines` paid in cash, with `approval` if given.
  DecodedMessage Sale(const std::string& session, const std::vector<Line>& lines,
                      std::optional<Approval> approval = std::nullopt, Id request_id = Id{}) {
    return Call(
        session,
        [&](Request::Builder r) {
          auto sale = r.initRecordSale();
          auto out = sale.initLines(static_cast<unsigned>(lines.size()));
          for (unsigned i = 0; i < lines.size(); ++i) {
            out[i].setSku(lines[i].sku);
            out[i].setQuantity(lines[i].quantity);
            out[i].setUnitPrice(lines[i].unit_price);
            out[i].setDiscount(lines[i].discount);
          }
          sale.initPayments(1)[0].setMethod(schema::PaymentMethod::CASH);
          if (approval) {
            sale.initApproval().setLogin(approval->login);
            sale.getApproval().setPassword(approval->password);
          }
        },
        request_id);
  }

  // Sets a limit at headquarters' command, as `crm-hq office limits` does.
  void SetLimits(const std::string& office, schema::Role role, std::optional<int32_t> discount,
                 std::optional<int32_t> price_cut) {
    if (!office.empty() && !enrolled_) {
      // The office as headquarters knows it (a node id and key of its own).
      REQUIRE(EnrollOffice(
                  *parts_.writer, *parts_.hlc,
                  OfficeEnrollment{"LON", "London", Id::Generate(kNoon), std::string(40, 'k'), ""})
                  .ok());
      enrolled_ = true;
    }
    Status set = SetTillLimits(*parts_.writer, *parts_.hlc, TillLimitChange{office, role, discount, price_cut},
                               "crm-hq");
    INFO(set.ToString());
    REQUIRE(set.ok());
  }

  // The audit log, once the refusals queued after their answers are in.
  std::vector<AuditRecord> Audit() {
    REQUIRE(parts_.writer->Run([](StoreTxn&) { return Status::Ok(); }).ok());
    auto view = parts_.store->Read();
    REQUIRE(view.ok());
    auto records = ReadAuditLog(*view, 1, 1000);
    REQUIRE(records.ok());
    return *records;
  }

  // How many sales the store holds.
  size_t SaleCount() {
    auto view = parts_.store->Read();
    REQUIRE(view.ok());
    size_t count = 0;
    REQUIRE(view->ForEachOfKind(EntityKind::SALE,
                                [&](const Id&, schema::StoredRecord::Reader) {
                                  ++count;
                                  return Status::Ok();
                                })
                .ok());
    return count;
  }

  Id UserId(const std::string& login) {
    auto view = parts_.store->Read();
    REQUIRE(view.ok());
    auto id = view->FindByKey(EntityKind::USER, UserKey("LON", login));
    REQUIRE(id.ok());
    return *id;
  }

  // Every byte the store has written to disk.
  std::string StoreFile() {
    REQUIRE(parts_.writer->Run([](StoreTxn&) { return Status::Ok(); }).ok());
    std::string bytes;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      std::ifstream in(entry.path(), std::ios::binary);
      bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return bytes;
  }

  const std::string& kate() const { return kate_; }
  const std::string& ivan() const { return ivan_; }
  const std::string& olga() const { return olga_; }
  Store& store() { return *parts_.store; }
  FrontDesk& desk() { return *parts_.desk; }
  ManualClock& wall() { return wall_; }

 private:
  testing::TempDir dir_;
  ManualClock wall_{kNoon};
  testing::DeskParts parts_;
  std::string admin_, kate_, ivan_, olga_;
  bool enrolled_ = false;
};

Response::Reader Answer(const DecodedMessage& reply) { return reply.Root<Response>(); }
std::string Field(const DecodedMessage& reply) {
  return Answer(reply).isError() ? Answer(reply).getError().getField().cStr() : "";
}
std::string Message(const DecodedMessage& reply) {
  return Answer(reply).isError() ? Answer(reply).getError().getMessage().cStr() : "";
}
bool Denied(const DecodedMessage& reply) {
  return Answer(reply).isError() &&
         Answer(reply).getError().getCode() == schema::ErrorCode::PERMISSION_DENIED;
}
bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE(
    "a cashier's price cut is refused and nothing is sold, a manager's approval lets it through",
    "[node][frontdesk][sales][approval]") {
  Till till;
  const std::vector<Line> cheap_pen = {{"PEN", 1, 1, 0}};  // 0.01 for a 10.00 pen

  auto alone = till.Sale(till.kate(), cheap_pen);
  INFO(Message(alone));
  CHECK(Denied(alone));
  CHECK(Field(alone) == "lines[0].unitPrice");
  CHECK(Message(alone) ==
        "line 1 (PEN): a unit price of 0.01 is 99.9% below the catalogue's 10.00; a cashier may "
        "cut a price by at most 0% at LON: that takes a manager's approval (--approve-by LOGIN)");

  auto wrong_password = till.Sale(till.kate(), cheap_pen, Approval{"olga", "not-her-password"});
  CHECK(Denied(wrong_password));
  CHECK(Field(wrong_password) == "approval");
  CHECK(Message(wrong_password) == "wrong login or password for the approval");
  auto nobody = till.Sale(till.kate(), cheap_pen, Approval{"nobody", "whatever-password"});
  CHECK(Message(nobody) == "wrong login or password for the approval");

  auto by_cashier = till.Sale(till.kate(), cheap_pen, Approval{"ivan", "ivan-password"});
  CHECK(Denied(by_cashier));
  CHECK(Field(by_cashier) == "lines[0].unitPrice");
  CHECK(Contains(Message(by_cashier), "ivan (a cashier) may approve at most 0%"));
  auto by_herself = till.Sale(till.kate(), cheap_pen, Approval{"kate", "kate-password"});
  CHECK(Denied(by_herself));
  CHECK(Contains(Message(by_herself), "nobody approves their own sale beyond their own limit"));
  CHECK(till.SaleCount() == 0);

  auto approved = till.Sale(till.kate(), cheap_pen, Approval{"olga", "olga-password"});
  INFO(Message(approved));
  REQUIRE(Answer(approved).isReceipt());
  auto receipt = Answer(approved).getReceipt();
  CHECK(receipt.getSale().getTotal() == 1);
  CHECK(std::string(receipt.getApprovedBy().cStr()) == "olga");
  CHECK(IdFromWire(receipt.getSale().getApprovedBy()) == till.UserId("olga"));
  // The refusals used no receipt number.
  CHECK(std::string(receipt.getSale().getReceiptNo().cStr()) == "LON-20261122-0001");
  CHECK(till.SaleCount() == 1);
  // Shown again, the receipt names the approver.
  auto again = till.Call(
      till.kate(), [&](Request::Builder r) { r.setGetSale(receipt.getSale().getReceiptNo()); });
  CHECK(std::string(Answer(again).getReceipt().getApprovedBy().cStr()) == "olga");

  // A manager's own sale needs nobody's approval.
  CHECK(Answer(till.Sale(till.olga(), cheap_pen)).isReceipt());
}

TEST_CASE("the audit names the cashier and the approver, and no password is kept anywhere",
          "[node][frontdesk][sales][approval][audit]") {
  Till till;
  const std::vector<Line> cheap_pen = {{"PEN", 1, 1, 0}};
  REQUIRE(Denied(till.Sale(till.kate(), cheap_pen)));
  REQUIRE(Denied(till.Sale(till.kate(), cheap_pen, Approval{"olga", "guessed-password"})));
  const Id request = Id::Generate(kNoon);
  auto approved = till.Sale(till.kate(), cheap_pen, Approval{"olga", "olga-password"}, request);
  REQUIRE(Answer(approved).isReceipt());
  const std::string receipt = Answer(approved).getReceipt().getSale().getReceiptNo().cStr();

  // A retry gets the first answer once the password checks again, and sells
  // nothing twice; a retry with a wrong password is refused.
  auto retry = till.Sale(till.kate(), cheap_pen, Approval{"olga", "olga-password"}, request);
  REQUIRE(Answer(retry).isReceipt());
  CHECK(std::string(Answer(retry).getReceipt().getSale().getReceiptNo().cStr()) == receipt);
  CHECK(Denied(till.Sale(till.kate(), cheap_pen, Approval{"olga", "wrong-password"}, request)));
  CHECK(till.SaleCount() == 1);

  std::vector<std::string> lines;
  const AuditEvent* sale = nullptr;
  const std::vector<AuditRecord> audit = till.Audit();
  for (const AuditRecord& record : audit) {
    const AuditEvent& e = record.event;
    if (e.action != "record a sale" && e.action != "approve a sale") continue;
    lines.push_back(e.login + (e.refused ? " REFUSED " : " ") + e.action +
                    (e.approver_login.empty() ? "" : " by " + e.approver_login) +
                    (e.refused ? ": " + e.detail : ""));
    if (!e.refused) sale = &record.event;
  }
  CHECK(lines == std::vector<std::string>{
                     "kate REFUSED record a sale: line 1 (PEN): a unit price of 0.01 is 99.9% "
                     "below the catalogue's 10.00; a cashier may cut a price by at most 0% at "
                     "LON: that takes a manager's approval (--approve-by LOGIN)",
                     "kate REFUSED approve a sale by olga: wrong password",
                     "kate record a sale by olga",
                     "kate REFUSED approve a sale by olga: wrong password"});
  REQUIRE(sale);
  CHECK(sale->role == schema::Role::CASHIER);
  CHECK(sale->approved_by == till.UserId("olga"));
  CHECK(sale->request_id == request);

  // Neither password reached the store: not the audit, the change log, the
  // remembered answer nor anything else written.
  const std::string stored = till.StoreFile();
  CHECK_FALSE(Contains(stored, "olga-password"));
  CHECK_FALSE(Contains(stored, "guessed-password"));
  CHECK_FALSE(Contains(stored, "wrong-password"));
}

TEST_CASE("an approval's password does not count in the request's digest, its login does",
          "[node][frontdesk][approval]") {
  auto scope = [](const std::string& login, const std::string& password) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<Request>();
    auto sale = request.initRecordSale();
    sale.initLines(1)[0].setSku("PEN");
    sale.initApproval().setLogin(login);
    sale.getApproval().setPassword(password);
    return ScopeOf(Id{1, 2}, request.asReader());
  };
  CHECK(scope("olga", "olga-password") == scope("olga", "another-password"));
  CHECK_FALSE(scope("olga", "olga-password") == scope("boss", "olga-password"));
}

TEST_CASE("a refund's approval counts in the request's digest by its login alone",
          "[node][frontdesk][refund][approval]") {
  auto scope = [](const std::string& login, const std::string& password) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<Request>();
    auto refund = request.initRefundSale();
    refund.setSale("LON-20261122-0001");
    refund.initApproval().setLogin(login);
    refund.getApproval().setPassword(password);
    return ScopeOf(Id{1, 2}, request.asReader());
  };
  CHECK(scope("olga", "olga-password") == scope("olga", "another-password"));
  CHECK_FALSE(scope("olga", "olga-password") == scope("boss", "olga-password"));
}

TEST_CASE("a discount within the cashier's limit needs no approval, one beyond it does",
          "[node][frontdesk][sales][approval]") {
  Till till;
  // The README's tour: 0.50 off 2 x 3.39, about 7.4%.
  auto tour = till.Sale(till.kate(), {{"LAMP", 2, -1, 50}});
  INFO(Message(tour));
  REQUIRE(Answer(tour).isReceipt());
  CHECK(Answer(tour).getReceipt().getSale().getTotal() == 628);
  CHECK(Answer(tour).getReceipt().getApprovedBy().size() == 0);
  // Exactly the limit (10% of 10.00) passes; a cent more does not.
  CHECK(Answer(till.Sale(till.kate(), {{"MUG", 2, -1, 100}})).isReceipt());
  auto more = till.Sale(till.kate(), {{"MUG", 2, -1, 100}, {"MUG", 2, -1, 101}});
  CHECK(Denied(more));
  CHECK(Field(more) == "lines[1].discount");
  CHECK(Message(more) ==
        "line 2 (MUG): a discount of 1.01 is 10.1% of the line's 10.00; a cashier may give a "
        "discount of at most 10% at LON: that takes a manager's approval (--approve-by LOGIN)");
  // A price above the catalogue's is no cut.
  CHECK(Answer(till.Sale(till.kate(), {{"MUG", 1, 600, 0}})).isReceipt());
  // An approval the sale did not need is checked, and not kept.
  auto unneeded = till.Sale(till.kate(), {{"MUG", 1, -1, 0}}, Approval{"olga", "olga-password"});
  REQUIRE(Answer(unneeded).isReceipt());
  CHECK(Answer(unneeded).getReceipt().getApprovedBy().size() == 0);
  CHECK_FALSE(Answer(unneeded).getReceipt().getSale().hasApprovedBy());
  CHECK(Denied(till.Sale(till.kate(), {{"MUG", 1, -1, 0}}, Approval{"olga", "wrong-password"})));
}

TEST_CASE(
    "limits headquarters sets apply at the till: the office's own, then chain-wide, then built in",
    "[node][frontdesk][sales][approval]") {
  Till till;
  const std::vector<Line> fifteen_off = {{"MUG", 2, -1, 150}};  // 15% of 10.00
  const std::vector<Line> twenty_cut = {{"PEN", 1, 800, 0}};    // 8.00 for a 10.00 pen
  CHECK(Denied(till.Sale(till.kate(), fifteen_off)));

  till.SetLimits("", schema::Role::CASHIER, 2'000, std::nullopt);  // chain-wide: 20% discounts
  CHECK(Answer(till.Sale(till.kate(), fifteen_off)).isReceipt());
  CHECK(Denied(till.Sale(till.kate(), twenty_cut)));  // price cuts: still built in (0%)

  // LON's own record: 5% discounts, 25% price cuts.
  till.SetLimits("LON", schema::Role::CASHIER, 500, 2'500);
  auto refused = till.Sale(till.kate(), fifteen_off);
  CHECK(Contains(Message(refused), "a cashier may give a discount of at most 5% at LON"));
  CHECK(Answer(till.Sale(till.kate(), twenty_cut)).isReceipt());
  // Back to the chain-wide one.
  till.SetLimits("LON", schema::Role::CASHIER, kLimitNotSet, std::nullopt);
  CHECK(Answer(till.Sale(till.kate(), fifteen_off)).isReceipt());

  // A manager's own limit bounds what they approve, too.
  till.SetLimits("LON", schema::Role::OFFICE_MANAGER, std::nullopt, 5'000);
  const std::vector<Line> cheap_pen = {{"PEN", 1, 1, 0}};
  auto beyond = till.Sale(till.kate(), cheap_pen, Approval{"olga", "olga-password"});
  CHECK(Denied(beyond));
  CHECK(Contains(Message(beyond), "olga (an office manager) may approve at most 50%"));
  CHECK(Answer(till.Sale(till.kate(), {{"PEN", 1, 600, 0}}, Approval{"olga", "olga-password"}))
            .isReceipt());

  auto view = till.store().Read();
  REQUIRE(view.ok());
  auto at_lon = ExplainTillLimits(*view, "LON", schema::Role::CASHIER);
  REQUIRE(at_lon.ok());
  CHECK(at_lon->limits.max_discount_bp == 2'000);
  CHECK(at_lon->max_discount_from == LimitSource::kChain);
  CHECK(at_lon->limits.max_price_cut_bp == 2'500);
  CHECK(at_lon->max_price_cut_from == LimitSource::kOffice);
}

TEST_CASE("limits are written as headquarters' records, refused for an office not enrolled",
          "[node][approval]") {
  CHECK(*ParseLimit("10%", "x") == 1'000);
  CHECK(*ParseLimit("7.5%", "x") == 750);
  CHECK(*ParseLimit("2.25", "x") == 225);
  CHECK(*ParseLimit("unlimited", "x") == kAllBasisPoints);
  CHECK(*ParseLimit("default", "x") == kLimitNotSet);
  for (const char* bad : {"", "%", "ten", "101%", "1.234%", "-5%", "5.%"}) {
    INFO(bad);
    CHECK(ParseLimit(bad, "max-discount").status().field() == "max-discount");
  }
  CHECK(FormatLimit(750) == "7.5%");
  CHECK(FormatLimit(kAllBasisPoints) == "unlimited");
  // Headquarters' data: no hub takes it from an office below.
  CHECK(IsHeadquartersKind(EntityKind::TILL_LIMIT));

  testing::TempDir dir;
  ManualClock wall(kNoon);
  auto store = Store::Open({dir.path(), 4u << 20, 1u << 30, true}, wall);
  REQUIRE(store.ok());
  HybridClock hlc(wall, (*store)->node_id(), 60'000);
  Writer writer(**store);
  CHECK(SetTillLimits(writer, hlc, TillLimitChange{"LON", schema::Role::CASHIER, 500, {}}, "crm-hq")
            .code() == StatusCode::kNotFound);
  CHECK(SetTillLimits(writer, hlc, TillLimitChange{"", schema::Role::CASHIER, 10'001, {}}, "crm-hq")
            .code() == StatusCode::kInvalidArgument);
  REQUIRE(SetTillLimits(writer, hlc, TillLimitChange{"", schema::Role::CASHIER, 500, {}}, "crm-hq")
              .ok());
  REQUIRE(SetTillLimits(writer, hlc, TillLimitChange{"", schema::Role::CASHIER, {}, 100}, "crm-hq")
              .ok());
  auto view = (*store)->Read();
  REQUIRE(view.ok());
  auto rows = ListTillLimits(*view);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);  // one record per office and role, changed in place
  CHECK((*rows)[0].max_discount_bp == 500);
  CHECK((*rows)[0].max_price_cut_bp == 100);
}

TEST_CASE("an approval's password is hashed on one of the desk's login threads, not the caller's",
          "[node][frontdesk][approval]") {
  Till till;
  auto answered = std::make_shared<std::promise<std::string>>();
  std::future<std::string> thread_name = answered->get_future();
  std::string request = till.Encode(till.kate(), [](Request::Builder r) {
    auto sale = r.initRecordSale();
    auto line = sale.initLines(1)[0];
    line.setSku("PEN");
    line.setQuantity(1);
    line.setUnitPrice(1);
    sale.initPayments(1)[0].setMethod(schema::PaymentMethod::CASH);
    sale.initApproval().setLogin("olga");
    sale.getApproval().setPassword("not-her-password");
  });
  till.desk().HandleAsync(request, [answered](std::string response) {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    auto decoded = DecodedMessage::Decode(response);
    answered->set_value(decoded.ok() && decoded->Root<Response>().isError() ? name : "not refused");
  });
  CHECK(thread_name.get() == "crm-desk-login");
}

TEST_CASE("wrong approval passwords count as failed logins: throttled, then the approver's login locked",
          "[node][frontdesk][approval][throttle]") {
  Till till;
  const std::vector<Line> cheap_pen = {{"PEN", 1, 1, 0}};
  auto guess = [&] { return till.Sale(till.kate(), cheap_pen, Approval{"olga", "guessed-password"}); };
  // The first failures are free; then each next attempt waits, and one made
  // before its wait is over is refused at once (no hash), on the approval.
  for (int i = 0; i < 3; ++i) CHECK(Message(guess()) == "wrong login or password for the approval");
  auto throttled = guess();
  CHECK(Answer(throttled).getError().getCode() == schema::ErrorCode::PERMISSION_DENIED);
  CHECK(Field(throttled) == "approval");
  CHECK(Contains(Message(throttled), "too many failed logins"));
  // Even the right password waits.
  CHECK(Field(till.Sale(till.kate(), cheap_pen, Approval{"olga", "olga-password"})) == "approval");
  // Guessing on (each after its wait) locks olga's login: no approval and no
  // login of hers until an admin lifts it.
  for (int i = 3; i < 10; ++i) {
    till.wall().Advance(16 * 60'000);
    auto answer = guess();
    if (i < 9) CHECK(Message(answer) == "wrong login or password for the approval");
    if (i == 9) CHECK(Contains(Message(answer), "locked after too many failed attempts"));
  }
  till.Audit();  // the lock is written soon after
  till.wall().Advance(16 * 60'000);
  auto locked = till.Sale(till.kate(), cheap_pen, Approval{"olga", "olga-password"});
  CHECK(Denied(locked));
  CHECK(Field(locked) == "approval");
  CHECK(Contains(Message(locked), "pos user unlock"));
  auto login = till.Call("", [](Request::Builder r) {
    r.initLogin().setLogin("olga");
    r.getLogin().setPassword("olga-password");
  });
  CHECK(Answer(login).isError());
  CHECK(till.SaleCount() == 0);
  bool audited_lock = false;
  for (const AuditRecord& record : till.Audit()) {
    audited_lock |= record.event.action == "lock a login" &&
                    Contains(record.event.detail, "10 failed logins in a row");
  }
  CHECK(audited_lock);
}

TEST_CASE("a cashier refunds with an office manager's approval, and only with one whose role may",
          "[node][frontdesk][refund][approval][audit]") {
  Till till;
  auto sold = till.Sale(till.olga(), {{"MUG", 2}});
  REQUIRE(Answer(sold).isReceipt());
  const std::string receipt = Answer(sold).getReceipt().getSale().getReceiptNo().cStr();
  auto refund = [&](const std::string& session, std::optional<Approval> approval,
                    Id request_id = Id{}) {
    return till.Call(
        session,
        [&](Request::Builder r) {
          auto args = r.initRefundSale();
          args.setSale(receipt);
          auto line = args.initLines(1)[0];
          line.setLineIndex(0);
          line.setQuantity(1);
          args.setMethod(schema::PaymentMethod::CASH);
          if (approval) {
            args.initApproval().setLogin(approval->login);
            args.getApproval().setPassword(approval->password);
          }
        },
        request_id);
  };

  auto alone = refund(till.kate(), std::nullopt);
  CHECK(Denied(alone));
  CHECK(Field(alone).empty());
  CHECK(Message(alone) == "a cashier may not refund a sale; it takes an office manager");
  auto wrong = refund(till.kate(), Approval{"olga", "guessed-password"});
  CHECK(Denied(wrong));
  CHECK(Field(wrong) == "approval");
  CHECK(Message(wrong) == "wrong login or password for the approval");
  auto by_cashier = refund(till.kate(), Approval{"ivan", "ivan-password"});
  CHECK(Denied(by_cashier));
  CHECK(Field(by_cashier) == "approval");
  CHECK(Message(by_cashier) ==
        "ivan is a cashier and may not approve: to refund a sale takes an office manager");

  const Id request = Id::Generate(kNoon);
  auto approved = refund(till.kate(), Approval{"olga", "olga-password"}, request);
  INFO(Message(approved));
  REQUIRE(Answer(approved).isRefund());
  CHECK(Answer(approved).getRefund().getRefund().getAmount() == 500);
  CHECK(IdFromWire(Answer(approved).getRefund().getRefund().getCashier()) == till.UserId("kate"));
  // A retry gets the first refund back; nothing is refunded twice.
  auto retry = refund(till.kate(), Approval{"olga", "olga-password"}, request);
  REQUIRE(Answer(retry).isRefund());
  CHECK(IdFromWire(Answer(retry).getRefund().getId()) ==
        IdFromWire(Answer(approved).getRefund().getId()));
  // A manager needs nobody's approval.
  CHECK(Answer(refund(till.olga(), std::nullopt)).isRefund());

  std::vector<std::string> lines;
  for (const AuditRecord& record : till.Audit()) {
    const AuditEvent& e = record.event;
    if (e.action != "refund a sale" && e.action != "approve a refund") continue;
    lines.push_back(e.login + (e.refused ? " REFUSED " : " ") + e.action +
                    (e.approver_login.empty() ? "" : " by " + e.approver_login) +
                    (e.refused ? ": " + e.detail : ""));
  }
  CHECK(lines ==
        std::vector<std::string>{
            "kate REFUSED refund a sale: a cashier may not refund a sale; it takes an office "
            "manager",
            "kate REFUSED approve a refund by olga: wrong password",
            "kate REFUSED refund a sale by ivan: ivan is a cashier and may not approve: to refund "
            "a sale takes an office manager",
            "kate refund a sale by olga",
            "olga refund a sale"});
  CHECK_FALSE(Contains(till.StoreFile(), "olga-password"));
  CHECK_FALSE(Contains(till.StoreFile(), "guessed-password"));
}

}  // namespace
}  // namespace crm
