#include "hq/reports/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "hq/analytics/currencies.h"
#include "hq/analytics/sales.h"
#include "hq/analytics/satisfaction.h"
#include "hq/analytics/segments.h"
#include "node/common/local_time.h"
#include "hq/reports/amounts.h"

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

// Vertical bars (one per month, say) with their labels underneath. Labels
// stay readable at any number of bars: upright while each has room, else
// turned 45 degrees, and when even those would touch, only every k-th is
// printed (the first and then evenly; each bar keeps its label and value in
// its tooltip).
std::string ColumnChart(const std::vector<Bar>& bars, const std::string& caption) {
  const int width = 760, top = 20, left = 10, chart = 180;
  const double label_room = 7.0 * 7;   // an upright label like "2011-03" at 11px
  const double turned_room = 16.0;     // turned labels' spacing, along the axis
  double max = 0;
  for (const Bar& b : bars) max = std::max(max, b.value);
  double slot = bars.empty() ? width : static_cast<double>(width - 2 * left) / static_cast<double>(bars.size());
  const bool turned = slot < label_room;
  size_t every = turned ? static_cast<size_t>(std::ceil(turned_room / slot)) : 1;
  const int bottom = turned ? 64 : 40;
  const int height = top + chart + bottom;
  std::string svg = fmt::format(
      "<svg role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {} {}\" width=\"100%\" "
      "xmlns=\"http://www.w3.org/2000/svg\">\n",
      Escape(caption), width, height);
  if (bars.empty() || max <= 0) return svg + "</svg>\n";
  for (size_t i = 0; i < bars.size(); ++i) {
    double h = chart * bars[i].value / max;
    double x = left + slot * static_cast<double>(i) + slot * 0.15;
    double y = top + chart - h;
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" class=\"bar\">"
        "<title>{}: {}</title></rect>\n",
        x, y, slot * 0.7, h, Escape(bars[i].label), Escape(bars[i].shown));
    if (i % every != 0) continue;
    double cx = x + slot * 0.35;
    int ty = top + chart + 16;
    if (turned) {
      svg += fmt::format(
          "<text x=\"{:.1f}\" y=\"{}\" class=\"tick turned\" transform=\"rotate(-45 {:.1f} {})\">{}</text>\n",
          cx, ty, cx, ty, Escape(bars[i].label));
    } else {
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\">{}</text>\n", cx, ty,
                         Escape(bars[i].label));
    }
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
svg .tick { text-anchor: middle; } svg .tick.turned { text-anchor: end; } svg .label { text-anchor: end; }
td.cell { text-align: center; color: #fff; }
)";

// The figures of one currency the page shows.
struct CurrencyFigures {
  std::string currency;
  std::vector<SalesRow> offices, months, products;  // of this currency only
  RfmReport rfm;
  std::vector<AbcRow> abc;
};

Result<CurrencyFigures> FiguresOf(const Store& store, const std::string& currency,
                                  const std::vector<SalesRow>& offices,
                                  const std::vector<SalesRow>& months,
                                  const std::vector<SalesRow>& products) {
  CurrencyFigures f;
  f.currency = currency;
  for (const auto& [from, into] : {std::pair{&offices, &f.offices}, {&months, &f.months}, {&products, &f.products}}) {
    for (const SalesRow& r : *from) {
      if (r.currency == currency) into->push_back(r);
    }
  }
  // Revenue by month, in calendar order.
  std::sort(f.months.begin(), f.months.end(), [](const SalesRow& a, const SalesRow& b) { return a.key < b.key; });
  CRM_ASSIGN_OR_RETURN(f.rfm, Rfm(store, 0, currency));
  CRM_ASSIGN_OR_RETURN(f.abc, Abc(store, AbcOf::kProducts, currency));
  return f;
}

