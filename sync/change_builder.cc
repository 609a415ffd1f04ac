#include "sync/change_builder.h"

#include <algorithm>

#include "sync/base/wire.h"

namespace crm {

ChangeMessage::ChangeMessage(EntityKind kind, const Id& id, const Stamp& stamp, const Id& author)
    : kind_(kind), message_(std::make_unique<capnp::MallocMessageBuilder>(128)) {
  auto change = message_->initRoot<schema::Change>();
  change.setEntity(kind);
  IdToWire(id, change.initId());
  StampToWire(stamp, change.initStamp());
  if (!author.IsNull()) IdToWire(author, change.initAuthor());
}

ChangeMessage ChangeMessage::Patch(EntityKind kind, const Id& id, const Stamp& stamp,
                                   const Id& author) {
  ChangeMessage m(kind, id, stamp, author);
  m.message_->getRoot<schema::Change>().initPatch().getRecord().initAs<capnp::DynamicStruct>(
      RecordSchema(kind));
  return m;
}

ChangeMessage ChangeMessage::Event(EntityKind kind, const Id& id, const Stamp& stamp,
                                   const Id& author) {
  ChangeMessage m(kind, id, stamp, author);
  m.message_->getRoot<schema::Change>().initEvent().initAs<capnp::DynamicStruct>(RecordSchema(kind));
  return m;
}

ChangeMessage ChangeMessage::Tombstone(EntityKind kind, const Id& id, const Stamp& stamp,
                                       const Id& author) {
  ChangeMessage m(kind, id, stamp, author);
  m.message_->getRoot<schema::Change>().setTombstone();
  return m;
}

ChangeMessage ChangeMessage::Erase(EntityKind kind, const Id& id, const Stamp& stamp,
                                   const Id& author) {
  ChangeMessage m(kind, id, stamp, author);
  m.message_->getRoot<schema::Change>().setErase();
  return m;
}

Result<uint16_t> ChangeMessage::Ordinal(std::string_view name, bool list_field) const {
  auto field = RecordSchema(kind_).findFieldByName(kj::StringPtr(std::string(name).c_str()));
  KJ_IF_MAYBE (f, field) {
    if (f->getType().isList() != list_field) {
      return Status::InvalidArgument(std::string(name), list_field ? "is not a set or map field"
                                                                   : "is a set or map field");
    }
    return static_cast<uint16_t>(f->getProto().getOrdinal().getExplicit());
  }
  return Status::InvalidArgument(std::string(name), "a " + std::string(EntityName(kind_)) +
                                                        " has no such field");
}

Status ChangeMessage::Set(std::string_view name) {
  CRM_ASSIGN_OR_RETURN(uint16_t ordinal, Ordinal(name, false));
  if (std::find(fields_.begin(), fields_.end(), ordinal) == fields_.end()) {
    fields_.push_back(ordinal);
  }
  return Status::Ok();
}

Status ChangeMessage::AddElement(std::string_view field, std::string_view element,
                                 std::string_view value) {
  CRM_ASSIGN_OR_RETURN(uint16_t ordinal, Ordinal(field, true));
  elements_.push_back(Element{ordinal, std::string(element), std::string(value), false});
  return Status::Ok();
}

Status ChangeMessage::RemoveElement(std::string_view field, std::string_view element) {
  CRM_ASSIGN_OR_RETURN(uint16_t ordinal, Ordinal(field, true));
  elements_.push_back(Element{ordinal, std::string(element), {}, true});
  return Status::Ok();
}

schema::Change::Builder ChangeMessage::change() {
  auto change = message_->getRoot<schema::Change>();
  if (change.isPatch()) {
    auto patch = change.getPatch();
    auto fields = patch.initFields(static_cast<unsigned>(fields_.size()));
    for (unsigned i = 0; i < fields_.size(); ++i) fields.set(i, fields_[i]);
    auto elements = patch.initElements(static_cast<unsigned>(elements_.size()));
    for (unsigned i = 0; i < elements_.size(); ++i) {
      elements[i].setField(elements_[i].field);
      elements[i].setElement(elements_[i].element);
      elements[i].setValue(elements_[i].value);
      elements[i].setRemoved(elements_[i].removed);
    }
  }
  return change;
}

}  // namespace crm
