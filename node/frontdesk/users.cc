// The directory of users at the front desk (docs/frontdesk.md, "Users"):
// creating, listing, deactivating and activating users, their roles and
// their passwords. Logins are per office; an office's managers manage its own
// users, headquarters' every user of the chain, and the changes replicate
// like any record (the hubs admit an office's own users only, see
// node/store/admission.h).
#include <algorithm>
#include <cctype>
#include <tuple>

#include "node/common/text.h"
#include "node/frontdesk/internal.h"
#include "node/frontdesk/login_guard.h"
#include "node/store/offices.h"

namespace crm::frontdesk {
namespace {

bool AtHeadquarters(const Context& ctx) { return ctx.office.code == kHeadquartersOffice; }

// A user record of the directory, as an operation on it needs it.
struct Target {
  Id id;
  DeskLogin name;
  schema::Role role = schema::Role::CASHIER;
  bool active = false;
};

Result<Target> LoadTarget(const Context& ctx, const StoreView& view, std::string_view typed) {
  CRM_ASSIGN_OR_RETURN(DeskLogin name, ParseDeskLogin(typed, ctx.office.code, "login"));
  CRM_ASSIGN_OR_RETURN(Id id, FindUser(view, name, "login"));
  CRM_ASSIGN_OR_RETURN(Record record, Require(view, EntityKind::USER, id, "login"));
  auto user = record.value<schema::User>();
  return Target{id, std::move(name), user.getRole(), user.getActive()};
}

// kPermissionDenied unless the caller may change `target`: at an office its
// own office's users, at headquarters (an HQ manager or an admin) anyone's;
// an admin only by an admin.
Status MayManage(const Context& ctx, const Target& target) {
  if (AtHeadquarters(ctx)) {
    if (!RoleAllows(ctx.user.role, schema::Role::HQ_MANAGER)) {
      return Status::PermissionDenied(std::string(RoleName(ctx.user.role)) +
                                      " may not manage users at headquarters; it takes an HQ "
                                      "manager or an admin");
    }
  } else if (target.name.office != ctx.office.code) {
    return Status::PermissionDenied(
        "'" + target.name.canonical + "' is a user of " +
        (target.name.office == kHeadquartersOffice ? std::string("headquarters")
                                                   : "office " + target.name.office) +
        ": managed there or at headquarters, not at " + ctx.office.code);
  }
  if (target.role == schema::Role::ADMIN && ctx.user.role != schema::Role::ADMIN) {
    return Status::PermissionDenied("'" + target.name.canonical +
                                    "' is an admin: only an admin changes an admin");
  }
  return Status::Ok();
}

// How many active admins office `office` has.
Result<int> ActiveAdmins(const StoreView& view, std::string_view office) {
  int admins = 0;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::USER, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto user = stored.getValue().getAs<schema::User>();
        if (user.getActive() && user.getRole() == schema::Role::ADMIN &&
            std::string_view(user.getOffice().cStr(), user.getOffice().size()) == office) {
          ++admins;
        }
        return Status::Ok();
      }));
  return admins;
}

// kConflict if `target` is the last active admin of its office: taking that
// away would leave nobody to create users or lift locks there.
Status KeepsAnAdmin(const StoreView& view, const Target& target, std::string_view what) {
  if (target.role != schema::Role::ADMIN || !target.active) return Status::Ok();
  CRM_ASSIGN_OR_RETURN(int admins, ActiveAdmins(view, target.name.office));
  if (admins > 1) return Status::Ok();
  return Status(StatusCode::kConflict,
                "'" + target.name.canonical + "' is the last active admin of " +
                    target.name.office + "; " + std::string(what) +
                    " would leave nobody to manage its users: make another admin first",
                "login");
}

// Sets `fields` (their values set by the caller) and applies the change.
Status WriteUser(StoreTxn& txn, ChangeMessage& change, std::initializer_list<const char*> fields) {
  for (const char* f : fields) CRM_RETURN_IF_ERROR(change.Set(f));
  return ApplyChange(txn, change);
}

}  // namespace

Result<DeskLogin> ParseDeskLogin(std::string_view typed, std::string_view desk_office,
                                 std::string_view field) {
  DeskLogin name;
  const size_t at = typed.rfind('@');
  name.login = std::string(typed.substr(0, at));
  if (at == std::string_view::npos) {
    name.office = std::string(desk_office);
  } else {
    name.office = std::string(typed.substr(at + 1));
    for (char& c : name.office) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.office.size() < 2 || name.office.size() > 8 ||
        !std::all_of(name.office.begin(), name.office.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0;
        })) {
      return Status::InvalidArgument(std::string(field),
                                     "after '@' comes an office code (2 to 8 letters or digits), "
                                     "as in anna@HQ");
    }
  }
  if (!IsValidLogin(name.login)) {
    return Status::InvalidArgument(
        std::string(field),
        "a login is 3 to 64 letters, digits, '.', '_' or '-', and `@OFFICE` for a user of "
        "another office (anna@HQ)");
  }
  name.canonical = CanonicalLogin(name.login, name.office, desk_office);
  return name;
}

