// crm-admin: keys, office enrollment and store inspection.
//   crm-admin keygen --out PREFIX           writes PREFIX.key (0600) and PREFIX.pub
//   crm-admin node-id --data DIR            the node id of a store (created if new)
//   crm-admin enroll --hub-data DIR ...     lets an office's key connect to the hub
//   crm-admin revoke --hub-data DIR --office CODE
//   crm-admin digest --data DIR             the state digest of a store
//   crm-admin audit verify --data DIR       checks the audit log's hash chain
//   crm-admin audit list --data DIR         the newest audit entries
//   crm-admin backup --data DIR --out DIR   a compacted copy of a store, also of a live one
//   crm-admin restore --from DIR --data DIR a store again from a backup
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "node/audit.h"
#include "node/local_time.h"
#include "node/offices.h"
#include "node/replica.h"
#include "node/runtime.h"
#include "node/store.h"
#include "node/writer.h"
#include "sync/transport.h"

namespace crm {
namespace {

int Fail(const Status& status) {
  fmt::print(stderr, "crm-admin: {}\n", status.ToString());
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

// Prints the newest `count` audit entries, oldest first.
int ListAudit(const Store& store, size_t count) {
  auto view = store.Read();
  if (!view.ok()) return Fail(view.status());
  auto head = view->AuditHead();
  if (!head.ok()) return Fail(head.status());
  uint64_t last = std::strtoull(head->c_str(), nullptr, 10);
  uint64_t from = last > count ? last - count + 1 : 1;
  auto records = ReadAuditLog(*view, from, count);
  if (!records.ok()) return Fail(records.status());
  for (const AuditRecord& record : *records) {
    const AuditEvent& e = record.event;
    std::string subjects;
    for (const auto& [kind, id] : e.subjects) {
      subjects += fmt::format(" {} {}", EntityName(kind), id.ToString());
    }
    fmt::print("{:>6}  {}  {:<12} {}{}{}{}\n", record.seq, FormatLocalTime(e.time_ms, "UTC"),
               e.login.empty() ? "-" : e.login, e.refused ? "REFUSED " : "", e.action,
               e.detail.empty() ? "" : " (" + e.detail + ")", subjects);
  }
  return 0;
}

// Checks the chain; exit 0 if intact, 1 naming the first broken entry.
int VerifyAuditChain(const Store& store, const std::string& dir) {
  auto view = store.Read();
  if (!view.ok()) return Fail(view.status());
  auto verdict = VerifyAudit(*view);
  if (!verdict.ok()) return Fail(verdict.status());
  if (verdict->intact()) {
    fmt::print("audit log of {} is intact: {} entries, head {}\n", dir, verdict->entries,
               verdict->head.empty() ? "(empty)" : verdict->head);
    return 0;
  }
  fmt::print(stderr, "crm-admin: audit log of {} is broken at entry {}: {} ({} entries before it are intact)\n",
             dir, verdict->broken_at, verdict->reason, verdict->broken_at - 1);
  return 1;
}

}  // namespace
}  // namespace crm

int main(int argc, char** argv) {
  CLI::App app{"crm-admin: keys, enrollment and store inspection"};
  app.require_subcommand(1);

  std::string out;
  auto* keygen = app.add_subcommand("keygen", "make a CURVE key pair");
  keygen->add_option("--out", out, "path prefix of the key files")->required();

  std::string data;
  auto* node_id = app.add_subcommand("node-id", "print the node id of a store (creating it if new)");
  node_id->add_option("--data", data, "store directory")->required();

  std::string hub_data, office, node, key_file, parent, name;
  auto* enroll = app.add_subcommand("enroll", "let an office's key connect to the hub");
  enroll->add_option("--hub-data", hub_data, "the hub's store directory")->required();
  enroll->add_option("--office", office, "office code")->required();
  enroll->add_option("--node-id", node, "the office's node id (crm-admin node-id)")->required();
  enroll->add_option("--public-key", key_file, "the office's .pub file")->required();
  enroll->add_option("--parent", parent, "office code of its regional hub");
  enroll->add_option("--name", name, "office name");

  auto* revoke = app.add_subcommand("revoke", "refuse an office's key from now on");
  revoke->add_option("--hub-data", hub_data, "the hub's store directory")->required();
  revoke->add_option("--office", office, "office code")->required();

  auto* digest = app.add_subcommand("digest", "print the state digest of a store");
  digest->add_option("--data", data, "store directory")->required();

  size_t audit_count = 50;
  auto* audit = app.add_subcommand("audit", "the audit log of a store");
  audit->require_subcommand(1);
  auto* audit_verify = audit->add_subcommand("verify", "check the audit log's hash chain");
  audit_verify->add_option("--data", data, "store directory")->required();
  auto* audit_list = audit->add_subcommand("list", "print the newest audit entries");
  audit_list->add_option("--data", data, "store directory")->required();
  audit_list->add_option("--last", audit_count, "how many")->check(CLI::Range(1, 100000));

  std::string backup_dir;
  auto* backup = app.add_subcommand("backup", "copy a store, compacted, while its node runs");
  backup->add_option("--data", data, "store directory")->required();
  backup->add_option("--out", backup_dir, "a new directory for the copy")->required();
  auto* restore = app.add_subcommand(
      "restore", "make a store again from a backup; the node then fetches from the hub what it made since");
  restore->add_option("--from", backup_dir, "the backup's directory")->required();
  restore->add_option("--data", data, "the store directory to create")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  using namespace crm;
  if (*keygen) {
    auto keys = GenerateCurveKeys();
    if (!keys.ok()) return Fail(keys.status());
    if (Status s = WriteKeyFiles(out, *keys); !s.ok()) return Fail(s);
    fmt::print("{}.key (secret, mode 0600) and {}.pub written\n", out, out);
    return 0;
  }
  if (*restore) {
    SystemClock clock;
    if (Status s = Store::RestoreBackup(backup_dir, data, clock); !s.ok()) return Fail(s);
    fmt::print("{} restored from {}. Start the node: it takes changes again once the hub has sent "
               "back what it made after the backup.\n",
               data, backup_dir);
    return 0;
  }
  if ((*audit || *digest || *backup) && !std::filesystem::exists(std::filesystem::path(data) / "data.mdb")) {
    return Fail(Status::NotFound("there is no store in " + data));
  }
  StoreRuntime opened;
  if (Status s = opened.Open({*node_id || *digest || *audit || *backup ? data : hub_data}); !s.ok()) {
    return Fail(s);
  }
  if (*backup) {
    if (Status s = opened.store->Backup(backup_dir); !s.ok()) return Fail(s);
    fmt::print("{} backed up to {}\n", data, backup_dir);
    return 0;
  }
  if (*audit_verify) return VerifyAuditChain(*opened.store, data);
  if (*audit_list) return ListAudit(*opened.store, audit_count);
  if (*node_id) {
    fmt::print("{}\n", opened.store->node_id().ToString());
    return 0;
  }
  if (*digest) {
    auto hex = StateDigest(*opened.store);
    if (!hex.ok()) return Fail(hex.status());
    fmt::print("{}\n", *hex);
    return 0;
  }
  if (*enroll) {
    auto node_parsed = Id::Parse(node);
    if (!node_parsed.ok()) return Fail(Status::InvalidArgument("node-id", node_parsed.status().message()));
    auto public_key = ReadPublicKey(key_file);
    if (!public_key.ok()) return Fail(public_key.status());
    Status s = EnrollOffice(*opened.writer, *opened.hlc,
                            OfficeEnrollment{office, name, *node_parsed, *public_key, parent});
    if (!s.ok()) return Fail(s);
    fmt::print("office {} enrolled (node {})\n", office, node);
    return 0;
  }
  Status s = RevokeOffice(*opened.writer, *opened.hlc, office);
  if (!s.ok()) return Fail(s);
  fmt::print("office {} revoked\n", office);
  return 0;
}
