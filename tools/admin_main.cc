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
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <kj/exception.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <cstdlib>
#include <filesystem>

#include "node/common/local_time.h"
#include "node/common/private_file.h"
#include "node/common/serve_lock.h"
#include "node/exchange/client_csv.h"
#include "node/exchange/csv.h"
#include "node/exchange/sales_csv.h"
#include "node/frontdesk/login_guard.h"
#include "node/store/audit.h"
#include "node/store/clock_repair.h"
#include "node/store/offices.h"
#include "node/store/replica.h"
#include "node/store/runtime.h"
#include "node/store/store.h"
#include "node/store/store_verify.h"
#include "node/store/writer.h"
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
  fmt::print(stderr, "crm-admin: audit log of {} is broken at entry {}: {} ({} entries before it are intact)\n",
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
      for (const auto& [kind, id] : check->damaged_records) CRM_RETURN_IF_ERROR(txn.MarkDamaged(kind, id));
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

// Writes the rejected lines to `rejects_file` if given, else prints the
// first ten. Exit code 0 unless the file cannot be written.
int ReportRejections(const std::vector<ImportRejection>& rejected, const std::string& rejects_file) {
  if (!rejects_file.empty()) {
    if (Status created = CreatePrivateFile(rejects_file); !created.ok()) return Fail(created);
    std::ofstream out(rejects_file, std::ios::trunc);
    out << "line,reason\n";
    for (const ImportRejection& r : rejected) out << r.line << "," << CsvField(r.reason) << "\n";
    if (!out) return Fail(Status::IOError("cannot write " + rejects_file));
    fmt::print("rejected lines with their reasons: {}\n", rejects_file);
    return 0;
  }
  for (size_t i = 0; i < rejected.size() && i < 10; ++i) {
    fmt::print("  line {}: {}\n", rejected[i].line, rejected[i].reason);
  }
  if (rejected.size() > 10) fmt::print("  ... (--rejects FILE lists them all)\n");
  return 0;
}

// Imports a sales CSV into the store; prints what happened, writes the
// rejected lines to `rejects_file` (if given). Exit 0 even with rejected
// lines: they are reported, the rest is in.
int ImportSalesCsv(StoreRuntime& opened, const std::string& file, ImportOptions options,
                   const std::string& rejects_file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail(Status::NotFound("cannot open " + file));
  if (isatty(STDERR_FILENO)) {
    options.progress = [](size_t lines, size_t sales) {
      fmt::print(stderr, "\r{} lines read, {} sales written", lines, sales);
    };
  }
  auto report = ImportSales(*opened.writer, *opened.hlc, in, options);
  if (isatty(STDERR_FILENO)) fmt::print(stderr, "\n");
  if (!report.ok()) return Fail(report.status());
  fmt::print("{} lines read, {} imported, {} rejected\n", report->lines, report->lines_imported,
             report->rejected.size());
  fmt::print("sales    {} written, {} already there\n", report->sales_written, report->sales_present);
  fmt::print("clients  {} written, {} already there\n", report->clients_written, report->clients_present);
  fmt::print("products {} written, {} already there\n", report->products_written, report->products_present);
  fmt::print("refunds  {} written, {} already there (from cancellations)\n", report->refunds_written,
             report->refunds_present);
  if (report->cancelled_units_beyond_sale > 0) {
    fmt::print("{} cancelled units were more than their sale still held, and were not refunded\n",
               report->cancelled_units_beyond_sale);
  }
  return ReportRejections(report->rejected, rejects_file);
}

// Imports a clients CSV into the store, as ImportSalesCsv does sales.
int ImportClientsCsv(StoreRuntime& opened, const std::string& file, ClientImportOptions options,
                     const std::string& rejects_file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail(Status::NotFound("cannot open " + file));
  if (isatty(STDERR_FILENO)) {
    options.progress = [](size_t lines, size_t clients) {
      fmt::print(stderr, "\r{} lines read, {} clients done", lines, clients);
    };
  }
  auto report = ImportClients(*opened.writer, *opened.hlc, in, options);
  if (isatty(STDERR_FILENO)) fmt::print(stderr, "\n");
  if (!report.ok()) return Fail(report.status());
  fmt::print("{} lines read, {} imported, {} rejected\n", report->lines,
             report->lines - report->rejected.size(), report->rejected.size());
  fmt::print("clients  {} written, {} updated, {} unchanged\n", report->clients_written,
             report->clients_updated, report->clients_unchanged);
  if (report->clients_removed + report->clients_merged > 0) {
    fmt::print("left as they are: {} deleted or erased, {} merged into another client\n",
               report->clients_removed, report->clients_merged);
  }
  if (!report->unread_columns.empty()) {
    fmt::print("columns not read: {}\n", fmt::join(report->unread_columns, ", "));
  }
  return ReportRejections(report->rejected, rejects_file);
}

}  // namespace
}  // namespace crm

