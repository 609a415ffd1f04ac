#include "hq/reports/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "hq/analytics/sales.h"
#include "hq/analytics/segments.h"
#include "node/common/local_time.h"
#include "sync/base/money.h"

namespace crm {
namespace {

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

struct Bar {
  std::string label;
  double value = 0;
  std::string shown;  // the value as printed beside the bar
};

// Vertical bars (one per month, say) with their labels underneath.
std::string ColumnChart(const std::vector<Bar>& bars, const std::string& caption) {
  const int width = 760, height = 240, top = 20, bottom = 40, left = 10;
  double max = 0;
  for (const Bar& b : bars) max = std::max(max, b.value);
  std::string svg = fmt::format(
      "<svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {} {}\" width=\"100%\" "
      "xmlns=\"http://www.w3.org/2000/svg\">\n",
      Escape(caption), width, height);
  if (bars.empty() || max <= 0) return svg + "</svg>\n";
  double slot = static_cast<double>(width - 2 * left) / static_cast<double>(bars.size());
  for (size_t i = 0; i < bars.size(); ++i) {
    double h = (height - top - bottom) * bars[i].value / max;
    double x = left + slot * static_cast<double>(i) + slot * 0.15;
    double y = height - bottom - h;
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" class=\"bar\">"
        "<title>{}: {}</title></rect>\n",
        x, y, slot * 0.7, h, Escape(bars[i].label), Escape(bars[i].shown));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\">{}</text>\n", x + slot * 0.35,
                       height - bottom + 16, Escape(bars[i].label));
  }
  return svg + "</svg>\n";
}

// Horizontal bars with a label on the left and the value on the right.
std::string BarChart(const std::vector<Bar>& bars, const std::string& caption) {
  const int width = 760, row = 22, label_width = 300, value_width = 130;
  int height = row * static_cast<int>(bars.size()) + 10;
  double max = 0;
  for (const Bar& b : bars) max = std::max(max, b.value);
  std::string svg = fmt::format(
      "<svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {} {}\" width=\"100%\" "
      "xmlns=\"http://www.w3.org/2000/svg\">\n",
      Escape(caption), width, height);
  for (size_t i = 0; i < bars.size(); ++i) {
    int y = 5 + row * static_cast<int>(i);
    double w = max > 0 ? (width - label_width - value_width) * bars[i].value / max : 0;
    std::string label = bars[i].label.size() > 42 ? bars[i].label.substr(0, 40) + "…" : bars[i].label;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"label\">{}</text>\n", label_width - 8, y + 15,
                       Escape(label));
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" class=\"bar\"/>\n",
                       label_width, y + 3, w, row - 6);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"value\">{}</text>\n", label_width + w + 6,
                       y + 15, Escape(bars[i].shown));
  }
  return svg + "</svg>\n";
}

constexpr const char* kStyle = R"(
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 800px; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; } h2 { font-size: 1.2em; margin-top: 2em; }
.kpis { display: flex; gap: 1em; flex-wrap: wrap; } .kpi { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 1em; }
.kpi b { display: block; font-size: 1.4em; } .note { color: #666; font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; } th, td { padding: 0.3em 0.6em; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg .bar { fill: #3b6ea8; } svg text { font: 11px system-ui, sans-serif; fill: #333; }
svg .tick { text-anchor: middle; } svg .label { text-anchor: end; }
td.cell { text-align: center; color: #fff; }
)";

}  // namespace

