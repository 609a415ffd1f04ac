// pos product and user: what headquarters and the node's administrator set
// up, the product catalogue and the users.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "pos-client/commands/common.h"
#include "pos-client/format.h"
#include "pos-client/pos.h"
#include "sync/base/money.h"

namespace crm::pos {
namespace {

struct ProductOptions {
  std::string sku;
  std::string name;
  std::string price;
  std::string category;
};

struct UserAddOptions {
  std::string login;
  std::string role;
  std::string name;
};

struct UserUnlockOptions {
  std::string login;
};

}  // namespace

void Pos::AddSetupCommands(CLI::App& app) {
  auto* product = app.add_subcommand("product", "the product catalogue (HQ manager)");
  product->require_subcommand(1);
  auto product_options = std::make_shared<ProductOptions>();
  auto* product_add = product->add_subcommand(
      "add", "add or change a product (a standalone node; under a hub: crm-hq product add)");
  product_add->add_option("sku", product_options->sku, "stock code")->required();
  product_add->add_option("--name", product_options->name, "name")->required();
  product_add->add_option("--price", product_options->price, "price, like 4.50")->required();
  product_add->add_option("--category", product_options->category, "category");
  product_add->callback([this, product_options] {
    const ProductOptions& o = *product_options;
    auto price = Money(o.price, "--price");
    if (!price.ok()) {
      Fail(price.status());
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initSaveProduct();
          args.setSku(o.sku);
          args.setName(o.name);
          args.setPrice(*price);
          args.setCategory(o.category);
        },
        true);
    if (reply && !settings_.json) Print(fmt::format("Product {} saved\n", o.sku));
  });
  auto include_inactive = std::make_shared<bool>(false);
  auto* product_list = product->add_subcommand(
      "list", "the catalogue: each product at this office's price (HQ's override or its list)");
  product_list->add_flag("--all", *include_inactive, "products off sale too");
  product_list->callback([this, include_inactive] {
    auto reply = Send(
        [&](schema::Request::Builder r) {
          r.initListProducts().setIncludeInactive(*include_inactive);
        },
        false);
    if (!reply) return;
    PrintOrJson(*reply, [&] {
      auto items = reply->Root<schema::Response>().getProducts();
      if (items.size() == 0) {
        Print("No products\n");
        return;
      }
      std::vector<std::vector<std::string>> rows;
      for (auto item : items) {
        auto p = item.getProduct();
        const std::string price =
            item.getPrice() < 0
                ? "not sold here (no " + session_.currency + " price)"
                : FormatMoney(item.getPrice(), session_.currency) + " " + session_.currency +
                      (Text(item.getPriceFrom()) == "office" ? " (this office's)" : "");
        rows.push_back({Text(p.getSku()), Text(p.getName()), Text(p.getCategory()), price,
                        p.getActive() ? "yes" : "no"});
      }
      Print(Table({"sku", "name", "category", "price here", "on sale"}, rows));
    });
  });

  auto* user = app.add_subcommand(
      "user", "the users of this office (a manager or admin; at headquarters every office's)");
  user->require_subcommand(1);
  auto add_options = std::make_shared<UserAddOptions>();
  auto* user_add = user->add_subcommand("add", "create a user (password on standard input)");
  user_add->add_option("login", add_options->login, "login")->required();
  user_add->add_option("--role", add_options->role, "cashier, manager, hq-manager, admin")
      ->required();
  user_add->add_option("--name", add_options->name, "display name");
  user_add->callback([this, add_options] {
    const UserAddOptions& o = *add_options;
    std::optional<schema::Role> role = RoleByName(o.role);
    if (!role) {
      Fail(Status::InvalidArgument("--role", "is cashier, manager, hq-manager or admin"));
      return;
    }
    std::optional<std::string> password = ReadPassword("Password for the new user: ");
    if (!password) {
      Fail(Status::InvalidArgument("password", "no password on standard input"));
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initCreateUser();
          args.setLogin(o.login);
          args.setDisplayName(o.name);
          args.setRole(*role);
          args.setPassword(*password);
        },
        true);
    if (reply && !settings_.json) Print(fmt::format("User {} created\n", o.login));
  });
  auto unlock_options = std::make_shared<UserUnlockOptions>();
  auto* user_unlock = user->add_subcommand(
      "unlock", "lift the lock of a login that failed too many times in a row (admin)");
  user_unlock->add_option("login", unlock_options->login, "login")->required();
  user_unlock->callback([this, unlock_options] {
    auto reply =
        Send([&](schema::Request::Builder r) { r.setUnlockLogin(unlock_options->login); }, true);
    if (reply && !settings_.json) {
      Print(fmt::format("{} may log in again\n", unlock_options->login));
    }
  });
  AddUserCommands(*user);
}

}  // namespace crm::pos
