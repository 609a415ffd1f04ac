#include "hq/analytics/forecast.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <unordered_map>

#include "node/common/local_time.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"

namespace crm {

Result<Forecasts> ForecastDemand(const Store& store, const ForecastOptions& options) {
  CRM_RETURN_IF_ERROR(CheckTimeZone(options.time_zone));
  if (options.window < 1 || options.held_out < 1 || options.ahead < 1) {
    return Status::InvalidArgument("window", "the window, held-out and ahead months must be at least 1");
  }
  CRM_ASSIGN_OR_RETURN(StoreView view, store.Read());
  std::unordered_map<int64_t, int> month_of_quarter;  // quarter hour -> year * 12 + month - 1
  std::map<std::string, std::map<int, int64_t>> units;
  std::map<std::string, std::string> names;
  int first = INT32_MAX, last = INT32_MIN;
  int64_t last_time = INT64_MIN;
  CRM_RETURN_IF_ERROR(view.ForEachOfKind(
      EntityKind::SALE, [&](const Id&, schema::StoredRecord::Reader stored) -> Status {
        if (!IsLive(stored)) return Status::Ok();
        auto sale = stored.getValue().getAs<schema::Sale>();
        auto [it, fresh] = month_of_quarter.try_emplace(sale.getTime() / (15 * 60 * 1000));
        if (fresh) {
          LocalDate date = ToLocalDate(sale.getTime(), options.time_zone);
          it->second = date.year * 12 + date.month - 1;
        }
        last_time = std::max(last_time, sale.getTime());
        first = std::min(first, it->second);
        last = std::max(last, it->second);
        for (auto line : sale.getLines()) {
          units[line.getSku()][it->second] += line.getQuantity();
          if (line.getName().size()) names[line.getSku()] = line.getName();
        }
        return Status::Ok();
      }));
  // The history ends after the last complete month: the last sale's own if
  // the data reaches that month's last day.
  LocalDate last_day = units.empty() ? LocalDate{} : ToLocalDate(last_time, options.time_zone);
  bool complete = false;
  if (!units.empty()) {
    using namespace std::chrono;
    auto month_end = year_month_day_last(year(last_day.year), month_day_last(month(static_cast<unsigned>(last_day.month))));
    complete = static_cast<unsigned>(month_end.day()) == static_cast<unsigned>(last_day.day);
  }
  int end = complete ? last + 1 : last;
  int months = end - first;
  if (units.empty() || months < options.window + options.held_out) {
    return Status::InvalidArgument(
        "history", fmt::format("{} complete months of sales; a forecast needs {}", std::max(months, 0),
                               options.window + options.held_out));
  }
  auto name = [](int m) { return fmt::format("{:04}-{:02}", m / 12, m % 12 + 1); };
  Forecasts out;
  out.last_sale_day = fmt::format("{:04}-{:02}-{:02}", last_day.year, last_day.month, last_day.day);
  out.last_month_complete = complete;
  for (int m = first; m < end; ++m) out.months.push_back(name(m));
  for (int k = 0; k < options.ahead; ++k) out.ahead.push_back(name(end + k));

  double errors = 0, actuals = 0;
  const size_t n = static_cast<size_t>(months);
  const size_t w = static_cast<size_t>(options.window), h = static_cast<size_t>(options.held_out);
  for (auto& [sku, by_month] : units) {
    ProductForecast p;
    p.sku = sku;
    p.name = names[sku];
    for (int m = first; m < end; ++m) {
      auto it = by_month.find(m);
      p.history.push_back(it == by_month.end() ? 0 : it->second);
    }
    int64_t recent = 0, before_held_out = 0;
    for (size_t i = n - w; i < n; ++i) recent += p.history[i];
    for (size_t i = n - h - w; i < n - h; ++i) before_held_out += p.history[i];
    p.forecast = static_cast<double>(recent) / static_cast<double>(w);
    double backtest = static_cast<double>(before_held_out) / static_cast<double>(w);
    double error = 0;
    for (size_t i = n - h; i < n; ++i) {
      p.backtest.push_back(backtest);
      error += std::abs(static_cast<double>(p.history[i]) - backtest);
      actuals += static_cast<double>(p.history[i]);
    }
    errors += error;
    p.mae = error / static_cast<double>(h);
    out.products.push_back(std::move(p));
  }
  out.wape = actuals > 0 ? errors / actuals : 0;
  return out;
}

}  // namespace crm
