#include "sync/merge.h"

#include <capnp/any.h>
#include <capnp/dynamic.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "schema/common.capnp.h"
#include "sync/base/codec.h"
#include "sync/base/entities.h"
#include "sync/base/mutex.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

using capnp::DynamicStruct;
using capnp::StructSchema;

enum class FieldMerge { kScalar, kSet, kMap };

FieldMerge ComputeMergeKind(StructSchema::Field field) {
  capnp::Type type = field.getType();
  if (!type.isList()) return FieldMerge::kScalar;
  capnp::Type element = type.asList().getElementType();
  if (element.isText()) return FieldMerge::kSet;
  if (element.isStruct() &&
      element.asStruct().getProto().getId() ==
          capnp::Schema::from<schema::Attribute>().getProto().getId()) {
    return FieldMerge::kMap;
  }
  return FieldMerge::kScalar;
}

// What the merge needs to know of each field of a record type, worked out
// once per type: reflection is slow next to the merge itself.
struct FieldInfo {
  StructSchema::Field field;
  uint16_t ordinal;
  FieldMerge merge;
};

const std::vector<FieldInfo>& FieldsOf(EntityKind kind) {
  static std::once_flag once;
  static std::vector<std::vector<FieldInfo>> table;
  std::call_once(once, [] {
    for (uint16_t raw = 0; IsKnownKind(raw); ++raw) {
      std::vector<FieldInfo> fields;
      for (auto field : RecordSchema(static_cast<EntityKind>(raw)).getFields()) {
        fields.push_back(FieldInfo{field,
                                   static_cast<uint16_t>(field.getProto().getOrdinal().getExplicit()),
                                   ComputeMergeKind(field)});
      }
      table.push_back(std::move(fields));
    }
  });
  return table[static_cast<size_t>(kind)];
}

const FieldInfo* FieldByOrdinal(EntityKind kind, uint16_t ordinal) {
  for (const FieldInfo& info : FieldsOf(kind)) {
    if (info.ordinal == ordinal) return &info;
  }
  return nullptr;
}

struct ElementValue {
  std::string value;
  bool removed = false;
  Stamp stamp;
};

using ElementKey = std::pair<uint16_t, std::string>;

struct FieldState {
  Stamp stamp;
  Stamp base;
};

// Materializes every set and map field of `value` from its live elements
// (oldest first) and writes the stamps a later merge needs.
void WriteElementsAndStamps(EntityKind kind, DynamicStruct::Builder value,
                            const std::map<uint16_t, FieldState>& field_stamps,
                            const std::map<ElementKey, ElementValue>& elements,
                            schema::StoredRecord::Builder out) {
  // Materialize every set and map field from its live elements, oldest first.
  for (const FieldInfo& info : FieldsOf(kind)) {
    FieldMerge merge = info.merge;
    if (merge == FieldMerge::kScalar) continue;
    StructSchema::Field field = info.field;
    uint16_t ordinal = info.ordinal;
    std::vector<std::pair<Stamp, const ElementKey*>> live;
    for (auto it = elements.lower_bound({ordinal, std::string()});
         it != elements.end() && it->first.first == ordinal; ++it) {
      if (!it->second.removed) live.emplace_back(it->second.stamp, &it->first);
    }
    std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second->second < b.second->second;
    });
    if (live.empty()) continue;
    auto list = value.init(field, static_cast<unsigned>(live.size())).as<capnp::DynamicList>();
    for (unsigned i = 0; i < live.size(); ++i) {
      const std::string& key = live[i].second->second;
      if (merge == FieldMerge::kSet) {
        list.set(i, capnp::Text::Reader(key.c_str(), key.size()));
      } else {
        auto attribute = list[i].as<DynamicStruct>().as<schema::Attribute>();
        attribute.setKey(key);
        attribute.setValue(elements.at(*live[i].second).value);
      }
    }
  }

  // Stamps for the next merge.
  auto out_stamps = out.initFieldStamps(static_cast<unsigned>(field_stamps.size()));
  unsigned i = 0;
  for (const auto& [ordinal, state] : field_stamps) {
    out_stamps[i].setField(ordinal);
    StampToWire(state.stamp, out_stamps[i].initStamp());
    if (!state.base.IsZero()) StampToWire(state.base, out_stamps[i].initBase());
    ++i;
  }
  auto out_elements = out.initElements(static_cast<unsigned>(elements.size()));
  i = 0;
  for (const auto& [key, element] : elements) {
    auto e = out_elements[i++];
    e.setField(key.first);
    e.setElement(key.second);
    e.setValue(element.value);
    e.setRemoved(element.removed);
    StampToWire(element.stamp, e.initStamp());
  }

}

