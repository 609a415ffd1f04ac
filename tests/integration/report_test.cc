// The managers' sales reports on the real data set (Online Retail, imported
// with crm-admin import sales), each figure checked against the same
// definition computed independently by sqlite3 from the raw CSV.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/differences.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using nlohmann::json;
using testing::Differences;
using testing::RunResult;

// The import's cleaning rules (docs/import.md) in SQL: cancellations, lines
// that are not positive sales and prices that are not whole minor units are
// left out; a price becomes minor units.
constexpr const char* kCleanLines = R"(
WITH ok AS (
  SELECT rowid AS line, InvoiceNo AS receipt, StockCode AS sku, CAST(Quantity AS INTEGER) AS quantity,
         CAST(round(CAST(UnitPrice AS REAL) * 100) AS INTEGER) AS price,
         InvoiceDate AS time,
         NULLIF(CASE WHEN CustomerID LIKE '%.0' THEN substr(CustomerID, 1, length(CustomerID) - 2)
                     ELSE CustomerID END, '') AS client
  FROM raw
  WHERE InvoiceNo NOT LIKE 'C%'
    AND CAST(Quantity AS INTEGER) > 0 AND CAST(Quantity AS INTEGER) <= 1000000
    AND UnitPrice NOT LIKE '-%'
    AND (instr(UnitPrice, '.') = 0 OR length(UnitPrice) - instr(UnitPrice, '.') <= 2)
))";

// Returns (docs/import.md): a cancellation line with a client returns units
// of that client's latest sale of the SKU at or before it (of two at the
// same time, the greater receipt number). What returns a sale's SKU takes
// the first units of its lines of the SKU in file order, at most all of
// them. `returned`: per sale line, the sale, its time, SKU, units returned
// and their amount. Made once as a table, with an index, so the matching is
// not a scan per cancellation.
const std::string kReturnsScript = "CREATE TABLE clean AS " + std::string(kCleanLines) + R"( SELECT * FROM ok;
CREATE INDEX clean_by_client ON clean(client, sku, time);
CREATE INDEX clean_by_receipt ON clean(receipt, sku);
CREATE TABLE returned AS
WITH cancelled AS (
  SELECT InvoiceNo AS receipt, StockCode AS sku, -CAST(Quantity AS INTEGER) AS units, InvoiceDate AS time,
         NULLIF(CASE WHEN CustomerID LIKE '%.0' THEN substr(CustomerID, 1, length(CustomerID) - 2)
                     ELSE CustomerID END, '') AS client
  FROM raw WHERE InvoiceNo LIKE 'C%' AND CAST(Quantity AS INTEGER) < 0
),
matched AS (
  SELECT c.sku, c.units,
         (SELECT o.receipt FROM clean o WHERE o.client = c.client AND o.sku = c.sku AND o.time <= c.time
          ORDER BY o.time DESC, o.receipt DESC LIMIT 1) AS sale
  FROM cancelled c WHERE c.client IS NOT NULL
),
per AS (SELECT sale, sku, sum(units) AS units FROM matched WHERE sale IS NOT NULL GROUP BY sale, sku),
lines AS (
  SELECT l.receipt, l.sku, l.time, l.quantity, l.price,
         coalesce(sum(l.quantity) OVER (PARTITION BY l.receipt, l.sku ORDER BY l.line
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
  FROM clean l JOIN per p ON p.sale = l.receipt AND p.sku = l.sku
)
SELECT l.receipt AS sale, l.time, l.sku, max(0, min(l.quantity, p.units - l.before)) AS units,
       max(0, min(l.quantity, p.units - l.before)) * l.price AS amount
FROM lines l JOIN per p ON p.sale = l.receipt AND p.sku = l.sku;
)";

// Sales as receipts, with their time in UTC: the file's times are London's,
// which is UTC+1 from 27 March to 30 October 2011 (the set starts in
// December 2010, after the 2010 change back).
constexpr const char* kReceipts = R"(,
receipts AS (
  SELECT receipt, client, sum(quantity * price) AS total,
         CASE WHEN min(time) >= '2011-03-27 02:00:00' AND min(time) < '2011-10-30 02:00:00'
              THEN datetime(min(time), '-1 hour') ELSE min(time) END AS utc
  FROM ok GROUP BY receipt
))";

// RFM (docs/reports.md): recency in whole days to :as_of (midnight UTC);
// a score is 1 + 5 * (clients strictly worse) / clients, at most 5.
const std::string kRfmSql = std::string(kReceipts) + R"(,
per_client AS (
  SELECT client AS card, CAST((julianday(:as_of) - julianday(max(utc))) AS INTEGER) AS recency_days,
         count(*) AS frequency, sum(total) AS monetary_minor
  FROM receipts WHERE client IS NOT NULL GROUP BY client
),
scored AS (
  SELECT *, min(5, 1 + 5 * (rank() OVER (ORDER BY recency_days DESC) - 1) / (SELECT count(*) FROM per_client)) AS r,
            min(5, 1 + 5 * (rank() OVER (ORDER BY frequency) - 1) / (SELECT count(*) FROM per_client)) AS f,
            min(5, 1 + 5 * (rank() OVER (ORDER BY monetary_minor) - 1) / (SELECT count(*) FROM per_client)) AS m
  FROM per_client
)
SELECT *, CASE
    WHEN r >= 5 AND f >= 4 THEN 'champions'
    WHEN r BETWEEN 3 AND 4 AND f >= 4 THEN 'loyal'
    WHEN r >= 4 AND f BETWEEN 2 AND 3 THEN 'potential loyalists'
    WHEN r = 5 AND f = 1 THEN 'new'
    WHEN r = 4 AND f = 1 THEN 'promising'
    WHEN r = 3 AND f = 3 THEN 'need attention'
    WHEN r = 3 AND f <= 2 THEN 'about to sleep'
    WHEN r <= 2 AND f = 5 THEN 'cannot lose'
    WHEN r <= 2 AND f >= 3 THEN 'at risk'
    ELSE 'hibernating' END AS segment
