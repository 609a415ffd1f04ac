#include "node/store/clock_repair.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>

#include <vector>

#include "sync/base/entities.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"

namespace crm {
namespace {

// The newest stamp of `stored` at or below `limit` ms, and whether any lies
// beyond it.
void Scan(schema::StoredRecord::Reader stored, int64_t limit, Stamp& newest_present, bool& future) {
  auto see = [&](schema::Stamp::Reader wire) {
    Stamp stamp = StampFromWire(wire);
    if (stamp.physical > limit) {
      future = true;
    } else if (newest_present < stamp) {
      newest_present = stamp;
    }
  };
  see(stored.getCreated());
  see(stored.getUpdated());
  see(stored.getDeleted());
  see(stored.getErased());
  for (auto field : stored.getFieldStamps()) see(field.getStamp());
  for (auto element : stored.getElements()) see(element.getStamp());
}

// The changes that carry what RestampRecord brought back to `stamp`.
Result<std::vector<ChangeMessage>> CarryingChanges(EntityKind kind, const Id& id,
                                                   schema::StoredRecord::Reader stored,
                                                   const StoreTxn::Restamped& restamped,
                                                   const Stamp& stamp) {
  std::vector<ChangeMessage> changes;
  const capnp::StructSchema type = RecordSchema(kind);
  if (IsEventKind(kind)) {
    if (restamped.written) {
      ChangeMessage event = ChangeMessage::Event(kind, id, stamp, Id{});
      event.change().getEvent().setAs<capnp::DynamicStruct>(
          stored.getValue().getAs<capnp::DynamicStruct>(type));
      changes.push_back(std::move(event));
    }
  } else if (!restamped.fields.empty() || !restamped.elements.empty()) {
    ChangeMessage patch = ChangeMessage::Patch(kind, id, stamp, Id{});
    auto value = stored.getValue().getAs<capnp::DynamicStruct>(type);
    auto record = patch.change().getPatch().getRecord().initAs<capnp::DynamicStruct>(type);
    for (auto field : type.getFields()) {
      const auto ordinal = field.getProto().getOrdinal().getExplicit();
      for (uint16_t restamped_field : restamped.fields) {
        if (restamped_field != ordinal) continue;
        if (value.has(field)) record.set(field, value.get(field));
        CRM_RETURN_IF_ERROR(patch.Set(field.getProto().getName().cStr()));
      }
    }
    for (const auto& [ordinal, element] : restamped.elements) {
      for (auto state : stored.getElements()) {
        if (state.getField() != ordinal || state.getElement() != element) continue;
        std::string name;
        for (auto field : type.getFields()) {
          if (field.getProto().getOrdinal().getExplicit() == ordinal) name = field.getProto().getName();
        }
        if (state.getRemoved()) {
          CRM_RETURN_IF_ERROR(patch.RemoveElement(name, element));
        } else {
          CRM_RETURN_IF_ERROR(patch.AddElement(name, element, state.getValue().cStr()));
        }
      }
    }
    changes.push_back(std::move(patch));
  }
  if (restamped.deleted) changes.push_back(ChangeMessage::Tombstone(kind, id, stamp, Id{}));
  if (restamped.erased) changes.push_back(ChangeMessage::Erase(kind, id, stamp, Id{}));
  return changes;
}

}  // namespace

Result<ClockRepair> RepairClock(Store& store, Writer& writer, Clock& wall, int64_t max_skew_ms) {
  ClockRepair repair;
  repair.limit_ms = wall.NowMillis() + max_skew_ms;
  Stamp newest_present;
  std::vector<std::pair<EntityKind, Id>> future;
  {
    CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
    CRM_ASSIGN_OR_RETURN(repair.high_water_before, view.HlcHighWater());
    CRM_RETURN_IF_ERROR(view.ForEachRecord(
        [&](EntityKind kind, const Id& id, schema::StoredRecord::Reader stored) -> Status {
          bool ahead = false;
          Scan(stored, repair.limit_ms, newest_present, ahead);
          if (ahead) future.emplace_back(kind, id);
          return Status::Ok();
        }));
  }
  // Fresh stamps follow every stamp of the present, never the future ones.
  HybridClock hlc(wall, store.node_id(), max_skew_ms);
  hlc.Restore(newest_present);
  CRM_RETURN_IF_ERROR(writer.Run([&](StoreTxn& txn) -> Status {
    repair.records = 0;
    repair.changes = 0;
    Stamp last = newest_present;
    for (const auto& [kind, id] : future) {
      const Stamp stamp = hlc.Now();
      CRM_ASSIGN_OR_RETURN(StoreTxn::Restamped restamped,
                           txn.RestampRecord(kind, id, repair.limit_ms, stamp));
      if (!restamped.any()) continue;
      CRM_ASSIGN_OR_RETURN(Record record, txn.Get(kind, id));
      CRM_ASSIGN_OR_RETURN(std::vector<ChangeMessage> changes,
                           CarryingChanges(kind, id, record.stored(), restamped, stamp));
      for (ChangeMessage& change : changes) {
        CRM_RETURN_IF_ERROR(txn.LogLocal(change.change()).status());
        ++repair.changes;
      }
      ++repair.records;
      last = stamp;
    }
    repair.high_water_after = repair.high_water_before;
    if (repair.high_water_before.physical > repair.limit_ms) {
      CRM_RETURN_IF_ERROR(txn.SetHlcHighWater(last));
      repair.high_water_after = last;
    }
    return Status::Ok();
  }));
  return repair;
}

}  // namespace crm
