// Limits at the till (docs/frontdesk.md, "Limits at the till"): how far each
// role may cut a unit price below the catalogue's, and how large a discount it
// may give on a line, before a sale needs a manager's approval. Headquarters
// sets them per office and role, and per role for the whole chain; they are
// HQ-owned records (schema::TillLimit) that replicate down to every office.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/store/store.h"
#include "node/store/writer.h"
#include "schema/records.capnp.h"
#include "sync/base/hlc.h"
#include "sync/base/status.h"

namespace crm {

// Limits are in basis points: 10,000 is 100%, which lifts the limit (no
// discount exceeds its line, no price falls below zero).
constexpr int32_t kAllBasisPoints = 10'000;
// A limit a TillLimit record leaves to the next level (chain-wide, then
// built in).
constexpr int32_t kLimitNotSet = -1;

struct TillLimits {
  int32_t max_discount_bp = 0;   // the largest discount of a line, of the line's price
  int32_t max_price_cut_bp = 0;  // the largest cut of a unit price, of the catalogue's
};

// The built-in limits of `role`, for what headquarters did not set: a
// cashier a discount of 10% of a line and no price cut; an office manager, an
// HQ manager and an admin anything.
TillLimits DefaultTillLimits(schema::Role role);

// The limits of `role` at `office` as `view` holds them: each limit from the
// office's own record for the role if it sets it, else from the chain-wide
// record's, else the built-in default.
Result<TillLimits> EffectiveTillLimits(const StoreView& view, std::string_view office,
                                       schema::Role role);

// Where an effective limit comes from.
enum class LimitSource { kOffice, kChain, kBuiltIn };
struct ExplainedTillLimits {
  TillLimits limits;
  LimitSource max_discount_from = LimitSource::kBuiltIn;
  LimitSource max_price_cut_from = LimitSource::kBuiltIn;
};
// EffectiveTillLimits, saying where each limit comes from. `office` empty:
// the chain-wide limits.
Result<ExplainedTillLimits> ExplainTillLimits(const StoreView& view, std::string_view office,
                                              schema::Role role);

// One role's limits at one office (or chain-wide) as a record sets them;
// kLimitNotSet where it does not.
struct TillLimitRow {
  std::string office;  // empty: chain-wide
  schema::Role role = schema::Role::CASHIER;
  int32_t max_discount_bp = kLimitNotSet;
  int32_t max_price_cut_bp = kLimitNotSet;
};

// Every record as set, chain-wide first, then by office, then by role.
Result<std::vector<TillLimitRow>> ListTillLimits(const StoreView& view);

// What `crm-hq office limits` changes: one role's limits at one office or
// chain-wide.
struct TillLimitChange {
  std::string office;  // empty: chain-wide
  schema::Role role = schema::Role::CASHIER;
  // nullopt: left as it is; kLimitNotSet: no longer set by this record.
  std::optional<int32_t> max_discount_bp;
  std::optional<int32_t> max_price_cut_bp;
};

// Writes `change` into the store (at headquarters: the change replicates down
// to the offices), with an audit entry by `operator_login`.
// kInvalidArgument for a limit out of 0..10,000 (other than kLimitNotSet) or
// no limit given; kNotFound for an office that is not enrolled here.
Status SetTillLimits(Writer& writer, HybridClock& hlc, const TillLimitChange& change,
                     std::string_view operator_login);

// "10%", "7.5%", "0", "100%" or "unlimited" (10,000), "default" (kLimitNotSet)
// into basis points; kInvalidArgument naming `field` otherwise.
Result<int32_t> ParseLimit(std::string_view text, std::string_view field);
// 1000 -> "10%", 750 -> "7.5%", 10000 -> "unlimited", kLimitNotSet -> "-".
std::string FormatLimit(int32_t basis_points);

// "cashier", "office-manager", "hq-manager", "admin" and back.
std::optional<schema::Role> RoleFromName(std::string_view name);
const char* RoleCommandName(schema::Role role);

}  // namespace crm
