// The work queue and the deals at the front desk, through encoded requests:
// who is named how, who may work which task, reassigning and snoozing, and
// the deals with their pipeline (docs/frontdesk.md, "The work queue",
// "Deals").
#include <capnp/message.h>
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "node/frontdesk/frontdesk.h"
#include "node/frontdesk/password.h"
#include "node/sales/pipeline.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"
#include "tests/support/desk_parts.h"
#include "tests/support/desk_request.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using schema::Request;
using schema::Role;

constexpr int64_t kNoon = 1'795'348'800'000;  // 2026-11-22 12:00 UTC (13:00 in Berlin)
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;

// A desk of office LON (in Berlin's time zone, so office time is not UTC)
// with its admin, the cashiers kate and bob and the office manager olga.
class QueueDesk {
 public:
  QueueDesk() {
    OfficeConfig office;
    office.code = "LON";
    office.phone_region = "GB";
    office.currency = "GBP";
    office.time_zone = "Europe/Berlin";
    office.password_cost = PasswordCost::Cheap();
    office.session_idle_ms = 365 * 86'400'000LL;  // the tests move the clock on by days
    REQUIRE(office.Validate().ok());
    parts_ = testing::OpenDesk(dir_.path(), wall_, office);
    REQUIRE(parts_.desk->BootstrapAdmin("admin", "Admin", "admin-password").ok());
    admin = Login("admin", "admin-password");
    kate = Create("kate", "Kate Lee", Role::CASHIER);
    bob = Create("bob", "", Role::CASHIER);
    olga = Create("olga", "Olga Petrova", Role::OFFICE_MANAGER);
    auto client = Call(kate, [&](Request::Builder r) {
      auto save = r.initSaveClient();
      save.initClient().setFirstName("Anna");
      save.getClient().setLastName("Smith");
      save.initAddPhones(1).set(0, "020 7946 0958");
    });
    REQUIRE(client.ok());
    anna = IdFromWire(client.get().getSaved());
  }