Result<std::string> HtmlReport(const Store& store, const HtmlReportOptions& options) {
  SalesFilter all;
  all.time_zone = options.time_zone;
  CRM_ASSIGN_OR_RETURN(std::vector<SalesRow> offices, SalesBy(store, SalesDimension::kOffice, all));
  CRM_ASSIGN_OR_RETURN(std::vector<SalesRow> months, SalesBy(store, SalesDimension::kMonth, all));
  CRM_ASSIGN_OR_RETURN(std::vector<SalesRow> products, SalesBy(store, SalesDimension::kProduct, all));
  CRM_ASSIGN_OR_RETURN(RfmReport rfm, Rfm(store, 0, options.currency));
  CRM_ASSIGN_OR_RETURN(std::vector<AbcRow> abc, Abc(store, AbcOf::kProducts, options.currency));
  CRM_ASSIGN_OR_RETURN(std::vector<XyzRow> xyz, Xyz(store, options.time_zone));
  const std::string& cur = options.currency;
  auto money = [&](int64_t minor) { return FormatMoney(minor, cur); };

  uint64_t sales = 0, units = 0;
  int64_t revenue = 0, refunded = 0;
  for (const SalesRow& r : offices) {
    if (r.currency != cur) continue;
    sales += r.sales;
    units += r.units;
    revenue += r.revenue;
    refunded += r.refunded;
  }
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                     Escape(options.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  html += "<h1>" + Escape(options.title) + "</h1>\n";
  html += fmt::format("<p class=\"note\">Every sale in the store, amounts in {}; months in {}. RFM as of {} UTC.</p>\n",
                      Escape(cur), Escape(options.time_zone), FormatLocalTime(rfm.as_of_ms, "UTC"));
  html += "<div class=\"kpis\">\n";
  auto kpi = [&](const std::string& name, const std::string& value) {
    html += "<div class=\"kpi\">" + Escape(name) + "<b>" + Escape(value) + "</b></div>\n";
  };
  kpi("Receipts", fmt::format("{}", sales));
  kpi("Revenue", money(revenue));
  kpi("Refunded", money(refunded));
  kpi("Average ticket", money(sales ? revenue / static_cast<int64_t>(sales) : 0));
  kpi("Clients who bought", fmt::format("{}", rfm.clients.size()));
  kpi("Units", fmt::format("{}", units));
  html += "</div>\n";

  // Revenue by month, in calendar order.
  std::sort(months.begin(), months.end(), [](const SalesRow& a, const SalesRow& b) { return a.key < b.key; });
  std::vector<Bar> month_bars;
  html += "<h2>Revenue by month</h2>\n";
  for (const SalesRow& r : months) {
    if (r.currency == cur) month_bars.push_back(Bar{r.key, static_cast<double>(r.revenue), money(r.revenue)});
  }
  html += ColumnChart(month_bars, "Revenue by month");
  html += "<table>\n<tr><th>Month</th><th>Receipts</th><th>Revenue</th><th>Average ticket</th><th>Clients</th></tr>\n";
  for (const SalesRow& r : months) {
    if (r.currency != cur) continue;
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", Escape(r.key),
                        r.sales, money(r.revenue), money(r.sales ? r.revenue / static_cast<int64_t>(r.sales) : 0),
                        r.clients);
  }
  html += "</table>\n";

  html += fmt::format("<h2>The {} best-selling products</h2>\n", options.top_products);
  std::vector<Bar> product_bars;
  for (const SalesRow& r : products) {
    if (r.currency != cur) continue;
    if (product_bars.size() == options.top_products) break;
    product_bars.push_back(Bar{r.key + "  " + r.label, static_cast<double>(r.revenue), money(r.revenue)});
  }
  html += BarChart(product_bars, "Best-selling products by revenue");

  html += "<h2>Client segments (RFM)</h2>\n";
  std::map<std::string, std::pair<uint64_t, int64_t>> segments;
  for (const RfmRow& r : rfm.clients) {
    segments[r.segment].first += 1;
    segments[r.segment].second += r.monetary;
  }
  std::vector<Bar> segment_bars;
  html += "<table>\n<tr><th>Segment</th><th>Clients</th><th>Share</th><th>Revenue</th></tr>\n";
  for (const char* name : {"champions", "loyal", "potential loyalists", "new", "promising",
                           "need attention", "about to sleep", "cannot lose", "at risk", "hibernating"}) {
    const auto& [count, money_in] = segments[name];
    double share = rfm.clients.empty() ? 0 : 100.0 * static_cast<double>(count) / static_cast<double>(rfm.clients.size());
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{:.1f}%</td><td>{}</td></tr>\n", name, count, share,
                        money(money_in));
    segment_bars.push_back(Bar{name, static_cast<double>(money_in), money(money_in)});
  }
  html += "</table>\n" + BarChart(segment_bars, "Revenue by client segment");

  html += "<h2>Products by revenue share (ABC) and steadiness of demand (XYZ)</h2>\n";
  std::map<std::string, char> xyz_of;
  for (const XyzRow& r : xyz) xyz_of[r.sku] = r.xyz;
  std::map<std::string, std::pair<uint64_t, int64_t>> cells;
  for (const AbcRow& r : abc) {
    auto it = xyz_of.find(r.key);
    std::string cell = std::string(1, r.abc) + (it == xyz_of.end() ? 'Z' : it->second);
    cells[cell].first += 1;
    cells[cell].second += r.revenue;
  }
  int64_t most = 1;
  for (const auto& [cell, value] : cells) most = std::max(most, value.second);
  html += "<table>\n<tr><th></th><th>X: steady</th><th>Y: varying</th><th>Z: erratic</th></tr>\n";
  for (char a : {'A', 'B', 'C'}) {
    html += fmt::format("<tr><td>{}</td>", a == 'A' ? "A: first 80% of revenue" : a == 'B' ? "B: next 15%" : "C: last 5%");
    for (char x : {'X', 'Y', 'Z'}) {
      const auto& [count, money_in] = cells[std::string(1, a) + x];
      double strength = 0.25 + 0.75 * static_cast<double>(money_in) / static_cast<double>(most);
      html += fmt::format("<td class=\"cell\" style=\"background: rgba(59,110,168,{:.2f})\">{} products<br>{}</td>",
                          strength, count, money(money_in));
    }
    html += "</tr>\n";
  }
  html += "</table>\n<p class=\"note\">AX products want to be in stock always; CZ products are candidates to order on demand. "
          "Definitions: docs/reports.md.</p>\n</body>\n</html>\n";
  return html;
}

}  // namespace crm
