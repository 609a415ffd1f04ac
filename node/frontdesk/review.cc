// What managers review: values that lost to concurrent edits (the conflict
// log the merge keeps).
#include <capnp/dynamic.h>
#include <kj/string.h>

#include <map>
#include <string>

#include "node/frontdesk/internal.h"
#include "node/store/offices.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"

namespace crm::frontdesk {
namespace {

constexpr size_t kMaxConflictsListed = 500;

// A field's value as a manager reads it: text as written, ids in their
// printed form, anything else in Cap'n Proto's text format.
std::string Render(capnp::DynamicStruct::Reader record, capnp::StructSchema::Field field) {
  if (!record.has(field, capnp::HasMode::NON_DEFAULT)) return "(empty)";
  capnp::DynamicValue::Reader value = record.get(field);
  if (value.getType() == capnp::DynamicValue::TEXT) return Str(value.as<capnp::Text>());
  capnp::Type type = field.getType();
  if (type.isStruct() && type.asStruct().getProto().getId() ==
                             capnp::Schema::from<schema::Id>().getProto().getId()) {
    return IdFromWire(value.as<schema::Id>()).ToString();
  }
  return kj::str(value).cStr();
}

}  // namespace

Status ListConflicts(Context&, const StoreView& view, schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(std::vector<DecodedMessage> conflicts, view.Conflicts(kMaxConflictsListed));
  CRM_ASSIGN_OR_RETURN(auto office_of_node, OfficeCodesByNode(view));
  auto office = [&](const Stamp& stamp) {
    auto it = office_of_node.find(stamp.node);
    return it != office_of_node.end() ? it->second : stamp.node.ToString();
  };

  auto out = response.initConflicts(static_cast<unsigned>(conflicts.size()));
  for (unsigned i = 0; i < conflicts.size(); ++i) {
    auto conflict = conflicts[i].Root<schema::Conflict>();
    EntityKind kind = conflict.getEntity();
    if (!IsKnownKind(static_cast<uint16_t>(kind))) return Status::Corruption("conflict of an unknown kind");
    capnp::StructSchema schema = RecordSchema(kind);
    auto entry = out[i];
    entry.setEntity(std::string(EntityName(kind)));
    entry.setId(conflict.getId());
    for (auto field : schema.getFields()) {
      if (field.getProto().getOrdinal().getExplicit() != conflict.getField()) continue;
      entry.setField(field.getProto().getName());
      entry.setLostValue(Render(conflict.getLostValue().getAs<capnp::DynamicStruct>(schema), field));
      entry.setWonValue(Render(conflict.getWonValue().getAs<capnp::DynamicStruct>(schema), field));
    }
    Stamp lost = StampFromWire(conflict.getLost());
    Stamp won = StampFromWire(conflict.getWon());
    entry.setLostAt(lost.physical);
    entry.setWonAt(won.physical);
    entry.setLostOffice(office(lost));
    entry.setWonOffice(office(won));
    if (kind == EntityKind::CLIENT) {
      auto client = view.Get(kind, IdFromWire(conflict.getId()));
      if (client.ok()) entry.setLabel(ClientLabel(client->value<schema::Client>()));
    }
  }
  return Status::Ok();
}

}  // namespace crm::frontdesk
