// The clients import and export: every column read, bad lines reported with
// their line, column and value, a re-run writing nothing, a changed file
// writing only what changed, the same client as the sales import's, and an
// export that imports back into the same clients.
#include "node/exchange/client_csv.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "node/exchange/sales_csv.h"
#include "node/store/runtime.h"
#include "schema/records.capnp.h"
#include "sync/base/entities.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

class ClientStore {
 public:
  ClientStore() {
    StoreOptions options;
    options.dir = dir_.path();
    options.durable = false;
    REQUIRE(runtime_.Open(options).ok());
  }
  Result<ClientImportReport> Import(const std::string& csv, ClientImportOptions options = {}) {
    std::istringstream in(csv);
    return ImportClients(*runtime_.writer, *runtime_.hlc, in, options);
  }
  Result<ImportReport> ImportSalesCsv(const std::string& csv) {
    std::istringstream in(csv);
    return ImportSales(*runtime_.writer, *runtime_.hlc, in, ImportOptions{});
  }
  std::string Export() {
    std::ostringstream out;
    auto written = ExportClients(*runtime_.store, out);
    REQUIRE(written.ok());
    return out.str();
  }
  // Applies a change as an office's edit made here would be.
  void Apply(ChangeMessage& change) {
    REQUIRE(runtime_.writer
                ->Run([&](StoreTxn& txn) { return txn.ApplyLocal(change.change()).status(); })
                .ok());
  }
  ChangeMessage Patch(const Id& id) {
    return ChangeMessage::Patch(EntityKind::CLIENT, id, runtime_.hlc->Now(), Id::Generate(1));
  }
  Stamp Now() { return runtime_.hlc->Now(); }

  uint64_t LastSeq() { return *runtime_.store->Read()->LastSeq(); }
  // The client holding `card`; fails the test unless exactly one does.
  Id ByCard(const std::string& card) {
    auto view = runtime_.store->Read();
    REQUIRE(view.ok());
    auto ids = view->client_index().FindByCard(card);
    REQUIRE(ids.ok());
    REQUIRE(ids->size() == 1);
    return (*ids)[0];
  }
  size_t HoldersOf(const std::string& card) {
    auto ids = runtime_.store->Read()->client_index().FindByCard(card);
    REQUIRE(ids.ok());
    return ids->size();
  }
  // The client as stored now. The record is kept for the fixture's life, so
  // a reader taken from it (Get(id).value<schema::Client>()) stays valid.
  const Record& Get(const Id& id) {
    auto view = runtime_.store->Read();
    REQUIRE(view.ok());
    auto record = view->Get(EntityKind::CLIENT, id);
    REQUIRE(record.ok());
    return kept_.emplace_back(std::move(record).value());
  }
  Store& store() { return *runtime_.store; }

 private:
  testing::TempDir dir_;
  StoreRuntime runtime_;
  std::deque<Record> kept_;  // what Get returned
};