  using Reply = testing::DeskReply;
  Reply Call(const std::string& session, const testing::FillRequest& fill) {
    return testing::SendToDesk(*parts_.desk, testing::EncodeDeskRequest(wall_, session, fill));
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
  std::string Create(const std::string& login, const std::string& name, Role role) {
    auto reply = Call(admin, [&](Request::Builder r) {
      auto user = r.initCreateUser();
      user.setLogin(login);
      user.setDisplayName(name);
      user.setRole(role);
      user.setPassword(login + "-password");
    });
    INFO(reply.error());
    REQUIRE(reply.ok());
    return Login(login, login + "-password");
  }

  // Applies a change as replication would bring it from elsewhere.
  void Arrive(ChangeMessage& change) {
    REQUIRE(parts_.writer->Run([&](StoreTxn& txn) { return txn.ApplyLocal(change.change()).status(); }).ok());
  }
  // A user of another office, as the directory brings it.
  void ArriveUser(const std::string& login, const std::string& office) {
    ChangeMessage change = ChangeMessage::Patch(EntityKind::USER, Id::Generate(wall_.NowMillis()),
                                                parts_.hlc->Now(), Id{});
    auto user = change.record<schema::User>();
    user.setLogin(login);
    user.setOffice(office);
    user.setRole(Role::CASHIER);
    user.setActive(true);
    for (const char* f : {"login", "office", "role", "active"}) REQUIRE(change.Set(f).ok());
    Arrive(change);
  }
  // A task headquarters made for `office` (no createdBy, as crm-hq writes it).
  Id ArriveHqTask(const std::string& office, const std::string& title, int64_t due) {
    const Id id = Id::Generate(wall_.NowMillis());
    ChangeMessage change = ChangeMessage::Patch(EntityKind::TASK, id, parts_.hlc->Now(), Id{});
    auto task = change.record<schema::Task>();
    IdToWire(anna, task.initClient());
    task.setTitle(title);
    task.setDue(due);
    task.setStatus(schema::TaskStatus::OPEN);
    task.setOffice(office);
    task.setCreatedAt(wall_.NowMillis());
    for (const char* f : {"client", "title", "due", "status", "office", "createdAt"}) {
      REQUIRE(change.Set(f).ok());
    }
    Arrive(change);
    return id;
  }

  Id Task(const std::string& session, const std::string& title, int64_t due,
          const std::string& assignee) {
    auto reply = Call(session, [&](Request::Builder r) {
      auto t = r.initCreateTask();
      IdToWire(anna, t.initClient());
      t.setTitle(title);
      t.setDue(due);
      t.setAssignee(assignee);
    });
    INFO(reply.error());
    REQUIRE(reply.ok());
    return IdFromWire(reply.get().getSaved());
  }
  Reply Done(const std::string& session, const Id& task) {
    return Call(session, [&](Request::Builder r) { IdToWire(task, r.initCompleteTask()); });
  }
  Reply Reassign(const std::string& session, const Id& task, const std::string& to) {
    return Call(session, [&](Request::Builder r) {
      auto args = r.initReassignTask();
      IdToWire(task, args.initTask());
      args.setTo(to);
    });
  }
  Reply Snooze(const std::string& session, const Id& task, const std::string& until, uint32_t days) {
    return Call(session, [&](Request::Builder r) {
      auto args = r.initSnoozeTask();
      IdToWire(task, args.initTask());
      args.setUntilLocal(until);
      args.setDays(days);
    });
  }
  // The queue as `session` sees it.
  Reply Queue(const std::string& session, bool mine = false) {
    auto reply = Call(session, [&](Request::Builder r) { r.initListTasks().setMine(mine); });
    INFO(reply.error());
    REQUIRE(reply.ok());
    return reply;
  }
  // The stored task.
  schema::Task::Reader Stored(const Id& task, std::unique_ptr<Record>& keep) {
    auto view = parts_.store->Read();
    REQUIRE(view.ok());
    auto record = view->Get(EntityKind::TASK, task);
    REQUIRE(record.ok());
    keep = std::make_unique<Record>(std::move(record).value());
    return keep->value<schema::Task>();
  }

  ManualClock& wall() { return wall_; }

 private:
  testing::TempDir dir_;
  ManualClock wall_{kNoon};
  testing::DeskParts parts_;

 public:
  std::string admin, kate, bob, olga;
  Id anna;
};

const schema::TaskItem::Reader* Find(const std::vector<schema::TaskItem::Reader>& items,
                                     const std::string& title) {
  for (const auto& item : items) {
    if (title == item.getTask().getTitle().cStr()) return &item;
  }
  return nullptr;
}

std::vector<schema::TaskItem::Reader> Items(const testing::DeskReply& reply) {
  std::vector<schema::TaskItem::Reader> items;
  for (auto item : reply.get().getTasks()) items.push_back(item);
  return items;
}

TEST_CASE("the work queue names people by login and name and says which tasks came from headquarters",
          "[frontdesk][tasks]") {
  QueueDesk d;
  d.Task(d.kate, "call Anna back", kNoon + kHour, "bob");
  d.ArriveHqTask("LON", "Birthday greeting", kNoon - kHour);
  d.ArriveHqTask("MAN", "Manchester's reminder", kNoon - kHour);

  auto reply = d.Queue(d.kate);
  auto items = Items(reply);
  REQUIRE(items.size() == 2);  // Manchester's task is not LON's
  const auto* mine = Find(items, "call Anna back");
  REQUIRE(mine != nullptr);
  CHECK(std::string(mine->getAssigneeLogin().cStr()) == "bob");
  CHECK(std::string(mine->getAssigneeName().cStr()) == "bob");  // made without one: the login
  CHECK(std::string(mine->getCreatedByLogin().cStr()) == "kate");
  CHECK(std::string(mine->getCreatedByName().cStr()) == "Kate Lee");
  CHECK_FALSE(mine->getFromHeadquarters());
  CHECK_FALSE(mine->getOverdue());
  CHECK(std::string(mine->getClient().cStr()) == "Anna Smith");
  const auto* greeting = Find(items, "Birthday greeting");
  REQUIRE(greeting != nullptr);
  CHECK(greeting->getFromHeadquarters());
  CHECK(std::string(greeting->getCreatedByLogin().cStr()).empty());
  CHECK(greeting->getOverdue());
  CHECK(std::string(greeting->getAssigneeLogin().cStr()).empty());
  // kate may work the unassigned greeting, not bob's call.
  CHECK(greeting->getMayWork());
  CHECK_FALSE(mine->getMayWork());
  // The manager may work both.
  auto managed = d.Queue(d.olga);
  for (auto item : managed.get().getTasks()) CHECK(item.getMayWork());
}

TEST_CASE("a cashier works their own and unassigned tasks of the office and a manager every task of it",
          "[frontdesk][tasks]") {
  QueueDesk d;
  Id bobs = d.Task(d.kate, "bob's call", kNoon + kHour, "bob");
  Id unassigned = d.ArriveHqTask("LON", "repurchase reminder", kNoon + kHour);
  Id manchester = d.ArriveHqTask("MAN", "Manchester's reminder", kNoon + kHour);

  auto refused = d.Done(d.kate, bobs);
  CHECK(refused.code() == schema::ErrorCode::PERMISSION_DENIED);
  CHECK(refused.error().find("own and unassigned") != std::string::npos);
  CHECK(d.Reassign(d.kate, bobs, "kate").code() == schema::ErrorCode::PERMISSION_DENIED);
  CHECK(d.Snooze(d.kate, bobs, "", 1).code() == schema::ErrorCode::PERMISSION_DENIED);
  // Another office's task is nobody's here, a manager's neither.
  CHECK(d.Done(d.olga, manchester).code() == schema::ErrorCode::PERMISSION_DENIED);

  auto taken = d.Done(d.kate, unassigned);
  INFO(taken.error());
  CHECK(taken.ok());
  CHECK(d.Done(d.bob, bobs).ok());  // bob's own
  Id another = d.Task(d.kate, "another of bob's", kNoon + kHour, "bob");
  CHECK(d.Done(d.olga, another).ok());  // the manager's office
  // Done twice is a conflict, whoever asks.
  auto twice = d.Done(d.olga, another);
  CHECK(twice.code() == schema::ErrorCode::CONFLICT);
  CHECK(twice.error().find("done already") != std::string::npos);
}

TEST_CASE("a task is reassigned to an active user of the office only", "[frontdesk][tasks]") {
  QueueDesk d;
  Id task = d.Task(d.kate, "call Anna back", kNoon + kHour, "");
  d.ArriveUser("ivan", "MSK");

  auto unknown = d.Reassign(d.kate, task, "nobody");
  CHECK(unknown.code() == schema::ErrorCode::NOT_FOUND);
  CHECK(unknown.error_field() == "to");
  CHECK(unknown.error().find("no user 'nobody' at office LON") != std::string::npos);

  auto elsewhere = d.Reassign(d.kate, task, "ivan@MSK");
  CHECK(elsewhere.code() == schema::ErrorCode::INVALID_ARGUMENT);
  CHECK(elsewhere.error_field() == "to");
  CHECK(elsewhere.error().find("a user of office MSK") != std::string::npos);

  auto deactivated = d.Call(d.admin, [&](Request::Builder r) {
    auto args = r.initSetUserActive();
    args.setLogin("bob");
    args.setActive(false);
  });
  REQUIRE(deactivated.ok());
  auto inactive = d.Reassign(d.kate, task, "bob");
  CHECK(inactive.code() == schema::ErrorCode::INVALID_ARGUMENT);
  CHECK(inactive.error().find("'bob' is deactivated") != std::string::npos);

  auto given = d.Reassign(d.kate, task, "olga");
  INFO(given.error());
  REQUIRE(given.ok());
  std::unique_ptr<Record> keep;
  auto queue = d.Queue(d.olga, /*mine=*/true);
  REQUIRE(queue.get().getTasks().size() == 1);
  CHECK(std::string(queue.get().getTasks()[0].getAssigneeLogin().cStr()) == "olga");
  CHECK(std::string(queue.get().getTasks()[0].getAssigneeName().cStr()) == "Olga Petrova");
  // Now olga's: kate, a cashier, may no longer work it.
  CHECK(d.Done(d.kate, task).code() == schema::ErrorCode::PERMISSION_DENIED);
  // Only the assignee changed.
  auto stored = d.Stored(task, keep);
  CHECK(stored.getStatus() == schema::TaskStatus::OPEN);
  CHECK(stored.getDue() == kNoon + kHour);
  CHECK(d.Reassign(d.olga, task, "").error_field() == "to");
}

TEST_CASE("a task is snoozed to a time in the office's zone or by days", "[frontdesk][tasks]") {
  QueueDesk d;
  Id task = d.Task(d.kate, "call Anna back", kNoon - kHour, "");
  std::unique_ptr<Record> keep;

  // 15:00 in Berlin on 25 November is 14:00 UTC.
  auto until = d.Snooze(d.kate, task, "2026-11-25T15:00", 0);
  INFO(until.error());
  REQUIRE(until.ok());
  CHECK(d.Stored(task, keep).getDue() == kNoon + 3 * kDay + 2 * kHour);
  // A date alone is 09:00 there.
  REQUIRE(d.Snooze(d.kate, task, "2026-11-26", 0).ok());
  CHECK(d.Stored(task, keep).getDue() == kNoon + 4 * kDay - 4 * kHour);
  // Days count from the due time while it lies ahead ...
  REQUIRE(d.Snooze(d.kate, task, "", 2).ok());
  CHECK(d.Stored(task, keep).getDue() == kNoon + 6 * kDay - 4 * kHour);
  // ... and from now once it has passed.
  d.wall().Advance(10 * kDay);
  REQUIRE(d.Snooze(d.kate, task, "", 1).ok());
  CHECK(d.Stored(task, keep).getDue() == kNoon + 11 * kDay);

  auto past = d.Snooze(d.kate, task, "2026-11-23T10:00", 0);
  CHECK(past.code() == schema::ErrorCode::INVALID_ARGUMENT);
  CHECK(past.error().find("has passed already") != std::string::npos);
  auto garbled = d.Snooze(d.kate, task, "next tuesday", 0);
  CHECK(garbled.error_field() == "until");
  CHECK(garbled.error().find("not a date like 2026-11-30") != std::string::npos);
  CHECK(d.Snooze(d.kate, task, "2026-02-30", 0).error_field() == "until");
  CHECK(d.Snooze(d.kate, task, "", 0).error_field() == "until");
  CHECK(d.Snooze(d.kate, task, "2026-12-30", 3).error_field() == "until");
  CHECK(d.Snooze(d.kate, task, "", 366).error_field() == "days");
  CHECK(d.Snooze(d.kate, task, "2040-01-01", 0).error().find("five years") != std::string::npos);
  REQUIRE(d.Done(d.kate, task).ok());
  CHECK(d.Snooze(d.kate, task, "", 1).code() == schema::ErrorCode::CONFLICT);
}

// ------------------------------------------------------------------ deals

Id OpenDeal(QueueDesk& d, const std::string& session, const std::string& title, int64_t amount,
            schema::DealStage stage) {
  auto reply = d.Call(session, [&](Request::Builder r) {
    auto deal = r.initSaveDeal();
    IdToWire(d.anna, deal.initClient());
    deal.setTitle(title);
    deal.setAmount(amount);
    deal.setStage(stage);
  });
  INFO(reply.error());
  REQUIRE(reply.ok());
  return IdFromWire(reply.get().getSaved());
}

void Move(QueueDesk& d, const Id& deal, schema::DealStage stage) {
  auto reply = d.Call(d.olga, [&](Request::Builder r) {
    auto args = r.initSaveDeal();
    IdToWire(deal, args.initDeal());
    args.setStage(stage);
  });
  INFO(reply.error());
  REQUIRE(reply.ok());
}

TEST_CASE("the office's deals are listed by stage with owners by name and the pipeline's amounts",
          "[frontdesk][deals]") {
  using Stage = schema::DealStage;
  QueueDesk d;
  OpenDeal(d, d.kate, "Kitchen refit", 120000, Stage::LEAD);
  d.wall().Advance(3 * kDay);
  OpenDeal(d, d.kate, "Garden shed", 45000, Stage::LEAD);
  Id proposal = OpenDeal(d, d.bob, "Conservatory", 800000, Stage::PROPOSAL);
  Id won = OpenDeal(d, d.olga, "Bathroom", 300000, Stage::NEGOTIATION);
  Move(d, won, Stage::WON);
  d.wall().Advance(kDay);

  auto list = [&](const std::string& session, const testing::FillRequest& fill) {
    auto reply = d.Call(session, fill);
    INFO(reply.error());
    REQUIRE(reply.ok());
    REQUIRE(reply.get().isDeals());
    return reply;
  };
  auto all = list(d.kate, [](Request::Builder r) { r.initListDeals(); });
  auto deals = all.get().getDeals();
  CHECK(deals.getTotal() == 4);
  std::vector<std::string> order;
  for (auto item : deals.getDeals()) order.push_back(item.getDeal().getTitle().cStr());
  // Stage by stage in pipeline order, the newest first within one.
  CHECK(order == std::vector<std::string>{"Garden shed", "Kitchen refit", "Conservatory", "Bathroom"});
  auto first = deals.getDeals()[1];
  CHECK(std::string(first.getClient().cStr()) == "Anna Smith");
  CHECK(std::string(first.getOwnerLogin().cStr()) == "kate");
  CHECK(std::string(first.getOwnerName().cStr()) == "Kate Lee");
  CHECK(first.getAgeDays() == 4);
  CHECK(std::string(first.getDeal().getCurrency().cStr()) == "GBP");

  auto pipeline = deals.getPipeline();
  REQUIRE(pipeline.size() == 6);
  std::map<std::string, std::pair<uint32_t, int64_t>> stages;
  for (auto stage : pipeline) {
    int64_t amount = 0;
    for (auto a : stage.getAmounts()) {
      CHECK(std::string(a.getCurrency().cStr()) == "GBP");
      amount += a.getAmount();
    }
    stages[std::string(DealStageName(stage.getStage()))] = {stage.getCount(), amount};
  }
  CHECK(pipeline[0].getStage() == Stage::LEAD);
  CHECK(pipeline[5].getStage() == Stage::LOST);
  CHECK(stages["lead"] == std::pair<uint32_t, int64_t>{2, 165000});
  CHECK(stages["proposal"] == std::pair<uint32_t, int64_t>{1, 800000});
  CHECK(stages["won"] == std::pair<uint32_t, int64_t>{1, 300000});
  CHECK(stages["negotiation"].first == 0);

  auto mine = list(d.kate, [](Request::Builder r) { r.initListDeals().setMine(true); });
  CHECK(mine.get().getDeals().getTotal() == 2);
  auto open = list(d.kate, [](Request::Builder r) { r.initListDeals().setOpen(true); });
  CHECK(open.get().getDeals().getTotal() == 3);
  CHECK(open.get().getDeals().getPipeline()[4].getCount() == 0);  // won left out
  auto at_proposal = list(d.kate, [](Request::Builder r) {
    r.initListDeals().setByStage(true);
    r.getListDeals().setStage(Stage::PROPOSAL);
  });
  REQUIRE(at_proposal.get().getDeals().getDeals().size() == 1);
  CHECK(IdFromWire(at_proposal.get().getDeals().getDeals()[0].getId()) == proposal);
  auto limited = list(d.kate, [](Request::Builder r) { r.initListDeals().setLimit(1); });
  CHECK(limited.get().getDeals().getDeals().size() == 1);
  CHECK(limited.get().getDeals().getTotal() == 4);
  CHECK(d.Call(d.kate, [](Request::Builder r) { r.initListDeals().setLimit(1001); }).error_field() ==
        "limit");

  // The card lists the client's deals the same way, open ones first.
  auto card = d.Call(d.kate, [&](Request::Builder r) { IdToWire(d.anna, r.initGetClientCard()); });
  REQUIRE(card.ok());
  auto on_card = card.get().getCard().getDeals();
  REQUIRE(on_card.size() == 4);
  CHECK(std::string(on_card[0].getDeal().getTitle().cStr()) == "Garden shed");
  CHECK(std::string(on_card[3].getDeal().getTitle().cStr()) == "Bathroom");
  CHECK(std::string(on_card[3].getOwnerName().cStr()) == "Olga Petrova");
  CHECK(on_card[3].getAgeDays() == 0);  // won the day it was opened: its age stops at its close
}

TEST_CASE("the deal pipeline counts each stage's deals and sums each currency apart", "[sales][deals]") {
  capnp::MallocMessageBuilder message;
  DealPipeline pipeline;
  auto add = [&](schema::DealStage stage, int64_t amount, const char* currency) {
    auto deal = message.initRoot<schema::Deal>();
    deal.setStage(stage);
    deal.setAmount(amount);
    deal.setCurrency(currency);
    pipeline.Add(deal.asReader());
  };
  add(schema::DealStage::LEAD, 100, "GBP");
  add(schema::DealStage::LEAD, 250, "GBP");
  add(schema::DealStage::LEAD, 9000, "RUB");
  add(schema::DealStage::LOST, 70, "GBP");
  CHECK(pipeline.total() == 4);
  CHECK(pipeline.At(schema::DealStage::LEAD).count == 3);
  CHECK(pipeline.At(schema::DealStage::LEAD).amounts ==
        std::map<std::string, int64_t>{{"GBP", 350}, {"RUB", 9000}});
  CHECK(pipeline.At(schema::DealStage::LOST).amounts == std::map<std::string, int64_t>{{"GBP", 70}});
  CHECK(pipeline.At(schema::DealStage::WON).count == 0);
  CHECK(IsClosedStage(schema::DealStage::WON));
  CHECK_FALSE(IsClosedStage(schema::DealStage::NEGOTIATION));
}

}  // namespace
}  // namespace crm