FROM scored)";

// Repurchase reminders: clients with two receipts or more whose last one
// plus their mean interval (in whole ms) falls before :as_of, at most 90
// days before.
const std::string kRemindersSql = std::string(kReceipts) + R"(,
stamped AS (SELECT client, CAST(strftime('%s', utc) AS INTEGER) * 1000 AS ms FROM receipts WHERE client IS NOT NULL),
per AS (SELECT client, count(*) AS n, min(ms) AS first, max(ms) AS last FROM stamped GROUP BY client HAVING n >= 2),
due AS (SELECT client, last + (last - first) / (n - 1) AS due_ms FROM per)
SELECT client AS card, due_ms FROM due
WHERE due_ms < CAST(strftime('%s', :as_of) AS INTEGER) * 1000
  AND CAST(strftime('%s', :as_of) AS INTEGER) * 1000 - due_ms <= 90 * 86400000)";

// ABC: ranked by revenue, ties by key; A while what ranks before is under
// 80% of the total, B under 95%.
std::string AbcSql(const std::string& items) {
  return items + R"(,
ranked AS (
  SELECT k, revenue,
         coalesce(sum(revenue) OVER (ORDER BY revenue DESC, k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
         (SELECT sum(revenue) FROM items) AS total
  FROM items
)
SELECT k, CASE WHEN 100 * before < 80 * total THEN 'A' WHEN 100 * before < 95 * total THEN 'B' ELSE 'C' END AS class
FROM ranked)";
}
const std::string kAbcProductsSql =
    AbcSql(",\nitems AS (SELECT sku AS k, sum(quantity * price) AS revenue FROM ok GROUP BY sku)");
// Clients are keyed by their card, and ties go by card in both.
const std::string kAbcClientsSql = AbcSql(
    ",\nitems AS (SELECT client AS k, sum(quantity * price) AS revenue FROM ok WHERE client IS NOT NULL GROUP BY client)");

// XYZ over every month from the first sale's to the last's: with S the
// units, Q the sum of squared monthly units and M the months, X when
// 4*Q*M < 5*S^2 (variation under 0.5), Y when Q*M < 2*S^2 (under 1).
constexpr const char* kXyzSql = R"(,
monthly AS (SELECT sku, substr(time, 1, 7) AS month, sum(quantity) AS units FROM ok GROUP BY sku, month),
span AS (
  SELECT (CAST(substr(max(month), 1, 4) AS INTEGER) * 12 + CAST(substr(max(month), 6, 2) AS INTEGER)) -
         (CAST(substr(min(month), 1, 4) AS INTEGER) * 12 + CAST(substr(min(month), 6, 2) AS INTEGER)) + 1 AS months
  FROM monthly
),
sums AS (SELECT sku, sum(units) AS s, sum(units * units) AS q FROM monthly GROUP BY sku)
SELECT sku AS k, CASE WHEN 4 * q * months < 5 * s * s THEN 'X' WHEN q * months < 2 * s * s THEN 'Y' ELSE 'Z' END AS class
FROM sums, span)";

// Forecasts: months numbered year * 12 + month - 1; the history ends
// before the last sale's month; a forecast is the mean of the last 3 months
// of it, the backtest the mean of the 3 months before its last 3, and the
// error is measured on those last 3.
constexpr const char* kForecastSql = R"(,
monthly AS (
  SELECT sku, CAST(substr(time, 1, 4) AS INTEGER) * 12 + CAST(substr(time, 6, 2) AS INTEGER) - 1 AS m,
         sum(quantity) AS units
  FROM ok GROUP BY sku, m
),
bounds AS (SELECT max(m) AS e FROM monthly),
per AS (
  SELECT sku,
    sum(CASE WHEN m BETWEEN e - 3 AND e - 1 THEN units ELSE 0 END) / 3.0 AS forecast,
    sum(CASE WHEN m BETWEEN e - 6 AND e - 4 THEN units ELSE 0 END) / 3.0 AS backtest,
    sum(CASE WHEN m = e - 3 THEN units ELSE 0 END) AS a1,
    sum(CASE WHEN m = e - 2 THEN units ELSE 0 END) AS a2,
    sum(CASE WHEN m = e - 1 THEN units ELSE 0 END) AS a3
  FROM monthly, bounds GROUP BY sku
)
SELECT sku, forecast, (abs(a1 - backtest) + abs(a2 - backtest) + abs(a3 - backtest)) / 3.0 AS mae,
       abs(a1 - backtest) + abs(a2 - backtest) + abs(a3 - backtest) AS abs_errors, a1 + a2 + a3 AS actual
FROM per)";

// A figure to 6 decimals: sums of the same numbers in another order may
// differ in the last bits.
std::string fmt(double value) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.6f", value);
  return text;
}

// `minor` units of a two-decimal currency as the reports' tables and HTML
// print them: "12,345.67 GBP".
// A count as they print it: "4,339".
std::string Grouped(uint64_t count) {
  std::string whole = std::to_string(count);
  for (int at = static_cast<int>(whole.size()) - 3; at > 0; at -= 3) whole.insert(static_cast<size_t>(at), ",");
  return whole;
}

std::string Money(int64_t minor, const std::string& currency) {
  std::string sign = minor < 0 ? "-" : "";
  uint64_t magnitude = minor < 0 ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string whole = Grouped(magnitude / 100);
  char cents[4];
  std::snprintf(cents, sizeof(cents), "%02d", static_cast<int>(magnitude % 100));
  return sign + whole + "." + cents + " " + currency;
}

