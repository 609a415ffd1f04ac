// The managers' sales reports on the real data set (Online Retail, imported
// with crm-admin import sales), each figure checked against the same
// definition computed independently by sqlite3 from the raw CSV.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using nlohmann::json;
using testing::RunResult;

// The import's cleaning rules (docs/import.md) in SQL: cancellations, lines
// that are not positive sales and prices that are not whole minor units are
// left out; a price becomes minor units.
constexpr const char* kCleanLines = R"(
WITH ok AS (
  SELECT InvoiceNo AS receipt, StockCode AS sku, CAST(Quantity AS INTEGER) AS quantity,
         CAST(round(CAST(UnitPrice AS REAL) * 100) AS INTEGER) AS price,
         InvoiceDate AS time, NULLIF(CustomerID, '') AS client
  FROM raw
  WHERE InvoiceNo NOT LIKE 'C%'
    AND CAST(Quantity AS INTEGER) > 0 AND CAST(Quantity AS INTEGER) <= 1000000
    AND UnitPrice NOT LIKE '-%'
    AND (instr(UnitPrice, '.') = 0 OR length(UnitPrice) - instr(UnitPrice, '.') <= 2)
))";

// sales, units, revenue in minor units, distinct clients.
using Figures = std::tuple<uint64_t, uint64_t, int64_t, uint64_t>;

class RetailReports {
 public:
  RetailReports() {
    RunResult imported = Run({CRM_ADMIN, "import", "sales", "--data", Hq(), "--file", CRM_RETAIL_CSV,
                              "--office", "WEB", "--time-zone", "Europe/London"});
    INFO(imported.err);
    REQUIRE(imported.exit_code == 0);
    RunResult loaded = Run({"sqlite3", Db(), ".import --csv " + std::string(CRM_RETAIL_CSV) + " raw"});
    INFO(loaded.err);
    REQUIRE(loaded.exit_code == 0);
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
      CHECK(row["currency"] == "GBP");
      rows[row[by].get<std::string>()] = {row["sales"], row["units"], row["revenue_minor"], row["clients"]};
    }
    return rows;
  }

  // The same figures by sqlite3: `key` is the SQL of the group, `where` a
  // further condition on the clean lines.
  std::map<std::string, Figures> Theirs(const std::string& key, const std::string& where = "1") {
    std::string sql = std::string(kCleanLines) + "SELECT " + key +
                      " AS k, count(DISTINCT receipt) AS sales, sum(quantity) AS units, "
                      "sum(quantity * price) AS revenue, count(DISTINCT client) AS clients "
                      "FROM ok WHERE " + where + " GROUP BY k";
    RunResult r = Run({"sqlite3", "-json", Db(), sql});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::map<std::string, Figures> rows;
    if (r.out.find('[') == std::string::npos) return rows;  // no rows: sqlite3 prints nothing
    for (const json& row : json::parse(r.out)) {
      rows[row["k"].get<std::string>()] = {row["sales"], row["units"], row["revenue"], row["clients"]};
    }
    return rows;
  }

 private:
  RunResult Run(const std::vector<std::string>& args) { return testing::Run(args, "", {}, dir_.path()); }
  std::string Hq() const { return (dir_.path() / "hq-data").string(); }
  std::string Db() const { return (dir_.path() / "check.db").string(); }

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
    CHECK(reports.Ours("channel") == reports.Theirs("'web'"));
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
}

}  // namespace
}  // namespace crm
