#include "node/store/offices.h"

#include <algorithm>
#include <cctype>

#include "node/store/audit.h"
#include "schema/records.capnp.h"
#include "sync/base/money.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"

namespace crm {
namespace {

std::string Text(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

struct OfficeRow {
  Id id;
  std::string code;
  std::string key;
  std::string parent;
  Id node;
  bool revoked = false;
};

Result<std::vector<OfficeRow>> AllOffices(const StoreView& view) {
  std::vector<OfficeRow> rows;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::OFFICE, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        auto office = stored.getValue().getAs<schema::Office>();
        rows.push_back(OfficeRow{
            id, Text(office.getCode()), Text(office.getPublicKey()), Text(office.getParent()),
            office.hasNode() ? IdFromWire(office.getNode()) : Id{}, office.getRevoked()});
        return Status::Ok();
      }));
  return rows;
}

// An audit entry for what the operator did with crm-admin on this store.
AuditEvent OperatorEvent(HybridClock& hlc, std::string action, const std::string& code,
                         const Id& office) {
  AuditEvent event;
  event.time_ms = hlc.Now().physical;
  event.login = "crm-admin";
  event.role = schema::Role::ADMIN;
  event.action = std::move(action);
  event.detail = code;
  event.subjects.emplace_back(EntityKind::OFFICE, office);
  return event;
}

}  // namespace

std::optional<Enrollment> FindEnrollment(const Store& store, const std::string& public_key) {
  if (public_key.empty()) return std::nullopt;
  auto view = store.Read();
  if (!view.ok()) return std::nullopt;
  auto rows = AllOffices(*view);
  if (!rows.ok()) return std::nullopt;
  for (const OfficeRow& row : *rows) {
    if (row.key != public_key) continue;
    Enrollment enrollment{row.code, row.parent, row.node, {}, row.revoked};
    for (const OfficeRow& child : *rows) {
      if (child.parent == row.code && !child.node.IsNull())
        enrollment.relays_for.push_back(child.node);
    }
    return enrollment;
  }
  return std::nullopt;
}

Status EnrollOffice(Writer& writer, HybridClock& hlc, const OfficeEnrollment& office) {
  if (office.code.size() < 2 || office.code.size() > 8 ||
      !std::all_of(office.code.begin(), office.code.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) ||
               std::isdigit(static_cast<unsigned char>(c));
      })) {
    return Status::InvalidArgument("office", "an office code is 2 to 8 capital letters or digits");
  }
  if (office.code == kHeadquartersOffice) {
    return Status::InvalidArgument("office", "HQ is headquarters' own code; give the office another");
  }
  if (office.public_key.size() != 40) {
    return Status::InvalidArgument("public-key", "a public key is 40 Z85 characters");
  }
  if (office.node.IsNull())
    return Status::InvalidArgument("node-id", "the office's node id is required");
  if (!office.currency.empty() && !IsKnownCurrency(office.currency)) {
    return Status::InvalidArgument("currency", "'" + office.currency +
                                                   "' is not an ISO 4217 currency code (like GBP)");
  }
  return writer.Run([&](StoreTxn& txn) -> Status {
    CRM_ASSIGN_OR_RETURN(std::vector<OfficeRow> rows, AllOffices(txn));
    Id id = Id::Generate(hlc.Now().physical);
    for (const OfficeRow& row : rows) {
      if (row.key == office.public_key && row.code != office.code) {
        return Status::AlreadyExists("that key belongs to office " + row.code);
      }
      if (row.code == office.code) id = row.id;
    }
    ChangeMessage change = ChangeMessage::Patch(EntityKind::OFFICE, id, hlc.Now(), Id{});
    auto record = change.record<schema::Office>();
    record.setCode(office.code);
    record.setName(office.name.empty() ? office.code : office.name);
    record.setPublicKey(office.public_key);
    record.setRevoked(false);
    IdToWire(office.node, record.initNode());
    record.setParent(office.parent);
    for (const char* f : {"code", "name", "publicKey", "revoked", "node", "parent"}) {
      CRM_RETURN_IF_ERROR(change.Set(f));
    }
    if (!office.currency.empty()) {
      record.setCurrency(office.currency);
      CRM_RETURN_IF_ERROR(change.Set("currency"));
    }
    CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
    return AppendAudit(txn, OperatorEvent(hlc, "enroll an office", office.code, id));
  });
}

Status RevokeOffice(Writer& writer, HybridClock& hlc, const std::string& code) {
  return writer.Run([&](StoreTxn& txn) -> Status {
    CRM_ASSIGN_OR_RETURN(std::vector<OfficeRow> rows, AllOffices(txn));
    for (const OfficeRow& row : rows) {
      if (row.code != code) continue;
      ChangeMessage change = ChangeMessage::Patch(EntityKind::OFFICE, row.id, hlc.Now(), Id{});
      change.record<schema::Office>().setRevoked(true);
      CRM_RETURN_IF_ERROR(change.Set("revoked"));
      CRM_RETURN_IF_ERROR(txn.ApplyLocal(change.change()).status());
      return AppendAudit(txn, OperatorEvent(hlc, "revoke an office", code, row.id));
    }
    return Status::NotFound("no office " + code + " is enrolled");
  });
}

Status BindOffice(Writer& writer, std::string_view code) {
  return writer.Run([&](StoreTxn& txn) -> Status {
    CRM_ASSIGN_OR_RETURN(std::string bound, txn.OfficeCode());
    if (bound.empty()) return txn.SetOfficeCode(code);
    if (bound == code) return Status::Ok();
    return Status(StatusCode::kPermissionDenied,
                  "this store is office " + bound + "'s and cannot serve as " + std::string(code) +
                      ": an office's code is fixed with its store (give --office " + bound +
                      ", or make a new store for " + std::string(code) + ")",
                  "office");
  });
}

Result<std::map<Id, std::string>> OfficeCodesByNode(const StoreView& view) {
  std::map<Id, std::string> codes;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::OFFICE, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        auto office = stored.getValue().getAs<schema::Office>();
        if (office.hasNode()) codes[IdFromWire(office.getNode())] = office.getCode();
        return Status::Ok();
      }));
  return codes;
}

Result<std::vector<EnrolledOffice>> EnrolledOffices(const StoreView& view) {
  std::vector<EnrolledOffice> offices;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::OFFICE, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto office = stored.getValue().getAs<schema::Office>();
        EnrolledOffice enrolled;
        enrolled.code = office.getCode();
        enrolled.name = office.getName();
        enrolled.parent = office.getParent();
        if (office.hasNode()) enrolled.node = IdFromWire(office.getNode());
        enrolled.revoked = office.getRevoked();
        offices.push_back(std::move(enrolled));
        return Status::Ok();
      }));
  std::sort(offices.begin(), offices.end(),
            [](const EnrolledOffice& a, const EnrolledOffice& b) { return a.code < b.code; });
  return offices;
}

}  // namespace crm