// The data set: CRM_RETAIL_CSV from the environment, else as configured.
std::string RetailCsv() {
  const char* chosen = std::getenv("CRM_RETAIL_CSV");
  return chosen != nullptr && *chosen != '\0' ? chosen : CRM_RETAIL_CSV;
}

// sales, units, revenue in minor units, distinct clients, refunded (returns
// of those sales) in minor units, visits (distinct client and day).
using Figures = std::tuple<uint64_t, uint64_t, int64_t, uint64_t, int64_t, uint64_t>;

// What the data set lacks, made up from its receipt and client numbers so
// every report has something to tell apart: each receipt's channel,
// campaign and cashier, and each client's acquisition channel and the
// campaign audience they are in.
constexpr const char* kMadeUpScript = R"(
CREATE TABLE tags AS
SELECT InvoiceNo AS receipt,
       CASE CAST(ltrim(InvoiceNo, 'CA') AS INTEGER) % 3 WHEN 0 THEN 'store' WHEN 1 THEN 'web' ELSE 'phone' END AS channel,
       CASE WHEN CAST(ltrim(InvoiceNo, 'CA') AS INTEGER) % 5 = 0 THEN 'SPRING'
            WHEN CAST(ltrim(InvoiceNo, 'CA') AS INTEGER) % 7 = 0 THEN 'AUTUMN' ELSE '' END AS campaign,
       CASE CAST(ltrim(InvoiceNo, 'CA') AS INTEGER) % 4 WHEN 0 THEN 'anna' WHEN 1 THEN 'boris'
            WHEN 2 THEN 'chen' ELSE 'dara' END AS cashier
FROM raw GROUP BY InvoiceNo;
CREATE TABLE people AS
SELECT client,
       CASE CAST(client AS INTEGER) % 4 WHEN 0 THEN 'walk-in' WHEN 1 THEN 'referral' WHEN 2 THEN 'web'
            ELSE 'flyer' END AS acquired,
       CASE CAST(client AS INTEGER) % 3 WHEN 0 THEN 'campaign:SPRING' WHEN 1 THEN 'campaign:AUTUMN' ELSE '' END AS tag
FROM (SELECT DISTINCT client FROM clean WHERE client IS NOT NULL);
CREATE TABLE refunded_by_sale AS SELECT sale, sum(amount) AS amount FROM returned GROUP BY sale;
CREATE TABLE receipts AS
SELECT r.*, t.campaign, t.cashier, coalesce(x.amount, 0) AS refunded
FROM (SELECT receipt, client, min(time) AS time, sum(quantity * price) AS total FROM clean GROUP BY receipt) r
JOIN tags t ON t.receipt = r.receipt LEFT JOIN refunded_by_sale x ON x.sale = r.receipt;
)";

class RetailReports {
 public:
  // `made_up`: the data set with kMadeUpScript's columns, imported with them
  // (sales with channel, campaign and cashier; then the clients' file).
  explicit RetailReports(bool made_up = false) : RetailReports(RetailCsv(), "GBP", made_up) {}

  // `csv` (a file in the data set's format) imported with prices in `currency`.
  RetailReports(const std::string& csv, const std::string& currency, bool made_up = false)
      : currency_(currency) {
    RunResult loaded = Run({"sqlite3", Db(), ".import --csv " + csv + " raw"});
    INFO(loaded.err);
    REQUIRE(loaded.exit_code == 0);
    RunResult returns = Run({"sqlite3", Db(), kReturnsScript});
    INFO(returns.err);
    REQUIRE(returns.exit_code == 0);
    if (!made_up) {
      Import({"sales", "--file", csv, "--time-zone", "Europe/London", "--currency", currency});
      return;
    }
    RunResult made = Run({"sqlite3", Db(), kMadeUpScript});
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    std::string sales = Write("sales.csv", "SELECT raw.*, t.channel AS Channel, t.campaign AS Campaign, "
                                           "t.cashier AS Cashier FROM raw JOIN tags t ON t.receipt = raw.InvoiceNo "
                                           "ORDER BY raw.rowid");
    std::string clients = Write("clients.csv", "SELECT client AS ClientNumber, acquired AS AcquisitionChannel, "
                                               "tag AS Tags FROM people");
    Import({"sales", "--file", sales, "--time-zone", "Europe/London", "--currency", currency, "--map",
            "channel=Channel", "--map", "campaign=Campaign", "--map", "cashier=Cashier"});
    Import({"clients", "--file", clients});
  }

