// The work queue (docs/frontdesk.md, "Work queue"): the open tasks of an
// office and of the person at the desk, soonest due first.
#include <algorithm>
#include <tuple>

#include "node/common/local_time.h"
#include "node/frontdesk/internal.h"

namespace crm::frontdesk {
namespace {

constexpr uint32_t kDefaultTasks = 200;
constexpr uint32_t kMostTasks = 1000;

// A task in the queue's order: soonest due first, tasks without a due time
// after every dated one, then by id.
using QueuePlace = std::tuple<bool, int64_t, Id>;

}  // namespace

Status ListTasks(Context& ctx, const StoreView& view, schema::ListTasks::Reader args,
                 schema::Response::Builder response) {
  if (args.getLimit() > kMostTasks) {
    return Status::InvalidArgument("limit", "at most " + std::to_string(kMostTasks) + " tasks at a time");
  }
  const size_t limit = args.getLimit() == 0 ? kDefaultTasks : args.getLimit();
  const int64_t now = ctx.wall.NowMillis();
  const LocalDate today = ToLocalDate(now, ctx.office.time_zone);

  // Only each match's place is kept while scanning; the records shown are
  // read once the limit is applied.
  std::vector<QueuePlace> queue;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::TASK, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto task = stored.getValue().getAs<schema::Task>();
        if (task.getStatus() != schema::TaskStatus::OPEN) return Status::Ok();
        const bool assigned_here = task.hasAssignee() && IdFromWire(task.getAssignee()) == ctx.user.user;
        if (args.getMine() ? !assigned_here : !(assigned_here || Str(task.getOffice()) == ctx.office.code)) {
          return Status::Ok();
        }
        const int64_t due = task.getDue();
        if (args.getOverdue() && (due == 0 || due >= now)) return Status::Ok();
        if (args.getToday() && (due == 0 || ToLocalDate(due, ctx.office.time_zone) != today)) {
          return Status::Ok();
        }
        queue.emplace_back(due == 0, due, id);
        return Status::Ok();
      }));
  const size_t shown = std::min(limit, queue.size());
  std::partial_sort(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(shown), queue.end());

  NameBook names(view, ctx.office.code);
  auto out = response.initTasks(static_cast<unsigned>(shown));
  for (unsigned i = 0; i < shown; ++i) {
    const Id& id = std::get<2>(queue[i]);
    CRM_ASSIGN_OR_RETURN(Record record, view.Get(EntityKind::TASK, id));
    auto task = record.value<schema::Task>();
    IdToWire(id, out[i].initId());
    out[i].setTask(task);
    if (task.hasClient()) {
      CRM_ASSIGN_OR_RETURN(std::string client_name, names.Client(IdFromWire(task.getClient())));
      out[i].setClient(client_name);
    }
    if (task.hasAssignee()) {
      CRM_ASSIGN_OR_RETURN(NameBook::Person assignee, names.User(IdFromWire(task.getAssignee())));
      out[i].setAssigneeLogin(assignee.login);
      out[i].setAssigneeName(assignee.display_name);
    }
    // A desk always names who made a task; headquarters' commands act as
    // no user of the directory (hq/actions/office_tasks.h).
    const Id created_by = task.hasCreatedBy() ? IdFromWire(task.getCreatedBy()) : Id{};
    if (created_by.IsNull()) {
      out[i].setFromHeadquarters(true);
    } else {
      CRM_ASSIGN_OR_RETURN(NameBook::Person creator, names.User(created_by));
      out[i].setCreatedByLogin(creator.login);
      out[i].setCreatedByName(creator.display_name);
    }
    out[i].setOverdue(task.getDue() != 0 && task.getDue() < now);
    out[i].setMayWork(MayWorkTask(ctx, task));
  }
  return Status::Ok();
}

}  // namespace crm::frontdesk
