// Imports a shop's sales history from a CSV file into a store: one row per
// receipt line, grouped into sales by receipt number, with the clients and
// products the rows name. Columns are mapped by header name, so files from
// other systems load too.
//
// Re-running an import adds nothing twice: every record's id is derived from
// what identifies it in the file (office + receipt number, client number,
// SKU), and a record already in the store is skipped. Lines that cannot be
// imported are reported with their line number and the reason; the rest go
// in, a transaction per batch of sales.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <map>
#include <string>
#include <vector>

#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/hlc.h"
#include "sync/base/status.h"

namespace crm {

// The fields the importer reads, by name, and the column header that holds
// each by default (the Online Retail data set's):
//   receipt  InvoiceNo    required; a receipt starting with "C" is a cancellation:
//                         its lines (negative quantities) become refunds of the
//                         client's latest earlier sale of each SKU
//   sku      StockCode    required
//   name     Description
//   quantity Quantity     required, a positive whole number
//   time     InvoiceDate  required, "YYYY-MM-DD HH:MM[:SS]" or "M/D/YYYY H:MM", office-local
//   price    UnitPrice    required, the unit price in major units ("2.55"), at most 2 decimals
//   client   CustomerID   the client's number ("17850" or "17850.0"); empty for anonymous
//   country  Country      the client's country, kept as the client's "country" attribute
//   channel  Channel      the sale's channel; ImportOptions::channel if blank
//   campaign Campaign     the sale's campaign code
//   cashier  Cashier      the employee who made the sale: a login of the sale's
//                         office, or login@OFFICE; the store's user of it, or
//                         else a new inactive user of it (role cashier, no
//                         password: an administrator sets it up), listed in
//                         ImportReport::users_made
//   currency Currency     ISO 4217; ImportOptions::currency if blank
//   office   Office       the office the sale was made at; ImportOptions::office if blank
//   saleId   SaleId       the sale's id; derived from the office and receipt if blank
//   clientId ClientId     the client's id; derived from the number if blank
//   discount Discount     the line's discount in major units (0 if blank)
//   payments Payments     the receipt's payment parts, "cash 10.00;credit 5.50"
//                         (on each of its lines); one part "other" if blank
std::map<std::string, std::string> DefaultSalesColumns();

// The reason of a refund the import made from a cancellation receipt:
// "cancellation C536379". ExportSales writes such a refund back under that
// receipt.
inline constexpr const char* kCancellationReason = "cancellation ";

struct ImportOptions {
  std::string office = "WEB";  // the office the sales were made at (receipts, home office)
  std::string currency = "GBP";
  std::string time_zone = "Europe/London";  // of the times in the file
  std::string channel = "web";
  // Field -> column header; fields not named keep their default column.
  std::map<std::string, std::string> columns;
  size_t sales_per_transaction = 1000;
  // Called every `progress_every` lines read, and once at the end.
  std::function<void(size_t lines, size_t sales_written)> progress;
  size_t progress_every = 50'000;
};

struct ImportRejection {
  size_t line = 0;
  std::string reason;
};

struct ImportReport {
  size_t lines = 0;              // data lines read (the header not counted)
  size_t lines_imported = 0;     // lines that became sale or refund lines (now or in an earlier run)
  size_t sales_written = 0;
  size_t sales_present = 0;      // in the store already (an earlier run)
  size_t clients_written = 0;
  size_t clients_present = 0;
  size_t products_written = 0;
  size_t products_present = 0;
  size_t refunds_written = 0;    // one per cancellation receipt and sale it returns
  size_t refunds_present = 0;
  // Units on cancellation lines beyond what their sale still held (the line
  // returns the rest).
  size_t cancelled_units_beyond_sale = 0;
  // Cashiers the user directory lacked, made as inactive users without a
  // password (login@OFFICE).
  std::vector<std::string> users_made;
  std::vector<ImportRejection> rejected;  // in line order
};

// Reads `csv` and writes what it holds through `writer`. Returns an error
// only for what stops the whole import (no header, a required column
// missing, bad options, the store failing); bad lines are in the report.
// A sale whose lines are all rejected is not written; a sale with some lines
// rejected is written with the rest (each rejected line is reported).
Result<ImportReport> ImportSales(Writer& writer, HybridClock& hlc, std::istream& csv,
                                 const ImportOptions& options);

// Writes every sale in `store` as CSV, one row per line, in the columns
// ImportSales reads by default (InvoiceNo, StockCode, Description, Quantity,
// InvoiceDate in `time_zone`, UnitPrice in major units, CustomerID as the
// client's loyalty card or else id, Country) plus Office, Channel,
// Campaign and Cashier (login); receipts in id order. Refunds follow as cancellation lines (the
// receipt "C..." they were imported from, or "C" + the sale's receipt; units
// negative), which an import matches back to the client's latest earlier
// sale of the SKU. Returns how many sales were written.
Result<size_t> ExportSales(const Store& store, std::ostream& csv, const std::string& time_zone);

}  // namespace crm
