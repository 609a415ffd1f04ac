// crm-admin: keys, office enrollment and store inspection.
//   crm-admin keygen --out PREFIX           writes PREFIX.key (0600) and PREFIX.pub
//   crm-admin node-id --data DIR            the node id of a store (created if new)
//   crm-admin enroll --hub-data DIR ...     lets an office's key connect to the hub
//   crm-admin revoke --hub-data DIR --office CODE
//   crm-admin digest --data DIR             the state digest of a store
//   crm-admin verify --data DIR             checks every record, log entry and index of a store
//   crm-admin audit verify --data DIR       checks the audit log's hash chain
//   crm-admin audit list --data DIR         the newest audit entries
//   crm-admin backup --data DIR --out DIR   a compacted copy of a store, also of a live one
//   crm-admin restore --from DIR --data DIR a store again from a backup
//   crm-admin import sales --data DIR --file CSV   sales history, with its clients and products
//   crm-admin export sales --data DIR [--out CSV]  every sale, in the columns import reads
//   crm-admin import clients --data DIR --file CSV clients by number, only what changed
//   crm-admin export clients --data DIR [--out CSV] every client, in the columns import reads
//   crm-admin unlock --data DIR --login LOGIN   lifts a login's lock (as pos user unlock does)
//   crm-admin clock show --data DIR         the store's newest stamp against this clock
//   crm-admin clock repair --data DIR       brings stamps of a clock once set ahead back to now
// The commands live in tools/admin/, one file per group; RunAdmin wires them.
#include <fmt/format.h>
#include <kj/exception.h>
#include <CLI/CLI.hpp>

#include <exception>
#include <optional>

#include "tools/admin/exchange_commands.h"
#include "tools/admin/key_commands.h"
#include "tools/admin/recovery_commands.h"
#include "tools/admin/store_commands.h"

namespace {

int RunAdmin(int argc, char** argv) {
  CLI::App app{"crm-admin: keys, enrollment and store inspection"};
  app.require_subcommand(1);
  // In the order `crm-admin --help` lists them.
  crm::admin::KeyCommands keys(app);           // keygen, node-id, enroll, revoke
  crm::admin::StoreCommands stores(app);       // digest, verify, audit, backup, restore
  crm::admin::ExchangeCommands exchange(app);  // import, export
  crm::admin::RecoveryCommands recovery(app);  // unlock, clock
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (std::optional<int> code = stores.Run()) return *code;
  if (std::optional<int> code = exchange.Run()) return *code;
  if (std::optional<int> code = recovery.Run()) return *code;
  return keys.Run();
}

}  // namespace

int main(int argc, char** argv) {
  // Expected failures are statuses; anything thrown is a broken invariant,
  // reported rather than aborting.
  try {
    return RunAdmin(argc, argv);
  } catch (const kj::Exception& e) {
    fmt::print(stderr, "crm-admin: internal error: {}\n", e.getDescription().cStr());
  } catch (const std::exception& e) {
    fmt::print(stderr, "crm-admin: internal error: {}\n", e.what());
  }
  return 1;
}
