#include "hq/cli/office_commands.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

#include "hq/cli/log_failure.h"
#include "hq/analytics/sales.h"
#include "node/frontdesk/till_limits.h"
#include "node/store/runtime.h"

namespace crm {
namespace {

constexpr schema::Role kRoles[] = {schema::Role::CASHIER, schema::Role::OFFICE_MANAGER,
                                   schema::Role::HQ_MANAGER, schema::Role::ADMIN};

const char* SourceName(LimitSource source, bool office) {
  switch (source) {
    case LimitSource::kOffice:
      return office ? "office" : "chain";
    case LimitSource::kChain:
      return "chain";
    case LimitSource::kBuiltIn:
      return "built in";
  }
  return "?";
}

// What applies to each role at `office` ("" for chain-wide), and where each
// limit comes from.
int PrintEffective(const Store& store, const std::string& office, bool json) {
  auto view = store.Read();
  if (!view.ok()) return LogEditFailure(view.status());
  nlohmann::json out = {
      {"office", office.empty() ? nlohmann::json(nullptr) : nlohmann::json(office)},
      {"limits", nlohmann::json::array()}};
  std::string table = fmt::format("limits at the till {}\n{:<16} {:>13} {:<9} {:>14} {:<9}\n",
                                  office.empty() ? "chain-wide" : "at " + office, "ROLE",
                                  "MAX DISCOUNT", "FROM", "MAX PRICE CUT", "FROM");
  for (schema::Role role : kRoles) {
    auto explained = ExplainTillLimits(*view, office, role);
    if (!explained.ok()) return LogEditFailure(explained.status());
    const TillLimits& limits = explained->limits;
    const char* discount_from = SourceName(explained->max_discount_from, !office.empty());
    const char* cut_from = SourceName(explained->max_price_cut_from, !office.empty());
    out["limits"].push_back({{"role", RoleCommandName(role)},
                             {"max_discount", FormatLimit(limits.max_discount_bp)},
                             {"max_discount_bp", limits.max_discount_bp},
                             {"max_discount_from", discount_from},
                             {"max_price_cut", FormatLimit(limits.max_price_cut_bp)},
                             {"max_price_cut_bp", limits.max_price_cut_bp},
                             {"max_price_cut_from", cut_from}});
    table += fmt::format("{:<16} {:>13} {:<9} {:>14} {:<9}\n", RoleCommandName(role),
                         FormatLimit(limits.max_discount_bp), discount_from,
                         FormatLimit(limits.max_price_cut_bp), cut_from);
  }
  fmt::print("{}", json ? out.dump(2) + "\n" : table);
  return 0;
}

// Every record as set (a limit a record leaves to the next level is "-").
int PrintRecords(const Store& store, bool json) {
  auto view = store.Read();
  if (!view.ok()) return LogEditFailure(view.status());
  auto rows = ListTillLimits(*view);
  if (!rows.ok()) return LogEditFailure(rows.status());
  nlohmann::json out = nlohmann::json::array();
  std::string table = fmt::format("{:<10} {:<16} {:>13} {:>14}\n", "OFFICE", "ROLE", "MAX DISCOUNT",
                                  "MAX PRICE CUT");
  for (const TillLimitRow& row : *rows) {
    out.push_back(
        {{"office", row.office.empty() ? nlohmann::json(nullptr) : nlohmann::json(row.office)},
         {"role", RoleCommandName(row.role)},
         {"max_discount", FormatLimit(row.max_discount_bp)},
         {"max_price_cut", FormatLimit(row.max_price_cut_bp)}});
    table += fmt::format("{:<10} {:<16} {:>13} {:>14}\n",
                         row.office.empty() ? "(chain)" : row.office, RoleCommandName(row.role),
                         FormatLimit(row.max_discount_bp), FormatLimit(row.max_price_cut_bp));
  }
  if (rows->empty()) table += "(none set: the built-in defaults apply everywhere)\n";
  fmt::print("{}", json ? out.dump(2) + "\n" : table);
  return 0;
}

}  // namespace

int OfficeLimits(const OfficeLimitFlags& flags) {
  if (flags.chain && !flags.office.empty()) {
    return LogEditFailure(Status::InvalidArgument("office", "give --office CODE or --chain, not both"));
  }
  const bool setting =
      !flags.role.empty() || !flags.max_discount.empty() || !flags.max_price_cut.empty();
  TillLimitChange change;
  change.office = flags.office;
  if (setting) {
    if (flags.office.empty() && !flags.chain) {
      return LogEditFailure(Status::InvalidArgument(
          "office",
          "say where the limits apply: --office CODE, or --chain for every office "
          "without its own"));
    }
    auto role = RoleFromName(flags.role);
    if (!role) {
      return LogEditFailure(Status::InvalidArgument(
          "role", "--role is cashier, office-manager, hq-manager or admin"));
    }
    change.role = *role;
    if (!flags.max_discount.empty()) {
      auto parsed = ParseLimit(flags.max_discount, "max-discount");
      if (!parsed.ok()) return LogEditFailure(parsed.status());
      change.max_discount_bp = *parsed;
    }
    if (!flags.max_price_cut.empty()) {
      auto parsed = ParseLimit(flags.max_price_cut, "max-price-cut");
      if (!parsed.ok()) return LogEditFailure(parsed.status());
      change.max_price_cut_bp = *parsed;
    }
  }
  StoreRuntime hq;
  // Setting writes beside a running hub (LMDB serializes the writers; the hub
  // sees its log grow and sends the change down); listing only reads.
  if (Status opened = hq.Open(ReportStore(flags.data_dir)); !opened.ok()) return LogEditFailure(opened);
  if (setting) {
    Status set = SetTillLimits(*hq.writer, *hq.hlc, change, "crm-hq");
    if (!set.ok()) return LogEditFailure(set);
  }
  if (setting || flags.chain || !flags.office.empty()) {
    return PrintEffective(*hq.store, flags.office, flags.json);
  }
  return PrintRecords(*hq.store, flags.json);
}

OfficeCommands::OfficeCommands(CLI::App& app) {
  CLI::App* office = app.add_subcommand("office", "what headquarters sets for its offices");
  office->require_subcommand(1);
  limits_ = office->add_subcommand(
      "limits",
      "the limits at the till per office and role (price cuts and discounts beyond them need a "
      "manager's approval); without --role, shows them");
  limits_->add_option("--office", limit_flags_.office, "an enrolled office's code");
  limits_->add_flag("--chain", limit_flags_.chain,
                    "the chain-wide default, for offices without their own");
  limits_->add_option("--role", limit_flags_.role, "cashier, office-manager, hq-manager or admin");
  limits_->add_option(
      "--max-discount", limit_flags_.max_discount,
      "the largest discount of a line, of its price: 10%, 2.5%, unlimited, or default "
      "(the chain-wide or built-in one)");
  limits_->add_option("--max-price-cut", limit_flags_.max_price_cut,
                      "the largest cut of a unit price below the catalogue's: 0%, 20%, unlimited, "
                      "or default");
  limits_->add_flag("--json", limit_flags_.json, "print JSON");
}

std::optional<int> OfficeCommands::Run(const std::string& data_dir) {
  if (!*limits_) return std::nullopt;
  limit_flags_.data_dir = data_dir;
  return OfficeLimits(limit_flags_);
}

}  // namespace crm
