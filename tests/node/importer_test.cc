// The CSV reader and the sales importer: bad lines are reported with their
// line and reason, good ones go in once, however often the file is imported.
#include "node/exchange/sales_csv.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "node/exchange/csv.h"
#include "node/store/runtime.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

std::vector<std::vector<std::string>> ReadAll(const std::string& text, std::vector<std::string>* errors = nullptr) {
  std::istringstream in(text);
  CsvReader reader(in, 64);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  for (;;) {
    auto more = reader.Next(fields);
    if (!more.ok()) {
      if (errors) errors->push_back(more.status().field() + ": " + more.status().message());
      continue;
    }
    if (!*more) break;
    records.push_back(fields);
  }
  return records;
}

TEST_CASE("CSV: quotes, doubled quotes, line breaks in quotes, CRLF and a byte order mark",
          "[node][import]") {
  auto records = ReadAll("\xEF\xBB\xBF" "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n,,\n");
  REQUIRE(records.size() == 3);
  CHECK(records[0] == std::vector<std::string>{"a", "b", "c"});
  CHECK(records[1] == std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"});
  CHECK(records[2] == std::vector<std::string>{"", "", ""});
}

TEST_CASE("CSV: a field written by CsvField reads back as it was", "[node][import]") {
  std::vector<std::string> fields = {"plain", "a, b", "say \"hi\"", "two\nlines", ""};
  std::string line;
  for (const std::string& f : fields) line += (line.empty() && &f == &fields[0] ? "" : ",") + CsvField(f);
  auto records = ReadAll(line + "\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0] == fields);
  CHECK(CsvField("plain") == "plain");
}

TEST_CASE("CSV: a malformed record is an error naming its line, and reading goes on",
          "[node][import]") {
  std::vector<std::string> errors;
  auto records = ReadAll(
      "ok,1\n"
      "\"open,2\"x\n"                     // text after a closing quote
      "ab\"c,3\n"                         // a quote inside an unquoted field
      + std::string(100, 'z') + ",4\n"    // over the 64-byte limit
      "fine,5\n"
      "\"never closed,6\n",
      &errors);
  REQUIRE(records.size() == 2);
  CHECK(records[1] == std::vector<std::string>{"fine", "5"});
  REQUIRE(errors.size() == 4);
  CHECK(errors[0] == "line 2: text after a closing quote");
  CHECK(errors[1] == "line 3: a quote inside an unquoted field");
  CHECK(errors[2] == "line 4: the record is longer than 64 bytes");
  CHECK(errors[3] == "line 6: a quoted field is not closed before the end of the file");
}

class ImportFixture {
 public:
  ImportFixture() {
    StoreOptions options;
    options.dir = dir_.path();
    options.durable = false;
    REQUIRE(runtime_.Open(options).ok());
  }
  Result<ImportReport> Import(const std::string& csv, ImportOptions options = {}) {
    std::istringstream in(csv);
    return ImportSales(*runtime_.writer, *runtime_.hlc, in, options);
  }
  Store& store() { return *runtime_.store; }

 private:
  testing::TempDir dir_;
  StoreRuntime runtime_;
};

const char* kHeader = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

TEST_CASE("sales import: receipts grouped from scattered lines, bad lines reported with line and reason",
          "[node][import]") {
  ImportFixture f;
  std::string csv = std::string(kHeader) +
                    "536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"  // 2
                    "536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom\n"          // 3
                    "536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom\n"  // 4
                    "C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527.0,United Kingdom\n"              // 5
                    "536367,84879,BIRD ORNAMENT,-2,2010-12-01 08:34:00,1.69,,United Kingdom\n"              // 6
                    "536368,22960,JAM MAKING SET,6,2010-12-01 08:34:00,4.255,,France\n"                     // 7
                    "536369,22913,RED COAT RACK,3,2010-13-01 08:35:00,4.95,13047.0,France\n"                // 8
                    "536370,22728,ALARM CLOCK,24,2010-12-01 08:45:00,3.75,,France\n"                        // 9
                    "536371,22727,ALARM CLOCK RED,24\n";                                                    // 10
  auto report = f.Import(csv);
  REQUIRE(report.ok());
  CHECK(report->lines == 9);
  CHECK(report->lines_imported == 4);
  CHECK(report->sales_written == 3);  // 536365 (two lines), 536366, 536370 (anonymous)
  CHECK(report->clients_written == 1);
  CHECK(report->products_written == 4);
  REQUIRE(report->rejected.size() == 5);
  CHECK(report->rejected[0].line == 5);
  CHECK(report->rejected[0].reason == "cancellation C536379: client 14527 bought no D before it in the file");
  CHECK(report->rejected[1].line == 6);
  CHECK(report->rejected[1].reason == "quantity -2 is not positive (an adjustment, not a sale)");
  CHECK(report->rejected[2].line == 7);
  CHECK(report->rejected[2].reason.find("more than 2 decimals") != std::string::npos);
  CHECK(report->rejected[3].line == 8);
  CHECK(report->rejected[3].reason == "time '2010-13-01 08:35:00' does not exist");
  CHECK(report->rejected[4].line == 10);
  CHECK(report->rejected[4].reason == "it has 4 fields, the header 8");

  auto view = f.store().Read();
  REQUIRE(view.ok());
  auto sale = view->FindByKey(EntityKind::SALE, "536365");
  REQUIRE(sale.ok());
  auto record = view->Get(EntityKind::SALE, *sale);
  REQUIRE(record.ok());
  auto value = record->value<schema::Sale>();
  CHECK(value.getLines().size() == 2);
  CHECK(value.getTotal() == 6 * 255 + 6 * 339);
  CHECK(value.getTime() == 1291191960000);  // 08:26 in London in December is 08:26 UTC
  CHECK(value.getCurrency() == "GBP");
  auto client = view->client_index().FindByCard("17850");
  REQUIRE(client.ok());
  REQUIRE(client->size() == 1);
  CHECK(IdFromWire(value.getClient()) == (*client)[0]);
}

TEST_CASE("sales import: a second run of the same file adds nothing", "[node][import]") {
  ImportFixture f;
  std::string csv = std::string(kHeader) +
                    "536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
                    "536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,13047.0,United Kingdom\n";
  REQUIRE(f.Import(csv)->sales_written == 2);
  uint64_t records = *f.store().CountRecords();
  uint64_t log = *f.store().Read()->LastSeq();
  auto again = f.Import(csv);
  REQUIRE(again.ok());
  CHECK(again->sales_written == 0);
  CHECK(again->sales_present == 2);
  CHECK(again->clients_present == 2);
  CHECK(again->products_present == 2);
  CHECK(*f.store().CountRecords() == records);
  CHECK(*f.store().Read()->LastSeq() == log);  // not even a log entry
}

TEST_CASE("sales import: columns mapped by header name, a missing one named", "[node][import]") {
  ImportFixture f;
  ImportOptions options;
  options.columns = {{"receipt", "Receipt"}, {"sku", "Item"},  {"quantity", "Qty"},
                     {"time", "When"},       {"price", "Price"}, {"client", "Card"}};
  options.time_zone = "Europe/Moscow";
  options.currency = "RUB";
  auto report = f.Import("When,Receipt,Item,Qty,Price,Card\n2026-01-10 12:00,R-1,TEA,2,150.5,777\n",
                         options);
  REQUIRE(report.ok());
  CHECK(report->sales_written == 1);
  auto view = f.store().Read();
  auto sale = view->Get(EntityKind::SALE, *view->FindByKey(EntityKind::SALE, "R-1"));
  REQUIRE(sale.ok());
  CHECK(sale->value<schema::Sale>().getTotal() == 30100);
  CHECK(sale->value<schema::Sale>().getTime() == 1768035600000);  // 12:00 in Moscow is 09:00 UTC

  options.columns.erase("price");  // back to UnitPrice, which this file lacks
  auto missing = f.Import("When,Receipt,Item,Qty,Price,Card\n", options);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("no column 'UnitPrice' for the price") != std::string::npos);
  CHECK_FALSE(f.Import("").ok());  // not even a header
}

// Every refund in the store as "cancellation receipt -> sale receipt: line
// index x units = amount", and the refunds' total.
std::vector<std::string> Refunds(const Store& store) {
  std::vector<std::string> out;
  auto view = store.Read();
  REQUIRE(view.ok());
  REQUIRE(view->ForEachOfKind(EntityKind::REFUND, [&](const Id&, schema::StoredRecord::Reader stored) {
                auto refund = stored.getValue().getAs<schema::Refund>();
                auto sale = view->Get(EntityKind::SALE, IdFromWire(refund.getSale()));
                REQUIRE(sale.ok());
                std::string text = std::string(refund.getReason().cStr()) + " -> " +
                                   sale->value<schema::Sale>().getReceiptNo().cStr() + ":";
                int64_t sum = 0;
                for (auto line : refund.getLines()) {
                  text += " " + std::to_string(line.getLineIndex()) + "x" + std::to_string(line.getQuantity());
                  sum += line.getAmount();
                }
                CHECK(sum == refund.getAmount());
                CHECK(IdFromWire(refund.getClient()) == IdFromWire(sale->value<schema::Sale>().getClient()));
                out.push_back(text + " = " + std::to_string(refund.getAmount()));
                return Status::Ok();
              }).ok());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("sales import: cancellations return units of the client's latest earlier sale of the SKU",
          "[node][import]") {
  ImportFixture f;
  std::string csv = std::string(kHeader) +
      "100,A,Apple,5,2011-01-10 10:00:00,1.00,1.0,UK\n"                 // 2
      "101,A,Apple,3,2011-01-12 10:00:00,1.20,1.0,UK\n"                 // 3
      "101,B,Bread,2,2011-01-12 10:00:00,2.00,1.0,UK\n"                 // 4
      "101,A,Apple,4,2011-01-12 10:00:00,1.10,1.0,UK\n"                 // 5: a second line of A
      "C200,A,Apple,-5,2011-01-13 09:00:00,1.20,1.0,UK\n"               // 6: 3 of line 0, 2 of line 2
      "C200,B,Bread,-1,2011-01-13 09:00:00,2.00,1.0,UK\n"               // 7
      "C201,A,Apple,-9,2011-01-14 09:00:00,1.10,1.0,UK\n"               // 8: the 2 left of 101; 7 beyond
      "C202,A,Apple,-1,2011-01-15 09:00:00,1.10,1.0,UK\n"               // 9: 101 has none left
      "C203,A,Apple,-2,2011-01-11 09:00:00,1.00,1.0,UK\n"               // 10: before 101, so 100
      "C204,A,Apple,-1,2011-01-09 09:00:00,1.00,1.0,UK\n"               // 11: before any sale of A
      "C205,A,Apple,-1,2011-01-13 09:00:00,1.00,,UK\n"                  // 12: anonymous
      "C206,A,Apple,2,2011-01-13 09:00:00,1.00,1.0,UK\n"                // 13: not negative
      "C207,Z,Zinc,-1,2011-01-13 09:00:00,1.00,2.0,UK\n";               // 14: client 2 bought none
  auto report = f.Import(csv);
  REQUIRE(report.ok());
  CHECK(report->sales_written == 2);
  CHECK(report->refunds_written == 3);  // C200 (one refund of two lines), C201, C203
  CHECK(report->lines_imported == 4 + 4);
  CHECK(report->cancelled_units_beyond_sale == 7);
  CHECK(Refunds(f.store()) == std::vector<std::string>{
                                  "cancellation C200 -> 101: 0x3 1x1 2x2 = 780",  // 3*120 + 1*200 + 2*110
                                  "cancellation C201 -> 101: 2x2 = 220",
                                  "cancellation C203 -> 100: 0x2 = 200",
                              });
  REQUIRE(report->rejected.size() == 5);
  CHECK(report->rejected[0].line == 9);
  CHECK(report->rejected[0].reason == "cancellation C202: every A of receipt 101 is returned already");
  CHECK(report->rejected[1].line == 11);
  CHECK(report->rejected[1].reason == "cancellation C204: client 1 bought no A before it in the file");
  CHECK(report->rejected[2].line == 12);
  CHECK(report->rejected[2].reason ==
        "cancellation C205 names no client, so the sale it returns cannot be found");
  CHECK(report->rejected[3].line == 13);
  CHECK(report->rejected[3].reason.find("its quantity is negative") != std::string::npos);
  CHECK(report->rejected[4].line == 14);

  SECTION("a second run writes nothing") {
    uint64_t log = *f.store().Read()->LastSeq();
    auto again = f.Import(csv);
    REQUIRE(again.ok());
    CHECK(again->refunds_written == 0);
    CHECK(again->refunds_present == 3);
    CHECK(*f.store().Read()->LastSeq() == log);
  }
  SECTION("the export carries the refunds, and its import makes the same ones") {
    std::ostringstream exported;
    REQUIRE(ExportSales(f.store(), exported, "Europe/London").ok());
    ImportFixture copy;
    ImportOptions options;
    options.columns = {{"channel", "Channel"}, {"campaign", "Campaign"}};
    auto copied = copy.Import(exported.str(), options);
    REQUIRE(copied.ok());
    CHECK(copied->rejected.empty());
    CHECK(copied->refunds_written == 3);
    CHECK(Refunds(copy.store()) == Refunds(f.store()));
  }
}

}  // namespace
}  // namespace crm
