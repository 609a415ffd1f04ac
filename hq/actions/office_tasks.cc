#include "hq/actions/office_tasks.h"

#include <algorithm>

#include "node/common/text.h"
#include "node/store/offices.h"
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

Result<Id> AddManagerTask(Writer& writer, HybridClock& hlc, const ManagerTask& task, int64_t now_ms) {
  if (task.title.empty() || task.title.size() > 200 || !IsCleanUtf8(task.title)) {
    return Status::InvalidArgument("title", "a task's title is 1 to 200 bytes of text");
  }
  if (task.client.IsNull()) return Status::InvalidArgument("client", "name the task's client");
  const Id id = Id::Generate(now_ms);
  CRM_RETURN_IF_ERROR(writer.Run([&](StoreTxn& txn) -> Status {
    CRM_ASSIGN_OR_RETURN(auto offices, OfficeCodesByNode(txn));
    if (std::none_of(offices.begin(), offices.end(),
                     [&](const auto& entry) { return entry.second == task.office; })) {
      return Status(StatusCode::kNotFound, "office '" + task.office + "' is not enrolled",
                    "office");
    }
    auto client = txn.Get(EntityKind::CLIENT, task.client);
    if (!client.ok() || !IsLive(client->stored())) {
      if (client.ok() || client.status().code() == StatusCode::kNotFound) {
        return Status(StatusCode::kNotFound, "no client " + task.client.ToString(), "client");
      }
      return client.status();
    }
    Id assignee;
    if (!task.assignee.empty()) {
      auto found = txn.FindByKey(EntityKind::USER, UserKey(task.office, task.assignee));
      if (!found.ok()) {
        if (found.status().code() != StatusCode::kNotFound) return found.status();
        return Status(StatusCode::kNotFound,
                      "no user '" + task.assignee + "' at office " + task.office +
                          " in the directory (has the office's user reached headquarters?)",
                      "assignee");
      }
      CRM_ASSIGN_OR_RETURN(Record user, txn.Get(EntityKind::USER, *found));
      if (!IsLive(user.stored()) || !user.value<schema::User>().getActive()) {
        return Status::InvalidArgument("assignee", "user '" + task.assignee + "' of office " +
                                                       task.office + " is deactivated");
      }
      assignee = *found;
    }
    ChangeMessage change = ChangeMessage::Patch(EntityKind::TASK, id, hlc.Now(), Id{});
    auto record = change.record<schema::Task>();
    IdToWire(task.client, record.initClient());
    record.setTitle(task.title);
    record.setDue(task.due_ms);
    record.setStatus(schema::TaskStatus::OPEN);
    record.setOffice(task.office);
    record.setCreatedAt(now_ms);
    for (const char* f : {"client", "title", "due", "status", "office", "createdAt"}) {
      CRM_RETURN_IF_ERROR(change.Set(f));
    }
    if (!assignee.IsNull()) {
      IdToWire(assignee, record.initAssignee());
      CRM_RETURN_IF_ERROR(change.Set("assignee"));
    }
    return txn.ApplyLocal(change.change()).status();
  }));
  return id;
}

}  // namespace crm
