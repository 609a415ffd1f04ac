// The crm-bench scenarios. Each runs once per call and returns its figures;
// the caller repeats runs and reports medians.
#pragma once

#include <cstddef>
#include <string>

#include "node/store/runtime.h"
#include "tools/bench/common.h"

namespace crm::bench {

// sync-catch-up: an office with a backlog of `changes` new-client changes
// catches up with the hub over CURVE on loopback.
struct CatchUpFigures {
  double seconds = 0;
  double changes_per_s = 0;
  double bytes_per_change = 0;
  double hub_work_s = 0;    // the hub's writer running requests
  double hub_commit_s = 0;  // the hub's writer committing
};
CatchUpFigures RunCatchUp(size_t changes);

// fan-in: `offices` offices each ring up `sales_per_s` sales a second for
// `seconds`, each pushing them to one hub over CURVE; one more office pulls
// everything from the hub. The delay is from a sale's commit at its office
// to its arrival at that other office; a sale that has not arrived a minute
// after the last one was made counts as a minute late. Meanwhile headquarters
// writes a task every 100 ms; its delay to that office is measured too.
struct FanInFigures {
  uint64_t sales = 0;
  uint64_t arrived = 0;          // at the other office, a minute after the last sale at most
  double offered_per_s = 0;      // sales committed at the offices
  double hub_applied_per_s = 0;  // changes the hub applied in that time
  double sales_per_commit = 0;   // changes per hub transaction (one flush each)
  double p50_ms = 0;      // commit at an office to arrival at the other office
  double p99_ms = 0;
  double hub_p50_ms = 0;  // commit at an office to arrival at the hub
  double hub_p99_ms = 0;
  // Headquarters' own writes (a task every 100 ms, made as another process
  // on the hub's store makes them): commit at the hub to arrival at the
  // other office.
  double hq_p50_ms = 0;
  double hq_p99_ms = 0;
  uint64_t hq_writes = 0;
};
FanInFigures RunFanIn(int offices, int sales_per_s, double seconds);

// reports: `sales` receipts of two lines over a year (a fifth of them
// anonymous, the rest from sales / 5 clients) imported from CSV, then timed:
// sales by month and by product, RFM, ABC of clients, XYZ of products.
struct ReportsFigures {
  size_t sales = 0;
  double import_s = 0;
  double by_month_s = 0;
  double by_product_s = 0;
  double rfm_s = 0;
  double abc_s = 0;
  double xyz_s = 0;
};
ReportsFigures RunReports(size_t sales);

// disk-flush: `commits` times, a 4 KiB page written and flushed with
// fdatasync (`one`), and two pages each written and flushed in turn (`two`:
// what an LMDB commit does, its data pages and then its meta page). No
// durable commit on this disk is faster than these; SQLite in WAL mode
// flushes once per commit, LMDB twice.
struct DiskFlushFigures {
  LatencyFigures one;
  LatencyFigures two;
};
DiskFlushFigures RunDiskFlush(int commits);

// sale-commit: `clients` front-desk clients at once ring up `sales_each`
// sales each (3 lines, 1 payment, a known client) through the node's ZeroMQ
// API; each is acknowledged only once durable. `sales_per_flush` is how many
// sales the node's group commit put in each transaction.
struct SaleCommitFigures {
  LatencyFigures latency;
  double sales_per_flush = 0;
};
SaleCommitFigures RunSaleCommit(int clients, int sales_each);

// The same sales in SQLite (WAL, synchronous=FULL, one connection per
// client, prepared statements) with the same records and indexes.
LatencyFigures RunSqliteSaleCommit(int clients, int sales_each);

// client-lookup: a store of `clients` clients (Latin and Cyrillic names,
// phones, emails, cards); `lookups` searches through the node's API, in turn
// by phone in a random common format, by card, by email and by a name
// prefix (LookupQuery).
LatencyFigures RunClientLookup(size_t clients, int lookups);
// The same clients and searches in SQLite (indexed columns, a name-prefix
// range scan on a folded name column).
LatencyFigures RunSqliteClientLookup(size_t clients, int lookups);

// client-card: a client with 200 events (kCardSales sales of 3 lines,
// kCardInteractions interactions, kCardNotes notes) among kOtherSales sales
// of other clients; her full card opened `opens` times through the API.
inline constexpr int kCardSales = 100;
inline constexpr int kCardInteractions = 60;
inline constexpr int kCardNotes = 40;
inline constexpr int kOtherSales = 2000;
LatencyFigures RunClientCard(int opens);
// The same card from SQLite: the client, her sales with their lines and
// payments, interactions and notes, by indexed client columns.
LatencyFigures RunSqliteClientCard(int opens);

// What the lookup scenarios search for: client k's contact data, the same in
// both stores.
struct BenchClient {
  std::string first_name;
  std::string last_name;
  std::string folded_last_name;  // lower case, for the SQLite prefix scan
  std::string phone_e164;
  std::string email;
  std::string card;
};
BenchClient ClientNumber(size_t k);
// Writes clients 0 .. clients-1 into a store, as replication would bring them.
void FillClients(StoreRuntime& runtime, size_t clients);
// The same clients in a new SQLite file at `path`, with the same indexes.
void FillSqliteClients(const std::string& path, size_t clients);

// cold-start: a node's store of `clients` clients, out of the page cache;
// the time from starting crm-node to its answer to the first lookup (after
// a login), and the same for a sqlite3 process answering the query from a
// file of the same clients.
struct ColdStartFigures {
  double ready_ms = 0;         // crm-node listening
  double first_lookup_ms = 0;  // crm-node's first answer
  double sqlite_ms = 0;        // sqlite3's answer
};
ColdStartFigures RunColdStart(size_t clients);
// Lookup number `i` of client `k`: phone (in one of several formats, one of
// them in Persian digits), card, email or a name prefix (two letters as
// written, or for every other Cyrillic name four Latin letters: "petr" for
// "Петрова"), in turn.
std::string LookupQuery(size_t k, int i);

}  // namespace crm::bench