// The page's part for one currency: headline figures, months, best sellers,
// segments and the ABC-XYZ matrix.
std::string CurrencyPart(const CurrencyFigures& f, const std::vector<XyzRow>& xyz,
                         const HtmlReportOptions& options, bool several) {
  const std::string& cur = f.currency;
  auto money = [&](int64_t minor) { return MoneyText(minor, cur); };
  uint64_t sales = 0, units = 0;
  int64_t revenue = 0, refunded = 0;
  for (const SalesRow& r : f.offices) {
    sales += r.sales;
    units += r.units;
    revenue += r.revenue;
    refunded += r.refunded;
  }
  std::string html;
  if (several) html += "<h2 class=\"currency\">Sales in " + Escape(cur) + "</h2>\n";
  html += fmt::format("<p class=\"note\">Amounts in {}. RFM as of {} UTC.</p>\n", Escape(cur),
                      FormatLocalTime(f.rfm.as_of_ms, "UTC"));
  html += "<div class=\"kpis\">\n";
  auto kpi = [&](const std::string& name, const std::string& value) {
    html += "<div class=\"kpi\">" + Escape(name) + "<b>" + Escape(value) + "</b></div>\n";
  };
  kpi("Receipts", CountText(sales));
  kpi("Revenue", money(revenue));
  kpi("Refunded", money(refunded));
  kpi("Average ticket", money(AverageMinor(revenue, sales)));
  kpi("Clients who bought", CountText(f.rfm.clients.size()));
  kpi("Units", CountText(units));
  html += "</div>\n";

  html += "<h2>Revenue by month (" + Escape(cur) + ")</h2>\n";
  std::vector<Bar> month_bars;
  for (const SalesRow& r : f.months) month_bars.push_back(Bar{r.key, static_cast<double>(r.revenue), money(r.revenue)});
  html += ColumnChart(month_bars, "Revenue by month in " + cur);
  html += "<table>\n<tr><th>Month</th><th>Receipts</th><th>Revenue</th><th>Average ticket</th><th>Clients</th></tr>\n";
  for (const SalesRow& r : f.months) {
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", Escape(r.key),
                        CountText(r.sales), money(r.revenue), money(AverageMinor(r.revenue, r.sales)),
                        CountText(r.clients));
  }
  html += "</table>\n";

  html += fmt::format("<h2>The {} best-selling products ({})</h2>\n", options.top_products, Escape(cur));
  std::vector<Bar> product_bars;
  for (const SalesRow& r : f.products) {
    if (product_bars.size() == options.top_products) break;
    product_bars.push_back(Bar{r.key + "  " + r.label, static_cast<double>(r.revenue), money(r.revenue)});
  }
  html += BarChart(product_bars, "Best-selling products by revenue");

  html += "<h2>Client segments (RFM, " + Escape(cur) + ")</h2>\n";
  std::map<std::string, std::pair<uint64_t, int64_t>> segments;
  for (const RfmRow& r : f.rfm.clients) {
    segments[r.segment].first += 1;
    segments[r.segment].second += r.monetary;
  }
  std::vector<Bar> segment_bars;
  html += "<table>\n<tr><th>Segment</th><th>Clients</th><th>Share</th><th>Revenue</th></tr>\n";
  for (std::string_view name : kRfmSegments) {
    const auto& [count, money_in] = segments[std::string(name)];
    double share = f.rfm.clients.empty() ? 0 : 100.0 * static_cast<double>(count) / static_cast<double>(f.rfm.clients.size());
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{:.1f}%</td><td>{}</td></tr>\n", name, CountText(count),
                        share, money(money_in));
    segment_bars.push_back(Bar{std::string(name), static_cast<double>(money_in), money(money_in)});
  }
  html += "</table>\n" + BarChart(segment_bars, "Revenue by client segment");

  html += "<h2>Products by revenue share (ABC) and steadiness of demand (XYZ)</h2>\n";
  std::map<std::string, char> xyz_of;
  for (const XyzRow& r : xyz) xyz_of[r.sku] = r.xyz;
  std::map<std::string, std::pair<uint64_t, int64_t>> cells;
  for (const AbcRow& r : f.abc) {
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
                          strength, CountText(count), money(money_in));
    }
    html += "</tr>\n";
  }
  html += "</table>\n";
  return html;
}