// The conflict between the value `lost_from` holds in `field` and the one
// `won_from` holds, packed; empty if the two values are the same.
std::string ConflictMessage(schema::Change::Reader change, StructSchema schema,
                            const FieldInfo& info, DynamicStruct::Reader lost_from,
                            const Stamp& lost, DynamicStruct::Reader won_from, const Stamp& won) {
  capnp::MallocMessageBuilder lost_value(64);
  lost_value.initRoot<DynamicStruct>(schema);
  capnp::MallocMessageBuilder won_value(64);
  won_value.initRoot<DynamicStruct>(schema);
  auto lost_record = lost_value.getRoot<DynamicStruct>(schema);
  auto won_record = won_value.getRoot<DynamicStruct>(schema);
  if (lost_from.has(info.field, capnp::HasMode::NON_DEFAULT)) {
    lost_record.set(info.field, lost_from.get(info.field));
  }
  if (won_from.has(info.field, capnp::HasMode::NON_DEFAULT)) {
    won_record.set(info.field, won_from.get(info.field));
  }
  auto lost_canonical = capnp::AnyStruct::Reader(lost_record.asReader()).canonicalize();
  auto won_canonical = capnp::AnyStruct::Reader(won_record.asReader()).canonicalize();
  if (lost_canonical.asBytes() == won_canonical.asBytes()) return {};

  capnp::MallocMessageBuilder message;
  auto conflict = message.initRoot<schema::Conflict>();
  conflict.setEntity(change.getEntity());
  conflict.setId(change.getId());
  conflict.setField(info.ordinal);
  StampToWire(lost, conflict.initLost());
  StampToWire(won, conflict.initWon());
  conflict.getLostValue().setAs<DynamicStruct>(lost_record.asReader());
  conflict.getWonValue().setAs<DynamicStruct>(won_record.asReader());
  return EncodePackedMessage(message);
}

}  // namespace

