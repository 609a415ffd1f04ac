// pos user list, deactivate, activate, role and reset-password: the directory
// of users (listUsers, setUserActive, setUserRole, resetPassword). At an
// office they manage its own users; at headquarters every office's, named
// `kate@LON`.
#include <fmt/format.h>

#include <memory>

#include "pos-client/commands/common.h"
#include "pos-client/format.h"
#include "pos-client/pos.h"

namespace crm::pos {
namespace {

struct UserListOptions {
  std::string office;
};

struct UserOptions {
  std::string login;
  std::string role;
};

}  // namespace

void Pos::AddUserCommands(CLI::App& user) {
  auto list_options = std::make_shared<UserListOptions>();
  auto* list = user.add_subcommand("list", "the users this desk manages, with role and state");
  list->add_option("--office", list_options->office,
                   "only this office's users (at headquarters)");
  list->callback([this, list_options] {
    auto reply = Send(
        [&](schema::Request::Builder r) { r.initListUsers().setOffice(list_options->office); },
        false);
    if (!reply) return;
    PrintOrJson(*reply, [&] {
      auto users = reply->Root<schema::Response>().getUsers();
      if (users.size() == 0) {
        Print("No users\n");
        return;
      }
      std::vector<std::vector<std::string>> rows;
      for (auto item : users) {
        std::string state = item.getActive() ? "active" : "deactivated";
        if (item.getLocked()) state += ", locked";
        rows.push_back({Text(item.getLogin()), Text(item.getDisplayName()),
                        RoleOptionName(item.getRole()), Text(item.getOffice()), state});
      }
      Print(Table({"login", "name", "role", "office", "state"}, rows));
    });
  });

  // deactivate and activate
  for (bool active : {false, true}) {
    auto options = std::make_shared<UserOptions>();
    auto* command = user.add_subcommand(
        active ? "activate" : "deactivate",
        active ? "let a deactivated user log in again"
               : "stop a user from logging in; their sessions end at every office");
    command->add_option("login", options->login, "login (kate, or kate@LON at headquarters)")
        ->required();
    command->callback([this, options, active] {
      auto reply = Send(
          [&](schema::Request::Builder r) {
            auto args = r.initSetUserActive();
            args.setLogin(options->login);
            args.setActive(active);
          },
          true);
      if (reply && !settings_.json) {
        Print(fmt::format("{} {}\n", options->login,
                          active ? "may log in again" : "is deactivated; their sessions end"));
      }
    });
  }

  auto role_options = std::make_shared<UserOptions>();
  auto* role = user.add_subcommand("role", "change a user's role (from their next request)");
  role->add_option("login", role_options->login, "login")->required();
  role->add_option("role", role_options->role, "cashier, manager, hq-manager or admin")->required();
  role->callback([this, role_options] {
    std::optional<schema::Role> new_role = RoleByName(role_options->role);
    if (!new_role) {
      Fail(Status::InvalidArgument("role", "is cashier, manager, hq-manager or admin"));
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initSetUserRole();
          args.setLogin(role_options->login);
          args.setRole(*new_role);
        },
        true);
    if (reply && !settings_.json) {
      Print(fmt::format("{} is now {}\n", role_options->login, role_options->role));
    }
  });

  auto reset_options = std::make_shared<UserOptions>();
  auto* reset = user.add_subcommand(
      "reset-password",
      "set a user's new password (on standard input); their sessions end at every office");
  reset->add_option("login", reset_options->login, "login")->required();
  reset->callback([this, reset_options] {
    std::optional<std::string> password = ReadPassword("New password: ");
    if (!password) {
      Fail(Status::InvalidArgument("password", "no password on standard input"));
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initResetPassword();
          args.setLogin(reset_options->login);
          args.setPassword(*password);
        },
        true);
    if (reply && !settings_.json) {
      Print(fmt::format("{} has a new password; their sessions end\n", reset_options->login));
    }
  });
}

}  // namespace crm::pos
