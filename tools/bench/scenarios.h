// The crm-bench scenarios. Each runs once per call and returns its figures;
// the caller repeats runs and reports medians.
#pragma once

#include <cstddef>

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

// sale-commit: `clients` front-desk clients at once ring up `sales_each`
// sales each (3 lines, 1 payment, a known client) through the node's ZeroMQ
// API; each is acknowledged only once durable.
LatencyFigures RunSaleCommit(int clients, int sales_each);

// The same sales in SQLite (WAL, synchronous=FULL, one connection per
// client, prepared statements) with the same records and indexes.
LatencyFigures RunSqliteSaleCommit(int clients, int sales_each);

}  // namespace crm::bench