Result<MergeOutcome> MergePatch(schema::Change::Reader change,
                                const schema::StoredRecord::Reader* current,
                                schema::StoredRecord::Builder out) {
  const EntityKind kind = change.getEntity();
  const StructSchema record_schema = RecordSchema(kind);
  const Stamp stamp = StampFromWire(change.getStamp());
  const schema::Patch::Reader patch = change.getPatch();
  const DynamicStruct::Reader incoming = patch.getRecord().getAs<DynamicStruct>(record_schema);
  MergeOutcome outcome;

  const auto bases = patch.getBases();
  if (bases.size() != 0 && bases.size() != patch.getFields().size()) {
    return Status::InvalidArgument("bases", "a patch names a base for each field it sets, or none");
  }

  // Gather the stored stamps.
  std::map<uint16_t, FieldState> field_stamps;
  std::map<ElementKey, ElementValue> elements;
  if (current != nullptr) {
    for (auto fs : current->getFieldStamps()) {
      field_stamps[fs.getField()] = FieldState{StampFromWire(fs.getStamp()),
                                               fs.hasBase() ? StampFromWire(fs.getBase()) : Stamp{}};
    }
    for (auto e : current->getElements()) {
      elements[{e.getField(), e.getElement()}] =
          ElementValue{e.getValue(), e.getRemoved(), StampFromWire(e.getStamp())};
    }
  }

  // Start from the stored value; lists of elements are rebuilt below.
  const std::vector<FieldInfo>& fields = FieldsOf(kind);
  DynamicStruct::Builder value = out.getValue().initAs<DynamicStruct>(record_schema);
  if (current != nullptr) {
    DynamicStruct::Reader stored = current->getValue().getAs<DynamicStruct>(record_schema);
    for (const FieldInfo& info : fields) {
      if (info.merge != FieldMerge::kScalar) continue;
      if (stored.has(info.field, capnp::HasMode::NON_DEFAULT)) {
        value.set(info.field, stored.get(info.field));
      }
    }
  }

  // Scalar fields: the newer stamp wins. A write that had not seen the value
  // it meets, and had not been seen by it, leaves a conflict behind.
  std::optional<DynamicStruct::Reader> stored;
  if (current != nullptr) stored = current->getValue().getAs<DynamicStruct>(record_schema);
  for (unsigned f = 0; f < patch.getFields().size(); ++f) {
    const uint16_t ordinal = patch.getFields()[f];
    const Stamp base = bases.size() != 0 ? StampFromWire(bases[f]) : Stamp{};
    const FieldInfo* info = FieldByOrdinal(kind, ordinal);
    if (info == nullptr) {
      return Status::InvalidArgument("fields", "a " + std::string(EntityName(kind)) +
                                                   " has no field number " + std::to_string(ordinal));
    }
    const StructSchema::Field* field = &info->field;
    if (info->merge != FieldMerge::kScalar) {
      return Status::InvalidArgument(field->getProto().getName().cStr(),
                                     "a set or map field is changed element by element");
    }
    auto it = field_stamps.find(ordinal);
    if (it != field_stamps.end() && !(it->second.stamp < stamp)) {
      // The stored value wins. Its write had not seen this one if its base is older.
      if (it->second.stamp != stamp && it->second.base < stamp && stored) {
        std::string conflict = ConflictMessage(change, record_schema, *info, incoming, stamp,
                                               *stored, it->second.stamp);
        if (!conflict.empty()) {
          outcome.conflicts.push_back({ordinal, stamp, it->second.stamp, std::move(conflict)});
        }
      }
      continue;
    }
    if (it != field_stamps.end() && base < it->second.stamp && stored) {
      // This write wins over a value it had not seen.
      std::string conflict = ConflictMessage(change, record_schema, *info, *stored,
                                             it->second.stamp, incoming, stamp);
      if (!conflict.empty()) {
        outcome.conflicts.push_back({ordinal, it->second.stamp, stamp, std::move(conflict)});
      }
    }
    if (incoming.has(*field, capnp::HasMode::NON_DEFAULT)) {
      value.set(*field, incoming.get(*field));
    } else {
      value.clear(*field);
    }
    field_stamps[ordinal] = FieldState{stamp, base};
    outcome.changed = true;
  }

  // Set and map elements: the newer stamp decides, element by element.
  for (auto op : patch.getElements()) {
    const FieldInfo* info = FieldByOrdinal(kind, op.getField());
    if (info == nullptr || info->merge == FieldMerge::kScalar) {
      return Status::InvalidArgument("elements", "a " + std::string(EntityName(kind)) +
                                                     " has no set or map field number " +
                                                     std::to_string(op.getField()));
    }
    ElementKey key{op.getField(), op.getElement()};
    auto it = elements.find(key);
    if (it != elements.end() && !(it->second.stamp < stamp)) continue;
    elements[key] = ElementValue{op.getValue(), op.getRemoved(), stamp};
    outcome.changed = true;
  }

  WriteElementsAndStamps(kind, value, field_stamps, elements, out);

  out.setEntity(kind);
  out.setId(change.getId());
  if (current != nullptr && current->hasDeleted()) out.setDeleted(current->getDeleted());
  if (current != nullptr) {
    // created and updated are the oldest and newest stamps ever applied, so
    // they too come out the same whatever the order of delivery.
    Stamp created = StampFromWire(current->getCreated());
    Stamp updated = StampFromWire(current->getUpdated());
    if (stamp < created || updated < stamp) outcome.changed = true;
    StampToWire(stamp < created ? stamp : created, out.initCreated());
    StampToWire(updated < stamp ? stamp : updated, out.initUpdated());
  } else {
    out.setCreated(change.getStamp());
    out.setUpdated(change.getStamp());
    outcome.changed = true;
  }
  return outcome;
}

