// A self-contained HTML report for managers: the headline figures, revenue
// by month and the best products as SVG bar charts, RFM segments and the
// ABC-XYZ matrix (a part for each currency), and customer satisfaction. One file, inline CSS and SVG, no script and nothing
// fetched from the network: it opens in any browser, offline.
#pragma once

#include <string>

#include "node/store/store.h"

namespace crm {

struct HtmlReportOptions {
  std::string title = "Sales report";
  std::string currency;            // ISO 4217; empty: a part for each currency the sales are in
  std::string time_zone = "UTC";  // of the months
  size_t top_products = 15;
};

// The report over every sale in `store`, as one HTML document.
// kInvalidArgument (field "currency") for a currency the sales are not in.
Result<std::string> HtmlReport(const Store& store, const HtmlReportOptions& options);

}  // namespace crm
