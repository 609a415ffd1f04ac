// Front desk: the users a client card names (the cashier of each sale and
// refund, the author of each note and file, the assignee of each task ...),
// so the card shows people by name rather than by id.
#include <set>

#include "node/frontdesk/internal.h"
#include "sync/base/wire.h"

namespace crm::frontdesk {

Status FillCardPeople(const StoreView& view, std::string_view desk_office,
                      schema::ClientCard::Builder card) {
  std::set<Id> ids;
  auto add = [&](bool has, schema::Id::Reader id) {
    if (has && !IdFromWire(id).IsNull()) ids.insert(IdFromWire(id));
  };
  auto client = card.getClient().asReader();
  add(client.hasResponsible(), client.getResponsible());
  for (auto e : card.getSales().asReader()) {
    add(e.getSale().hasCashier(), e.getSale().getCashier());
    add(e.getSale().hasApprovedBy(), e.getSale().getApprovedBy());
  }
  for (auto e : card.getRefunds().asReader())
    add(e.getRefund().hasCashier(), e.getRefund().getCashier());
  for (auto e : card.getPayments().asReader()) {
    add(e.getPayment().hasCashier(), e.getPayment().getCashier());
  }
  for (auto e : card.getInteractions().asReader()) {
    add(e.getInteraction().hasEmployee(), e.getInteraction().getEmployee());
  }
  for (auto e : card.getNotes().asReader()) add(e.getNote().hasAuthor(), e.getNote().getAuthor());
  for (auto e : card.getTasks().asReader()) {
    add(e.getTask().hasAssignee(), e.getTask().getAssignee());
    add(e.getTask().hasCreatedBy(), e.getTask().getCreatedBy());
  }
  for (auto e : card.getFeedback().asReader()) {
    add(e.getFeedback().hasEmployee(), e.getFeedback().getEmployee());
  }
  for (auto e : card.getFiles().asReader()) add(e.getFile().hasAuthor(), e.getFile().getAuthor());

  std::vector<std::pair<Id, schema::User::Reader>> found;
  std::vector<Record> records;  // keeps the readers' bytes
  records.reserve(ids.size());
  for (const Id& id : ids) {
    auto record = view.Get(EntityKind::USER, id);
    // A user whose directory entry has not reached this office yet stays
    // an id on the card.
    if (!record.ok() && record.status().code() == StatusCode::kNotFound) continue;
    if (!record.ok()) return record.status();
    records.push_back(std::move(*record));
    found.emplace_back(id, records.back().value<schema::User>());
  }
  auto people = card.initPeople(static_cast<unsigned>(found.size()));
  for (unsigned i = 0; i < people.size(); ++i) {
    const auto& [id, user] = found[i];
    IdToWire(id, people[i].initId());
    people[i].setLogin(CanonicalLogin(Str(user.getLogin()), Str(user.getOffice()), desk_office));
    people[i].setDisplayName(user.getDisplayName());
  }
  return Status::Ok();
}

}  // namespace crm::frontdesk
