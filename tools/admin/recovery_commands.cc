#include "tools/admin/recovery_commands.h"

#include <fmt/format.h>

#include "node/common/local_time.h"
#include "node/common/serve_lock.h"
#include "node/frontdesk/login_guard.h"
#include "node/store/audit.h"
#include "node/store/clock_repair.h"
#include "node/store/runtime.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "tools/admin/common.h"

namespace crm::admin {
namespace {

// Lifts the lock of `login`, as `pos user unlock` does, and audits it.
int Unlock(StoreRuntime& opened, const std::string& login) {
  Status lifted = opened.writer->Run([&](StoreTxn& txn) -> Status {
    CRM_ASSIGN_OR_RETURN(bool was_locked, txn.UnlockLogin(LoginKey(login)));
    if (!was_locked) return Status::NotFound("the login '" + login + "' is not locked");
    AuditEvent event;
    event.time_ms = opened.wall.NowMillis();
    event.login = "crm-admin";
    event.role = schema::Role::ADMIN;
    event.action = "lift a login's lock";
    event.detail = login;
    return AppendAudit(txn, event);
  });
  if (!lifted.ok()) return Fail(lifted);
  fmt::print(
      "{} may log in again (a node serving the store forgets its failures at its next "
      "restart; until then its waits still apply)\n",
      login);
  return 0;
}

// Prints the store's newest stamp beside this clock, and what to do if the
// stamps run ahead by more than `max_skew_ms`.
int ShowClock(StoreRuntime& opened, const std::string& dir, int64_t max_skew_ms) {
  auto view = opened.store->Read();
  if (!view.ok()) return Fail(view.status());
  auto newest = view->HlcHighWater();
  if (!newest.ok()) return Fail(newest.status());
  const Stamp high_water = *newest;
  const int64_t now = opened.wall.NowMillis();
  fmt::print("newest stamp  {}\nthis clock    {}\n", FormatUtc(high_water.physical),
             FormatUtc(now));
  if (high_water.physical - now > max_skew_ms) {
    fmt::print(
        "the store's stamps run {} ahead of this clock: if the clock is right, stop the "
        "node and run crm-admin clock repair --data {}\n",
        FormatSpan(high_water.physical - now), dir);
  }
  return 0;
}

// Brings the stamps more than `max_skew_ms` ahead of this clock back to now;
// refused while a node serves the store.
int RepairStoreClock(StoreRuntime& opened, const std::string& dir, int64_t max_skew_ms) {
  auto serving = ServeLock::Take(dir, "crm-admin clock repair");
  if (!serving.ok()) return Fail(serving.status());
  auto repaired = RepairClock(*opened.store, *opened.writer, opened.wall, max_skew_ms);
  if (!repaired.ok()) return Fail(repaired.status());
  if (repaired->records == 0 && repaired->high_water_before == repaired->high_water_after) {
    fmt::print("nothing to repair: no stamp lies more than {} ahead of this clock ({})\n",
               FormatSpan(max_skew_ms), FormatUtc(opened.wall.NowMillis()));
    return 0;
  }
  fmt::print(
      "newest stamp was {}, now {}\n{} records brought back to the present; {} changes "
      "logged to carry their values to the hub\n",
      FormatUtc(repaired->high_water_before.physical),
      FormatUtc(repaired->high_water_after.physical), repaired->records, repaired->changes);
  return 0;
}

}  // namespace

RecoveryCommands::RecoveryCommands(CLI::App& app) {
  unlock_ = app.add_subcommand(
      "unlock",
      "lift the lock of a login that failed too many times in a row (pos user unlock, "
      "without a session: for an admin who locked themselves out)");
  unlock_->add_option("--data", data_, "store directory")->required();
  unlock_->add_option("--login", unlock_login_, "the locked login")->required();

  CLI::App* clock = app.add_subcommand("clock", "a store's stamps against this machine's clock");
  clock->require_subcommand(1);
  clock_show_ = clock->add_subcommand("show", "the newest stamp the store holds, and this clock");
  clock_show_->add_option("--data", data_, "store directory")->required();
  clock_repair_ = clock->add_subcommand(
      "repair",
      "after a clock was set far ahead and then back: give every stamp in the future a stamp of "
      "now, and log changes that carry those values to the hub (the node must be stopped)");
  clock_repair_->add_option("--data", data_, "store directory")->required();
  clock_repair_
      ->add_option("--max-skew-ms", max_skew_ms_,
                   "stamps further ahead of this clock count as in the future")
      ->capture_default_str();
}

std::optional<int> RecoveryCommands::Run() {
  if (!*unlock_ && !*clock_show_ && !*clock_repair_) return std::nullopt;
  StoreRuntime opened;
  if (Status s = OpenStore(opened, data_, true); !s.ok()) return Fail(s);
  if (*unlock_) return Unlock(opened, unlock_login_);
  if (*clock_show_) return ShowClock(opened, data_, max_skew_ms_);
  return RepairStoreClock(opened, data_, max_skew_ms_);
}

}  // namespace crm::admin
