// Applying a change to a store: checking it, merging it into its record,
// logging it, and what a change made here needs first (bases, HLC stamps).
#include "node/store/store.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <kj/exception.h>

#include <algorithm>
#include <set>
#include <string>

#include "node/store/erasure.h"
#include "node/store/file_content.h"
#include "node/store/internal.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/merge.h"

namespace crm {
namespace {

using namespace store_internal;  // NOLINT(build/namespaces): node/store/internal.h

Status ValidateChange(schema::Change::Reader change) {
  auto raw_kind = static_cast<uint16_t>(change.getEntity());
  if (!IsKnownKind(raw_kind)) {
    return Status::InvalidArgument("entity", "unknown entity kind " + std::to_string(raw_kind));
  }
  if (!change.hasId() || IdFromWire(change.getId()).IsNull()) {
    return Status::InvalidArgument("id", "a change needs a record id");
  }
  if (!change.hasStamp() || change.getStamp().getPhysical() <= 0 ||
      !change.getStamp().hasNode() || IdFromWire(change.getStamp().getNode()).IsNull()) {
    return Status::InvalidArgument("stamp", "a change needs an HLC stamp with a time and a node");
  }
  if (!change.hasOrigin() || IdFromWire(change.getOrigin()).IsNull() || change.getOriginSeq() == 0) {
    return Status::InvalidArgument("origin", "a change needs its origin node and origin seq");
  }
  bool event = IsEventKind(change.getEntity());
  switch (change.which()) {
    case schema::Change::PATCH:
      if (event) {
        return Status::InvalidArgument(
            "patch", std::string("a ") + std::string(EntityName(change.getEntity())) +
                         " is written once, never patched");
      }
      return CheckRecordShape(change);
    case schema::Change::EVENT:
      if (!event) {
        return Status::InvalidArgument(
            "event", std::string("a ") + std::string(EntityName(change.getEntity())) +
                         " is changed by patches");
      }
      CRM_RETURN_IF_ERROR(CheckRecordShape(change));
      // File content is checked against its hash on every node, before
      // anything of it is stored.
      if (change.getEntity() == EntityKind::FILE_CONTENT) return CheckFileContent(change);
      return Status::Ok();
    case schema::Change::TOMBSTONE:
    case schema::Change::ERASE:
      if (event) {
        return Status::InvalidArgument(
            "change", std::string("a ") + std::string(EntityName(change.getEntity())) +
                          " is written once and kept");
      }
      return Status::Ok();
  }
  return Status::InvalidArgument("change", "unknown kind of change body");
}

// kConflict for a local write whose value would lose to one already held
// with a newer stamp: the answer must not say "saved".
Status Overtaken(EntityKind kind, std::string_view what, const Stamp& held, const Stamp& mine) {
  return Status(StatusCode::kConflict,
                "not saved: the " + std::string(EntityName(kind)) + "'s " + std::string(what) +
                    " holds a value stamped " + FormatUtc(held.physical) + ", " +
                    FormatSpan(held.physical - mine.physical) +
                    " after this node's clock; an edit made now would lose to it. A clock "
                    "somewhere in the chain is ahead (docs/replication.md, \"Clocks\")",
                std::string(what));
}

// The content of a file applied again, from another origin (or in another
// change of the same one): true, with the record in `out`, if the record's
// stamps become the earlier change's (so every node keeps the same bytes
// whatever order the copies come in). Content under an erased record (its
// client was erased) stays out: `scrubbed_log` is then the change without
// it, for the log. kConflict for other bytes under the same hash's id, which
// CheckFileContent makes impossible but for a damaged store.
Result<bool> SameFileContent(schema::StoredRecord::Reader before, schema::Change::Reader change,
                             schema::StoredRecord::Builder out, std::string& scrubbed_log) {
  if (IsErasedContent(change)) {
    // Erased where it was logged: erased here too, whatever came before.
    if (before.hasErased()) return false;
    ErasedContentRecord(IdFromWire(change.getId()), StampFromWire(change.getStamp()), out);
    return true;
  }
  if (before.hasErased()) {
    auto stripped = WithoutContent(change);
    scrubbed_log = EncodeStruct(stripped->getRoot<schema::Change>().asReader(), Packing::kPacked);
    return false;
  }
  if (!SameEvent(before, change)) {
    return Status::Conflict("fileContent " + IdFromWire(change.getId()).ToString() +
                            " already exists with different content");
  }
  const Stamp stamp = StampFromWire(change.getStamp());
  if (!(stamp < StampFromWire(before.getCreated()))) return false;
  out.setEntity(before.getEntity());
  out.setId(before.getId());
  out.getValue().set(before.getValue());
  StampToWire(stamp, out.initCreated());
  StampToWire(stamp, out.initUpdated());
  return true;
}

}  // namespace

Result<Applied> StoreTxn::ApplyLocal(schema::Change::Builder change) {
  if (change.hasId() && (change.isPatch() || change.isTombstone())) {
    CRM_RETURN_IF_ERROR(FillBases(change));
  }
  CRM_ASSIGN_OR_RETURN(uint64_t origin_seq, OriginSeqOf(store_->node_id_));
  ++origin_seq;
  IdToWire(store_->node_id_, change.initOrigin());
  change.setOriginSeq(origin_seq);
  CRM_ASSIGN_OR_RETURN(Applied applied, Apply(change.asReader()));
  if (applied.duplicate) return applied;
  CRM_RETURN_IF_ERROR(SetOriginSeq(store_->node_id_, origin_seq));
  CRM_RETURN_IF_ERROR(RaiseHlcHighWater(StampFromWire(change.getStamp())));
  return applied;
}

Status StoreTxn::FillBases(schema::Change::Builder change) {
  auto existing = Get(change.getEntity(), IdFromWire(change.getId()));
  if (!existing.ok()) {
    return existing.status().code() == StatusCode::kNotFound ? Status::Ok() : existing.status();
  }
  const EntityKind kind = change.getEntity();
  const Stamp mine = StampFromWire(change.getStamp());
  auto stored = existing->stored();
  if (change.isTombstone()) {
    Stamp updated = StampFromWire(stored.getUpdated());
    if (mine < updated) return Overtaken(kind, "deletion", updated, mine);
    return Status::Ok();
  }
  auto patch = change.getPatch();
  auto fields = patch.getFields();
  auto bases = patch.initBases(fields.size());
  auto stamps = stored.getFieldStamps();
  const capnp::StructSchema type = RecordSchema(kind);
  auto field_name = [&](uint16_t ordinal) -> std::string {
    for (auto field : type.getFields()) {
      if (field.getProto().getOrdinal().getExplicit() == ordinal) return field.getProto().getName();
    }
    return "field " + std::to_string(ordinal);
  };
  for (unsigned i = 0; i < fields.size(); ++i) {
    for (auto fs : stamps) {
      if (fs.getField() != fields[i]) continue;
      bases.setWithCaveats(i, fs.getStamp());
      Stamp held = StampFromWire(fs.getStamp());
      if (mine < held) return Overtaken(kind, field_name(fields[i]), held, mine);
    }
  }
  for (auto op : patch.getElements()) {
    for (auto element : stored.getElements()) {
      if (element.getField() != op.getField() || element.getElement() != op.getElement()) continue;
      Stamp held = StampFromWire(element.getStamp());
      if (mine < held) {
        return Overtaken(kind, field_name(op.getField()) + " '" + element.getElement().cStr() + "'",
                         held, mine);
      }
    }
  }
  return Status::Ok();
}

Status StoreTxn::SetHlcHighWater(const Stamp& stamp) {
  return txn_.Put(store_->tables_.meta, kMetaHlc, EncodeStamp(stamp));
}

Result<StoreTxn::Restamped> StoreTxn::RestampRecord(EntityKind kind, const Id& id, int64_t limit,
                                                    const Stamp& stamp) {
  CRM_ASSIGN_OR_RETURN(Record record, Get(kind, id));
  capnp::MallocMessageBuilder copy;
  copy.setRoot(record.stored());
  auto stored = copy.getRoot<schema::StoredRecord>();
  Restamped restamped;
  auto later = [&](schema::Stamp::Reader s) { return s.getPhysical() > limit; };
  for (auto field : stored.getFieldStamps()) {
    if (!later(field.getStamp())) continue;
    StampToWire(stamp, field.getStamp());
    restamped.fields.push_back(field.getField());
  }
  for (auto element : stored.getElements()) {
    if (!later(element.getStamp())) continue;
    StampToWire(stamp, element.getStamp());
    restamped.elements.emplace_back(element.getField(), element.getElement().cStr());
  }
  // (A stamp left unset stays unset: the record must stay the same bytes
  // as elsewhere but for the stamps replaced.)
  auto own = [&](schema::Stamp::Builder s, bool& flag) {
    if (!later(s.asReader())) return;
    StampToWire(stamp, s);
    flag = true;
  };
  if (stored.hasCreated()) own(stored.getCreated(), restamped.written);
  if (stored.hasUpdated()) own(stored.getUpdated(), restamped.written);
  if (stored.hasDeleted()) own(stored.getDeleted(), restamped.deleted);
  if (stored.hasErased()) own(stored.getErased(), restamped.erased);
  CRM_RETURN_IF_ERROR(
      txn_.Put(store_->tables_.records, RecordKey(kind, id), EncodePackedMessage(copy)));
  return restamped;
}

Result<uint64_t> StoreTxn::LogLocal(schema::Change::Builder change) {
  CRM_ASSIGN_OR_RETURN(uint64_t origin_seq, OriginSeqOf(store_->node_id_));
  ++origin_seq;
  IdToWire(store_->node_id_, change.initOrigin());
  change.setOriginSeq(origin_seq);
  CRM_ASSIGN_OR_RETURN(uint64_t seq, NextLogSeq());
  CRM_RETURN_IF_ERROR(txn_.Put(store_->tables_.log, BigEndian64(seq),
                               EncodeStruct(change.asReader(), Packing::kPacked)));
  CRM_RETURN_IF_ERROR(SetOriginSeq(store_->node_id_, origin_seq));
  CRM_RETURN_IF_ERROR(RaiseHlcHighWater(StampFromWire(change.getStamp())));
  return seq;
}

Status StoreTxn::RaiseHlcHighWater(const Stamp& stamp) {
  CRM_ASSIGN_OR_RETURN(Stamp high_water, HlcHighWater());
  if (!(high_water < stamp)) return Status::Ok();
  return txn_.Put(store_->tables_.meta, kMetaHlc, EncodeStamp(stamp));
}

Result<Applied> StoreTxn::Apply(schema::Change::Reader change) {
  return Apply(store_->Prepare(change, Store::Fresh::kSkip));
}

PreparedChange Store::Prepare(schema::Change::Reader change, Fresh fresh) const {
  PreparedChange prepared;
  prepared.change_ = change;
  try {
    prepared.valid_ = ValidateChange(change);
    if (!prepared.valid_.ok()) return prepared;
    prepared.log_entry_ = EncodeStruct(change, Packing::kPacked);
    if (fresh == Fresh::kSkip) return prepared;
    capnp::MallocMessageBuilder merged(kSmallRecordWords);
    auto out = merged.initRoot<schema::StoredRecord>();
    if (IsErasedContent(change)) {
      ErasedContentRecord(IdFromWire(change.getId()), StampFromWire(change.getStamp()), out);
      prepared.fresh_changed_ = true;
    } else if (change.isEvent()) {
      StoreEvent(change, out);
      prepared.fresh_changed_ = true;
    } else {
      auto outcome = MergeChange(change, nullptr, out);
      if (!outcome.ok()) {
        prepared.valid_ = outcome.status();
        return prepared;
      }
      prepared.fresh_changed_ = outcome->changed;
      prepared.fresh_conflicts_ = std::move(outcome->conflicts);
    }
    if (prepared.fresh_changed_) {
      const Id id = IdFromWire(change.getId());
      Status planned = PlanIndexes(change.getEntity(), nullptr, out.asReader(), id,
                                   prepared.fresh_plan_);
      if (!planned.ok()) {
        prepared.valid_ = planned;
        return prepared;
      }
      prepared.fresh_record_ = EncodePackedMessage(merged);
    }
    prepared.has_fresh_ = true;
  } catch (const kj::Exception& e) {
    // Malformed pointers inside a received change surface while reading it.
    prepared.valid_ =
        Status::Corruption(std::string("malformed change: ") + e.getDescription().cStr());
  } catch (const std::exception& e) {
    // Out of memory, say: the node, not the change, is at fault.
    prepared.valid_ = Status::Internal(std::string("preparing a change failed: ") + e.what());
  }
  return prepared;
}

Result<Applied> StoreTxn::Apply(const PreparedChange& prepared) {
  if (!prepared.valid_.ok()) return prepared.valid_;
  // Personal text for a client erased here (written where the erase had not
  // arrived yet) is taken out before anything of it is stored.
  if (!PersonalTextFields(prepared.change_.getEntity()).empty()) {
    CRM_ASSIGN_OR_RETURN(auto scrubbed, ScrubbedIfErased(*this, prepared.change_));
    if (scrubbed) {
      CRM_RETURN_IF_ERROR(EraseContentOfLateFile(*this, prepared.change_));
      return ApplyPrepared(
          store_->Prepare(scrubbed->getRoot<schema::Change>().asReader(), Store::Fresh::kSkip));
    }
  }
  return ApplyPrepared(prepared);
}

Result<Applied> StoreTxn::ApplyPrepared(const PreparedChange& prepared) {
  // Two phases. The first only reads: it merges the change and works out
  // every index entry to add or remove, so a change refused there leaves
  // nothing behind, even inside a larger batch. The second only writes, and
  // fails only when the store cannot take the writes (map full, I/O); the
  // caller must then drop the whole transaction, so those errors come back as
  // kResourceExhausted, kIOError or kInternal.
  if (!prepared.valid_.ok()) return prepared.valid_;
  const schema::Change::Reader change = prepared.change_;
  std::string_view log_entry = prepared.log_entry_;
  std::string scrubbed_log;
  capnp::MallocMessageBuilder merged(kSmallRecordWords);
  std::string merged_bytes;
  std::string_view record = prepared.fresh_record_;
  IndexPlan plan;
  const IndexPlan* planned = &plan;
  const std::vector<FieldConflict>* conflicts = &prepared.fresh_conflicts_;
  std::vector<FieldConflict> merge_conflicts;
  bool record_changed = false;
  const EntityKind kind = change.getEntity();
  const Id id = IdFromWire(change.getId());
  bool damaged = false;
  try {
    std::optional<Record> before;
    auto existing = Get(kind, id);
    if (existing.ok()) {
      before.emplace(std::move(existing).value());
    } else if (existing.status().code() == StatusCode::kCorruption) {
      // The record cannot be merged into; the change is still logged (it is
      // part of its origin's history), and the repair that replaces the
      // record merges it from the log (RepairRecords).
      damaged = true;
    } else if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status();
    }

    if (damaged) {
      conflicts = &merge_conflicts;  // none
    } else if (!before && prepared.has_fresh_) {
      // The record is new: Prepare merged it already.
      record_changed = prepared.fresh_changed_;
      planned = &prepared.fresh_plan_;
    } else {
      auto out = merged.initRoot<schema::StoredRecord>();
      conflicts = &merge_conflicts;
      if (change.isEvent() && before && kind == EntityKind::FILE_CONTENT) {
        // Content is keyed by its hash: the same bytes attached at two
        // offices make the same event, each part of its origin's history.
        CRM_ASSIGN_OR_RETURN(record_changed,
                             SameFileContent(before->stored(), change, out, scrubbed_log));
        if (!scrubbed_log.empty()) log_entry = scrubbed_log;
      } else if (change.isEvent()) {
        if (before) {
          if (SameEvent(before->stored(), change)) return Applied{0, change.getOriginSeq(), true};
          return Status::Conflict(std::string(EntityName(kind)) + " " + id.ToString() +
                                  " already exists with different content");
        }
        if (IsErasedContent(change)) {
          ErasedContentRecord(id, StampFromWire(change.getStamp()), out);
        } else {
          StoreEvent(change, out);
        }
        record_changed = true;
      } else {
        schema::StoredRecord::Reader current;
        if (before) current = before->stored();
        CRM_ASSIGN_OR_RETURN(MergeOutcome outcome,
                             MergeChange(change, before ? &current : nullptr, out));
        record_changed = outcome.changed;
        merge_conflicts = std::move(outcome.conflicts);
      }
      // A patch that changes nothing here (every value lost to a newer one)
      // is still logged: it is part of its origin's history and others may
      // need it.
      if (record_changed) {
        schema::StoredRecord::Reader old_reader;
        if (before) old_reader = before->stored();
        CRM_RETURN_IF_ERROR(store_->PlanIndexes(kind, before ? &old_reader : nullptr,
                                                out.asReader(), id, plan));
        merged_bytes = EncodePackedMessage(merged);
        record = merged_bytes;
      }
    }
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("malformed change: ") + e.getDescription().cStr());
  }

  const std::string key = RecordKey(kind, id);
  const bool erased_now = record_changed && (change.isErase() || IsErasedContent(change));
  if (record_changed) {
    // Duplicates depend on the other clients stored now, so they are looked
    // for here even when Prepare planned the rest.
    IndexWrites duplicates;
    if (kind == EntityKind::CLIENT) CRM_RETURN_IF_ERROR(PlanDuplicates(id, *planned, duplicates));
    if (erased_now) {
      // The record's old bytes are overwritten where they lie, not left
      // behind in the page.
      Status zeroed = Overwrite(txn_, store_->tables_.records, key, record);
      if (!zeroed.ok() && zeroed.code() != StatusCode::kNotFound) return AsStoreFailure(zeroed);
      store_->wipe_wanted_ = true;
    }
    Status written = WritePlanned(key, record, planned->writes, duplicates);
    if (!written.ok()) return AsStoreFailure(written);
  }
  // A change that lost every field it set leaves the record as it was, but
  // what it lost is kept all the same.
  for (const FieldConflict& conflict : *conflicts) {
    std::string conflict_key = key;
    conflict_key += static_cast<char>(conflict.field >> 8);
    conflict_key += static_cast<char>(conflict.field & 0xFF);
    conflict_key += EncodeStamp(conflict.lost);
    if (Status s = txn_.Put(store_->tables_.conflicts, conflict_key, conflict.message); !s.ok()) {
      return AsStoreFailure(s);
    }
  }
  CRM_ASSIGN_OR_RETURN(uint64_t seq, NextLogSeq());
  if (Status s = txn_.Append(store_->tables_.log, BigEndian64(seq), log_entry);
      !s.ok()) {
    return AsStoreFailure(s);
  }
  if (erased_now && kind == EntityKind::CLIENT) CRM_RETURN_IF_ERROR(ScrubErasedClient(*this, id));
  return Applied{seq, change.getOriginSeq(), false};
}

