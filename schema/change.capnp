# The change format: every write a node makes or accepts is one Change, kept in
# the node's log and replicated as is (see DESIGN.md, "Conflict-resolving
# replication").
#
# Schema evolution: field numbers (@N) and enumerant numbers never change
# meaning; new union members and fields take the next free number.
@0x9ac805447f9e02f3;

$import "/capnp/c++.capnp".namespace("crm::schema");

using Common = import "/schema/common.capnp";
using Id = Common.Id;
using Stamp = Common.Stamp;
using EntityKind = Common.EntityKind;

struct Change {
  entity @0 :EntityKind;
  id @1 :Id;
  origin @2 :Id;           # the node where the change was made; kept when relayed
  originSeq @3 :UInt64;    # its position in the origin's log, from 1
  stamp @4 :Stamp;         # HLC stamp of the change; every value it sets carries it
  author @5 :Id;           # the user who made it, if any

  union {
    patch @6 :Patch;       # sets fields of a mutable record
    event @7 :AnyPointer;  # the whole record of a write-once event, of the entity's type
    tombstone @8 :Void;    # deletes a mutable record; a later edit brings it back
    erase @9 :Void;        # right to be forgotten: scrubs the record for good
  }
}

# Fields set on a mutable record.
struct Patch {
  # A record of the entity's type (records.capnp). Only the fields whose
  # ordinals are listed in `fields` are meaningful.
  record @0 :AnyPointer;
  fields @1 :List(UInt16);

  # Additions and removals of elements of List(Text) fields (sets) and of
  # List(Attribute) fields (maps, keyed by Attribute.key).
  elements @2 :List(ElementOp);

  # For each field of `fields`, in the same order: the stamp of the value the
  # change replaced where it was made (a null stamp if the field was unset).
  # A receiver tells an edit made over another value from a concurrent one
  # by it (see Conflict). The store fills it in for changes made locally.
  bases @3 :List(Stamp);
}

struct ElementOp {
  field @0 :UInt16;        # ordinal of the list field
  element @1 :Text;        # the set element, or the map key
  value @2 :Text;          # the map value; empty for sets
  removed @3 :Bool;
}

# How a node keeps a record: its merged value and the stamps that decide
# every later merge.
struct StoredRecord {
  entity @0 :EntityKind;
  id @1 :Id;
  value @2 :AnyPointer;              # the merged record of the entity's type
  fieldStamps @3 :List(FieldStamp);  # mutable records: newest stamp per field
  elements @4 :List(ElementState);   # mutable records: every element ever seen
  created @5 :Stamp;                 # stamp of the first change applied
  updated @6 :Stamp;                 # newest stamp applied
  deleted @7 :Stamp;                 # newest tombstone; null if never deleted
  erased @8 :Stamp;                  # newest erase; null if not erased (then nothing else is kept)
}

struct FieldStamp {
  field @0 :UInt16;
  stamp @1 :Stamp;
  base @2 :Stamp;       # what the winning write replaced where it was made (Patch.bases)
}

# A value per-field last-writer-wins overwrote although neither write had
# seen the other (each one's base is older than the other's stamp): kept so
# that managers can review it; nothing disappears silently. Each node keeps
# the conflicts it saw itself (not replicated); the hub sees every one.
struct Conflict {
  entity @0 :EntityKind;
  id @1 :Id;
  field @2 :UInt16;        # the field's ordinal in the entity's records.capnp type
  lost @3 :Stamp;          # stamp of the value that lost
  won @4 :Stamp;           # stamp of the value that won
  # Records of the entity's type holding only that field: the losing value
  # and the winning one.
  lostValue @5 :AnyPointer;
  wonValue @6 :AnyPointer;
}

struct ElementState {
  field @0 :UInt16;
  element @1 :Text;
  value @2 :Text;
  removed @3 :Bool;
  stamp @4 :Stamp;
}