  // crm-hq report sales with `args`, keyed by the row's `by` value.
  std::map<std::string, Figures> Ours(const std::string& by, std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {CRM_HQ, "report", "sales", "--data", Hq(), "--by", by,
                                     "--time-zone", "Europe/London", "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = Run(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::map<std::string, Figures> rows;
    for (const json& row : json::parse(r.out)) {
      CHECK(row["currency"] == currency_);
      rows[row[by].get<std::string>()] = {row["sales"], row["units"], row["revenue_minor"], row["clients"],
                                          row["refunded_minor"], row["visits"]};
    }
    return rows;
  }

  // The sales report by `by` of a second store made by importing what
  // crm-admin export sales wrote of the first.
  std::map<std::string, Figures> RoundTripped(const std::string& by) {
    std::string csv = (dir_.path() / "exported.csv").string();
    std::string copy = (dir_.path() / "copy-data").string();
    if (!std::filesystem::exists(copy)) {
      RunResult exported = Run({CRM_ADMIN, "export", "sales", "--data", Hq(), "--out", csv,
                                "--time-zone", "Europe/London"});
      INFO(exported.err);
      REQUIRE(exported.exit_code == 0);
      RunResult imported = Run({CRM_ADMIN, "import", "sales", "--data", copy, "--file", csv, "--office", "WEB",
                                "--time-zone", "Europe/London"});
      INFO(imported.err);
      REQUIRE(imported.exit_code == 0);
      CHECK(imported.out.find(" 0 rejected") != std::string::npos);
    }
    RunResult r = Run({CRM_HQ, "report", "sales", "--data", copy, "--by", by, "--time-zone", "Europe/London",
                       "--json"});
    REQUIRE(r.exit_code == 0);
    std::map<std::string, Figures> rows;
    for (const json& row : json::parse(r.out)) {
      rows[row[by].get<std::string>()] = {row["sales"], row["units"], row["revenue_minor"], row["clients"],
                                          row["refunded_minor"], row["visits"]};
    }
    return rows;
  }

  // crm-hq report html, as written to its file.
  std::string Html() {
    std::string out = (dir_.path() / "report.html").string();
    RunResult r = Run({CRM_HQ, "report", "html", "--data", Hq(), "--out", out, "--time-zone",
                       "Europe/London"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::ifstream in(out);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  // crm-hq report ARGS --data ... (crm-hq ARGS if not `report`) as JSON.
  json Hq(std::vector<std::string> args, bool report = true) { return json::parse(Text(args, report)); }

  // What crm-hq report ARGS --data ... prints; it must succeed.
  std::string Text(std::vector<std::string> args, bool report = true) {
    RunResult r = Report(std::move(args), report);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }

  // crm-hq report ARGS --data ..., however it ends.
  RunResult Report(std::vector<std::string> args, bool report = true) {
    std::vector<std::string> argv = {CRM_HQ};
    if (report) argv.push_back("report");
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--data", Hq()});
    return Run(argv);
  }

  // Rows of `sql` (with :name parameters) as JSON objects.
  json Sql(const std::string& sql, const std::map<std::string, std::string>& parameters = {}) {
    std::vector<std::string> argv = {"sqlite3", "-json", Db()};
    for (const auto& [name, value] : parameters) {
      argv.push_back(".param set :" + name + " \"'" + value + "'\"");
    }
    argv.push_back(sql);
    RunResult r = Run(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    if (r.out.find('[') == std::string::npos) return json::array();
    return json::parse(r.out);
  }

  // `sql` giving (k, class) rows, as a map.
  std::map<std::string, std::string> Classes(const std::string& sql) {
    std::map<std::string, std::string> classes;
    for (const json& row : Sql(sql)) classes[row["k"].get<std::string>()] = row["class"];
    return classes;
  }

  // The day after the last sale, as the RFM report measures to.
  std::string AsOf() {
    json rows = Sql(std::string(kCleanLines) + " SELECT date(max(time), '+1 day') AS d FROM ok");
    return rows.at(0)["d"];
  }

  // The same figures by sqlite3: `key` is the SQL of the group, `where` a
  // further condition on the clean lines.
  std::map<std::string, Figures> Theirs(const std::string& key, const std::string& where = "1") {
    // Returns count against the group of the sale they return, so `key`
    // and `where` are read over `returned` too (its sale's time, its SKU).
    std::string sql = std::string(kCleanLines) + ", groups AS (SELECT " + key +
                      " AS k, count(DISTINCT receipt) AS sales, sum(quantity) AS units, "
                      "sum(quantity * price) AS revenue, count(DISTINCT client) AS clients, "
                      "count(DISTINCT client || ' ' || substr(time, 1, 10)) AS visits "
                      "FROM ok WHERE " + where + " GROUP BY k) "
                      "SELECT g.*, (SELECT coalesce(sum(amount), 0) FROM returned WHERE " + key + " = g.k AND " +
                      where + ") AS refunded FROM groups g";
    RunResult r = Run({"sqlite3", "-json", Db(), sql});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::map<std::string, Figures> rows;
    if (r.out.find('[') == std::string::npos) return rows;  // no rows: sqlite3 prints nothing
    for (const json& row : json::parse(r.out)) {
      rows[row["k"].get<std::string>()] = {row["sales"], row["units"], row["revenue"], row["clients"],
                                           row["refunded"], row["visits"]};
    }
    return rows;
  }

 private:
  RunResult Run(const std::vector<std::string>& args) { return testing::Run(args, "", {}, dir_.path()); }
  std::string Hq() const { return (dir_.path() / "hq-data").string(); }

  // crm-admin import KIND ... into the hub's store, as office WEB.
  void Import(std::vector<std::string> args) {
    std::vector<std::string> argv = {CRM_ADMIN, "import"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--data", Hq(), "--office", "WEB"});
    RunResult r = Run(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }

  // What `select` gives, as a CSV file with a header; its path.
  std::string Write(const std::string& name, const std::string& select) {
    RunResult r = Run({"sqlite3", "-csv", "-header", Db(), select});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::string path = (dir_.path() / name).string();
    std::ofstream(path, std::ios::binary) << r.out;
    return path;
  }
  std::string Db() const { return (dir_.path() / "check.db").string(); }

  std::string currency_;
  testing::TempDir dir_;
};

TEST_CASE("sales reports on the imported real data set match sqlite3's figures for the same definitions",
          "[integration][reports]") {
  // One import for every check (a SECTION would import again for each).
  RetailReports reports;
  {
    INFO("by office and by channel: one online shop");
    auto office = reports.Ours("office");
    REQUIRE(office.size() == 1);
    CHECK(office == reports.Theirs("'WEB'"));
    CHECK(std::get<4>(office["WEB"]) > 0);  // the data set's cancellations are returns
    CHECK(reports.Ours("channel") == reports.Theirs("'web'"));
    CHECK(reports.Ours("total") == reports.Theirs("'all'"));
  }
  {
    INFO("by month, in the shop's time zone");
    auto ours = reports.Ours("month");
    CHECK(ours.size() >= 1);
    CHECK(ours == reports.Theirs("substr(time, 1, 7)"));
  }
  {
    INFO("by product: receipts with it, units, its line revenue, its buyers");
    auto ours = reports.Ours("product");
    CHECK(ours.size() > 100);
    CHECK(ours == reports.Theirs("sku"));
  }
  {
    INFO("a period: from a day to the day after the last");
    auto ours = reports.Ours("office", {"--from", "2010-12-02", "--to", "2010-12-06"});
    CHECK(ours == reports.Theirs("'WEB'", "time >= '2010-12-02' AND time < '2010-12-06'"));
    CHECK(std::get<0>(ours["WEB"]) > 0);
  }
  {
    INFO("RFM: every client's recency, frequency, monetary, scores and segment");
    std::map<std::string, std::string> ours, theirs;
    for (const json& c : reports.Hq({"rfm", "--clients", "--json", "--as-of", reports.AsOf(),
                                     "--time-zone", "Europe/London"})) {
      ours[c["card"]] = c.dump();
    }
    for (const json& c : reports.Sql(std::string(kCleanLines) + kRfmSql, {{"as_of", reports.AsOf()}})) {
      json row = {{"client", ""}, {"name", ""}, {"currency", "GBP"}, {"card", c["card"]}, {"recency_days", c["recency_days"]},
                  {"frequency", c["frequency"]}, {"monetary_minor", c["monetary_minor"]},
                  {"r", c["r"]}, {"f", c["f"]}, {"m", c["m"]}, {"segment", c["segment"]}};
      theirs[c["card"]] = row.dump();
    }
    for (auto& [card, row] : ours) {  // the client id is ours alone; the set has no names
      json parsed = json::parse(row);
      parsed["client"] = "";
      parsed["name"] = "";
      row = parsed.dump();
    }
    CHECK(ours.size() > 10);
    CHECK(Differences(ours, theirs) == "");
  }
  {
    INFO("ABC of products and of clients: every item's class");
    std::map<std::string, std::string> products, clients;
    json by_product = reports.Hq({"abc", "--json"});  // kept: a loop over a temporary's member dangles
    for (const json& item : by_product["items"]) products[item["key"]] = item["class"];
    json by_client = reports.Hq({"abc", "--of", "clients", "--json"});
    for (const json& item : by_client["items"]) clients[item["label"]] = item["class"];
    CHECK(Differences(products, reports.Classes(std::string(kCleanLines) + kAbcProductsSql)) == "");
    CHECK(Differences(clients, reports.Classes(std::string(kCleanLines) + kAbcClientsSql)) == "");
    std::set<std::string> used;
    for (const auto& [key, c] : products) used.insert(c);
    CHECK(used == std::set<std::string>{"A", "B", "C"});
  }
  {
    INFO("XYZ of products: every product's class over the months of the period");
    std::map<std::string, std::string> ours;
    std::vector<std::pair<int64_t, std::string>> by_units;  // (-units, sku): best sellers first
    for (const json& item : reports.Hq({"xyz", "--json", "--time-zone", "Europe/London"})) {
      ours[item["sku"]] = item["class"];
      int64_t units = 0;
      for (const json& month : item["monthly_units"]) units += month.get<int64_t>();
      by_units.emplace_back(-units, item["sku"]);
    }
    CHECK(ours.size() > 100);
    CHECK(Differences(ours, reports.Classes(std::string(kCleanLines) + kXyzSql)) == "");
    INFO("--top 5: the five products with the most units a month");
    std::sort(by_units.begin(), by_units.end());
    std::vector<std::string> best, top;
    for (size_t i = 0; i < 5; ++i) best.push_back(by_units[i].second);
    for (const json& item : reports.Hq({"xyz", "--json", "--top", "5", "--time-zone", "Europe/London"})) {
      top.push_back(item["sku"]);
    }
    CHECK(top == best);
  }
  {
    INFO("repurchase reminders: each client due by their own rhythm within 90 days, once as tasks");
    std::map<std::string, std::string> ours, theirs;
    json due = reports.Hq({"reminders", "--json", "--as-of", reports.AsOf(), "--time-zone", "Europe/London"}, false);
    for (const json& c : due["clients"]) ours[c["card"]] = std::to_string(c["due_ms"].get<int64_t>());
    for (const json& c : reports.Sql(std::string(kCleanLines) + kRemindersSql, {{"as_of", reports.AsOf()}})) {
      theirs[c["card"]] = std::to_string(c["due_ms"].get<int64_t>());
    }
    CHECK(ours.size() > 5);
    CHECK(Differences(ours, theirs) == "");
    json first = reports.Hq({"reminders", "--json", "--make-tasks", "--as-of", reports.AsOf(),
                             "--time-zone", "Europe/London"}, false);
    CHECK(first["tasks_made"] == ours.size());
    json again = reports.Hq({"reminders", "--json", "--make-tasks", "--as-of", reports.AsOf(),
                             "--time-zone", "Europe/London"}, false);
    CHECK(again["tasks_made"] == 0);
  }
  {
    INFO("demand forecast: each product's forecast, backtest error, and the overall WAPE");
    json ours = reports.Hq({"forecast", "--json", "--time-zone", "Europe/London"});
    std::map<std::string, std::string> forecast, theirs;
    for (const json& p : ours["products"]) {
      forecast[p["sku"]] = fmt(p["forecast_per_month"].get<double>()) + " " + fmt(p["mae"].get<double>());
    }
    double errors = 0, actual = 0;
    for (const json& p : reports.Sql(std::string(kCleanLines) + kForecastSql)) {
      theirs[p["sku"]] = fmt(p["forecast"].get<double>()) + " " + fmt(p["mae"].get<double>());
      errors += p["abs_errors"].get<double>();
      actual += p["actual"].get<double>();
    }
    CHECK(forecast.size() > 100);
    CHECK(Differences(forecast, theirs) == "");
    CHECK(fmt(ours["wape"].get<double>()) == fmt(errors / actual));
  }
  {
    INFO("export then import into a new store: the same sales report (returns too), month by month and by product");
    for (const char* by : {"month", "product"}) {
      CHECK(reports.Ours(by) == reports.RoundTripped(by));
    }
  }
  {
    INFO("the HTML report: self-contained, and its monthly figures are sqlite3's");
    std::string html = reports.Html();
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.find("href=") == std::string::npos);
    for (const auto& [month, figures] : reports.Theirs("substr(time, 1, 7)")) {
      std::string bar = "<title>" + month + ": " + Money(std::get<2>(figures), "GBP") + "</title>";
      CHECK(html.find(bar) != std::string::npos);
    }
  }
}

// Rows of crm-hq report effectiveness --of `of` (JSON), keyed by `key`,
// each as the JSON of the fields named.
std::map<std::string, std::string> Keyed(const json& rows, const std::string& key,
                                         const std::vector<std::string>& fields) {
  std::map<std::string, std::string> out;
  for (const json& row : rows) {
    json kept = json::object();
    for (const std::string& f : fields) kept[f] = row.at(f);
    out[row.at(key).is_string() ? row.at(key).get<std::string>() : row.at(key).dump()] = kept.dump();
  }
  return out;
}

TEST_CASE("effectiveness of channels, campaigns and employees and the purchase funnel match sqlite3",
          "[integration][reports]") {
  RetailReports reports(/*made_up=*/true);
  {
    INFO("acquisition channels: the clients first seen from March, what they bought whenever");
    std::vector<std::string> fields = {"clients", "buyers", "repeat_buyers", "revenue_minor", "refunded_minor"};
    auto ours = Keyed(reports.Hq({"effectiveness", "--of", "channels", "--from", "2011-03-01", "--time-zone",
                                  "Europe/London", "--json"}),
                      "channel", fields);
    auto theirs = Keyed(reports.Sql(R"(
      WITH per AS (SELECT client, min(time) AS first, count(*) AS n, sum(total) AS revenue, sum(refunded) AS refunded
                   FROM receipts WHERE client IS NOT NULL GROUP BY client)
      SELECT p.acquired AS channel, count(*) AS clients, count(*) AS buyers, sum(n >= 2) AS repeat_buyers,
             sum(revenue) AS revenue_minor, sum(refunded) AS refunded_minor
      FROM per JOIN people p ON p.client = per.client WHERE per.first >= '2011-03-01' GROUP BY p.acquired)"),
                        "channel", fields);
    CHECK(ours.size() == 4);
    CHECK(Differences(ours, theirs) == "");
  }
  {
    INFO("campaigns: audience, responders, sales, revenue, refunds, buyers and clients won");
    std::vector<std::string> fields = {"audience", "responders", "sales", "revenue_minor", "refunded_minor",
                                       "buyers", "new_clients"};
    auto ours = Keyed(reports.Hq({"effectiveness", "--of", "campaigns", "--json"}), "code", fields);
    auto theirs = Keyed(reports.Sql(R"(
      WITH firsts AS (
        SELECT client, campaign FROM (
          SELECT client, campaign, row_number() OVER (PARTITION BY client ORDER BY time, receipt) AS k
          FROM receipts WHERE client IS NOT NULL) WHERE k = 1)
      SELECT campaign AS code,
             (SELECT count(*) FROM people p WHERE p.tag = 'campaign:' || g.campaign) AS audience,
             (SELECT count(DISTINCT r.client) FROM receipts r JOIN people p ON p.client = r.client
              WHERE r.campaign = g.campaign AND p.tag = 'campaign:' || g.campaign) AS responders,
             count(*) AS sales, sum(total) AS revenue_minor, sum(refunded) AS refunded_minor,
             count(DISTINCT client) AS buyers,
             (SELECT count(*) FROM firsts f WHERE f.campaign = g.campaign) AS new_clients
      FROM receipts g WHERE campaign <> '' GROUP BY campaign)"),
                        "code", fields);
    CHECK(ours.size() == 2);
    CHECK(Differences(ours, theirs) == "");
  }
  {
    INFO("employees: each cashier's sales, revenue, refunds and clients");
    std::vector<std::string> fields = {"sales", "revenue_minor", "refunded_minor", "clients", "interactions",
                                       "tasks_done"};
    auto ours = Keyed(reports.Hq({"effectiveness", "--of", "employees", "--json"}), "login", fields);
    auto theirs = Keyed(reports.Sql(R"(
      SELECT cashier AS login, count(*) AS sales, sum(total) AS revenue_minor, sum(refunded) AS refunded_minor,
             count(DISTINCT client) AS clients, 0 AS interactions, 0 AS tasks_done
      FROM receipts GROUP BY cashier)"),
                        "login", fields);
    CHECK(ours.size() == 4);
    CHECK(Differences(ours, theirs) == "");
  }
  {
    INFO("the purchase funnel: clients on record, then with at least 1 to 5 receipts");
    auto ours = Keyed(reports.Hq({"effectiveness", "--of", "funnel", "--json"}), "purchases", {"clients", "dropped"});
    auto theirs = Keyed(reports.Sql(R"(
      WITH per AS (SELECT client, count(*) AS n FROM receipts WHERE client IS NOT NULL GROUP BY client),
      steps AS (SELECT 0 AS purchases, (SELECT count(*) FROM people) AS clients
                UNION ALL SELECT k, (SELECT count(*) FROM per WHERE n >= k)
                FROM (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5))
      SELECT purchases, clients, coalesce(lag(clients) OVER (ORDER BY purchases) - clients, 0) AS dropped
      FROM steps)"),
                        "purchases", {"clients", "dropped"});
    CHECK(ours.size() == 6);
    CHECK(Differences(ours, theirs) == "");
  }
  {
    INFO("the sales report by employee and by campaign agrees with the effectiveness report's source");
    auto by_cashier = reports.Ours("employee");
    CHECK(by_cashier.size() == 4);
    CHECK(by_cashier.count("anna") == 1);
  }
}

// A file in the data set's format made by sqlite3 from `source`: the rows of
// `select` over it (a table `raw`), with the header; its path.
std::string DerivedCsv(const testing::TempDir& dir, const std::string& source, const std::string& name,
                       const std::string& select) {
  std::string db = (dir.path() / (name + ".db")).string();
  RunResult r = testing::Run({"sqlite3", "-csv", "-header", db, ".import --csv " + source + " raw", select}, "", {},
                             dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string path = (dir.path() / name).string();
  std::ofstream(path, std::ios::binary) << r.out;
  return path;
}

TEST_CASE("a store whose sales are all in USD: rfm, the funnel and html with no --currency cover them",
          "[integration][reports]") {
  RetailReports reports(CRM_RETAIL_SAMPLE_CSV, "USD");
  {
    INFO("RFM with no --currency: every client's figures, as sqlite3's, in USD");
    std::map<std::string, std::string> ours, theirs;
    for (const json& c : reports.Hq({"rfm", "--clients", "--json", "--as-of", reports.AsOf(), "--time-zone",
                                     "Europe/London"})) {
      CHECK(c["currency"] == "USD");
      ours[c["card"]] = json({{"recency_days", c["recency_days"]}, {"frequency", c["frequency"]},
                              {"monetary_minor", c["monetary_minor"]}, {"segment", c["segment"]}}).dump();
    }
    for (const json& c : reports.Sql(std::string(kCleanLines) + kRfmSql, {{"as_of", reports.AsOf()}})) {
      theirs[c["card"]] = json({{"recency_days", c["recency_days"]}, {"frequency", c["frequency"]},
                                {"monetary_minor", c["monetary_minor"]}, {"segment", c["segment"]}}).dump();
    }
    CHECK(ours.size() > 100);
    CHECK(Differences(ours, theirs) == "");
    json summary = reports.Hq({"rfm", "--json"});
    CHECK(summary["currency"] == "USD");
    CHECK(summary["clients"] == theirs.size());
    std::string table = reports.Text({"rfm"});
    CHECK(table.find("clients who bought in USD") != std::string::npos);
    CHECK(table.find(" USD") != std::string::npos);
  }
  {
    INFO("the purchase funnel with no --currency: clients on record, then with 1 to 5 receipts");
    auto ours = Keyed(reports.Hq({"effectiveness", "--of", "funnel", "--json"}), "purchases", {"clients", "dropped", "currency"});
    auto theirs = Keyed(reports.Sql(std::string(kCleanLines) + kReceipts + R"(,
      per AS (SELECT client, count(*) AS n FROM receipts WHERE client IS NOT NULL GROUP BY client),
      steps AS (SELECT 0 AS purchases, (SELECT count(*) FROM per) AS clients
                UNION ALL SELECT k, (SELECT count(*) FROM per WHERE n >= k)
                FROM (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5))
      SELECT purchases, clients, coalesce(lag(clients) OVER (ORDER BY purchases) - clients, 0) AS dropped,
             'USD' AS currency
      FROM steps)"),
                        "purchases", {"clients", "dropped", "currency"});
    CHECK(ours.size() == 6);
    CHECK(Differences(ours, theirs) == "");
    CHECK(reports.Hq({"abc", "--json"})["currency"] == "USD");
  }
  {
    INFO("the HTML report with no --currency: USD, each month's bar carrying sqlite3's revenue");
    std::string html = reports.Html();
    CHECK(html.find("Sales in USD.") != std::string::npos);
    CHECK(html.find("GBP") == std::string::npos);
    auto months = reports.Theirs("substr(time, 1, 7)");
    CHECK(months.size() == 13);
    for (const auto& [month, figures] : months) {
      CHECK(html.find("<title>" + month + ": " + Money(std::get<2>(figures), "USD") + "</title>") != std::string::npos);
      CHECK(html.find("class=\"tick\">" + month + "</text>") != std::string::npos);  // 13 labels fit upright
    }
    json rfm = reports.Hq({"rfm", "--json"});
    CHECK(html.find("Clients who bought<b>" + Grouped(rfm["clients"].get<uint64_t>()) + "</b>") != std::string::npos);
  }
  {
    INFO("a currency the store has no sales in is an error naming the ones it has");
    for (std::vector<std::string> args : {std::vector<std::string>{"rfm", "--currency", "GBP"},
                                          {"abc", "--currency", "GBP"},
                                          {"effectiveness", "--of", "funnel", "--currency", "GBP"},
                                          {"html", "--currency", "EUR"},
                                          {"credit", "--currency", "GBP"}}) {
      RunResult r = reports.Report(args);
      INFO(args[0]);
      CHECK(r.exit_code == 2);
      CHECK(r.err.find("currency") != std::string::npos);
      CHECK(r.err.find("USD") != std::string::npos);
      CHECK(r.out.empty());
    }
    CHECK(reports.Hq({"rfm", "--json", "--currency", "USD"})["currency"] == "USD");
  }
  {
    INFO("sales by month: in date order, the average ticket rounded, amounts with separators and the currency");
    std::vector<std::string> order;
    for (const json& row : reports.Hq({"sales", "--by", "month", "--json", "--time-zone", "Europe/London"})) {
      order.push_back(row["month"]);
    }
    CHECK(order.size() == 13);
    CHECK(std::is_sorted(order.begin(), order.end()));
    std::string table = reports.Text({"sales", "--by", "month", "--time-zone", "Europe/London"});
    size_t at = 0, rounded_up = 0;
    for (const json& m : reports.Sql(std::string(kCleanLines) + R"(
        SELECT substr(time, 1, 7) AS month, count(DISTINCT receipt) AS sales, sum(quantity * price) AS revenue
        FROM ok GROUP BY month ORDER BY month)")) {
      int64_t revenue = m["revenue"], sales = m["sales"];
      int64_t average = (2 * revenue + sales) / (2 * sales);  // half away from zero, for positive amounts
      if (average != revenue / sales) ++rounded_up;
      size_t line = table.find("\n" + m["month"].get<std::string>() + " ", at);
      REQUIRE(line != std::string::npos);  // each month once, after the one before
      at = line + 1;
      std::string row = table.substr(line + 1, table.find('\n', line + 1) - line - 1);
      CHECK_THAT(row, Catch::Contains(Money(revenue, "USD")));
      CHECK_THAT(row, Catch::Contains(Money(average, "USD")));
    }
    CHECK(rounded_up > 0);  // truncation would have shown a cent less there
  }
}

TEST_CASE("the forecast counts a month complete when the data set ends on its last day",
          "[integration][reports]") {
  testing::TempDir dir;
  std::string csv = DerivedCsv(dir, CRM_RETAIL_SAMPLE_CSV, "to-november.csv",
                               "SELECT * FROM raw WHERE InvoiceDate < '2011-12-01' ORDER BY rowid");
  RetailReports reports(csv, "GBP");
  json ours = reports.Hq({"forecast", "--json", "--time-zone", "Europe/London"});
  CHECK(ours["last_sale_day"] == "2011-11-30");
  CHECK(ours["last_month_complete"] == true);
  REQUIRE(ours["months"].size() == 12);
  CHECK(ours["months"].back() == "2011-11");  // actual, not dropped
  CHECK(ours["ahead"] == json({"2011-12", "2012-01", "2012-02"}));
  std::map<std::string, std::string> forecast, theirs;
  for (const json& p : ours["products"]) {
    forecast[p["sku"]] = fmt(p["forecast_per_month"].get<double>()) + " " + fmt(p["mae"].get<double>());
  }
  // The same definition with November in the history.
  std::string sql = std::string(kCleanLines) + kForecastSql;
  sql.replace(sql.find("max(m) AS e"), std::string("max(m) AS e").size(), "max(m) + 1 AS e");
  double errors = 0, actual = 0;
  for (const json& p : reports.Sql(sql)) {
    theirs[p["sku"]] = fmt(p["forecast"].get<double>()) + " " + fmt(p["mae"].get<double>());
    errors += p["abs_errors"].get<double>();
    actual += p["actual"].get<double>();
  }
  CHECK(forecast.size() > 100);
  CHECK(Differences(forecast, theirs) == "");
  CHECK(fmt(ours["wape"].get<double>()) == fmt(errors / actual));
  std::string table = reports.Text({"forecast", "--time-zone", "Europe/London"});
  CHECK_THAT(table, Catch::Contains("Actual sales 2010-12 to 2011-11 (the last sale on 2011-11-30; its month is complete)"));
  CHECK_THAT(table, Catch::Contains("Forecast for 2011-12 to 2012-02: the mean of the actual 2011-09 to 2011-11"));

  INFO("a data set ending before a month's last day leaves that month out, and says so");
  std::string partial = DerivedCsv(dir, CRM_RETAIL_SAMPLE_CSV, "to-29-november.csv",
                                   "SELECT * FROM raw WHERE InvoiceDate < '2011-11-30' ORDER BY rowid");
  RetailReports shorter(partial, "GBP");
  json cut = shorter.Hq({"forecast", "--json", "--time-zone", "Europe/London"});
  CHECK(cut["last_month_complete"] == false);
  CHECK(cut["months"].back() == "2011-10");
  CHECK(cut["ahead"][0] == "2011-11");
}

TEST_CASE("the HTML report's month labels stay readable over three years of months", "[integration][reports]") {
  testing::TempDir dir;
  std::string csv = (dir.path() / "three-years.csv").string();
  {
    std::ofstream out(csv);
    out << "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
    for (int i = 0; i < 36; ++i) {
      out << 500000 + i << ",MUG,MUG," << 1 + i % 5 << "," << 2009 + i / 12 << "-" << (i % 12 < 9 ? "0" : "")
          << i % 12 + 1 << "-15 12:00:00,1234.5" << i % 10 << ",12345.0,United Kingdom\n";
    }
  }
  RetailReports reports(csv, "EUR");
  std::string html = reports.Html();
  size_t turned = 0, upright = 0;
  for (size_t at = html.find("rotate(-45"); at != std::string::npos; at = html.find("rotate(-45", at + 1)) ++turned;
  for (size_t at = html.find("class=\"tick\">"); at != std::string::npos; at = html.find("class=\"tick\">", at + 1)) {
    ++upright;
  }
  CHECK(turned == 36);  // every month labelled, turned so the labels do not run together
  CHECK(upright == 0);
  CHECK(html.find("<title>2011-12: ") != std::string::npos);
  CHECK(html.find(" EUR</title>") != std::string::npos);
}

}  // namespace
}  // namespace crm
