#include "hq/actions/reminders.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "hq/actions/office_tasks.h"
#include "hq/analytics/client_resolver.h"
#include "node/common/crypto.h"
#include "node/common/local_time.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

constexpr int64_t kDayMs = 86'400'000;

}  // namespace

Result<std::vector<Reminder>> RepurchaseReminders(const Store& store, int64_t& as_of_ms,
                                                  int64_t within_ms) {
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  ClientResolver clients(view);
  const bool to_end = as_of_ms <= 0;
  const int64_t until = to_end ? INT64_MAX : as_of_ms;
  int64_t latest = 0;
  std::unordered_map<Id, Reminder, IdHash> by_client;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::SALE, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto sale = stored.getValue().getAs<schema::Sale>();
        if (sale.getTime() >= until) return Status::Ok();
        latest = std::max(latest, sale.getTime());
        Id raw = sale.hasClient() ? IdFromWire(sale.getClient()) : Id{};
        if (raw.IsNull()) return Status::Ok();
        CRM_ASSIGN_OR_RETURN(Id client, clients.Resolve(raw));
        Reminder& r = by_client[client];
        r.client = client;
        if (r.receipts == 0 || sale.getTime() < r.first_sale) r.first_sale = sale.getTime();
        if (r.receipts == 0 || sale.getTime() >= r.last_sale) {
          r.last_sale = sale.getTime();
          r.office = sale.getOffice();
        }
        ++r.receipts;
        return Status::Ok();
      }));
  if (to_end) as_of_ms = (latest / kDayMs + 1) * kDayMs;
  std::vector<Reminder> due;
  for (auto& [id, r] : by_client) {
    if (r.receipts < 2) continue;
    r.interval_ms = (r.last_sale - r.first_sale) / static_cast<int64_t>(r.receipts - 1);
    r.due_ms = r.last_sale + r.interval_ms;
    if (r.due_ms >= as_of_ms || (within_ms > 0 && as_of_ms - r.due_ms > within_ms)) continue;
    auto record = view.Get(EntityKind::CLIENT, id);
    if (record.ok()) r.card = record->value<schema::Client>().getLoyaltyCard();
    due.push_back(std::move(r));
  }
  std::sort(due.begin(), due.end(), [](const Reminder& a, const Reminder& b) {
    return a.due_ms != b.due_ms ? a.due_ms > b.due_ms : a.client < b.client;
  });
  return due;
}

Result<size_t> MakeReminderTasks(Writer& writer, HybridClock& hlc, const std::vector<Reminder>& reminders,
                                 int64_t now_ms) {
  std::vector<OfficeTask> tasks;
  tasks.reserve(reminders.size());
  for (const Reminder& r : reminders) {
    OfficeTask& t = tasks.emplace_back();
    // The same client and due day give the same id on every run.
    t.id = DerivedId(fmt::format("reminder/{}/{}", r.client.ToString(), r.due_ms / kDayMs), r.due_ms);
    t.client = r.client;
    t.office = r.office;
    t.title = fmt::format("Repurchase reminder: buys about every {} days, last on {}, {} receipts",
                          std::max<int64_t>(1, r.interval_ms / kDayMs),
                          FormatLocalTime(r.last_sale, "UTC").substr(0, 10), r.receipts);
    t.due_ms = now_ms;
  }
  return MakeOfficeTasks(writer, hlc, tasks, now_ms);
}

}  // namespace crm
