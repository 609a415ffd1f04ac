// Demand forecasts per product from monthly units, with the forecast's own
// error on a held-out stretch of the history shown beside it, so a manager
// sees how far to trust it.
#pragma once

#include <string>
#include <vector>

#include "node/store/store.h"

namespace crm {

struct ForecastOptions {
  std::string time_zone = "UTC";  // of the months
  int window = 3;                 // months averaged into a forecast
  int held_out = 3;               // last months of the history kept out to measure the error
  int ahead = 3;                  // months forecast after the history
};

struct ProductForecast {
  std::string sku;
  std::string name;
  std::vector<int64_t> history;   // units per month, the whole history (zeros included)
  double forecast = 0;            // units a month for each of the next `ahead` months
  std::vector<double> backtest;   // what the same method said for each held-out month
  double mae = 0;                 // mean absolute error over the held-out months
};

struct Forecasts {
  std::vector<std::string> months;       // the history's months (actual sales), "2011-01" ...
  std::vector<std::string> ahead;        // the months forecast: those after the history
  std::string last_sale_day;             // "2011-12-09", in the options' zone
  bool last_month_complete = false;      // the last sale's month is in the history
  std::vector<ProductForecast> products; // in SKU order
  double wape = 0;  // all products: sum of absolute errors / sum of held-out units
};

// The history is every calendar month from the first sale's to the last
// complete one: the last sale's month if the last sale falls on that month's
// last day (the data covers it), else the month before (not over yet: its
// sales so far would read as a collapse). A forecast is
// the mean of the last `window` months; the backtest forecasts each of the
// last `held_out` months by the mean of the `window` months before them all.
// kInvalidArgument if the history is shorter than window + held_out months.
Result<Forecasts> ForecastDemand(const Store& store, const ForecastOptions& options);

}  // namespace crm