std::string CanonicalLogin(std::string_view login, std::string_view office,
                           std::string_view desk_office) {
  std::string canonical(login);
  if (office != desk_office) canonical += "@" + std::string(office);
  return canonical;
}

bool MayLogInAt(std::string_view user_office, std::string_view desk_office) {
  return user_office == desk_office || user_office == kHeadquartersOffice;
}

Result<Id> FindUser(const StoreView& view, const DeskLogin& name, std::string_view field) {
  auto found = view.FindByKey(EntityKind::USER, UserKey(name.office, name.login));
  if (found.ok() || found.status().code() != StatusCode::kNotFound) return found;
  return Status(StatusCode::kNotFound,
                "no user '" + name.login + "' at " +
                    (name.office == kHeadquartersOffice ? std::string("headquarters")
                                                        : "office " + name.office),
                std::string(field));
}

uint64_t NewSessionEpoch(Clock& wall) { return Id::Generate(wall.NowMillis()).lo | 1; }

Status CreateUser(Context& ctx, StoreTxn& txn, schema::NewUser::Reader args,
                  schema::Response::Builder response) {
  std::string login = Str(args.getLogin());
  if (!IsValidLogin(login)) {
    return Status::InvalidArgument("login", "a login is 3 to 64 letters, digits, '.', '_' or '-'");
  }
  CRM_RETURN_IF_ERROR(CheckText("displayName", Str(args.getDisplayName()), 200, false));
  if (!RoleAllows(args.getRole(), schema::Role::CASHIER)) {
    return Status::InvalidArgument("role", "unknown role");
  }
  if (args.getRole() == schema::Role::HQ_MANAGER && !AtHeadquarters(ctx)) {
    return Status(StatusCode::kPermissionDenied,
                  "an HQ manager is a user of headquarters: made there, not at " + ctx.office.code,
                  "role");
  }
  if (txn.FindByKey(EntityKind::USER, UserKey(ctx.office.code, login)).ok()) {
    return Status(StatusCode::kAlreadyExists,
                  "login '" + login + "' is taken at " + ctx.office.code, "login");
  }
  CRM_ASSIGN_OR_RETURN(std::string hash,
                       HashPassword(Str(args.getPassword()), ctx.office.password_cost));
  Id id = Id::Generate(ctx.wall.NowMillis());
  ChangeMessage change = NewPatch(ctx, EntityKind::USER, id);
  auto user = change.record<schema::User>();
  user.setLogin(login);
  user.setDisplayName(args.getDisplayName().size() ? Str(args.getDisplayName()) : login);
  user.setRole(args.getRole());
  user.setPasswordHash(hash);
  user.setOffice(ctx.office.code);
  user.setActive(true);
  user.setSessionEpoch(NewSessionEpoch(ctx.wall));
  CRM_RETURN_IF_ERROR(WriteUser(
      txn, change,
      {"login", "displayName", "role", "passwordHash", "office", "active", "sessionEpoch"}));
  IdToWire(id, response.initSaved());
  return Status::Ok();
}

Status ListUsers(Context& ctx, const StoreView& view, schema::ListUsers::Reader args,
                 schema::Response::Builder response) {
  std::string office = Str(args.getOffice());
  for (char& c : office) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (AtHeadquarters(ctx)) {
    if (!RoleAllows(ctx.user.role, schema::Role::HQ_MANAGER)) {
      return Status::PermissionDenied(std::string(RoleName(ctx.user.role)) +
                                      " may not list users at headquarters; it takes an HQ "
                                      "manager or an admin");
    }
  } else if (!office.empty() && office != ctx.office.code) {
    return Status::PermissionDenied("the users of " + office +
                                    " are listed there or at headquarters, not at " +
                                    ctx.office.code);
  } else {
    office = ctx.office.code;
  }
  struct Row {
    std::string office;
    std::string login;
    Id id;
  };
  std::vector<Row> rows;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::USER, [&](const Id& id, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto user = stored.getValue().getAs<schema::User>();
        std::string user_office = Str(user.getOffice());
        if (!office.empty() && user_office != office) return Status::Ok();
        rows.push_back({std::move(user_office), Str(user.getLogin()), id});
        return Status::Ok();
      }));
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.office, a.login) < std::tie(b.office, b.login);
  });
  auto out = response.initUsers(static_cast<unsigned>(rows.size()));
  for (unsigned i = 0; i < rows.size(); ++i) {
    CRM_ASSIGN_OR_RETURN(Record record, view.Get(EntityKind::USER, rows[i].id));
    auto user = record.value<schema::User>();
    const std::string canonical = CanonicalLogin(rows[i].login, rows[i].office, ctx.office.code);
    CRM_ASSIGN_OR_RETURN(auto lock, view.LoginLock(LoginKey(canonical)));
    IdToWire(rows[i].id, out[i].initId());
    out[i].setLogin(canonical);
    out[i].setDisplayName(user.getDisplayName());
    out[i].setRole(user.getRole());
    out[i].setOffice(user.getOffice());
    out[i].setActive(user.getActive());
    out[i].setLocked(lock.has_value());
  }
  return Status::Ok();
}

