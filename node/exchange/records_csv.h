// Exports and imports the records a client's card holds beside the client
// and its sales: interactions, notes, tasks, feedback, deals and payments,
// one CSV file per kind (docs/import.md, "A card's other records").
//
// Every row carries the record's id (Id) and its client by both keys the
// client import uses: ClientNumber (the loyalty card, or the client's id if
// it has none) and ClientId. An import keeps the id, so importing a file
// into the store that exported it writes nothing, and into another store
// gives the same records under the same ids. A re-run writes nothing (not
// even a log entry): an event (interaction, feedback, payment) already in
// the store is left as it is; a note, task or deal is patched only in the
// fields the file changes, and a blank cell leaves the stored value. A line
// with a bad value (a date, an amount, a currency, a client or sale the
// store lacks ...) is reported with its line, the column, the value and why,
// and nothing of it is written.
#pragma once

#include <cstddef>
#include <istream>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "node/exchange/sales_csv.h"
#include "node/store/store.h"
#include "node/store/writer.h"
#include "sync/base/hlc.h"
#include "sync/base/status.h"

namespace crm {

// The kinds of record file, by the name the commands use.
enum class RecordFile { kInteractions, kNotes, kTasks, kFeedback, kDeals, kPayments };

// The name of a RecordFile ("interactions", "notes", "tasks", "feedback",
// "deals", "payments") and back: kInvalidArgument, listing the names, for
// another name.
const char* RecordFileName(RecordFile file);
Result<RecordFile> RecordFileNamed(std::string_view name);
// Every kind, in the order an export of everything writes them.
std::vector<RecordFile> AllRecordFiles();

// The columns of `file`, in the order the export writes them.
std::vector<std::string> RecordColumns(RecordFile file);

struct RecordImportOptions {
  // The office whose client numbers the file holds (as the client import's
  // --office), and of a record whose Office cell is blank.
  std::string office = "WEB";
  size_t records_per_transaction = 1000;
};

struct RecordImportReport {
  size_t lines = 0;      // data lines read (the header and blank lines not counted)
  size_t written = 0;    // new records
  size_t updated = 0;    // notes, tasks, deals patched
  size_t unchanged = 0;  // in the store already with the file's values
  size_t removed = 0;    // notes, tasks, deals deleted in the store: left so
  std::vector<std::string> unread_columns;  // header columns no field reads
  std::vector<std::string> users_made;      // login@OFFICE of users the store lacked (inactive)
  std::vector<ImportRejection> rejected;    // in line order
};

// Reads `csv` as a file of `file` records and writes what it holds through
// `writer`, a transaction per batch. Returns an error only for what stops
// the whole import (no header, a required column missing, bad options, the
// store failing: the batches before stay written, and a re-run goes on);
// bad lines are in the report. A person (Employee, Author, Assignee ...) is
// "login" of the record's office or "login@OFFICE"; one the user directory
// lacks is made as an inactive user without a password and listed.
Result<RecordImportReport> ImportRecords(Writer& writer, HybridClock& hlc, std::istream& csv,
                                         RecordFile file, const RecordImportOptions& options);

// Writes every live record of `file`'s kind in `store` as CSV in the columns
// ImportRecords reads, in id order; a record of a client merged into
// another names the client it was merged into. Returns how many were
// written.
Result<size_t> ExportRecords(const Store& store, std::ostream& csv, RecordFile file);

// Times in the record files: "2026-11-22T14:05:09.123Z" (UTC, the
// milliseconds only when not 0).
std::string FormatUtcTime(int64_t utc_ms);
// Reads what FormatUtcTime writes, and "YYYY-MM-DD HH:MM[:SS]" as UTC;
// kInvalidArgument naming `column` otherwise.
Result<int64_t> ParseUtcTime(std::string_view text, std::string_view column);

}  // namespace crm