Status StoreTxn::WritePlanned(const std::string& key, std::string_view record,
                              const IndexWrites& writes, const IndexWrites& duplicates) {
  CRM_RETURN_IF_ERROR(txn_.Put(store_->tables_.records, key, record));
  for (const IndexWrites* list : {&writes, &duplicates}) {
    for (const IndexWrite& write : *list) {
      if (write.add) {
        CRM_RETURN_IF_ERROR(txn_.Put(write.table, write.key, write.value));
      } else {
        Status s = txn_.Delete(write.table, write.key, write.value);
        if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
      }
    }
  }
  return Status::Ok();
}

Result<bool> StoreTxn::InstallRecord(schema::StoredRecord::Reader incoming) {
  CRM_RETURN_IF_ERROR(CheckStoredShape(incoming));
  const EntityKind kind = incoming.getEntity();
  if (kind == EntityKind::FILE_CONTENT) CRM_RETURN_IF_ERROR(CheckFileContentRecord(incoming));
  const Id id = IdFromWire(incoming.getId());
  std::optional<Record> before;
  auto existing = Get(kind, id);
  if (existing.ok()) {
    before.emplace(std::move(existing).value());
  } else if (existing.status().code() == StatusCode::kCorruption) {
    // Damaged here: the other replica's copy replaces it.
    CRM_RETURN_IF_ERROR(RepairRecords({{RecordKey(kind, id), &incoming}}).status());
    return true;
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  capnp::MallocMessageBuilder merged(kSmallRecordWords);
  IndexPlan plan;
  IndexWrites duplicates;
  try {
    auto out = merged.initRoot<schema::StoredRecord>();
    if (before) {
      CRM_ASSIGN_OR_RETURN(MergeOutcome outcome, MergeStored(before->stored(), incoming, out));
      if (!outcome.changed) return false;
    } else {
      merged.setRoot(incoming);
    }
    auto after = merged.getRoot<schema::StoredRecord>().asReader();
    schema::StoredRecord::Reader old_reader;
    if (before) old_reader = before->stored();
    CRM_RETURN_IF_ERROR(
        store_->PlanIndexes(kind, before ? &old_reader : nullptr, after, id, plan));
    if (kind == EntityKind::CLIENT) CRM_RETURN_IF_ERROR(PlanDuplicates(id, plan, duplicates));
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("malformed record: ") + e.getDescription().cStr());
  }
  Status written = WritePlanned(RecordKey(kind, id), EncodePackedMessage(merged), plan.writes,
                                duplicates);
  if (!written.ok()) return AsStoreFailure(written);
  return true;
}

}  // namespace crm