std::string S(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

std::set<std::string> Set(capnp::List<capnp::Text>::Reader list) {
  std::set<std::string> out;
  for (auto item : list) out.insert(S(item));
  return out;
}

std::string Attribute(schema::Client::Reader client, const std::string& key) {
  for (auto attribute : client.getAttributes()) {
    if (S(attribute.getKey()) == key) return S(attribute.getValue());
  }
  return "(none)";
}

const char* kHeader =
    "ClientNumber,Kind,FirstName,LastName,MiddleName,CompanyName,Phones,Emails,BirthDate,Gender,"
    "Country,Region,City,Street,PostalCode,ConsentEmail,ConsentSms,ConsentPhone,ConsentPost,"
    "ConsentMessenger,AcquisitionChannel,Tags,HomeOffice\n";

TEST_CASE("client import: every column read with phones in E.164 and emails lower-cased",
          "[node][import][clients]") {
  ClientStore store;
  auto report = store.Import(
      std::string(kHeader) +
      "17850.0,,Ann,Lee,May,,020 7946 0958; +44 7911 123456,Ann.Lee@Example.COM,1980-04-23,Female,"
      "United Kingdom,Greater London,London,\"1 High St, Flat 2\",N1 9GU,yes,n,1,false,granted,"
      "referral,vip; gold;vip,SHOP1\n"
      "ACME-1,,,,,Acme Ltd,,office@acme.example,,,GB,,,,,,,,,,,,\n");
  REQUIRE(report.ok());
  CHECK(report->lines == 2);
  CHECK(report->rejected.empty());
  CHECK(report->clients_written == 2);
  CHECK(report->unread_columns.empty());

  Id ann_id = store.ByCard("17850");  // the spreadsheet's ".0" dropped, as the sales import does
  CHECK(ann_id == ImportedClientId("WEB", "17850"));
  const Record& ann = store.Get(ann_id);
  auto c = ann.value<schema::Client>();
  CHECK(c.getKind() == schema::ClientKind::PERSON);
  CHECK(S(c.getFirstName()) == "Ann");
  CHECK(S(c.getLastName()) == "Lee");
  CHECK(S(c.getMiddleName()) == "May");
  CHECK(Set(c.getPhones()) == std::set<std::string>{"+442079460958", "+447911123456"});
  CHECK(Set(c.getEmails()) == std::set<std::string>{"ann.lee@example.com"});
  CHECK(c.getBirthDate().getYear() == 1980);
  CHECK(c.getBirthDate().getMonth() == 4);
  CHECK(c.getBirthDate().getDay() == 23);
  CHECK(c.getGender() == schema::Gender::FEMALE);
  CHECK(Attribute(c, "country") == "United Kingdom");  // where the sales import keeps it
  CHECK(S(c.getAddress().getRegion()) == "Greater London");
  CHECK(S(c.getAddress().getCity()) == "London");
  CHECK(S(c.getAddress().getStreet()) == "1 High St, Flat 2");
  CHECK(S(c.getAddress().getPostalCode()) == "N1 9GU");
  CHECK(c.getConsentEmail() == schema::Consent::GRANTED);
  CHECK(c.getConsentSms() == schema::Consent::REFUSED);
  CHECK(c.getConsentPhone() == schema::Consent::GRANTED);
  CHECK(c.getConsentPost() == schema::Consent::REFUSED);
  CHECK(c.getConsentMessenger() == schema::Consent::GRANTED);
  CHECK(S(c.getAcquisitionChannel()) == "referral");
  CHECK(Set(c.getTags()) == std::set<std::string>{"vip", "gold"});
  CHECK(S(c.getHomeOffice()) == "SHOP1");
  CHECK(S(c.getLoyaltyCard()) == "17850");
  CHECK(c.getCreatedAt() > 0);

  auto acme = store.Get(store.ByCard("ACME-1")).value<schema::Client>();
  CHECK(acme.getKind() == schema::ClientKind::COMPANY);  // a company name and no person's name
  CHECK(S(acme.getCompanyName()) == "Acme Ltd");
  CHECK(acme.getConsentEmail() == schema::Consent::UNKNOWN);  // blank
  CHECK(acme.getGender() == schema::Gender::UNSPECIFIED);
  CHECK(S(acme.getAcquisitionChannel()).empty());
  CHECK(S(acme.getHomeOffice()) == "WEB");  // the import's office
}

TEST_CASE("client import: phones written in Persian or Arabic-Indic digits are stored in E.164",
          "[node][import][clients]") {
  ClientStore store;
  auto report = store.Import(
      "ClientNumber,FirstName,LastName,Phones\n"
      "P-1,Sara,Karimi,۰۲۰ ۷۹۴۶ ۰۹۵۸; +٤٤ ٧٩١١ ١٢٣٤٥٦\n");
  REQUIRE(report.ok());
  CHECK(report->rejected.empty());
  auto sara = store.Get(store.ByCard("P-1")).value<schema::Client>();
  CHECK(Set(sara.getPhones()) == std::set<std::string>{"+442079460958", "+447911123456"});
}

TEST_CASE(
    "client import: columns mapped by header name and unknown fields or missing columns named",
    "[node][import][clients]") {
  ClientStore store;
  ClientImportOptions options;
  options.columns = {
      {"number", "Card"}, {"firstName", "Given"}, {"phones", "Tel"}, {"lastName", ""}};
  options.region = "ru";
  options.office = "MSK";
  auto report = store.Import(
      "Tel,Card,Given,LastName,Notes\n8 912 345-67-89,777,Ivan,Petrov,likes tea\n", options);
  REQUIRE(report.ok());
  CHECK(report->clients_written == 1);
  CHECK(report->unread_columns == std::vector<std::string>{"LastName", "Notes"});
  Id id = store.ByCard("777");
  CHECK(id == ImportedClientId("MSK", "777"));
  auto client = store.Get(id).value<schema::Client>();
  CHECK(S(client.getFirstName()) == "Ivan");
  CHECK(S(client.getLastName()).empty());  // mapped to "": not read
  CHECK(Set(client.getPhones()) == std::set<std::string>{"+79123456789"});  // read in region RU

  ClientImportOptions unknown;
  unknown.columns = {{"shoeSize", "Shoe"}};
  auto bad_field = store.Import("ClientNumber\n1\n", unknown);
  REQUIRE_FALSE(bad_field.ok());
  CHECK(bad_field.status().message().find("unknown field 'shoeSize'") != std::string::npos);

  ClientImportOptions absent;
  absent.columns = {{"emails", "Mail"}};
  auto missing_mapped = store.Import("ClientNumber,Email\n1,a@b.example\n", absent);
  REQUIRE_FALSE(missing_mapped.ok());
  CHECK(missing_mapped.status().message() ==
        "the header has no column 'Mail' for the emails (map it with --map emails=COLUMN)");

  auto no_number = store.Import("FirstName\nAnn\n");
  REQUIRE_FALSE(no_number.ok());
  CHECK(no_number.status().message().find("no column 'ClientNumber' for the number") !=
        std::string::npos);

  ClientImportOptions bad_region;
  bad_region.region = "XX";
  CHECK_FALSE(store.Import("ClientNumber\n1\n", bad_region).ok());
  CHECK_FALSE(store.Import("").ok());  // not even a header
}

TEST_CASE("client import: bad lines rejected naming line and column and value and none written",
          "[node][import][clients]") {
  ClientStore store;
  std::string csv =
      "ClientNumber,FirstName,Phones,Emails,BirthDate,Gender,ConsentSms,Kind\n"  // 1
      "100,Good,020 7946 0958,good@example.com,1990-01-31,male,yes,\n"           // 2
      "101,BadPhone,020 7946 0958;12345,,,,,\n"                                  // 3
      "102,BadEmail,,one@example.com;not-an-email,,,,\n"                         // 4
      "103,BadDate,,,1990-02-30,,,\n"                                            // 5
      "104,BadDateShape,,,30/01/1990,,,\n"                                       // 6
      "105,Future,,,2999-01-01,,,\n"                                             // 7
      "106,BadConsent,,,,,maybe,\n"                                              // 8
      "107,BadGender,,,,robot,,\n"                                               // 9
      "108,BadKind,,,,,,alien\n"                                                 // 10
      "100,Again,,,,,,\n"                    // 11: number of line 2
      ",NoNumber,,,,,,\n"                    // 12
      "109,Short\n"                          // 13
      "\n"                                   // 14: blank, skipped
      "110,AlsoGood,,,,,refused,company\n";  // 15
  auto report = store.Import(csv);
  REQUIRE(report.ok());
  CHECK(report->lines == 13);
  CHECK(report->clients_written == 2);
  std::vector<std::pair<size_t, std::string>> rejected;
  for (const ImportRejection& r : report->rejected) rejected.emplace_back(r.line, r.reason);
  std::vector<std::pair<size_t, std::string>> expected = {
      {3,
       "Phones '020 7946 0958;12345': '12345' is not a valid phone number (read with region GB)"},
      {4, "Emails 'one@example.com;not-an-email': 'not-an-email' needs exactly one '@'"},
      {5, "BirthDate '1990-02-30': day must be 1 to 28"},
      {6, "BirthDate '30/01/1990': is not a date like 1980-04-23"},
      {7, "BirthDate '2999-01-01': must lie between 1900 and today"},
      {8, "ConsentSms 'maybe': is not granted or refused (or yes/no, y/n, 1/0, true/false)"},
      {9, "Gender 'robot': is not female, male or other"},
      {10, "Kind 'alien': is not person or company"},
      {11, "ClientNumber 100 is on line 2 already"},
      {12, "ClientNumber is empty"},
      {13, "it has 2 fields, the header 8"},
  };
  CHECK(rejected == expected);
  for (const char* card : {"101", "102", "103", "104", "105", "106", "107", "108", "109"}) {
    INFO(card);
    CHECK(store.HoldersOf(card) == 0);  // nothing of a rejected line, not even the client
  }
  auto good = store.Get(store.ByCard("100")).value<schema::Client>();
  CHECK(S(good.getFirstName()) == "Good");  // the later line with its number did not win
  CHECK(store.Get(store.ByCard("110")).value<schema::Client>().getKind() ==
        schema::ClientKind::COMPANY);
}

TEST_CASE("client import: a re-run of the same file writes nothing and not even a log entry",
          "[node][import][clients]") {
  ClientStore store;
  std::string csv =
      std::string(kHeader) +
      "1,,Ann,Lee,,,020 7946 0958,ann@example.com,1980-04-23,female,GB,,London,,,yes,,,,,,vip,\n"
      "2,,Bob,Ray,,,,,,,,,,,,,,,,,,,\n";
  REQUIRE(store.Import(csv)->clients_written == 2);
  uint64_t seq = store.LastSeq();
  uint64_t records = *store.store().CountRecords();
  auto again = store.Import(csv);
  REQUIRE(again.ok());
  CHECK(again->clients_written == 0);
  CHECK(again->clients_updated == 0);
  CHECK(again->clients_unchanged == 2);
  CHECK(store.LastSeq() == seq);
  CHECK(*store.store().CountRecords() == records);
}

TEST_CASE("client import: a changed file patches only the fields that differ",
          "[node][import][clients]") {
  ClientStore store;
  const std::string header =
      "ClientNumber,FirstName,LastName,Phones,City,Street,ConsentEmail,Tags\n";
  REQUIRE(store.Import(header + "1,Ann,Lee,020 7946 0958,London,1 High St,yes,vip\n")
              ->clients_written == 1);
  const Id id = store.ByCard("1");

  // An office renames her while the file is being changed elsewhere: its
  // change, stamped before the import's, arrives (is applied) after it.
  ChangeMessage office_edit = store.Patch(id);
  office_edit.record<schema::Client>().setLastName("Lee-Smith");
  REQUIRE(office_edit.Set("lastName").ok());

  uint64_t before = store.LastSeq();
  auto report = store.Import(header + "1,Anne,Lee,020 7946 0958,Leeds,1 High St,yes,vip\n");
  REQUIRE(report.ok());
  CHECK(report->clients_updated == 1);
  REQUIRE(store.LastSeq() == before + 1);  // one change
  {
    auto view = store.store().Read();
    auto log = view->ReadLog(before + 1, 10);
    REQUIRE(log.ok());
    REQUIRE(log->size() == 1);
    auto patch = (*log)[0].change().getPatch();
    std::set<uint16_t> fields(patch.getFields().begin(), patch.getFields().end());
    CHECK(fields == std::set<uint16_t>{1 /* firstName */, 8 /* address */});
    CHECK(patch.getElements().size() == 0);
  }
  store.Apply(office_edit);

  auto client = store.Get(id).value<schema::Client>();
  CHECK(S(client.getFirstName()) == "Anne");  // the file's change
  CHECK(S(client.getLastName()) ==
        "Lee-Smith");  // the office's, not overwritten by the file's "Lee"
  CHECK(S(client.getAddress().getCity()) == "Leeds");
  CHECK(S(client.getAddress().getStreet()) == "1 High St");  // the address's other parts kept

  // Blank cells keep what is stored; a phone removed at the front desk is not added back.
  ChangeMessage remove_phone = store.Patch(id);
  REQUIRE(remove_phone.RemoveElement("phones", "+442079460958").ok());
  store.Apply(remove_phone);
  before = store.LastSeq();
  auto blank = store.Import(header + "1,,,020 7946 0958,,,,vip;new\n");
  REQUIRE(blank.ok());
  CHECK(blank->clients_updated == 1);
  CHECK(store.LastSeq() == before + 1);
  client = store.Get(id).value<schema::Client>();
  CHECK(S(client.getFirstName()) == "Anne");
  CHECK(client.getConsentEmail() == schema::Consent::GRANTED);
  CHECK(client.getPhones().size() == 0);
  CHECK(Set(client.getTags()) == std::set<std::string>{"vip", "new"});
}

TEST_CASE("client import: deleted or erased or merged clients are left as they are",
          "[node][import][clients]") {
  ClientStore store;
  const std::string csv = "ClientNumber,FirstName\n1,Ann\n2,Bob\n3,Cy\n";
  REQUIRE(store.Import(csv)->clients_written == 3);
  Id ann = store.ByCard("1"), bob = store.ByCard("2"), cy = store.ByCard("3");
  ChangeMessage deleted = ChangeMessage::Tombstone(EntityKind::CLIENT, ann, store.Now(), Id{});
  store.Apply(deleted);
  ChangeMessage erased = ChangeMessage::Erase(EntityKind::CLIENT, bob, store.Now(), Id{});
  store.Apply(erased);
  ChangeMessage merged = store.Patch(cy);
  IdToWire(ImportedClientId("WEB", "4"), merged.record<schema::Client>().initMergedInto());
  REQUIRE(merged.Set("mergedInto").ok());
  store.Apply(merged);

  uint64_t seq = store.LastSeq();
  auto report = store.Import("ClientNumber,FirstName\n1,Anna\n2,Robert\n3,Cyril\n");
  REQUIRE(report.ok());
  CHECK(report->clients_removed == 2);
  CHECK(report->clients_merged == 1);
  CHECK(report->clients_updated == 0);
  CHECK(store.LastSeq() == seq);
  CHECK(store.HoldersOf("1") == 0);  // not brought back
  CHECK(store.HoldersOf("2") == 0);
}

const char* kSalesHeader =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
const std::string kSales =
    std::string(kSalesHeader) +
    "536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n";
const std::string kClients = "ClientNumber,FirstName,Emails\n17850,Ann,ann@example.com\n";

// The sale's client, resolved, and the one client holding card 17850.
void CheckOneClient(ClientStore& store) {
  Id client = store.ByCard("17850");
  CHECK(client == ImportedClientId("WEB", "17850"));
  auto view = store.store().Read();
  auto sale = view->Get(EntityKind::SALE, *view->FindByKey(EntityKind::SALE, "536365"));
  REQUIRE(sale.ok());
  CHECK(IdFromWire(sale->value<schema::Sale>().getClient()) == client);
  auto record = store.Get(client).value<schema::Client>();
  CHECK(S(record.getFirstName()) == "Ann");
  CHECK(Set(record.getEmails()) == std::set<std::string>{"ann@example.com"});
}

TEST_CASE("client import: the same client as the sales import of the same number in either order",
          "[node][import][clients]") {
  SECTION("clients first") {
    ClientStore store;
    REQUIRE(store.Import(kClients)->clients_written == 1);
    auto sales = store.ImportSalesCsv(kSales);
    REQUIRE(sales.ok());
    CHECK(sales->clients_present == 1);
    CHECK(sales->clients_written == 0);
    CheckOneClient(store);
  }
  SECTION("sales first") {
    ClientStore store;
    REQUIRE(store.ImportSalesCsv(kSales)->clients_written == 1);
    auto clients = store.Import(kClients);
    REQUIRE(clients.ok());
    CHECK(clients->clients_updated == 1);
    CHECK(clients->clients_written == 0);
    CheckOneClient(store);
    auto client = store.Get(store.ByCard("17850")).value<schema::Client>();
    CHECK(Attribute(client, "country") == "United Kingdom");  // what the sales import set stays
    CHECK(S(client.getAcquisitionChannel()) == "import");
  }
}

TEST_CASE(
    "client export: importing the export into a new store gives the same clients field by field",
    "[node][import][clients]") {
  ClientStore first;
  auto imported =
      first.Import(std::string(kHeader) +
                   "17850,,Ann,Lee,May,,020 7946 0958;+44 7911 "
                   "123456,ann@example.com;a.lee@example.org,1980-04-23,"
                   "female,United Kingdom,Greater London,London,\"1 High St, Flat 2\",N1 "
                   "9GU,yes,no,,,granted,referral,"
                   "vip;gold,SHOP1\n"
                   "ACME-1,company,Joe,,,\"Acme \"\"Tools\"\" "
                   "Ltd\",,office@acme.example,,,GB,,,,,,refused,,,,,,\n"
                   "77,,Алёна,Смирнова,,,+7 912 345 67 "
                   "89,,2001-12-31,other,RU,,Москва,,,,,granted,refused,,web,\"a,b\",MSK\n"
                   "78,,Del,Eted,,,,,,,,,,,,,,,,,,,\n"
                   "79,,Mer,Ged,,,,,,,,,,,,,,,,,,,\n");
  REQUIRE(imported.ok());
  REQUIRE(imported->rejected.empty());
  REQUIRE(imported->clients_written == 5);
  // A client with no card (made at the front desk) is exported under its id.
  const Id desk_id = Id::Generate(1'700'000'000'000);
  ChangeMessage desk = first.Patch(desk_id);
  desk.record<schema::Client>().setFirstName("Desk");
  desk.record<schema::Client>().setHomeOffice("WEB");
  desk.record<schema::Client>().setCreatedAt(1'700'000'000'000);  // as the front desk sets it
  REQUIRE(desk.Set("createdAt").ok());
  REQUIRE(desk.Set("firstName").ok());
  REQUIRE(desk.Set("homeOffice").ok());
  first.Apply(desk);
  ChangeMessage deleted =
      ChangeMessage::Tombstone(EntityKind::CLIENT, first.ByCard("78"), first.Now(), Id{});
  first.Apply(deleted);
  ChangeMessage merged = first.Patch(first.ByCard("79"));
  IdToWire(first.ByCard("17850"), merged.record<schema::Client>().initMergedInto());
  REQUIRE(merged.Set("mergedInto").ok());
  first.Apply(merged);

  std::string exported = first.Export();
  CHECK(std::count(exported.begin(), exported.end(), '\n') == 5);  // header, 4 live clients
  ClientStore second;
  auto again = second.Import(exported);
  REQUIRE(again.ok());
  CHECK(again->rejected.empty());
  CHECK(again->unread_columns.empty());
  CHECK(again->clients_written == 4);
  CHECK(second.HoldersOf("78") == 0);
  CHECK(second.HoldersOf("79") == 0);

  for (const char* card : {"17850", "ACME-1", "77"}) {
    INFO(card);
    auto a = first.Get(first.ByCard(card)).value<schema::Client>();
    Id second_id = second.ByCard(card);
    CHECK(second_id == first.ByCard(card));  // the same derived id
    auto b = second.Get(second_id).value<schema::Client>();
    CHECK(a.getKind() == b.getKind());
    CHECK(S(a.getFirstName()) == S(b.getFirstName()));
    CHECK(S(a.getLastName()) == S(b.getLastName()));
    CHECK(S(a.getMiddleName()) == S(b.getMiddleName()));
    CHECK(S(a.getCompanyName()) == S(b.getCompanyName()));
    CHECK(Set(a.getPhones()) == Set(b.getPhones()));
    CHECK(Set(a.getEmails()) == Set(b.getEmails()));
    CHECK(Set(a.getTags()) == Set(b.getTags()));
    CHECK(a.hasBirthDate() == b.hasBirthDate());
    CHECK(a.getBirthDate().getYear() == b.getBirthDate().getYear());
    CHECK(a.getBirthDate().getMonth() == b.getBirthDate().getMonth());
    CHECK(a.getBirthDate().getDay() == b.getBirthDate().getDay());
    CHECK(a.getGender() == b.getGender());
    CHECK(Attribute(a, "country") == Attribute(b, "country"));
    CHECK(S(a.getAddress().getRegion()) == S(b.getAddress().getRegion()));
    CHECK(S(a.getAddress().getCity()) == S(b.getAddress().getCity()));
    CHECK(S(a.getAddress().getStreet()) == S(b.getAddress().getStreet()));
    CHECK(S(a.getAddress().getPostalCode()) == S(b.getAddress().getPostalCode()));
    CHECK(a.getConsentEmail() == b.getConsentEmail());
    CHECK(a.getConsentSms() == b.getConsentSms());
    CHECK(a.getConsentPhone() == b.getConsentPhone());
    CHECK(a.getConsentPost() == b.getConsentPost());
    CHECK(a.getConsentMessenger() == b.getConsentMessenger());
    CHECK(S(a.getLoyaltyCard()) == S(b.getLoyaltyCard()));
    CHECK(S(a.getAcquisitionChannel()) == S(b.getAcquisitionChannel()));
    CHECK(S(a.getHomeOffice()) == S(b.getHomeOffice()));
  }
  auto joe = second.Get(second.ByCard("ACME-1")).value<schema::Client>();
  CHECK(joe.getKind() == schema::ClientKind::COMPANY);
  CHECK(S(joe.getCompanyName()) == "Acme \"Tools\" Ltd");
  // The card-less client comes back under its own id (the Id column), still without a card.
  CHECK(S(second.Get(desk_id).value<schema::Client>().getFirstName()) == "Desk");
  CHECK(second.HoldersOf(desk_id.ToString()) == 0);
  // And exports the same rows again.
  auto rows = [](const std::string& csv) {
    std::multiset<std::string> lines;
    std::istringstream in(csv);
    for (std::string line; std::getline(in, line);) lines.insert(line);
    return lines;
  };
  CHECK(rows(second.Export()) == rows(exported));
}

TEST_CASE("client import: progress reported on a long file", "[node][import][clients]") {
  ClientStore store;
  std::string csv = "ClientNumber,FirstName\n";
  for (int i = 0; i < 2500; ++i) csv += std::to_string(i) + ",Client " + std::to_string(i) + "\n";
  ClientImportOptions options;
  options.clients_per_transaction = 300;
  options.progress_every = 1000;
  std::vector<std::pair<size_t, size_t>> calls;
  options.progress = [&](size_t lines, size_t done) { calls.emplace_back(lines, done); };
  auto report = store.Import(csv, options);
  REQUIRE(report.ok());
  CHECK(report->clients_written == 2500);
  std::vector<std::pair<size_t, size_t>> expected = {{1200, 1200}, {2100, 2100}, {2500, 2500}};
  CHECK(calls == expected);
}

TEST_CASE("client import: garbage gives a clear error or rejections and never a crash",
          "[node][import][clients]") {
  ClientStore store;
  const std::string header = "ClientNumber,FirstName,Phones\n";
  SECTION("binary bytes") {
    std::mt19937 random(7);
    std::string bytes;
    for (int i = 0; i < 64 * 1024; ++i) bytes += static_cast<char>(random() & 0xFF);
    auto headerless = store.Import(bytes);  // no usable header
    REQUIRE_FALSE(headerless.ok());
    CHECK_FALSE(headerless.status().message().empty());
    auto report = store.Import(header + bytes);
    REQUIRE(report.ok());
    CHECK_FALSE(report->rejected.empty());
    // Without quotes in the garbage, the good line after it still goes in.
    bytes.erase(std::remove(bytes.begin(), bytes.end(), '"'), bytes.end());
    auto unquoted = store.Import(header + bytes + "\n5,Fine,\n");
    REQUIRE(unquoted.ok());
    CHECK_FALSE(unquoted->rejected.empty());
    CHECK(store.HoldersOf("5") == 1);
  }
  SECTION("a 10 MB field") {
    std::string huge(10u << 20, 'x');
    auto report = store.Import(header + "1," + huge + ",\n2,Fine,\n");
    REQUIRE(report.ok());
    REQUIRE(report->rejected.size() == 1);
    CHECK(report->rejected[0].line == 2);
    CHECK(report->rejected[0].reason.find("longer than") != std::string::npos);
    CHECK(store.HoldersOf("1") == 0);
    CHECK(store.HoldersOf("2") == 1);
  }
  SECTION("an unterminated quote") {
    auto report = store.Import(header + "1,Fine,\n2,\"never closed,\n3,Lost,\n");
    REQUIRE(report.ok());
    CHECK(store.HoldersOf("1") == 1);
    REQUIRE(report->rejected.size() == 1);
    CHECK(report->rejected[0].line == 3);
    CHECK(report->rejected[0].reason == "a quoted field is not closed before the end of the file");
  }
  SECTION("a header of garbage") {
    auto report = store.Import(std::string("\xFF\xFE\x00\x01", 4) + "\n1,2\n");
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().message() == "a field is not clean UTF-8 text");
  }
  SECTION("a field of control characters") {
    auto report = store.Import(header + "1,\x01\x02\x03,\n");
    REQUIRE(report.ok());
    REQUIRE(report->rejected.size() == 1);
    CHECK(report->rejected[0].reason == "a field is not clean UTF-8 text");
  }
}

}  // namespace
}  // namespace crm
