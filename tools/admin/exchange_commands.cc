#include "tools/admin/exchange_commands.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "node/common/private_file.h"
#include "node/exchange/csv.h"
#include "tools/admin/common.h"

namespace crm::admin {
namespace {

// Writes the rejected lines to `rejects_file` if given, else prints the
// first ten. Exit code 0 unless the file cannot be written.
int ReportRejections(const std::vector<ImportRejection>& rejected,
                     const std::string& rejects_file) {
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

// The input `file` names: standard input for "-", else the file opened
// (into `opened`); null if it cannot be opened.
std::istream* OpenInput(const std::string& file, std::unique_ptr<std::ifstream>& opened) {
  if (file == "-") return &std::cin;
  opened = std::make_unique<std::ifstream>(file, std::ios::binary);
  return *opened ? opened.get() : nullptr;
}

// Imports a sales CSV into the store; prints what happened, writes the
// rejected lines to `rejects_file` (if given). Exit 0 even with rejected
// lines: they are reported, the rest is in.
int ImportSalesCsv(StoreRuntime& opened, const std::string& file, ImportOptions options,
                   const std::string& rejects_file) {
  std::unique_ptr<std::ifstream> opened_file;
  std::istream* in = OpenInput(file, opened_file);
  if (in == nullptr) return Fail(Status::NotFound("cannot open " + file));
  if (isatty(STDERR_FILENO)) {
    options.progress = [](size_t lines, size_t sales) {
      fmt::print(stderr, "\r{} lines read, {} sales written", lines, sales);
    };
  }
  auto report = ImportSales(*opened.writer, *opened.hlc, *in, options);
  if (isatty(STDERR_FILENO)) fmt::print(stderr, "\n");
  if (!report.ok()) return Fail(report.status());
  fmt::print("{} lines read, {} imported, {} rejected\n", report->lines, report->lines_imported,
             report->rejected.size());
  fmt::print("sales    {} written, {} already there\n", report->sales_written,
             report->sales_present);
  fmt::print("clients  {} written, {} already there\n", report->clients_written,
             report->clients_present);
  fmt::print("products {} written, {} already there\n", report->products_written,
             report->products_present);
  fmt::print("refunds  {} written, {} already there (from cancellations)\n",
             report->refunds_written, report->refunds_present);
  if (!report->users_made.empty()) {
    fmt::print("users made (inactive, no password: an administrator sets them up): {}\n",
               fmt::join(report->users_made, ", "));
  }
  if (report->cancelled_units_beyond_sale > 0) {
    fmt::print("{} cancelled units were more than their sale still held, and were not refunded\n",
               report->cancelled_units_beyond_sale);
  }
  return ReportRejections(report->rejected, rejects_file);
}

// Imports a clients CSV into the store, as ImportSalesCsv does sales.
int ImportClientsCsv(StoreRuntime& opened, const std::string& file, ClientImportOptions options,
                     const std::string& rejects_file) {
  std::unique_ptr<std::ifstream> opened_file;
  std::istream* in = OpenInput(file, opened_file);
  if (in == nullptr) return Fail(Status::NotFound("cannot open " + file));
  if (isatty(STDERR_FILENO)) {
    options.progress = [](size_t lines, size_t clients) {
      fmt::print(stderr, "\r{} lines read, {} clients done", lines, clients);
    };
  }
  auto report = ImportClients(*opened.writer, *opened.hlc, *in, options);
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
  if (!report->users_made.empty()) {
    fmt::print("users made (inactive, no password: an administrator sets them up): {}\n",
               fmt::join(report->users_made, ", "));
  }
  if (!report->unread_columns.empty()) {
    fmt::print("columns not read: {}\n", fmt::join(report->unread_columns, ", "));
  }
  return ReportRejections(report->rejected, rejects_file);
}

// Imports a file of a card's other records (interactions, notes ...).
int ImportRecordsCsv(StoreRuntime& opened, const std::string& file, RecordFile kind,
                     const RecordImportOptions& options, const std::string& rejects_file) {
  std::unique_ptr<std::ifstream> opened_file;
  std::istream* in = OpenInput(file, opened_file);
  if (in == nullptr) return Fail(Status::NotFound("cannot open " + file));
  auto report = ImportRecords(*opened.writer, *opened.hlc, *in, kind, options);
  if (!report.ok()) return Fail(report.status());
  fmt::print("{} lines read, {} imported, {} rejected\n", report->lines,
             report->lines - report->rejected.size(), report->rejected.size());
  fmt::print("{} {} written, {} updated, {} unchanged\n", RecordFileName(kind), report->written,
             report->updated, report->unchanged);
  if (report->removed > 0) {
    fmt::print("left as they are: {} deleted in the store\n", report->removed);
  }
  if (!report->users_made.empty()) {
    fmt::print("users made (inactive, no password: an administrator sets them up): {}\n",
               fmt::join(report->users_made, ", "));
  }
  if (!report->unread_columns.empty()) {
    fmt::print("columns not read: {}\n", fmt::join(report->unread_columns, ", "));
  }
  return ReportRejections(report->rejected, rejects_file);
}

}  // namespace

ExchangeCommands::ExchangeCommands(CLI::App& app) {
  import_ = app.add_subcommand("import", "import records from a CSV file");
  import_->require_subcommand(1);
  import_sales_ = import_->add_subcommand(
      "sales", "sales history, one row per receipt line, with its clients and products");
  import_sales_->add_option("--data", data_, "store directory")->required();
  import_sales_->add_option("--file", csv_file_, "the CSV file (- for standard input)")->required();
  import_sales_->add_option("--office", import_options_.office, "office code the sales belong to");
  import_sales_->add_option("--currency", import_options_.currency, "ISO 4217 code of the prices");
  import_sales_->add_option("--time-zone", import_options_.time_zone, "IANA zone of the times");
  import_sales_->add_option("--channel", import_options_.channel,
                            "sales channel if no column says");
  import_sales_->add_option("--map", mappings_,
                            "FIELD=COLUMN: read FIELD (receipt, sku, name, quantity, time, price, "
                            "client, country, channel, campaign, cashier, currency, office, "
                            "saleId, clientId, discount, payments) from the column headed COLUMN");
  import_sales_->add_option("--rejects", rejects_file_,
                            "write the rejected lines and why to this CSV");
  import_clients_ = import_->add_subcommand(
      "clients", "clients by number (loyalty card); a re-run writes only what changed");
  import_clients_->add_option("--data", data_, "store directory")->required();
  import_clients_->add_option("--file", csv_file_, "the CSV file (- for standard input)")->required();
  import_clients_
      ->add_option("--office", client_options_.office,
                   "office whose client numbers these are (as for import sales)")
      ->capture_default_str();
  import_clients_
      ->add_option("--region", client_options_.region,
                   "region of phone numbers without a country code (ISO 3166-1 alpha-2)")
      ->capture_default_str();
  import_clients_->add_option(
      "--map", mappings_,
      "FIELD=COLUMN: read FIELD (number, kind, firstName, lastName, middleName, "
      "companyName, phones, emails, birthDate, gender, country, region, city, "
      "street, postalCode, consentEmail, consentSms, consentPhone, consentPost, "
      "consentMessenger, acquisitionChannel, tags, homeOffice, addressCountry, company, "
      "responsible, createdAt, id) from the column headed COLUMN (empty: do not read it); "
      "columns headed Attribute:KEY are the attributes");
  import_clients_->add_option("--rejects", rejects_file_,
                              "write the rejected lines and why to this CSV");
  for (RecordFile kind : AllRecordFiles()) {
    CLI::App* sub = import_->add_subcommand(
        RecordFileName(kind), std::string(RecordFileName(kind)) +
                                  " as export writes them, by id; a re-run writes nothing new");
    sub->add_option("--data", data_, "store directory")->required();
    sub->add_option("--file", csv_file_, "the CSV file (- for standard input)")->required();
    sub->add_option("--office", record_options_.office,
                    "office whose client numbers the file holds, and of records with no Office")
        ->capture_default_str();
    sub->add_option("--rejects", rejects_file_, "write the rejected lines and why to this CSV");
    import_records_.emplace_back(kind, sub);
  }

  export_ = app.add_subcommand("export", "write records as CSV");
  export_->require_subcommand(1);
  export_sales_ =
      export_->add_subcommand("sales", "every sale, one row per line, as import reads it");
  export_sales_->add_option("--data", data_, "store directory")->required();
  export_sales_->add_option("--out", export_out_, "the CSV file (default or -: standard output)");
  export_sales_->add_option("--time-zone", export_zone_, "IANA zone of the times written")
      ->capture_default_str();
  CLI::App* export_clients =
      export_->add_subcommand("clients", "every client, as import clients reads it");
  export_clients->add_option("--data", data_, "store directory")->required();
  export_clients->add_option("--out", export_out_, "the CSV file (default or -: standard output)");
  export_clients_ = export_clients;
  for (RecordFile kind : AllRecordFiles()) {
    CLI::App* sub = export_->add_subcommand(
        RecordFileName(kind),
        std::string("every ") + RecordFileName(kind) + " record, as import " +
            RecordFileName(kind) + " reads it");
    sub->add_option("--data", data_, "store directory")->required();
    sub->add_option("--out", export_out_, "the CSV file (default or -: standard output)");
    export_records_.emplace_back(kind, sub);
  }
}

std::optional<int> ExchangeCommands::Run() {
  if (!*import_ && !*export_) return std::nullopt;
  for (const std::string& mapping : mappings_) {
    size_t eq = mapping.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Fail(Status::InvalidArgument("map", "'" + mapping + "' is not FIELD=COLUMN"));
    }
    (*import_clients_ ? client_options_.columns : import_options_.columns)[mapping.substr(0, eq)] =
        mapping.substr(eq + 1);
  }
  if (*export_) return Export();
  StoreRuntime opened;
  if (Status s = OpenStore(opened, data_, false); !s.ok()) return Fail(s);
  if (*import_sales_) return ImportSalesCsv(opened, csv_file_, import_options_, rejects_file_);
  if (*import_clients_) return ImportClientsCsv(opened, csv_file_, client_options_, rejects_file_);
  for (const auto& [kind, sub] : import_records_) {
    if (*sub) return ImportRecordsCsv(opened, csv_file_, kind, record_options_, rejects_file_);
  }
  return Fail(Status::InvalidArgument("import", "nothing to import"));
}

// export sales, clients or a card's other records.
int ExchangeCommands::Export() {
  StoreRuntime opened;
  if (Status s = OpenStore(opened, data_, true); !s.ok()) return Fail(s);
  if (export_out_ == "-") export_out_.clear();
  std::ofstream file;
  if (!export_out_.empty()) {
    if (Status created = CreatePrivateFile(export_out_); !created.ok()) return Fail(created);
    file.open(export_out_, std::ios::trunc | std::ios::binary);
  }
  std::ostream& sink = export_out_.empty() ? std::cout : file;
  if (!export_out_.empty() && !file) return Fail(Status::IOError("cannot write " + export_out_));
  std::string what = *export_sales_ ? "sales" : "clients";
  Result<size_t> written = Status::InvalidArgument("export", "nothing to export");
  if (*export_sales_) {
    written = ExportSales(*opened.store, sink, export_zone_);
  } else if (*export_clients_) {
    written = ExportClients(*opened.store, sink);
  }
  for (const auto& [kind, sub] : export_records_) {
    if (!*sub) continue;
    what = RecordFileName(kind);
    written = ExportRecords(*opened.store, sink, kind);
  }
  if (!written.ok()) return Fail(written.status());
  sink.flush();
  if (!sink) {
    return Fail(
        Status::IOError("cannot write " + (export_out_.empty() ? "the output" : export_out_)));
  }
  if (!export_out_.empty()) {
    fmt::print("{} {} written to {}\n", *written, what, export_out_);
  }
  return 0;
}

}  // namespace crm::admin
