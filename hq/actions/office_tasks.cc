#include "hq/actions/office_tasks.h"

#include <algorithm>

#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"

namespace crm {

Result<size_t> MakeOfficeTasks(Writer& writer, HybridClock& hlc,
                               const std::vector<OfficeTask>& tasks, int64_t now_ms) {
  size_t made = 0;
  constexpr size_t kBatch = 1000;
  for (size_t from = 0; from < tasks.size(); from += kBatch) {
    size_t batch_made = 0;
    CRM_RETURN_IF_ERROR(writer.Run([&](StoreTxn& txn) -> Status {
      batch_made = 0;  // the writer may run this again after growing the map
      for (size_t i = from; i < std::min(tasks.size(), from + kBatch); ++i) {
        const OfficeTask& t = tasks[i];
        auto existing = txn.Get(EntityKind::TASK, t.id);
        if (existing.ok()) continue;
        if (existing.status().code() != StatusCode::kNotFound) return existing.status();
        ChangeMessage change = ChangeMessage::Patch(EntityKind::TASK, t.id, hlc.Now(), Id{});
        auto task = change.record<schema::Task>();
        IdToWire(t.client, task.initClient());
        task.setTitle(t.title);
        task.setDue(t.due_ms);
        task.setStatus(schema::TaskStatus::OPEN);
        task.setOffice(t.office);
        task.setCreatedAt(now_ms);
        for (const char* f : {"client", "title", "due", "status", "office", "createdAt"}) {
          CRM_RETURN_IF_ERROR(change.Set(f));
        }
        CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
        ++batch_made;
      }
      return Status::Ok();
    }));
    made += batch_made;
  }
  return made;
}

}  // namespace crm