// Customer satisfaction from feedback: in total, by office and by month.
std::string SatisfactionPart(const std::vector<SatisfactionRow>& offices,
                             const std::vector<SatisfactionRow>& months) {
  std::string html = "<h2>Customer satisfaction</h2>\n";
  SatisfactionRow all;
  for (const SatisfactionRow& r : offices) {
    all.responses += r.responses;
    all.score_total += r.score_total;
    all.low += r.low;
  }
  if (all.responses == 0) return html + "<p class=\"note\">No feedback recorded yet.</p>\n";
  html += fmt::format(
      "<p class=\"note\">Feedback scores from 1 to 5; a low score is {} or less. {} responses, average {:.2f}, "
      "{:.1f}% low.</p>\n",
      kLowScore, CountText(all.responses), all.AverageScore(), 100 * all.LowShare());
  for (const auto& [title, rows] : {std::pair{"Office", &offices}, {"Month", &months}}) {
    html += fmt::format("<table>\n<tr><th>{}</th><th>Responses</th><th>Average score</th><th>Low scores</th></tr>\n",
                        title);
    for (const SatisfactionRow& r : *rows) {
      html += fmt::format("<tr><td>{}</td><td>{}</td><td>{:.2f}</td><td>{:.1f}%</td></tr>\n", Escape(r.key),
                          CountText(r.responses), r.AverageScore(), 100 * r.LowShare());
    }
    html += "</table>\n";
  }
  return html;
}

}  // namespace

Result<std::string> HtmlReport(const Store& store, const HtmlReportOptions& options) {
  CRM_ASSIGN_OR_RETURN(std::vector<std::string> currencies, ReportCurrencies(store, options.currency));
  SalesFilter all;
  all.time_zone = options.time_zone;
  CRM_ASSIGN_OR_RETURN(std::vector<SalesRow> offices, SalesBy(store, SalesDimension::kOffice, all));
  CRM_ASSIGN_OR_RETURN(std::vector<SalesRow> months, SalesBy(store, SalesDimension::kMonth, all));
  CRM_ASSIGN_OR_RETURN(std::vector<SalesRow> products, SalesBy(store, SalesDimension::kProduct, all));
  CRM_ASSIGN_OR_RETURN(std::vector<XyzRow> xyz, Xyz(store, options.time_zone));
  CRM_ASSIGN_OR_RETURN(auto by_office, SatisfactionBy(store, SatisfactionDimension::kOffice, all));
  CRM_ASSIGN_OR_RETURN(auto by_month, SatisfactionBy(store, SatisfactionDimension::kMonth, all));

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                     Escape(options.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  html += "<h1>" + Escape(options.title) + "</h1>\n";
  std::string list;
  for (const std::string& c : currencies) list += (list.empty() ? "" : ", ") + c;
  html += fmt::format("<p class=\"note\">Every sale in the store; months in {}. {}</p>\n", Escape(options.time_zone),
                      currencies.empty()       ? std::string("The store holds no sales.")
                      : currencies.size() == 1 ? "Sales in " + Escape(list) + "."
                                               : "Sales in " + Escape(list) +
                                                     ": a part for each currency (amounts are never summed across them).");
  for (const std::string& cur : currencies) {
    CRM_ASSIGN_OR_RETURN(CurrencyFigures figures, FiguresOf(store, cur, offices, months, products));
    html += CurrencyPart(figures, xyz, options, currencies.size() > 1);
  }
  html += SatisfactionPart(by_office, by_month);
  html += "<p class=\"note\">AX products want to be in stock always; CZ products are candidates to order on demand. "
          "Definitions: docs/reports.md.</p>\n</body>\n</html>\n";
  return html;
}

}  // namespace crm
