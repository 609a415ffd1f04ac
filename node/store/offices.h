// The hub's registry of offices: which CURVE keys may connect, which node each
// key speaks for, and which data only headquarters writes.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/hlc.h"
#include "sync/transport.h"

namespace crm {

// The office code of headquarters: the office of HQ's own users (crm-hq's
// dashboard desk serves as it). No office is enrolled under it.
inline constexpr std::string_view kHeadquartersOffice = "HQ";

struct OfficeEnrollment {
  std::string code;
  std::string name;
  Id node;
  std::string public_key;  // Z85
  std::string parent;      // regional hub's office code, empty for HQ
  std::string currency = "";  // ISO 4217, what it sells in (HQ's price overrides); empty: as it was
};

// The enrollment of `public_key`, with the nodes a regional hub relays for.
// nullopt if the key is not enrolled. Thread-safe.
std::optional<Enrollment> FindEnrollment(const Store& store, const std::string& public_key);

// Adds or replaces the enrollment of an office (an HQ-owned Office record).
// kInvalidArgument for a malformed code, key or currency; kAlreadyExists if
// the key belongs to another office.
Status EnrollOffice(Writer& writer, HybridClock& hlc, const OfficeEnrollment& office);

// Marks an office revoked: its key is refused from the next connection on.
Status RevokeOffice(Writer& writer, HybridClock& hlc, const std::string& code);

// Each enrolled office's code by its node id, as `view` holds them.
Result<std::map<Id, std::string>> OfficeCodesByNode(const StoreView& view);

// An office as headquarters enrolled it.
struct EnrolledOffice {
  std::string code;
  std::string name;
  std::string parent;  // its regional hub's code; empty: headquarters
  Id node;
  bool revoked = false;
};
// Every enrolled office (revoked ones too), by code.
Result<std::vector<EnrolledOffice>> EnrolledOffices(const StoreView& view);

// Fixes the office code the store serves as the first time a program opens
// it to serve (or bootstrap) an office, and refuses another code after that:
// an office's code lives with its store, since its receipts and records
// carry it and its hub checks it against the key's enrollment.
// kPermissionDenied naming both codes.
Status BindOffice(Writer& writer, std::string_view code);

}  // namespace crm
