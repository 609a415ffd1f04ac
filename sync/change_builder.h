// Builds a Change message: a patch of a mutable record or a write-once event.
#pragma once

#include <capnp/dynamic.h>
#include <capnp/message.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "schema/change.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/hlc.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

class ChangeMessage {
 public:
  // A patch of the mutable record (kind, id); fill record<T>() and name the
  // fields it sets with Set().
  static ChangeMessage Patch(EntityKind kind, const Id& id, const Stamp& stamp, const Id& author);
  // A write-once event; fill record<T>() completely.
  static ChangeMessage Event(EntityKind kind, const Id& id, const Stamp& stamp, const Id& author);

  // Deletes the mutable record (kind, id); an edit stamped later brings it back.
  static ChangeMessage Tombstone(EntityKind kind, const Id& id, const Stamp& stamp, const Id& author);
  // Erases the record for good (right to be forgotten).
  static ChangeMessage Erase(EntityKind kind, const Id& id, const Stamp& stamp, const Id& author);

  ChangeMessage(ChangeMessage&&) noexcept = default;
  ChangeMessage& operator=(ChangeMessage&&) noexcept = default;

  // The record (patch or event) to fill, as its records.capnp type.
  template <typename T>
  typename T::Builder record() {
    schema::Change::Builder c = message_->getRoot<schema::Change>();
    return c.isPatch() ? c.getPatch().getRecord().getAs<T>() : c.getEvent().getAs<T>();
  }

  // Marks the scalar field `name` (e.g. "firstName") as set by this patch;
  // a field marked but left empty is cleared.
  Status Set(std::string_view name);
  // Adds or removes an element of a set field (List(Text)) or a key of a map
  // field (List(Attribute), with its value).
  Status AddElement(std::string_view field, std::string_view element, std::string_view value = {});
  Status RemoveElement(std::string_view field, std::string_view element);

  // The finished change. Call after the last Set/AddElement/RemoveElement.
  schema::Change::Builder change();
  capnp::MessageBuilder& message() { return *message_; }

 private:
  struct Element {
    uint16_t field;
    std::string element;
    std::string value;
    bool removed;
  };
  // Writes the header every change shares; the factories add the body.
  ChangeMessage(EntityKind kind, const Id& id, const Stamp& stamp, const Id& author);
  Result<uint16_t> Ordinal(std::string_view name, bool list_field) const;

  EntityKind kind_;
  std::unique_ptr<capnp::MallocMessageBuilder> message_;
  std::vector<uint16_t> fields_;
  std::vector<Element> elements_;
};

}  // namespace crm