Status SetUserActive(Context& ctx, StoreTxn& txn, schema::SetUserActive::Reader args,
                     schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(Target target, LoadTarget(ctx, txn, Str(args.getLogin())));
  CRM_RETURN_IF_ERROR(MayManage(ctx, target));
  IdToWire(target.id, response.initSaved());
  if (target.active == args.getActive()) return Status::Ok();  // as asked already
  if (!args.getActive()) {
    if (target.id == ctx.user.user) {
      return Status(StatusCode::kConflict,
                    "you may not deactivate yourself: you would be locked out; another manager "
                    "or admin can",
                    "login");
    }
    CRM_RETURN_IF_ERROR(KeepsAnAdmin(txn, target, "deactivating it"));
  }
  ChangeMessage change = NewPatch(ctx, EntityKind::USER, target.id);
  auto user = change.record<schema::User>();
  user.setActive(args.getActive());
  if (args.getActive()) return WriteUser(txn, change, {"active"});
  // Every session of the user, at every office, ends once this arrives.
  user.setSessionEpoch(NewSessionEpoch(ctx.wall));
  return WriteUser(txn, change, {"active", "sessionEpoch"});
}

Status SetUserRole(Context& ctx, StoreTxn& txn, schema::SetUserRole::Reader args,
                   schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(Target target, LoadTarget(ctx, txn, Str(args.getLogin())));
  CRM_RETURN_IF_ERROR(MayManage(ctx, target));
  const schema::Role role = args.getRole();
  if (!RoleAllows(role, schema::Role::CASHIER)) return Status::InvalidArgument("role", "unknown role");
  if (role == schema::Role::HQ_MANAGER && target.name.office != kHeadquartersOffice) {
    return Status(StatusCode::kPermissionDenied,
                  "an HQ manager is a user of headquarters; '" + target.name.canonical +
                      "' is a user of office " + target.name.office,
                  "role");
  }
  if (role == schema::Role::ADMIN && ctx.user.role != schema::Role::ADMIN) {
    return Status(StatusCode::kPermissionDenied, "only an admin makes an admin", "role");
  }
  IdToWire(target.id, response.initSaved());
  if (role == target.role) return Status::Ok();
  if (role != schema::Role::ADMIN) CRM_RETURN_IF_ERROR(KeepsAnAdmin(txn, target, "demoting it"));
  ChangeMessage change = NewPatch(ctx, EntityKind::USER, target.id);
  change.record<schema::User>().setRole(role);
  return WriteUser(txn, change, {"role"});
}

Status ResetPassword(Context& ctx, StoreTxn& txn, schema::ResetPassword::Reader args,
                     schema::Response::Builder response) {
  CRM_ASSIGN_OR_RETURN(Target target, LoadTarget(ctx, txn, Str(args.getLogin())));
  CRM_RETURN_IF_ERROR(MayManage(ctx, target));
  CRM_ASSIGN_OR_RETURN(std::string hash,
                       HashPassword(Str(args.getPassword()), ctx.office.password_cost));
  ChangeMessage change = NewPatch(ctx, EntityKind::USER, target.id);
  auto user = change.record<schema::User>();
  user.setPasswordHash(hash);
  // The sessions opened with the old password end, at every office.
  user.setSessionEpoch(NewSessionEpoch(ctx.wall));
  CRM_RETURN_IF_ERROR(WriteUser(txn, change, {"passwordHash", "sessionEpoch"}));
  IdToWire(target.id, response.initSaved());
  return Status::Ok();
}

}  // namespace crm::frontdesk
