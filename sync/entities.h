// What the store knows about each kind of record: its schema, its name, and
// whether it is a write-once event or a mutable record merged field by field.
#pragma once

#include <capnp/schema.h>

#include <optional>
#include <string_view>

#include "schema/common.capnp.h"

namespace crm {

using EntityKind = schema::EntityKind;

// Sales, refunds, payments, interactions, feedback and files are events:
// written once, never changed.
bool IsEventKind(EntityKind kind);

// The records.capnp struct of `kind`.
capnp::StructSchema RecordSchema(EntityKind kind);

// "client", "sale", ...
std::string_view EntityName(EntityKind kind);
std::optional<EntityKind> EntityFromName(std::string_view name);

// True if `kind` is one the store knows (a newer peer may send more).
bool IsKnownKind(uint16_t raw_kind);

}  // namespace crm
