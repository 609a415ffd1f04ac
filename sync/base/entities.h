// What the store knows about each kind of record: its schema, its name, and
// whether it is a write-once event or a mutable record merged field by field.
#pragma once

#include <capnp/schema.h>

#include <optional>
#include <string_view>
#include <vector>

#include "schema/change.capnp.h"
#include "schema/common.capnp.h"

namespace crm {

using EntityKind = schema::EntityKind;

// Sales, refunds, payments, interactions, feedback, files and their content
// are events:
// written once, never changed.
bool IsEventKind(EntityKind kind);

// The fields of a record of `kind` that hold what a person wrote about a
// client (a note's text, a call's summary ...), which erasing the client
// clears; empty for kinds without any.
const std::vector<std::string_view>& PersonalTextFields(EntityKind kind);

// The records.capnp struct of `kind`.
capnp::StructSchema RecordSchema(EntityKind kind);

// "client", "sale", ...
std::string_view EntityName(EntityKind kind);
std::optional<EntityKind> EntityFromName(std::string_view name);

// False for an erased record, and for a deleted one no edit came after.
bool IsLive(schema::StoredRecord::Reader stored);

// True if `kind` is one the store knows (a newer peer may send more).
bool IsKnownKind(uint16_t raw_kind);

}  // namespace crm