namespace {

int RunAdmin(int argc, char** argv) {
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

  bool no_record = false;
  auto* verify = app.add_subcommand(
      "verify", "check every record, log entry, index and file of a store (a node may serve it)");
  verify->add_option("--data", data, "store directory")->required();
  verify->add_flag("--no-record", no_record,
                   "only report; do not record damaged records for the node to fetch back from its hub");

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

  std::string csv_file, rejects_file;
  std::vector<std::string> mappings;
  crm::ImportOptions import_options;
  auto* import = app.add_subcommand("import", "import records from a CSV file");
  import->require_subcommand(1);
  auto* import_sales = import->add_subcommand(
      "sales", "sales history, one row per receipt line, with its clients and products");
  import_sales->add_option("--data", data, "store directory")->required();
  import_sales->add_option("--file", csv_file, "the CSV file")->required();
  import_sales->add_option("--office", import_options.office, "office code the sales belong to");
  import_sales->add_option("--currency", import_options.currency, "ISO 4217 code of the prices");
  import_sales->add_option("--time-zone", import_options.time_zone, "IANA zone of the times");
  import_sales->add_option("--channel", import_options.channel, "sales channel if no column says");
  import_sales->add_option("--map", mappings,
                           "FIELD=COLUMN: read FIELD (receipt, sku, name, quantity, time, price, "
                           "client, country, channel, campaign) from the column headed COLUMN");
  import_sales->add_option("--rejects", rejects_file, "write the rejected lines and why to this CSV");
  crm::ClientImportOptions client_options;
  auto* import_clients = import->add_subcommand(
      "clients", "clients by number (loyalty card); a re-run writes only what changed");
  import_clients->add_option("--data", data, "store directory")->required();
  import_clients->add_option("--file", csv_file, "the CSV file")->required();
  import_clients->add_option("--office", client_options.office,
                             "office whose client numbers these are (as for import sales)")
      ->capture_default_str();
  import_clients->add_option("--region", client_options.region,
                             "region of phone numbers without a country code (ISO 3166-1 alpha-2)")
      ->capture_default_str();
  import_clients->add_option("--map", mappings,
                             "FIELD=COLUMN: read FIELD (number, kind, firstName, lastName, middleName, "
                             "companyName, phones, emails, birthDate, gender, country, region, city, "
                             "street, postalCode, consentEmail, consentSms, consentPhone, consentPost, "
                             "consentMessenger, acquisitionChannel, tags, homeOffice) from the column "
                             "headed COLUMN (empty: do not read it)");
  import_clients->add_option("--rejects", rejects_file, "write the rejected lines and why to this CSV");

  std::string export_out, export_zone = "UTC";
  auto* exporting = app.add_subcommand("export", "write records as CSV");
  exporting->require_subcommand(1);
  auto* export_sales = exporting->add_subcommand("sales", "every sale, one row per line, as import reads it");
  export_sales->add_option("--data", data, "store directory")->required();
  export_sales->add_option("--out", export_out, "the CSV file (default: standard output)");
  export_sales->add_option("--time-zone", export_zone, "IANA zone of the times written")->capture_default_str();
  auto* export_clients = exporting->add_subcommand("clients", "every client, as import clients reads it");
  export_clients->add_option("--data", data, "store directory")->required();
  export_clients->add_option("--out", export_out, "the CSV file (default: standard output)");

  std::string unlock_login;
  auto* unlock = app.add_subcommand(
      "unlock", "lift the lock of a login that failed too many times in a row (pos user unlock, "
                "without a session: for an admin who locked themselves out)");
  unlock->add_option("--data", data, "store directory")->required();
  unlock->add_option("--login", unlock_login, "the locked login")->required();

  int64_t max_skew_ms = 60'000;
  auto* clock_cmd = app.add_subcommand("clock", "a store's stamps against this machine's clock");
  clock_cmd->require_subcommand(1);
  auto* clock_show = clock_cmd->add_subcommand("show", "the newest stamp the store holds, and this clock");
  clock_show->add_option("--data", data, "store directory")->required();
  auto* clock_repair = clock_cmd->add_subcommand(
      "repair",
      "after a clock was set far ahead and then back: give every stamp in the future a stamp of "
      "now, and log changes that carry those values to the hub (the node must be stopped)");
  clock_repair->add_option("--data", data, "store directory")->required();
  clock_repair->add_option("--max-skew-ms", max_skew_ms,
                           "stamps further ahead of this clock count as in the future")
      ->capture_default_str();

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
  for (const std::string& mapping : mappings) {
    size_t eq = mapping.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Fail(Status::InvalidArgument("map", "'" + mapping + "' is not FIELD=COLUMN"));
    }
    (*import_clients ? client_options.columns : import_options.columns)[mapping.substr(0, eq)] =
        mapping.substr(eq + 1);
  }
  StoreOptions store_options;
  store_options.dir = *node_id || *digest || *verify || *audit || *backup || *import || *exporting ||
                              *clock_cmd || *unlock
                          ? data
                          : hub_data;
  store_options.must_exist =
      *audit || *digest || *verify || *backup || *exporting || *clock_cmd || *unlock;
  StoreRuntime opened;
  if (Status s = opened.Open(store_options); !s.ok()) {
    return Fail(s);
  }
  if (*unlock) {
    Status lifted = opened.writer->Run([&](StoreTxn& txn) -> Status {
      CRM_ASSIGN_OR_RETURN(bool was_locked, txn.UnlockLogin(LoginKey(unlock_login)));
      if (!was_locked) return Status::NotFound("the login '" + unlock_login + "' is not locked");
      AuditEvent event;
      event.time_ms = opened.wall.NowMillis();
      event.login = "crm-admin";
      event.role = schema::Role::ADMIN;
      event.action = "lift a login's lock";
      event.detail = unlock_login;
      return AppendAudit(txn, event);
    });
    if (!lifted.ok()) return Fail(lifted);
    fmt::print("{} may log in again (a node serving the store forgets its failures at its next "
               "restart; until then its waits still apply)\n",
               unlock_login);
    return 0;
  }
  if (*clock_show) {
    auto view = opened.store->Read();
    if (!view.ok()) return Fail(view.status());
    auto newest = view->HlcHighWater();
    if (!newest.ok()) return Fail(newest.status());
    const Stamp high_water = *newest;
    const int64_t now = opened.wall.NowMillis();
    fmt::print("newest stamp  {}\nthis clock    {}\n", FormatUtc(high_water.physical), FormatUtc(now));
    if (high_water.physical - now > max_skew_ms) {
      fmt::print("the store's stamps run {} ahead of this clock: if the clock is right, stop the "
                 "node and run crm-admin clock repair --data {}\n",
                 FormatSpan(high_water.physical - now), data);
    }
    return 0;
  }
  if (*clock_repair) {
    auto serving = ServeLock::Take(data, "crm-admin clock repair");
    if (!serving.ok()) return Fail(serving.status());
    auto repaired = RepairClock(*opened.store, *opened.writer, opened.wall, max_skew_ms);
    if (!repaired.ok()) return Fail(repaired.status());
    if (repaired->records == 0 && repaired->high_water_before == repaired->high_water_after) {
      fmt::print("nothing to repair: no stamp lies more than {} ahead of this clock ({})\n",
                 FormatSpan(max_skew_ms), FormatUtc(opened.wall.NowMillis()));
      return 0;
    }
    fmt::print("newest stamp was {}, now {}\n{} records brought back to the present; {} changes "
               "logged to carry their values to the hub\n",
               FormatUtc(repaired->high_water_before.physical),
               FormatUtc(repaired->high_water_after.physical), repaired->records, repaired->changes);
    return 0;
  }
  if (*backup) {
    if (Status s = opened.store->Backup(backup_dir); !s.ok()) return Fail(s);
    fmt::print("{} backed up to {}\n", data, backup_dir);
    return 0;
  }
  if (*import_sales) return ImportSalesCsv(opened, csv_file, import_options, rejects_file);
  if (*import_clients) return ImportClientsCsv(opened, csv_file, client_options, rejects_file);
  if (*export_sales || *export_clients) {
    std::ofstream file;
    if (!export_out.empty()) {
      if (Status created = CreatePrivateFile(export_out); !created.ok()) return Fail(created);
      file.open(export_out, std::ios::trunc | std::ios::binary);
    }
    std::ostream& sink = export_out.empty() ? std::cout : file;
    if (!export_out.empty() && !file) return Fail(Status::IOError("cannot write " + export_out));
    auto written = *export_sales ? ExportSales(*opened.store, sink, export_zone) : ExportClients(*opened.store, sink);
    if (!written.ok()) return Fail(written.status());
    sink.flush();
    if (!sink) return Fail(Status::IOError("cannot write " + (export_out.empty() ? "the output" : export_out)));
    if (!export_out.empty()) {
      fmt::print("{} {} written to {}\n", *written, *export_sales ? "sales" : "clients", export_out);
    }
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
  if (*verify) return VerifyWholeStore(opened, data, !no_record);
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
