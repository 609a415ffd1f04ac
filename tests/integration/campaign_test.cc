// Actions that flow back to the offices: crm-hq birthdays and crm-hq
// campaign-list over clients and sales imported with crm-admin, every row
// checked against the same definition computed by sqlite3 from the same CSV
// files. A merge, a delete and an erase are made at a front desk (crm-node
// and pos on the same store), and sqlite3 is told of them in a third file.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/support/differences.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using nlohmann::json;
using testing::Differences;
using testing::RunResult;
namespace chrono = std::chrono;

// Generated clients are numbered from 1000; the four below are made apart:
// a duplicate merged into a survivor, an erased and a deleted client.
constexpr int kClients = 80;
constexpr const char* kDuplicate = "9001";
constexpr const char* kSurvivor = "9002";
constexpr const char* kErased = "9003";
constexpr const char* kDeleted = "9004";

const char* const kChannels[] = {"email", "sms", "phone", "post", "messenger"};
const char* const kConsentColumns[] = {"ConsentEmail", "ConsentSms", "ConsentPhone", "ConsentPost",
                                       "ConsentMessenger"};
// Every way the import reads a consent, and blank (unknown).
const char* const kConsentWords[] = {"yes", "no",   "", "granted", "refused", "1",
                                     "0",   "true", "", "false",   "y",       "n"};

