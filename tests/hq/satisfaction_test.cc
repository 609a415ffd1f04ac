// Customer satisfaction from feedback records written directly into a store
// (scores the desk would refuse too), each figure checked against sqlite3
// computing the same definition from a CSV of the same records.
#include "hq/analytics/satisfaction.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hq/reports/html_report.h"
#include "hq/reports/print_satisfaction.h"
#include "node/common/local_time.h"
#include "node/store/runtime.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using nlohmann::json;

constexpr int64_t kStart = 1'735'732'800'000;  // 2025-01-01 12:00 UTC
constexpr int64_t kDay = 86'400'000;

struct Feedback {
  std::string office;
  Id employee;
  int64_t time = 0;
  int score = 0;
  std::string comment;
};

void Write(StoreRuntime& hq, const Feedback& f) {
  REQUIRE(hq.writer
              ->Run([&](StoreTxn& txn) -> Status {
                ChangeMessage change =
                    ChangeMessage::Event(EntityKind::FEEDBACK, Id::Generate(f.time), hq.hlc->Now(), Id{});
                auto record = change.record<schema::Feedback>();
                IdToWire(Id::Generate(f.time), record.initClient());
                record.setOffice(f.office);
                if (!f.employee.IsNull()) IdToWire(f.employee, record.initEmployee());
                record.setTime(f.time);
                record.setScore(static_cast<uint8_t>(f.score));
                record.setComment(f.comment);
                return txn.ApplyLocal(change.change()).status();
              })
              .ok());
}

// What `write` prints, as text.
std::string Printed(const std::function<Status(std::FILE*)>& write) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  REQUIRE(out != nullptr);
  Status status = write(out);
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  INFO(status.ToString());
  REQUIRE(status.ok());
  return text;
}

std::string Fixed(double value) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.6f", value);
  return text;
}

TEST_CASE("satisfaction by office, employee and month matches sqlite3 over the same feedback",
          "[hq][satisfaction]") {
  testing::TempDir dir;
  StoreRuntime hq;
  REQUIRE(hq.Open({dir.path() / "hq"}).ok());
  const std::vector<std::string> offices = {"LON", "MSK", "NYC", ""};
  const std::vector<Id> employees = {Id::Generate(kStart), Id::Generate(kStart + 1), Id::Generate(kStart + 2), Id{}};
  const std::vector<std::string> comments = {"", "quick and friendly", "   ", "the queue was long", "", "ok"};
  std::ofstream csv(dir.path() / "feedback.csv");
  csv << "office,employee,time,score,comment\n";
  uint32_t seed = 20;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff; };
  for (int i = 0; i < 400; ++i) {
    Feedback f;
    f.office = offices[next() % offices.size()];
    f.employee = employees[next() % employees.size()];
    f.time = kStart + static_cast<int64_t>(next() % 430) * kDay + static_cast<int64_t>(next() % 1000) * 60'000;
    // Mostly happy clients, some unhappy, and a few scores the desk would refuse.
    uint32_t roll = next() % 100;
    f.score = roll < 3 ? 0 : roll < 5 ? 9 : roll < 15 ? 1 : roll < 25 ? 2 : roll < 40 ? 3 : roll < 70 ? 4 : 5;
    f.comment = comments[next() % comments.size()];
    Write(hq, f);
    std::string employee = f.employee.IsNull() ? "(none)" : f.employee.ToString();
    csv << (f.office.empty() ? "(none)" : f.office) << ',' << employee << ','
        << FormatLocalTime(f.time, "UTC").substr(0, 19) << ',' << f.score << ",\"" << f.comment << "\"\n";
  }
  csv.close();

  // The report's definition in SQL: scores 1 to 5 only; low is 2 or less.
  auto theirs = [&](const std::string& key) {
    std::string sql =
        "SELECT " + key + " AS k, count(*) AS responses, sum(score) AS score_total, avg(score) AS average, "
        "sum(score <= 2) AS low, 1.0 * sum(score <= 2) / count(*) AS low_share, "
        "sum(trim(comment) <> '') AS comments "
        "FROM (SELECT office, employee, time, CAST(score AS INTEGER) AS score, comment FROM f) "
        "WHERE score BETWEEN 1 AND 5 GROUP BY k";
    testing::RunResult r = testing::Run({"sqlite3", "-json", (dir.path() / "check.db").string(),
                                         ".import --csv " + (dir.path() / "feedback.csv").string() + " f", sql},
                                        "", {}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::map<std::string, std::string> rows;
    for (const json& row : json::parse(r.out)) {
      rows[row["k"].get<std::string>()] = std::to_string(row["responses"].get<int>()) + " " +
                                          std::to_string(row["score_total"].get<int>()) + " " +
                                          Fixed(row["average"].get<double>()) + " " +
                                          std::to_string(row["low"].get<int>()) + " " +
                                          Fixed(row["low_share"].get<double>()) + " " +
                                          std::to_string(row["comments"].get<int>());
    }
    std::filesystem::remove(dir.path() / "check.db");
    return rows;
  };
  auto ours = [&](const std::string& by) {
    SatisfactionFlags flags;
    flags.by = by;
    flags.output = Output::kJson;
    std::map<std::string, std::string> rows;
    std::vector<std::string> order;
    for (const json& row : json::parse(Printed([&](std::FILE* out) { return WriteSatisfaction(*hq.store, flags, out); }))) {
      order.push_back(row[by]);
      rows[row[by].get<std::string>()] =
          std::to_string(row["responses"].get<int>()) + " " + std::to_string(row["score_total"].get<int>()) + " " +
          Fixed(row["average_score"].get<double>()) + " " + std::to_string(row["low_scores"].get<int>()) + " " +
          Fixed(row["low_share"].get<double>()) + " " + std::to_string(row["comments"].get<int>());
    }
    CHECK(std::is_sorted(order.begin(), order.end()));  // months in date order
    return rows;
  };
  CHECK(ours("office") == theirs("office"));
  CHECK(ours("office").size() == 4);
  CHECK(ours("employee") == theirs("employee"));
  CHECK(ours("month") == theirs("substr(time, 1, 7)"));
  CHECK(ours("month").size() >= 14);
  CHECK(ours("total") == theirs("'all'"));

  INFO("the table says what a low score is; a bad --by is named");
  SatisfactionFlags table;
  std::string text = Printed([&](std::FILE* out) { return WriteSatisfaction(*hq.store, table, out); });
  CHECK(text.find("low is 2 or less") != std::string::npos);
  SatisfactionFlags bad;
  bad.by = "weather";
  Status refused = WriteSatisfaction(*hq.store, bad, stdout);
  CHECK(refused.code() == StatusCode::kInvalidArgument);
  CHECK(refused.field() == "by");

  INFO("the HTML report has the satisfaction part, and says the store holds no sales");
  auto page = HtmlReport(*hq.store, HtmlReportOptions{});
  REQUIRE(page.ok());
  CHECK(page->find("<h2>Customer satisfaction</h2>") != std::string::npos);
  CHECK(page->find("The store holds no sales.") != std::string::npos);
  CHECK(page->find("<td>LON</td>") != std::string::npos);
}

}  // namespace
}  // namespace crm
