// Imports clients from a CSV file into a store, and exports them in the same
// columns. A client is keyed by its number (the loyalty card), and its id is
// derived from that number exactly as the sales import derives it
// (ImportedClientId), so importing clients and importing sales with the same
// numbers lands on one client, in either order.
//
// Re-running an import writes nothing (not even a log entry): a client whose
// stored values already equal the file's is left alone. A later file with
// changed values writes, as a field-level patch, only the fields that differ,
// so an office's concurrent edit of another field survives. A blank cell (or
// a column the file lacks) leaves the stored value as it is; phones, emails
// and tags in the file are added, never removed, and one removed at the front
// desk is not added back. Lines that cannot be imported are reported with
// their line number and the reason (naming the column and the value); nothing
// of such a line is written.
#pragma once

#include <cstddef>
#include <functional>
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
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

// The fields the client import reads, by name, and the column header that
// holds each by default (the same headers ExportClients writes):
//   number             ClientNumber        required: the loyalty card, the client's key
//                                          ("17850.0" reads as "17850", as in the sales import)
//   kind               Kind                person / company; blank: a company if the line has
//                                          a CompanyName and no FirstName or LastName
//   firstName          FirstName
//   lastName           LastName
//   middleName         MiddleName
//   companyName        CompanyName
//   phones             Phones              several separated by ';', kept in E.164
//   emails             Emails              several separated by ';', kept lower-cased
//   birthDate          BirthDate           YYYY-MM-DD, between 1900 and today
//   gender             Gender              female / male / other
//   country            Country             kept as the client's "country" attribute, as the
//                                          sales import keeps it (a name or a code)
//   region             Region              the address's parts
//   city               City
//   street             Street
//   postalCode         PostalCode
//   consentEmail       ConsentEmail        granted / refused (or yes/no, y/n, 1/0, true/false)
//   consentSms         ConsentSms
//   consentPhone       ConsentPhone
//   consentPost        ConsentPost
//   consentMessenger   ConsentMessenger
//   acquisitionChannel AcquisitionChannel
//   tags               Tags                several separated by ';'
//   homeOffice         HomeOffice          ClientImportOptions::office for a new client if blank
std::map<std::string, std::string> DefaultClientColumns();

struct ClientImportOptions {
  // The office whose client numbers the file holds: the office of the sales
  // import (its --office), so both derive the same client ids.
  std::string office = "WEB";
  // The region phone numbers without a country code are read in (ISO 3166-1
  // alpha-2).
  std::string region = "GB";
  // Field -> column header; fields not named keep their default column, a
  // field mapped to "" is not read.
  std::map<std::string, std::string> columns;
  size_t clients_per_transaction = 1000;
  // Called every `progress_every` lines read (at the end of the batch that
  // crossed the mark), and once at the end.
  std::function<void(size_t lines, size_t clients_done)> progress;
  size_t progress_every = 50'000;
};

struct ClientImportReport {
  size_t lines = 0;              // data lines read (the header and blank lines not counted)
  size_t clients_written = 0;    // new clients
  size_t clients_updated = 0;    // existing clients patched
  size_t clients_unchanged = 0;  // existing clients the file holds nothing new for
  size_t clients_removed = 0;    // deleted or erased in the store: left so, not brought back
  size_t clients_merged = 0;     // merged into another client: left as they are
  std::vector<std::string> unread_columns;  // header columns no field reads
  std::vector<std::string> users_made;      // Responsible users the store lacked (inactive)
  std::vector<ImportRejection> rejected;    // in line order
};

// The id the imports give the client numbered `number` in the files of
// `office`. ImportClients uses it; it is the derivation ImportSales uses too
// (a test checks that both land on one client).
Id ImportedClientId(std::string_view office, std::string_view number);

// Reads `csv` and writes what it holds through `writer`, a transaction per
// batch of clients. Returns an error only for what stops the whole import (no
// header, no ClientNumber column, a column mapped that the header lacks, bad
// options, the store failing: the batches before it stay written, and a
// re-run goes on where it stopped); bad lines are in the report.
Result<ClientImportReport> ImportClients(Writer& writer, HybridClock& hlc, std::istream& csv,
                                         const ClientImportOptions& options);

// Writes every live client in `store` as CSV in the columns ImportClients
// reads by default (ClientNumber is the loyalty card, or the client's id if it
// has none, as ExportSales writes it; Country is the "country" attribute, or
// the address's country if there is none), in id order. Clients deleted or
// erased, and clients merged into another, are not written: the client they
// were merged into is. What no column holds (other attributes, the company a
// person belongs to, the responsible employee, createdAt) is not written.
// Returns how many clients were written.
Result<size_t> ExportClients(const Store& store, std::ostream& csv);

}  // namespace crm