std::string Day(chrono::sys_days day) {
  chrono::year_month_day ymd{day};
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

// Birth dates: the edges of the windows the test asks about, then a spread
// over the year (some in leap years, so some on 29 February), some blank.
std::string BirthDate(int i) {
  static const std::map<int, std::string> edges = {
      {0, "1980-12-28"},  {1, "1975-12-31"},  {2, "1990-01-01"},  {3, "2000-01-10"},
      {4, "1960-01-11"},  {5, "1970-12-27"},  {6, "1992-02-29"},  {7, "2000-02-29"},
      {8, "1985-02-28"},  {9, "1990-03-01"},  {10, "2025-12-30"}, {11, ""},
      {12, "1999-12-29"}, {13, "1996-02-29"}, {14, "1964-02-28"}};
  if (auto it = edges.find(i); it != edges.end()) return it->second;
  if (i % 9 == 8) return "";
  chrono::sys_days jan1{chrono::year{1940 + i % 60} / 1 / 1};
  return Day(jan1 + chrono::days{(i * 47) % 365});
}

std::string ClientsCsv() {
  std::string csv =
      "ClientNumber,FirstName,LastName,Phones,Emails,BirthDate,ConsentEmail,ConsentSms,"
      "ConsentPhone,"
      "ConsentPost,ConsentMessenger,Street,City,PostalCode,HomeOffice\n";
  const char* offices[] = {"", "LON", "MSK"};
  char line[512];
  for (int i = 0; i < kClients; ++i) {
    std::string consents;
    for (int c = 0; c < 5; ++c) consents += std::string(kConsentWords[(i + 5 * c) % 12]) + ",";
    std::snprintf(
        line, sizeof(line), "%d,F%d,%s,%s,%s,%s,%s%s,%s,%s,%s\n", 1000 + i, i,
        i % 10 == 4 ? "" : ("L" + std::to_string(i)).c_str(),
        i % 5 == 2 ? ""
                   : ("+4479111230" + std::string(i < 10 ? "0" : "") + std::to_string(i)).c_str(),
        i % 7 == 3 ? "" : ("F" + std::to_string(i) + ".L@Example.com").c_str(),
        BirthDate(i).c_str(), consents.c_str(),
        i % 4 == 1 ? "" : (std::to_string(i) + " High St").c_str(), i % 6 == 5 ? "" : "London",
        i % 3 == 0 ? "" : "SW1A 1AA", offices[i % 3]);
    csv += line;
  }
  const std::string granted = "granted,granted,granted,granted,granted";
  csv += std::string(kDuplicate) + ",Dup,Licate,+447911124001,dup@example.com,1981-12-30," +
         granted + ",1 Dup St,Leeds,LS1 1AA,LON\n";
  csv += std::string(kSurvivor) + ",Sur,Vivor,+447911124002,sur@example.com,1982-01-02," + granted +
         ",2 Sur St,York,,MSK\n";
  csv += std::string(kErased) + ",Era,Sed,+447911124003,era@example.com,1983-12-29," + granted +
         ",3 Era St,Bath,,LON\n";
  csv += std::string(kDeleted) + ",Del,Eted,+447911124004,del@example.com,1984-01-01," + granted +
         ",4 Del St,Hull,,LON\n";
  return csv;
}

// Receipts of one line each, in 2025, so that the clients spread over the
// RFM segments; one client in eight buys nothing. The survivor buys
// nothing itself: its sales are the duplicate's.
std::string SalesCsv() {
  std::string csv =
      "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
  const chrono::sys_days jan1{chrono::year{2025} / 1 / 1};
  char line[256];
  auto sell = [&](const std::string& client, int n, int receipts, int last_day, int every) {
    for (int k = 0; k < receipts; ++k) {
      int day = std::max(0, last_day - k * every);
      std::snprintf(
          line, sizeof(line), "R%s-%d,SKU%d,Item %d,%d,%s %02d:00,%d.%02d,%s,United Kingdom\n",
          client.c_str(), k, n % 4, n % 4, 1 + (n + k) % 3, Day(jan1 + chrono::days{day}).c_str(),
          8 + k % 12, 1 + n % 9, (n * 13) % 100, client.c_str());
      csv += line;
    }
  };
  for (int i = 0; i < kClients; ++i) {
    if (i % 8 == 7) continue;
    sell(std::to_string(1000 + i), i, 1 + (i * 5) % 6, (i * 37) % 300, 7 + i % 5);
  }
  sell(kDuplicate, 1, 3, 290, 20);
  sell(kErased, 2, 2, 250, 30);
  sell(kDeleted, 3, 4, 200, 10);
  return csv;
}

// What sqlite3 needs to know of the front desk's work: clients merged into
// another (survivor set), deleted or erased (survivor blank).
constexpr const char* kGoneCsv = "card,survivor\n9001,9002\n9003,\n9004,\n";

constexpr const char* kGranted = "lower({}) IN ('granted', 'yes', 'y', '1', 'true')";
constexpr const char* kRefused = "lower({}) IN ('refused', 'no', 'n', '0', 'false')";

std::string Fill(const char* pattern, const std::string& column) {
  std::string out = pattern;
  out.replace(out.find("{}"), 2, column);
  return out;
}

// Birthdays (docs/reports.md): live clients whose birthday (28 February for
// 29 February in a common year) falls in the `days` days from `from`, turning
// at least 1; the greeting goes to where they last bought (a merged
// duplicate's sales count for the survivor; every sale here is WEB's), else
// to their home office (WEB, the import's office, if the file has none).
std::string BirthdaysSql(const std::string& from, int days) {
  std::string consent = "rtrim(";
  for (int c = 0; c < 5; ++c) {
    consent += std::string(c ? " || " : "") + "CASE WHEN " + Fill(kGranted, kConsentColumns[c]) +
               " THEN '" + kChannels[c] + ",' ELSE '' END";
  }
  consent += ", ',')";
  return R"(
WITH live AS (SELECT * FROM clients WHERE ClientNumber NOT IN (SELECT card FROM gone)),
years(y) AS (VALUES (CAST(substr(')" +
         from + R"(', 1, 4) AS INTEGER)), (CAST(substr(')" + from +
         R"(', 1, 4) AS INTEGER) + 1)),
occurs AS (
  SELECT c.*, y - CAST(substr(BirthDate, 1, 4) AS INTEGER) AS age,
         CASE WHEN substr(BirthDate, 6) = '02-29' AND NOT (y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0))
              THEN printf('%04d-02-28', y) ELSE printf('%04d', y) || substr(BirthDate, 5) END AS day
  FROM live c, years WHERE BirthDate <> ''
),
bought AS (
  SELECT DISTINCT coalesce(nullif(g.survivor, ''), s.CustomerID) AS card
  FROM sales s LEFT JOIN gone g ON g.card = s.CustomerID
)
SELECT ClientNumber AS card, day, age, trim(FirstName || ' ' || LastName) AS name,
       coalesce(nullif(HomeOffice, ''), 'WEB') AS home_office,
       CASE WHEN ClientNumber IN (SELECT card FROM bought) THEN 'WEB'
            ELSE coalesce(nullif(HomeOffice, ''), 'WEB') END AS office,
       Phones AS phone, lower(Emails) AS email, )" +
         consent + R"( AS consent
FROM occurs
WHERE day >= ')" +
         from + "' AND day <= date('" + from + "', '+" + std::to_string(days - 1) +
         " days') AND age >= 1";
}

// A campaign list (docs/reports.md): the live members of the segment in
// `members` (card, segment: the RFM report's or the ABC report's, as
// crm-hq printed them) with their outcome for the channel: listed with
// consent granted and a contact, else why not.
std::string CampaignSql(const std::string& members, const std::string& segment, int channel) {
  std::string contact;
  switch (channel) {
    case 0:
      contact = "lower(Emails)";
      break;
    case 3:
      contact =
          "CASE WHEN Street <> '' AND City <> '' THEN Street || ', ' || City || "
          "CASE WHEN PostalCode <> '' THEN ', ' || PostalCode ELSE '' END ELSE '' END";
      break;
    default:
      contact = "Phones";
  }
  std::string consent = kConsentColumns[channel];
  return "WITH live AS (SELECT c.*, m.segment FROM clients c JOIN " + members +
         " m ON m.card = c.ClientNumber WHERE m.segment = '" + segment +
         "' AND c.ClientNumber NOT IN (SELECT card FROM gone)),\n"
         "judged AS (SELECT ClientNumber AS card, trim(FirstName || ' ' || LastName) AS name, "
         "segment, " +
         consent + " AS consent, " + contact + " AS contact FROM live)\n" +
         "SELECT card, name, segment, contact, CASE WHEN " + Fill(kGranted, "consent") +
         " THEN CASE WHEN contact <> '' THEN 'listed' ELSE 'no_contact' END WHEN " +
         Fill(kRefused, "consent") +
         " THEN 'consent_refused' ELSE 'consent_unknown' END AS outcome FROM judged";
}

class CampaignStore {
 public:
  CampaignStore() {
    Write("clients.csv", ClientsCsv());
    Write("sales.csv", SalesCsv());
    Write("gone.csv", kGoneCsv);
    RunResult clients = Run({CRM_ADMIN, "import", "clients", "--data", Hq(), "--file",
                             File("clients.csv"), "--office", "WEB"});
    INFO(clients.out << clients.err);
    REQUIRE(clients.exit_code == 0);
    REQUIRE(clients.out.find(" 0 rejected") != std::string::npos);
    RunResult sales = Run({CRM_ADMIN, "import", "sales", "--data", Hq(), "--file",
                           File("sales.csv"), "--office", "WEB", "--time-zone", "UTC"});
    INFO(sales.out << sales.err);
    REQUIRE(sales.exit_code == 0);
    REQUIRE(sales.out.find(" 0 rejected") != std::string::npos);
    for (const char* table : {"clients", "sales", "gone"}) {
      RunResult loaded = Run(
          {"sqlite3", Db(), ".import --csv " + File(std::string(table) + ".csv") + " " + table});
      INFO(loaded.err);
      REQUIRE(loaded.exit_code == 0);
    }
  }

  // crm-hq ARGS --data ... as JSON.
  json Hq(std::vector<std::string> args) {
    RunResult r = HqRun(std::move(args));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
  RunResult HqRun(std::vector<std::string> args) {
    args.insert(args.begin(), CRM_HQ);
    args.insert(args.end(), {"--data", Hq()});
    return Run(args);
  }

  // Rows of `sql` as JSON objects.
  json Sql(const std::string& sql) {
    RunResult r = Run({"sqlite3", "-json", Db(), sql});
    INFO(sql << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    if (r.out.find('[') == std::string::npos)
      return json::array();  // no rows: sqlite3 prints nothing
    return json::parse(r.out);
  }

  // Replaces sqlite3's table `table` with `csv`.
  void Table(const std::string& table, const std::string& csv) {
    Write(table + ".csv", csv);
    Sql("DROP TABLE IF EXISTS " + table);
    RunResult loaded =
        Run({"sqlite3", Db(), ".import --csv " + File(table + ".csv") + " " + table});
    INFO(loaded.err);
    REQUIRE(loaded.exit_code == 0);
  }

  std::string Digest() {
    RunResult r = Run({CRM_ADMIN, "digest", "--data", Hq()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }

  // Exported clients: card -> Tags.
  std::map<std::string, std::string> Tags() {
    RunResult r =
        Run({CRM_ADMIN, "export", "clients", "--data", Hq(), "--out", File("export.csv")});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Table("exported", Read("export.csv"));
    std::map<std::string, std::string> tags;
    for (const json& row : Sql("SELECT ClientNumber AS card, Tags AS tags FROM exported")) {
      tags[row["card"]] = row["tags"];
    }
    return tags;
  }

  // Runs a front desk (crm-node with pos) on the store, logged in as its
  // administrator, for `work`; stops it afterwards.
  void AtFrontDesk(
      const std::function<void(
          const std::function<std::string(std::vector<std::string>, const std::string&)>&)>& work) {
    std::vector<std::string> office = {
        "--data", Hq(), "--office", "LON", "--time-zone", "Europe/London", "--currency", "GBP"};
    std::vector<std::string> bootstrap = {CRM_NODE, "bootstrap-admin", "--login", "admin"};
    bootstrap.insert(bootstrap.end(), office.begin(), office.end());
    RunResult made = testing::Run(bootstrap, "admin-password\n", {}, dir_.path());
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    std::vector<std::string> serve = {
        CRM_NODE, "serve", "--listen", "tcp://127.0.0.1:*", "--endpoint-file", File("endpoint")};
    serve.insert(serve.end(), office.begin(), office.end());
    auto node = std::make_unique<testing::Child>(serve, dir_.path() / "node.log");
    std::string endpoint = testing::WaitForLine(dir_.path() / "endpoint");
    auto pos = [&](std::vector<std::string> args, const std::string& input) {
      args.insert(args.begin(), CRM_POS);
      RunResult r = testing::Run(args, input,
                                 {"POS_NODE=" + endpoint, "POS_SESSION_FILE=" + File("session"),
                                  "POS_TIMEOUT_MS=3000", "TZ=UTC"},
                                 dir_.path());
      INFO("pos " << args[1] << ": " << r.err);
      REQUIRE(r.exit_code == 0);
      return r.out;
    };
    pos({"login", "admin"}, "admin-password\n");
    work(pos);
    REQUIRE(node->Stop(SIGTERM) == 0);
  }

  std::string File(const std::string& name) const { return (dir_.path() / name).string(); }
  std::string Read(const std::string& name) const {
    std::ifstream in(File(name));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

 private:
  RunResult Run(const std::vector<std::string>& args) {
    return testing::Run(args, "", {}, dir_.path());
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream out(File(name), std::ios::trunc);
    out << text;
  }
  std::string Hq() const { return File("hq-data"); }
  std::string Db() const { return File("check.db"); }

  testing::TempDir dir_;
};

// card -> the fields both sides give of a birthday.
std::map<std::string, std::string> OurBirthdays(const json& report) {
  std::map<std::string, std::string> rows;
  std::string previous;
  for (const json& c : report["clients"]) {
    std::string day = c["day"];
    CHECK(previous <= day);  // by the day it falls on
    previous = day;
    std::string consent;
    for (const json& channel : c["consent_granted"])
      consent += (consent.empty() ? "" : ",") + channel.get<std::string>();
    rows[c["card"]] = day + " " + std::to_string(c["age"].get<int>()) + " " +
                      c["name"].get<std::string>() + " | " + c["home_office"].get<std::string>() +
                      " " + c["office"].get<std::string>() + " " + c["phone"].get<std::string>() +
                      " " + c["email"].get<std::string>() + " " + consent;
  }
  return rows;
}

std::map<std::string, std::string> TheirBirthdays(const json& rows) {
  std::map<std::string, std::string> out;
  for (const json& c : rows) {
    out[c["card"]] = c["day"].get<std::string>() + " " + std::to_string(c["age"].get<int>()) + " " +
                     c["name"].get<std::string>() + " | " + c["home_office"].get<std::string>() +
                     " " + c["office"].get<std::string>() + " " + c["phone"].get<std::string>() +
                     " " + c["email"].get<std::string>() + " " + c["consent"].get<std::string>();
  }
  return out;
}

TEST_CASE("birthdays and consent-aware campaign lists match sqlite3 over the same files",
          "[integration][reports][campaign]") {
  CampaignStore store;

  // The ids of the four clients the front desk works on, before it does.
  std::map<std::string, std::string> ids;
  json before = store.Hq({"birthdays", "--from", "2025-12-28",
                          "--json"});  // kept: a loop over a temporary's member dangles
  for (const json& c : before["clients"]) ids[c["card"]] = c["client"];
  for (const char* card : {kDuplicate, kSurvivor, kErased, kDeleted}) REQUIRE(ids.count(card) == 1);
  store.AtFrontDesk([&](const auto& pos) {
    pos({"merge", ids[kSurvivor], ids[kDuplicate]}, "");
    pos({"client", "erase", ids[kErased], "--yes-erase-for-good"}, "");
    pos({"client", "delete", ids[kDeleted]}, "");
  });

  {
    INFO("birthdays: every row of each window, sqlite3's rows");
    struct Window {
      const char* from;
      int days;
    };
    for (Window w : {Window{"2025-12-28", 14}, Window{"2027-02-20", 14}, Window{"2028-02-25", 7},
                     Window{"2026-03-01", 1}, Window{"2026-06-01", 365}}) {
      INFO("from " << w.from << ", " << w.days << " days");
      json ours =
          store.Hq({"birthdays", "--from", w.from, "--days", std::to_string(w.days), "--json"});
      auto rows = OurBirthdays(ours);
      CHECK(rows.size() >= 1);
      CHECK(Differences(rows, TheirBirthdays(store.Sql(BirthdaysSql(w.from, w.days)))) == "");
    }
    json wrap = store.Hq({"birthdays", "--from", "2025-12-28", "--json"});  // 14 days by default
    CHECK(wrap["to"] == "2026-01-10");
    auto rows = OurBirthdays(wrap);
    CHECK(rows.count("1000") == 1);      // 28 December, the first day
    CHECK(rows.count("1003") == 1);      // 10 January, the last
    CHECK(rows.count("1004") == 0);      // 11 January
    CHECK(rows.count("1005") == 0);      // 27 December
    CHECK(rows.count("1010") == 0);      // born 2025-12-30: turns 0
    CHECK(rows.count(kDuplicate) == 0);  // merged into the survivor
    CHECK(rows.count(kErased) == 0);
    CHECK(rows.count(kDeleted) == 0);
    REQUIRE(rows.count(kSurvivor) == 1);
    // The survivor bought nothing itself; its duplicate bought at WEB.
    CHECK(rows[kSurvivor].find("| MSK WEB ") != std::string::npos);
    auto common =
        OurBirthdays(store.Hq({"birthdays", "--from", "2027-02-27", "--days", "2", "--json"}));
    CHECK(common["1006"].rfind("2027-02-28 35 ", 0) == 0);  // born 29 February 1992
    CHECK(common["1008"].rfind("2027-02-28 42 ", 0) == 0);  // born 28 February
    auto leap =
        OurBirthdays(store.Hq({"birthdays", "--from", "2028-02-29", "--days", "1", "--json"}));
    CHECK(leap.count("1006") == 1);
    CHECK(leap.count("1008") == 0);
  }
  {
    INFO("--make-tasks: one greeting per client, a second run (in another zone too) makes none");
    json first = store.Hq({"birthdays", "--from", "2025-12-28", "--make-tasks", "--json"});
    CHECK(first["tasks_made"] == first["clients"].size());
    CHECK(first["clients"].size() > 3);
    std::string digest = store.Digest();
    json again = store.Hq({"birthdays", "--from", "2025-12-28", "--make-tasks", "--json"});
    CHECK(again["tasks_made"] == 0);
    json zone = store.Hq({"birthdays", "--from", "2025-12-28", "--make-tasks", "--time-zone",
                          "Asia/Tokyo", "--json"});
    CHECK(zone["tasks_made"] == 0);
    CHECK(store.Digest() == digest);
  }

  // The segments and classes as the reports print them, for sqlite3.
  std::string rfm_csv = "card,segment\n", abc_csv = "card,segment\n";
  std::set<std::string> segments;
  for (const json& c : store.Hq({"report", "rfm", "--clients", "--json"})) {
    rfm_csv += c["card"].get<std::string>() + "," + c["segment"].get<std::string>() + "\n";
    segments.insert(c["segment"]);
  }
  json abc = store.Hq({"report", "abc", "--of", "clients", "--json"});
  for (const json& item : abc["items"]) {
    abc_csv += item["label"].get<std::string>() + "," + item["class"].get<std::string>() + "\n";
  }
  store.Table("rfm", rfm_csv);
  store.Table("abc", abc_csv);
  CHECK(segments.size() >= 4);
  // The segment and channel that list the most clients, for --tag.
  std::string tag_segment;
  std::string tag_channel;
  size_t tag_listed = 0;

  {
    INFO(
        "campaign lists: each segment and class on each channel, row by row, and why the rest are "
        "left out");
    std::map<std::string, size_t> reasons;
    auto check = [&](const std::vector<std::string>& audience, const std::string& members,
                     const std::string& segment, int channel) {
      INFO(audience[1] << " " << segment << " by " << kChannels[channel]);
      std::vector<std::string> args = {"campaign-list", "--channel", kChannels[channel], "--json"};
      args.insert(args.end(), audience.begin(), audience.end());
      json ours = store.Hq(args);
      std::map<std::string, std::string> rows, theirs;
      for (const json& c : ours["clients"]) {
        rows[c["card"]] = c["name"].get<std::string>() + " | " + c["contact"].get<std::string>() +
                          " | " + c["segment"].get<std::string>();
      }
      std::map<std::string, size_t> counts;
      size_t members_count = 0;
      for (const json& c : store.Sql(CampaignSql(members, segment, channel))) {
        ++members_count;
        ++counts[c["outcome"]];
        if (c["outcome"] == "listed") {
          theirs[c["card"]] = c["name"].get<std::string>() + " | " +
                              c["contact"].get<std::string>() + " | " +
                              c["segment"].get<std::string>();
        }
      }
      CHECK(Differences(rows, theirs) == "");
      CHECK(ours["listed"] == rows.size());
      CHECK(ours["in_segment"] == members_count);
      for (const char* reason : {"consent_unknown", "consent_refused", "no_contact"}) {
        CHECK(ours["left_out"][reason] == counts[reason]);
        reasons[reason] += counts[reason];
      }
      reasons["listed"] += rows.size();
      if (audience[0] == "--segment" && rows.size() > tag_listed) {
        tag_segment = segment;
        tag_channel = kChannels[channel];
        tag_listed = rows.size();
      }
      CHECK(rows.count(kDuplicate) == 0);
      CHECK(rows.count(kDeleted) == 0);
    };
    for (const std::string& segment : segments) {
      for (int channel = 0; channel < 5; ++channel)
        check({"--segment", segment}, "rfm", segment, channel);
    }
    for (const char* abc_class : {"A", "B", "C"}) {
      for (int channel = 0; channel < 5; ++channel)
        check({"--abc", abc_class}, "abc", abc_class, channel);
    }
    for (const char* reason : {"listed", "consent_unknown", "consent_refused", "no_contact"}) {
      INFO(reason);
      CHECK(reasons[reason] > 0);  // the data holds every case
    }
    // Any case names a segment; the lower-case name is what prints.
    std::string upper = *segments.begin();
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(store.Hq({"campaign-list", "--segment", upper, "--channel", "sms",
                    "--json"})["audience"] == *segments.begin());
    // The survivor is in a segment by its duplicate's sales.
    CHECK(
        store.Sql("SELECT segment FROM rfm WHERE card = '" + std::string(kSurvivor) + "'").size() ==
        1);
  }
  {
    INFO("--tag: the listed clients get campaign:SPRING25 once; a re-run writes nothing");
    json first = store.Hq({"campaign-list", "--segment", tag_segment, "--channel", tag_channel,
                           "--code", "SPRING25", "--tag", "--json"});
    CHECK(first["tag"] == "campaign:SPRING25");
    CHECK(first["tagged"] == first["listed"]);
    REQUIRE(first["listed"].get<size_t>() > 0);
    std::string digest = store.Digest();
    json again = store.Hq({"campaign-list", "--segment", tag_segment, "--channel", tag_channel,
                           "--code", "SPRING25", "--tag", "--json"});
    CHECK(again["tagged"] == 0);
    CHECK(again["already_tagged"] == first["listed"]);
    CHECK(store.Digest() == digest);
    std::set<std::string> listed, tagged;
    for (const json& c : first["clients"]) listed.insert(c["card"]);
    for (const auto& [card, tags] : store.Tags()) {
      if (tags.find("campaign:SPRING25") != std::string::npos) tagged.insert(card);
    }
    CHECK(tagged == listed);
  }
  {
    INFO("--out: the list as CSV in the file, the counts on stdout");
    RunResult r = store.HqRun(
        {"campaign-list", "--abc", "a", "--channel", "email", "--out", store.File("list.csv")});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("left out:") != std::string::npos);
    std::string list = store.Read("list.csv");
    CHECK(list.rfind("client,card,name,contact,segment\n", 0) == 0);
    json ours = store.Hq({"campaign-list", "--abc", "A", "--channel", "email", "--json"});
    CHECK(static_cast<size_t>(std::count(list.begin(), list.end(), '\n')) ==
          ours["clients"].size() + 1);
  }
  {
    INFO("bad arguments: exit 2, and the message names the problem");
    struct Bad {
      std::vector<std::string> args;
      const char* says;
    };
    for (const Bad& bad :
         {Bad{{"campaign-list", "--segment", "sleepers", "--channel", "email"},
              "'sleepers' is not an RFM segment"},
          Bad{{"campaign-list", "--segment", "at risk", "--channel", "fax"},
              "'fax' is not a channel"},
          Bad{{"campaign-list", "--segment", "at risk", "--channel", "sms", "--tag"},
              "--tag needs --code"},
          Bad{{"campaign-list", "--abc", "D", "--channel", "sms"}, "'D' is not an ABC class"},
          Bad{{"campaign-list", "--channel", "sms"}, "--segment NAME or --abc"},
          Bad{{"campaign-list", "--abc", "A", "--channel", "sms", "--code", "a b", "--tag"},
              "campaign code"},
          Bad{{"birthdays", "--from", "2025-13-01"}, "from: 2025-13-01 is not a day"},
          Bad{{"birthdays", "--from", "2026-02-29"}, "from: 2026-02-29 is not a day"},
          Bad{{"birthdays", "--from", "next week"}, "'next week' is not a date"},
          Bad{{"birthdays", "--days", "0"}, "days: 0 days"},
          Bad{{"birthdays", "--time-zone", "Mars/Olympus"}, "Mars/Olympus"}}) {
      RunResult r = store.HqRun(bad.args);
      INFO(bad.args[0] << " " << bad.args[1] << " " << bad.args[2] << ": " << r.err);
      CHECK(r.exit_code == 2);
      CHECK(r.err.find(bad.says) != std::string::npos);
      CHECK(r.out.empty());
    }
  }
  {
    INFO("a mistyped --data: an error naming it, and no new empty store there");
    std::string missing = store.File("no-such-hub");
    for (std::vector<std::string> args :
         {std::vector<std::string>{"report", "sales"}, {"report", "rfm"}, {"report", "credit"},
          {"report", "html"}, {"birthdays"}, {"campaign-list", "--abc", "A", "--channel", "sms"},
          {"reminders"}}) {
      args.insert(args.begin(), CRM_HQ);
      args.insert(args.end(), {"--data", missing});
      RunResult r = testing::Run(args, "", {}, store.File("."));
      INFO(args[1] << ": " << r.err);
      CHECK(r.exit_code == 1);
      CHECK(r.err.find("there is no store in " + missing) != std::string::npos);
      CHECK(r.out.empty());
      CHECK_FALSE(std::filesystem::exists(missing));
    }
  }
}

}  // namespace
}  // namespace crm
