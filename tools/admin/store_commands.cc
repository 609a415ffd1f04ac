#include "tools/admin/store_commands.h"

#include <fmt/format.h>

#include <cstdlib>

#include "node/common/local_time.h"
#include "node/store/audit.h"
#include "node/store/replica.h"
#include "node/store/store.h"
#include "node/store/store_verify.h"
#include "node/store/writer.h"
#include "tools/admin/common.h"

namespace crm::admin {
namespace {

// Prints the newest `count` audit entries, oldest first.
int ListAudit(const Store& store, size_t count) {
  auto view = store.Read();
  if (!view.ok()) return Fail(view.status());
  auto head = view->audit().Head();
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
    fmt::print("{:>6}  {}  {:<12} {}{}{}{}{}\n", record.seq, FormatLocalTime(e.time_ms, "UTC"),
               e.login.empty() ? "-" : e.login, e.refused ? "REFUSED " : "", e.action,
               e.approver_login.empty() ? ""
               : e.refused              ? ", approver " + e.approver_login
                                        : ", approved by " + e.approver_login,
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
  fmt::print(
      stderr,
      "crm-admin: audit log of {} is broken at entry {}: {} ({} entries before it are intact)\n",
      dir, verdict->broken_at, verdict->reason, verdict->broken_at - 1);
  return 1;
}

// Checks the whole store; exit 0 if sound, 1 listing what is damaged. The
// damaged records are recorded for the node's uplink to fetch back from its
// hub, unless `record` is false.
int VerifyWholeStore(StoreRuntime& opened, const std::string& dir, bool record) {
  auto check = VerifyStore(*opened.store);
  if (!check.ok()) return Fail(check.status());
  std::string counted = fmt::format(
      "{} records, {} log entries, {} index entries, {} other values, {} files, {} audit entries",
      check->records, check->log_entries, check->index_entries, check->other_values, check->files,
      check->audit_entries);
  if (check->clean()) {
    fmt::print("store {} is sound: {}\n", dir, counted);
    return 0;
  }
  for (const std::string& problem : check->problems) fmt::print("{}\n", problem);
  fmt::print(stderr, "crm-admin: store {} is damaged: {} problem{} found in {}\n", dir,
             check->problems.size(), check->problems.size() == 1 ? "" : "s", counted);
  if (record && !check->damaged_records.empty()) {
    Status recorded = opened.writer->Run([&](StoreTxn& txn) -> Status {
      for (const auto& [kind, id] : check->damaged_records)
        CRM_RETURN_IF_ERROR(txn.MarkDamaged(kind, id));
      return Status::Ok();
    });
    if (!recorded.ok()) return Fail(recorded);
    fmt::print(stderr,
               "crm-admin: {} damaged records recorded for the node to fetch back from its hub "
               "(docs/storage.md, \"Checksums\")\n",
               check->damaged_records.size());
  }
  return 1;
}

}  // namespace

StoreCommands::StoreCommands(CLI::App& app) {
  digest_ = app.add_subcommand("digest", "print the state digest of a store");
  digest_->add_option("--data", data_, "store directory")->required();

  verify_ = app.add_subcommand(
      "verify", "check every record, log entry, index and file of a store (a node may serve it)");
  verify_->add_option("--data", data_, "store directory")->required();
  verify_->add_flag(
      "--no-record", no_record_,
      "only report; do not record damaged records for the node to fetch back from its hub");

  CLI::App* audit = app.add_subcommand("audit", "the audit log of a store");
  audit->require_subcommand(1);
  audit_verify_ = audit->add_subcommand("verify", "check the audit log's hash chain");
  audit_verify_->add_option("--data", data_, "store directory")->required();
  audit_list_ = audit->add_subcommand("list", "print the newest audit entries");
  audit_list_->add_option("--data", data_, "store directory")->required();
  audit_list_->add_option("--last", audit_count_, "how many")->check(CLI::Range(1, 100000));

  backup_ = app.add_subcommand("backup", "copy a store, compacted, while its node runs");
  backup_->add_option("--data", data_, "store directory")->required();
  backup_->add_option("--out", backup_dir_, "a new directory for the copy")->required();
  restore_ = app.add_subcommand(
      "restore",
      "make a store again from a backup; the node then fetches from the hub what it made since");
  restore_->add_option("--from", backup_dir_, "the backup's directory")->required();
  restore_->add_option("--data", data_, "the store directory to create")->required();
}

std::optional<int> StoreCommands::Run() {
  if (*restore_) {
    SystemClock clock;
    if (Status s = Store::RestoreBackup(backup_dir_, data_, clock); !s.ok()) return Fail(s);
    fmt::print(
        "{} restored from {}. Start the node: it takes changes again once the hub has sent "
        "back what it made after the backup.\n",
        data_, backup_dir_);
    return 0;
  }
  if (!*digest_ && !*verify_ && !*audit_verify_ && !*audit_list_ && !*backup_) return std::nullopt;
  StoreRuntime opened;
  if (Status s = OpenStore(opened, data_, true); !s.ok()) return Fail(s);
  if (*backup_) {
    if (Status s = opened.store->Backup(backup_dir_); !s.ok()) return Fail(s);
    fmt::print("{} backed up to {}\n", data_, backup_dir_);
    return 0;
  }
  if (*audit_verify_) return VerifyAuditChain(*opened.store, data_);
  if (*audit_list_) return ListAudit(*opened.store, audit_count_);
  if (*digest_) {
    auto hex = StateDigest(*opened.store);
    if (!hex.ok()) return Fail(hex.status());
    fmt::print("{}\n", *hex);
    return 0;
  }
  return VerifyWholeStore(opened, data_, !no_record_);
}

}  // namespace crm::admin
