#include "node/frontdesk/till_limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "node/store/audit.h"
#include "node/store/offices.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"

namespace crm {
namespace {

std::string Text(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

struct StoredLimit {
  Id id;
  TillLimitRow row;
};

Result<std::vector<StoredLimit>> AllLimits(const StoreView& view) {
  std::vector<StoredLimit> limits;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::TILL_LIMIT, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto limit = stored.getValue().getAs<schema::TillLimit>();
        limits.push_back(
            StoredLimit{id, TillLimitRow{Text(limit.getOffice()), limit.getRole(),
                                         limit.getMaxDiscount(), limit.getMaxPriceCut()}});
        return Status::Ok();
      }));
  // Two records for one office and role (which one headquarters never
  // writes): every node takes the same one, the smallest id.
  std::sort(limits.begin(), limits.end(),
            [](const StoredLimit& a, const StoredLimit& b) { return a.id < b.id; });
  return limits;
}

bool IsLimit(int32_t basis_points) {
  return basis_points == kLimitNotSet || (basis_points >= 0 && basis_points <= kAllBasisPoints);
}

}  // namespace

TillLimits DefaultTillLimits(schema::Role role) {
  switch (role) {
    case schema::Role::CASHIER:
      return TillLimits{1'000, 0};
    case schema::Role::OFFICE_MANAGER:
    case schema::Role::HQ_MANAGER:
    case schema::Role::ADMIN:
      return TillLimits{kAllBasisPoints, kAllBasisPoints};
  }
  return TillLimits{0, 0};  // a role this node does not know: nothing without approval
}

Result<ExplainedTillLimits> ExplainTillLimits(const StoreView& view, std::string_view office,
                                              schema::Role role) {
  CRM_ASSIGN_OR_RETURN(std::vector<StoredLimit> limits, AllLimits(view));
  const TillLimitRow* own = nullptr;
  const TillLimitRow* chain = nullptr;
  for (const StoredLimit& limit : limits) {
    if (limit.row.role != role) continue;
    if (!own && !office.empty() && limit.row.office == office) own = &limit.row;
    if (!chain && limit.row.office.empty()) chain = &limit.row;
  }
  ExplainedTillLimits explained;
  explained.limits = DefaultTillLimits(role);
  // Out-of-range values (from a newer or broken writer) count as not set.
  auto pick = [&](int32_t TillLimitRow::*field, int32_t& out, LimitSource& from) {
    for (auto [row, source] :
         {std::pair{own, LimitSource::kOffice}, std::pair{chain, LimitSource::kChain}}) {
      if (row && row->*field >= 0 && row->*field <= kAllBasisPoints) {
        out = row->*field;
        from = source;
        return;
      }
    }
  };
  pick(&TillLimitRow::max_discount_bp, explained.limits.max_discount_bp,
       explained.max_discount_from);
  pick(&TillLimitRow::max_price_cut_bp, explained.limits.max_price_cut_bp,
       explained.max_price_cut_from);
  return explained;
}

Result<TillLimits> EffectiveTillLimits(const StoreView& view, std::string_view office,
                                       schema::Role role) {
  CRM_ASSIGN_OR_RETURN(ExplainedTillLimits explained, ExplainTillLimits(view, office, role));
  return explained.limits;
}

Result<std::vector<TillLimitRow>> ListTillLimits(const StoreView& view) {
  CRM_ASSIGN_OR_RETURN(std::vector<StoredLimit> limits, AllLimits(view));
  std::vector<TillLimitRow> rows;
  for (StoredLimit& limit : limits) rows.push_back(std::move(limit.row));
  std::stable_sort(rows.begin(), rows.end(), [](const TillLimitRow& a, const TillLimitRow& b) {
    return std::make_tuple(!a.office.empty(), a.office, static_cast<int>(a.role)) <
           std::make_tuple(!b.office.empty(), b.office, static_cast<int>(b.role));
  });
  return rows;
}

Status SetTillLimits(Writer& writer, HybridClock& hlc, const TillLimitChange& change,
                     std::string_view operator_login) {
  if (!change.max_discount_bp && !change.max_price_cut_bp) {
    return Status::InvalidArgument("max-discount", "give --max-discount, --max-price-cut or both");
  }
  if (change.max_discount_bp && !IsLimit(*change.max_discount_bp)) {
    return Status::InvalidArgument("max-discount", "a limit is 0% to 100%");
  }
  if (change.max_price_cut_bp && !IsLimit(*change.max_price_cut_bp)) {
    return Status::InvalidArgument("max-price-cut", "a limit is 0% to 100%");
  }
  return writer.Run([&](StoreTxn& txn) -> Status {
    if (!change.office.empty()) {
      CRM_ASSIGN_OR_RETURN(auto offices, OfficeCodesByNode(txn));
      bool enrolled = std::any_of(offices.begin(), offices.end(),
                                  [&](const auto& entry) { return entry.second == change.office; });
      if (!enrolled) {
        return Status(StatusCode::kNotFound,
                      "no office " + change.office + " is enrolled here (crm-admin enroll)",
                      "office");
      }
    }
    CRM_ASSIGN_OR_RETURN(std::vector<StoredLimit> limits, AllLimits(txn));
    const Stamp now = hlc.Now();
    Id id = Id::Generate(now.physical);
    bool found = false;
    for (const StoredLimit& limit : limits) {
      if (limit.row.office == change.office && limit.row.role == change.role) {
        id = limit.id;
        found = true;
        break;
      }
    }
    ChangeMessage patch = ChangeMessage::Patch(EntityKind::TILL_LIMIT, id, now, Id{});
    auto record = patch.record<schema::TillLimit>();
    if (!found) {
      record.setOffice(change.office);
      record.setRole(change.role);
      CRM_RETURN_IF_ERROR(patch.Set("office"));
      CRM_RETURN_IF_ERROR(patch.Set("role"));
    }
    std::string detail = change.office.empty() ? "chain-wide" : change.office;
    detail += std::string(" ") + RoleCommandName(change.role);
    if (change.max_discount_bp) {
      record.setMaxDiscount(*change.max_discount_bp);
      CRM_RETURN_IF_ERROR(patch.Set("maxDiscount"));
      detail += ", max discount " + FormatLimit(*change.max_discount_bp);
    }
    if (change.max_price_cut_bp) {
      record.setMaxPriceCut(*change.max_price_cut_bp);
      CRM_RETURN_IF_ERROR(patch.Set("maxPriceCut"));
      detail += ", max price cut " + FormatLimit(*change.max_price_cut_bp);
    }
    CRM_RETURN_IF_ERROR(txn.ApplyLocal(patch.change()).status());
    AuditEvent event;
    event.time_ms = now.physical;
    event.login = std::string(operator_login);
    event.role = schema::Role::ADMIN;
    event.action = "set limits at the till";
    event.detail = std::move(detail);
    event.subjects.emplace_back(EntityKind::TILL_LIMIT, id);
    return AppendAudit(txn, event);
  });
}

Result<int32_t> ParseLimit(std::string_view text, std::string_view field) {
  const std::string name(field);
  if (text == "unlimited") return kAllBasisPoints;
  if (text == "default") return kLimitNotSet;
  std::string_view number = text;
  if (!number.empty() && number.back() == '%') number.remove_suffix(1);
  // Whole percent, or with one or two decimals: basis points exactly.
  int64_t whole = 0, fraction = 0;
  size_t i = 0, digits = 0, decimals = 0;
  for (; i < number.size() && number[i] >= '0' && number[i] <= '9' && digits < 4; ++i, ++digits) {
    whole = whole * 10 + (number[i] - '0');
  }
  if (i < number.size() && number[i] == '.') {
    for (++i; i < number.size() && number[i] >= '0' && number[i] <= '9' && decimals < 2;
         ++i, ++decimals) {
      fraction = fraction * 10 + (number[i] - '0');
    }
    if (decimals == 0) digits = 0;
  }
  if (digits == 0 || i != number.size()) {
    return Status::InvalidArgument(
        name, "'" + std::string(text) +
                  "' is not a limit: write a percentage like 10% or 2.5%, unlimited, or default");
  }
  if (decimals == 1) fraction *= 10;
  const int64_t basis_points = whole * 100 + fraction;
  if (basis_points > kAllBasisPoints) {
    return Status::InvalidArgument(name, "a limit is 0% to 100% (or unlimited)");
  }
  return static_cast<int32_t>(basis_points);
}

std::string FormatLimit(int32_t basis_points) {
  if (basis_points == kAllBasisPoints) return "unlimited";
  if (basis_points < 0) return "-";
  if (basis_points % 100 == 0) return fmt::format("{}%", basis_points / 100);
  if (basis_points % 10 == 0)
    return fmt::format("{}.{}%", basis_points / 100, basis_points % 100 / 10);
  return fmt::format("{}.{:02}%", basis_points / 100, basis_points % 100);
}

std::optional<schema::Role> RoleFromName(std::string_view name) {
  for (schema::Role role : {schema::Role::CASHIER, schema::Role::OFFICE_MANAGER,
                            schema::Role::HQ_MANAGER, schema::Role::ADMIN}) {
    if (name == RoleCommandName(role)) return role;
  }
  return std::nullopt;
}

const char* RoleCommandName(schema::Role role) {
  switch (role) {
    case schema::Role::CASHIER:
      return "cashier";
    case schema::Role::OFFICE_MANAGER:
      return "office-manager";
    case schema::Role::HQ_MANAGER:
      return "hq-manager";
    case schema::Role::ADMIN:
      return "admin";
  }
  return "unknown";
}

}  // namespace crm