namespace {

// The fields of a struct type that hold pointers (text, data, structs,
// lists): the only ones whose reading can fail. Worked out once per type.
const std::vector<StructSchema::Field>& PointerFieldsOf(StructSchema schema) {
  static Mutex mutex;
  static std::map<uint64_t, std::vector<StructSchema::Field>> cache GUARDED_BY(mutex);
  MutexLock lock(&mutex);
  auto [it, inserted] = cache.try_emplace(schema.getProto().getId());
  if (inserted) {
    for (auto field : schema.getFields()) {
      if (field.getProto().isGroup()) {
        it->second.push_back(field);
        continue;
      }
      capnp::Type type = field.getType();
      if (type.isText() || type.isData() || type.isStruct() || type.isList()) {
        it->second.push_back(field);
      }
    }
  }
  return it->second;
}

// Where in the record the check is, for the error message.
using ShapePath = std::vector<const char*>;

std::string PathString(const ShapePath& path) {
  std::string out;
  for (const char* part : path) {
    if (!out.empty() && part[0] != '[') out += '.';
    out += part;
  }
  return out;
}

Status CheckValue(const capnp::DynamicValue::Reader& value, ShapePath& path, int depth);

Status CheckStruct(const DynamicStruct::Reader& record, ShapePath& path, int depth) {
  if (depth > 16) return Status::InvalidArgument(PathString(path), "is nested too deeply");
  std::optional<StructSchema::Field> active;
  KJ_IF_MAYBE(field, record.which()) { active = *field; }
  for (const StructSchema::Field& field : PointerFieldsOf(record.getSchema())) {
    bool in_union = field.getProto().getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT;
    if (in_union && (!active || *active != field)) continue;
    if (!record.has(field)) continue;
    path.push_back(field.getProto().getName().cStr());
    CRM_RETURN_IF_ERROR(CheckValue(record.get(field), path, depth + 1));
    path.pop_back();
  }
  return Status::Ok();
}

Status CheckValue(const capnp::DynamicValue::Reader& value, ShapePath& path, int depth) {
  switch (value.getType()) {
    case capnp::DynamicValue::STRUCT:
      return CheckStruct(value.as<DynamicStruct>(), path, depth);
    case capnp::DynamicValue::LIST: {
      auto list = value.as<capnp::DynamicList>();
      capnp::Type element = list.getSchema().getElementType();
      if (!element.isText() && !element.isData() && !element.isStruct() && !element.isList()) {
        return Status::Ok();  // numbers, bools, enums: nothing to follow
      }
      path.push_back("[]");
      for (auto item : list) CRM_RETURN_IF_ERROR(CheckValue(item, path, depth + 1));
      path.pop_back();
      return Status::Ok();
    }
    case capnp::DynamicValue::TEXT:
      (void)value.as<capnp::Text>();
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

}  // namespace

Status CheckRecordShape(schema::Change::Reader change) {
  const StructSchema record_schema = RecordSchema(change.getEntity());
  try {
    if (change.isEvent()) {
      ShapePath path{"event"};
      return CheckStruct(change.getEvent().getAs<DynamicStruct>(record_schema), path, 0);
    }
    if (!change.isPatch()) return Status::Ok();  // a tombstone or an erase carries no record
    // Only the fields the patch names are read (MergePatch ignores the rest).
    auto patch = change.getPatch();
    auto record = patch.getRecord().getAs<DynamicStruct>(record_schema);
    ShapePath path{"patch"};
    for (uint16_t ordinal : patch.getFields()) {
      const FieldInfo* info = FieldByOrdinal(change.getEntity(), ordinal);
      if (info == nullptr || !record.has(info->field)) continue;  // MergePatch names the error
      path.push_back(info->field.getProto().getName().cStr());
      CRM_RETURN_IF_ERROR(CheckValue(record.get(info->field), path, 1));
      path.pop_back();
    }
    for (auto op : patch.getElements()) {
      (void)op.getElement();
      (void)op.getValue();
    }
    return Status::Ok();
  } catch (const kj::Exception& e) {
    return Status::InvalidArgument("change", std::string("the record does not match its schema: ") +
                                                 e.getDescription().cStr());
  }
}

namespace {

// Writes the record of an erased entity: nothing but who it was and when it
// was erased, so every replica holds the same bytes whatever came before.
void WriteErased(EntityKind kind, schema::Id::Reader id, const Stamp& erased,
                 schema::StoredRecord::Builder out) {
  out.setEntity(kind);
  out.setId(id);
  out.getValue().initAs<DynamicStruct>(RecordSchema(kind));
  StampToWire(erased, out.initErased());
  StampToWire(erased, out.initCreated());
  StampToWire(erased, out.initUpdated());
}

Result<MergeOutcome> MergeTombstone(schema::Change::Reader change,
                                    const schema::StoredRecord::Reader* current,
                                    schema::StoredRecord::Builder out) {
  const Stamp stamp = StampFromWire(change.getStamp());
  MergeOutcome outcome;
  if (current == nullptr) {
    out.setEntity(change.getEntity());
    out.setId(change.getId());
    out.getValue().initAs<DynamicStruct>(RecordSchema(change.getEntity()));
    StampToWire(stamp, out.initCreated());
    StampToWire(stamp, out.initUpdated());
    StampToWire(stamp, out.initDeleted());
    outcome.changed = true;
    return outcome;
  }
  // Everything stays; only the tombstone and the stamp range move.
  out.setEntity(current->getEntity());
  out.setId(current->getId());
  out.getValue().set(current->getValue());
  out.setFieldStamps(current->getFieldStamps());
  out.setElements(current->getElements());
  Stamp created = StampFromWire(current->getCreated());
  Stamp updated = StampFromWire(current->getUpdated());
  Stamp deleted = current->hasDeleted() ? StampFromWire(current->getDeleted()) : Stamp{};
  outcome.changed = stamp < created || updated < stamp || deleted < stamp;
  StampToWire(stamp < created ? stamp : created, out.initCreated());
  StampToWire(updated < stamp ? stamp : updated, out.initUpdated());
  StampToWire(deleted < stamp ? stamp : deleted, out.initDeleted());
  return outcome;
}

}  // namespace

Result<MergeOutcome> MergeChange(schema::Change::Reader change,
                                 const schema::StoredRecord::Reader* current,
                                 schema::StoredRecord::Builder out) {
  const Stamp stamp = StampFromWire(change.getStamp());
  if (current != nullptr && current->hasErased()) {
    // Erasure wins over every write, before or after it.
    Stamp erased = StampFromWire(current->getErased());
    bool later_erase = change.isErase() && erased < stamp;
    WriteErased(change.getEntity(), change.getId(), later_erase ? stamp : erased, out);
    return MergeOutcome{later_erase, {}};
  }
  switch (change.which()) {
    case schema::Change::PATCH:
      return MergePatch(change, current, out);
    case schema::Change::TOMBSTONE:
      return MergeTombstone(change, current, out);
    case schema::Change::ERASE:
      WriteErased(change.getEntity(), change.getId(), stamp, out);
      return MergeOutcome{true, {}};
    default:
      return Status::InvalidArgument("change", "not a change of a mutable record");
  }
}

void StoreEvent(schema::Change::Reader change, schema::StoredRecord::Builder out) {
  out.setEntity(change.getEntity());
  out.setId(change.getId());
  out.getValue().set(change.getEvent());
  out.setCreated(change.getStamp());
  out.setUpdated(change.getStamp());
}

bool SameEvent(schema::StoredRecord::Reader stored, schema::Change::Reader change) {
  auto stored_words = stored.getValue().getAs<capnp::AnyStruct>().canonicalize();
  auto incoming_words = change.getEvent().getAs<capnp::AnyStruct>().canonicalize();
  return stored_words.asBytes() == incoming_words.asBytes();
}

Result<MergeOutcome> MergeStored(schema::StoredRecord::Reader local,
                                 schema::StoredRecord::Reader incoming,
                                 schema::StoredRecord::Builder out) {
  const EntityKind kind = local.getEntity();
  if (incoming.getEntity() != kind || IdFromWire(incoming.getId()) != IdFromWire(local.getId())) {
    return Status::InvalidArgument("record", "two different records cannot merge");
  }
  auto stamp_of = [](bool has, schema::Stamp::Reader wire) { return has ? StampFromWire(wire) : Stamp{}; };
  auto max_of = [](const Stamp& a, const Stamp& b) { return a < b ? b : a; };
  MergeOutcome outcome;

  if (local.hasErased() || incoming.hasErased()) {
    WriteErased(kind, local.getId(),
                max_of(stamp_of(local.hasErased(), local.getErased()),
                       stamp_of(incoming.hasErased(), incoming.getErased())),
                out);
  } else if (IsEventKind(kind)) {
    out.setEntity(kind);
    out.setId(local.getId());
    out.getValue().set(local.getValue());
    // One event made at two nodes (file content, keyed by its hash) keeps
    // the earlier stamp, whichever copy came first.
    const Stamp local_created = StampFromWire(local.getCreated());
    const Stamp incoming_created = StampFromWire(incoming.getCreated());
    if (incoming_created < local_created) {
      out.setCreated(incoming.getCreated());
      out.setUpdated(incoming.getUpdated());
    } else {
      out.setCreated(local.getCreated());
      out.setUpdated(local.getUpdated());
    }
  } else {
    const StructSchema record_schema = RecordSchema(kind);
    const DynamicStruct::Reader values[2] = {local.getValue().getAs<DynamicStruct>(record_schema),
                                             incoming.getValue().getAs<DynamicStruct>(record_schema)};
    // Per field, the newer write; per element, the newer operation.
    std::map<uint16_t, std::pair<FieldState, int>> winners;  // state, side it comes from
    std::map<ElementKey, ElementValue> elements;
    int side = 0;
    for (schema::StoredRecord::Reader stored : {local, incoming}) {
      for (auto fs : stored.getFieldStamps()) {
        FieldState state{StampFromWire(fs.getStamp()), stamp_of(fs.hasBase(), fs.getBase())};
        auto it = winners.find(fs.getField());
        if (it == winners.end() || it->second.first.stamp < state.stamp) {
          winners[fs.getField()] = {state, side};
        }
      }
      for (auto e : stored.getElements()) {
        ElementKey key{e.getField(), e.getElement()};
        Stamp stamp = StampFromWire(e.getStamp());
        auto it = elements.find(key);
        if (it == elements.end() || it->second.stamp < stamp) {
          elements[key] = ElementValue{e.getValue(), e.getRemoved(), stamp};
        }
      }
      ++side;
    }
    DynamicStruct::Builder value = out.getValue().initAs<DynamicStruct>(record_schema);
    std::map<uint16_t, FieldState> field_stamps;
    for (const auto& [ordinal, winner] : winners) {
      const FieldInfo* info = FieldByOrdinal(kind, ordinal);
      if (info == nullptr || info->merge != FieldMerge::kScalar) {
        return Status::InvalidArgument("fieldStamps", "a " + std::string(EntityName(kind)) +
                                                          " has no scalar field number " +
                                                          std::to_string(ordinal));
      }
      const DynamicStruct::Reader& from = values[winner.second];
      if (from.has(info->field, capnp::HasMode::NON_DEFAULT)) {
        value.set(info->field, from.get(info->field));
      }
      field_stamps[ordinal] = winner.first;
    }
    WriteElementsAndStamps(kind, value, field_stamps, elements, out);
    out.setEntity(kind);
    out.setId(local.getId());
    Stamp created = std::min(StampFromWire(local.getCreated()), StampFromWire(incoming.getCreated()));
    StampToWire(created, out.initCreated());
    StampToWire(max_of(StampFromWire(local.getUpdated()), StampFromWire(incoming.getUpdated())),
                out.initUpdated());
    if (local.hasDeleted() || incoming.hasDeleted()) {
      StampToWire(max_of(stamp_of(local.hasDeleted(), local.getDeleted()),
                         stamp_of(incoming.hasDeleted(), incoming.getDeleted())),
                  out.initDeleted());
    }
  }
  auto before = capnp::AnyStruct::Reader(local).canonicalize();
  auto after = capnp::AnyStruct::Reader(out.asReader()).canonicalize();
  outcome.changed = before.asBytes() != after.asBytes();
  return outcome;
}

Status CheckStoredShape(schema::StoredRecord::Reader stored) {
  auto raw_kind = static_cast<uint16_t>(stored.getEntity());
  if (!IsKnownKind(raw_kind)) {
    return Status::InvalidArgument("entity", "unknown entity kind " + std::to_string(raw_kind));
  }
  if (!stored.hasId() || IdFromWire(stored.getId()).IsNull()) {
    return Status::InvalidArgument("id", "a stored record needs its id");
  }
  try {
    ShapePath path{"record"};
    CRM_RETURN_IF_ERROR(
        CheckStruct(stored.getValue().getAs<DynamicStruct>(RecordSchema(stored.getEntity())), path, 0));
    for (auto e : stored.getElements()) {
      (void)e.getElement();
      (void)e.getValue();
    }
    (void)stored.getFieldStamps().size();
    return Status::Ok();
  } catch (const kj::Exception& e) {
    return Status::InvalidArgument("record", std::string("the record does not match its schema: ") +
                                                 e.getDescription().cStr());
  }
}

}  // namespace crm
