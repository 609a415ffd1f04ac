// crm-hq report rfm | abc | xyz | abc-xyz | forecast: the segmentation and
// forecast reports printed as a terminal table, CSV or JSON (see
// hq/analytics/segments.h and hq/analytics/forecast.h for the definitions).
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "node/store/store.h"
#include "sync/base/status.h"

namespace crm {

enum class Output { kTable, kCsv, kJson };

struct SegmentReportFlags {
  std::string data_dir;
  std::string currency;           // ISO 4217; empty: every currency the sales are in, one section each
  std::string time_zone = "UTC";  // of months (xyz) and of --as-of
  std::string as_of;              // rfm: YYYY-MM-DD; empty: the day after the last sale
  std::string of = "products";    // abc: products or clients
  bool clients = false;           // rfm: one row per client, not per segment
  size_t top = 0;                 // abc, xyz, forecast: only the first N rows
  int window = 3;                 // forecast: months averaged
  int held_out = 3;               // forecast: months kept out to measure the error
  int ahead = 3;                  // forecast: months forecast
  Output output = Output::kTable;
};

// Prints `status` to stderr as crm-hq's error; returns the exit code it
// calls for (2 for invalid input, 1 otherwise). Every report command ends so.
int FailReport(const Status& status);

// Opens the store in `data_dir`, runs `write` over it to stdout and returns
// the process exit code: 0, or FailReport's for the error.
int RunReport(const std::string& data_dir, const std::function<Status(const Store&, std::FILE*)>& write);

// Each writes its report to `out` (crm-hq prints to stdout, the dashboard
// answers with it); an error (bad options) is returned and nothing is
// written for it.
Status WriteRfm(const Store& store, const SegmentReportFlags& flags, std::FILE* out);
Status WriteAbc(const Store& store, const SegmentReportFlags& flags, std::FILE* out);
Status WriteXyz(const Store& store, const SegmentReportFlags& flags, std::FILE* out);
Status WriteAbcXyz(const Store& store, const SegmentReportFlags& flags, std::FILE* out);
Status WriteForecast(const Store& store, const SegmentReportFlags& flags, std::FILE* out);

}  // namespace crm
