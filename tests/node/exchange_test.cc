// Everything a client's card holds, exported and imported into an empty
// store: the same cards (fields, events, derived figures), the same files
// exported again, a re-import writing nothing; and the record files' line
// errors naming the line, the column and the problem.
#include "node/exchange/records_csv.h"

#include <capnp/message.h>
#include <catch2/catch.hpp>
#include <kj/string.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "node/exchange/client_csv.h"
#include "node/exchange/sales_csv.h"
#include "node/frontdesk/internal.h"
#include "node/store/runtime.h"
#include "schema/frontdesk.capnp.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "sync/change_builder.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kOctober = 1'790'812'800'000 + 123;  // 2026-10-01 00:00:00.123 UTC

class TestStore {
 public:
  TestStore() {
    StoreOptions options;
    options.dir = dir_.path();
    options.durable = false;
    REQUIRE(runtime_.Open(options).ok());
  }
  // Applies `change` as a local write.
  void Apply(ChangeMessage& change) {
    Status s = runtime_.writer->Run(
        [&](StoreTxn& txn) { return txn.ApplyLocal(change.change()).status(); });
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
  ChangeMessage Patch(EntityKind kind, const Id& id) {
    return ChangeMessage::Patch(kind, id, runtime_.hlc->Now(), Id{});
  }
  ChangeMessage Event(EntityKind kind, const Id& id) {
    return ChangeMessage::Event(kind, id, runtime_.hlc->Now(), Id{});
  }
  uint64_t LastSeq() { return *runtime_.store->Read()->LastSeq(); }

  std::string Export(const std::string& what) {
    std::ostringstream out;
    Result<size_t> written = Status::Ok();
    if (what == "clients") {
      written = ExportClients(*runtime_.store, out);
    } else if (what == "sales") {
      written = ExportSales(*runtime_.store, out, "Europe/London");
    } else {
      written = ExportRecords(*runtime_.store, out, *RecordFileNamed(what));
    }
    INFO(written.status().ToString());
    REQUIRE(written.ok());
    return out.str();
  }
  // Imports `csv` as `what`; the rejected lines as "line: reason", and the
  // users the import made.
  std::pair<std::vector<std::string>, std::vector<std::string>> Import(const std::string& what,
                                                                       const std::string& csv) {
    std::istringstream in(csv);
    std::vector<ImportRejection> rejected;
    std::vector<std::string> made;
    if (what == "clients") {
      auto report = ImportClients(*runtime_.writer, *runtime_.hlc, in, ClientImportOptions{});
      REQUIRE(report.ok());
      rejected = report->rejected;
      made = report->users_made;
    } else if (what == "sales") {
      ImportOptions options;
      options.time_zone = "Europe/London";
      auto report = ImportSales(*runtime_.writer, *runtime_.hlc, in, options);
      REQUIRE(report.ok());
      rejected = report->rejected;
      made = report->users_made;
    } else {
      auto report = ImportRecords(*runtime_.writer, *runtime_.hlc, in, *RecordFileNamed(what),
                                  RecordImportOptions{});
      INFO(report.status().ToString());
      REQUIRE(report.ok());
      rejected = report->rejected;
      made = report->users_made;
    }
    std::vector<std::string> lines;
    for (const ImportRejection& r : rejected) lines.push_back(std::to_string(r.line) + ": " + r.reason);
    return {lines, made};
  }

  // The client's card as the front desk of a LON office (GBP) shows it, as
  // text, with every user named by login@OFFICE rather than by id (an
  // import into an empty store makes its own users) and every product by
  // its SKU (the catalogue is headquarters' and comes with it, not with the
  // card).
  std::string Card(const Id& client) {
    OfficeConfig office;
    office.code = "LON";
    office.currency = "GBP";
    office.time_zone = "Europe/London";
    SessionUser user;
    user.role = schema::Role::ADMIN;
    frontdesk::Context ctx{office, runtime_.wall, *runtime_.hlc, *runtime_.store, user};
    auto view = runtime_.store->Read();
    REQUIRE(view.ok());
    capnp::MallocMessageBuilder message;
    auto response = message.initRoot<schema::Response>();
    Status s = frontdesk::GetClientCard(ctx, *view, client, response);
    INFO(s.ToString());
    REQUIRE(s.ok());
    auto card = response.getCard();
    auto person = [&](schema::Id::Builder id) {
      Id user_id = IdFromWire(id.asReader());
      if (user_id.IsNull()) return;
      auto record = view->Get(EntityKind::USER, user_id);
      REQUIRE(record.ok());
      auto u = record->value<schema::User>();
      IdToWire(DerivedIdForTest(std::string(u.getLogin().cStr()) + "@" + u.getOffice().cStr()), id);
    };
    if (card.getClient().hasResponsible()) person(card.getClient().getResponsible());
    for (auto entry : card.getSales()) {
      if (entry.getSale().hasCashier()) person(entry.getSale().getCashier());
      // An empty campaign is the same whether set empty or not set.
      if (entry.getSale().getCampaignCode().size() == 0) entry.getSale().disownCampaignCode();
      for (auto line : entry.getSale().getLines()) {
        IdToWire(DerivedIdForTest(line.getSku().cStr()), line.getProduct());
      }
    }
    for (auto entry : card.getPayments()) person(entry.getPayment().getCashier());
    for (auto entry : card.getInteractions()) person(entry.getInteraction().getEmployee());
    for (auto entry : card.getNotes()) person(entry.getNote().getAuthor());
    for (auto entry : card.getTasks()) {
      person(entry.getTask().getAssignee());
      person(entry.getTask().getCreatedBy());
    }
    for (auto entry : card.getFeedback()) person(entry.getFeedback().getEmployee());
    // A refund comes back as the cancellation of its sale's units: what it
    // returned (sale, lines, amount, time, currency) under its id, but with
    // the reason and method the import gives it and no cashier (docs/import.md).
    for (auto entry : card.getRefunds()) {
      auto refund = entry.getRefund();
      refund.initCashier();
      refund.setReason("");
      refund.setMethod(schema::PaymentMethod::OTHER);
    }
    for (auto entry : card.getDeals()) person(entry.getDeal().getOwner());
    // The people the card names, by login (their ids are each store's own),
    // in login order.
    std::vector<std::string> people;
    for (auto named : card.getPeople()) {
      people.push_back(std::string(named.getLogin().cStr()) + " (" + named.getDisplayName().cStr() + ")");
    }
    std::sort(people.begin(), people.end());
    card.disownPeople();
    std::string text = kj::str(card.asReader()).cStr();
    for (const std::string& named : people) text += "\n" + named;
    return text;
  }

  static Id DerivedIdForTest(const std::string& text) {
    uint64_t hash = 1469598103934665603ull;
    for (char c : text) hash = (hash ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    Id id;
    id.hi = hash;
    id.lo = hash ^ 0x5555;
    return id;
  }

 private:
  testing::TempDir dir_;
  StoreRuntime runtime_;
};

void SetId(schema::Id::Builder wire, const Id& id) { IdToWire(id, wire); }

// Two users, three clients (a person with attributes, consents, an address
// and a card; a company without a card; a person of that company at MSK),
// sales in pounds and roubles with cashiers of two offices, a discount and
// payments on credit and in points, a refund, a payment, an interaction, a
// note, two tasks, feedback and a deal.
struct Filled {
  Id kate, olga, ann, acme, boris, s1, s2, s3;
};

Filled Fill(TestStore& store) {
  Filled f{Id::Generate(kOctober - 10 * kDay), Id::Generate(kOctober - 10 * kDay),
           Id::Generate(kOctober - 9 * kDay),  Id::Generate(kOctober - 9 * kDay),
           Id::Generate(kOctober - 9 * kDay),  Id::Generate(kOctober + 1),
           Id::Generate(kOctober + kDay),      Id::Generate(kOctober + 2 * kDay)};
  for (auto [id, login, office] : {std::tuple{f.kate, "kate", "LON"}, std::tuple{f.olga, "olga", "MSK"}}) {
    ChangeMessage user = store.Patch(EntityKind::USER, id);
    auto u = user.record<schema::User>();
    u.setLogin(login);
    u.setDisplayName(login);
    u.setOffice(office);
    u.setActive(true);
    for (const char* field : {"login", "displayName", "office", "active"}) REQUIRE(user.Set(field).ok());
    store.Apply(user);
  }
  // The catalogue's products of the SKUs sold.
  for (const char* sku : {"MUG", "LAMP", "SAMOVAR"}) {
    ChangeMessage product = store.Patch(EntityKind::PRODUCT, TestStore::DerivedIdForTest(sku));
    product.record<schema::Product>().setSku(sku);
    product.record<schema::Product>().setName(std::string("Item ") + sku);
    product.record<schema::Product>().setActive(true);
    for (const char* field : {"sku", "name", "active"}) REQUIRE(product.Set(field).ok());
    store.Apply(product);
  }
  {
    ChangeMessage ann = store.Patch(EntityKind::CLIENT, f.ann);
    auto c = ann.record<schema::Client>();
    c.setFirstName("Ann");
    c.setLastName("Lee");
    auto address = c.initAddress();
    address.setCountry("GB");
    address.setCity("London");
    address.setStreet("1 High St, Flat 2");
    address.setPostalCode("N1 9GU");
    auto birth = c.initBirthDate();
    birth.setYear(1980);
    birth.setMonth(4);
    birth.setDay(23);
    c.setGender(schema::Gender::FEMALE);
    c.setConsentEmail(schema::Consent::GRANTED);
    c.setConsentSms(schema::Consent::REFUSED);
    c.setLoyaltyCard("17850");
    c.setAcquisitionChannel("referral");
    c.setHomeOffice("LON");
    c.setCreatedAt(kOctober - 9 * kDay + 7);
    SetId(c.initResponsible(), f.kate);
    for (const char* field : {"firstName", "lastName", "address", "birthDate", "gender", "consentEmail",
                              "consentSms", "loyaltyCard", "acquisitionChannel", "homeOffice",
                              "createdAt", "responsible"}) {
      REQUIRE(ann.Set(field).ok());
    }
    REQUIRE(ann.AddElement("phones", "+442079460958").ok());
    REQUIRE(ann.AddElement("emails", "ann@example.com").ok());
    REQUIRE(ann.AddElement("tags", "vip").ok());
    REQUIRE(ann.AddElement("attributes", "car brand", "Volvo").ok());
    REQUIRE(ann.AddElement("attributes", "children", "2").ok());
    REQUIRE(ann.AddElement("attributes", "preferences", "no calls; email, please").ok());
    REQUIRE(ann.AddElement("attributes", "country", "United Kingdom").ok());
    store.Apply(ann);

    ChangeMessage acme = store.Patch(EntityKind::CLIENT, f.acme);
    acme.record<schema::Client>().setKind(schema::ClientKind::COMPANY);
    acme.record<schema::Client>().setCompanyName("Acme \"Tools\" Ltd");
    acme.record<schema::Client>().setHomeOffice("LON");
    acme.record<schema::Client>().setCreatedAt(kOctober - 9 * kDay);
    for (const char* field : {"kind", "companyName", "homeOffice", "createdAt"}) REQUIRE(acme.Set(field).ok());
    store.Apply(acme);

    ChangeMessage boris = store.Patch(EntityKind::CLIENT, f.boris);
    auto b = boris.record<schema::Client>();
    b.setFirstName("Борис");
    b.setLoyaltyCard("M-77");
    b.setHomeOffice("MSK");
    b.setConsentPhone(schema::Consent::GRANTED);
    b.setCreatedAt(kOctober - 9 * kDay + 999);
    SetId(b.initCompany(), f.acme);
    SetId(b.initResponsible(), f.olga);
    for (const char* field : {"firstName", "loyaltyCard", "homeOffice", "consentPhone", "createdAt", "company",
                              "responsible"}) {
      REQUIRE(boris.Set(field).ok());
    }
    store.Apply(boris);
  }
  auto sale = [&](const Id& id, const Id& client, const Id& cashier, const char* office, const char* currency,
                  const char* receipt, int64_t time, std::vector<std::tuple<const char*, int, int64_t, int64_t>> lines,
                  std::vector<std::pair<schema::PaymentMethod, int64_t>> parts) {
    ChangeMessage change = store.Event(EntityKind::SALE, id);
    auto s = change.record<schema::Sale>();
    s.setOffice(office);
    s.setReceiptNo(receipt);
    SetId(s.initCashier(), cashier);
    SetId(s.initClient(), client);
    s.setTime(time);
    s.setCurrency(currency);
    s.setChannel("store");
    auto out = s.initLines(static_cast<unsigned>(lines.size()));
    int64_t total = 0;
    for (unsigned i = 0; i < out.size(); ++i) {
      auto [sku, quantity, price, discount] = lines[i];
      SetId(out[i].initProduct(), TestStore::DerivedIdForTest(sku));
      out[i].setSku(sku);
      out[i].setName(std::string("Item ") + sku);
      out[i].setQuantity(quantity);
      out[i].setUnitPrice(price);
      out[i].setDiscount(discount);
      out[i].setAmount(quantity * price - discount);
      total += quantity * price - discount;
    }
    auto payments = s.initPayments(static_cast<unsigned>(parts.size()));
    for (unsigned i = 0; i < payments.size(); ++i) {
      payments[i].setMethod(parts[i].first);
      payments[i].setAmount(parts[i].second);
    }
    s.setTotal(total);
    store.Apply(change);
  };
  // 2 x 12.50 + 1 x 30.00 - 5.00 = 50.00: 20.00 cash, 30.00 on credit.
  sale(f.s1, f.ann, f.kate, "LON", "GBP", "LON-20261001-0001", kOctober + 1,
       {{"MUG", 2, 1250, 0}, {"LAMP", 1, 3000, 500}},
       {{schema::PaymentMethod::CASH, 2000}, {schema::PaymentMethod::CREDIT, 3000}});
  sale(f.s2, f.boris, f.olga, "MSK", "RUB", "MSK-20261002-0001", kOctober + kDay, {{"SAMOVAR", 1, 1'250'000, 0}},
       {{schema::PaymentMethod::CARD, 1'250'000}});
  // Sold at LON by olga of MSK; 1.00 of it in points.
  sale(f.s3, f.ann, f.olga, "LON", "GBP", "LON-20261003-0001", kOctober + 2 * kDay + 250, {{"MUG", 1, 1250, 0}},
       {{schema::PaymentMethod::BONUS, 100}, {schema::PaymentMethod::CASH, 1150}});
  {
    ChangeMessage refund = store.Event(EntityKind::REFUND, Id::Generate(kOctober + 3 * kDay));
    auto r = refund.record<schema::Refund>();
    SetId(r.initSale(), f.s1);
    r.setOffice("LON");
    SetId(r.initClient(), f.ann);
    r.setTime(kOctober + 3 * kDay);
    r.setCurrency("GBP");
    auto line = r.initLines(1)[0];
    line.setLineIndex(0);
    line.setQuantity(1);
    line.setAmount(1250);
    r.setAmount(1250);
    r.setMethod(schema::PaymentMethod::CASH);
    r.setReason("chipped");
    store.Apply(refund);
  }
  {
    ChangeMessage payment = store.Event(EntityKind::PAYMENT, Id::Generate(kOctober + 4 * kDay));
    auto p = payment.record<schema::Payment>();
    SetId(p.initClient(), f.ann);
    p.setOffice("LON");
    SetId(p.initCashier(), f.kate);
    p.setTime(kOctober + 4 * kDay + 5);
    p.setCurrency("GBP");
    p.setAmount(1000);
    p.setMethod(schema::PaymentMethod::CARD);
    SetId(p.initSale(), f.s1);
    p.setComment("first instalment");
    store.Apply(payment);
  }
  {
    ChangeMessage interaction = store.Event(EntityKind::INTERACTION, Id::Generate(kOctober + 5 * kDay));
    auto i = interaction.record<schema::Interaction>();
    SetId(i.initClient(), f.ann);
    i.setOffice("LON");
    SetId(i.initEmployee(), f.kate);
    i.setTime(kOctober + 5 * kDay);
    i.setChannel(schema::InteractionChannel::VISIT);
    i.setDirection(schema::Direction::INBOUND);
    i.setSummary("asked about lamps, \"the tall one\"");
    store.Apply(interaction);
  }
  {
    ChangeMessage note = store.Patch(EntityKind::NOTE, Id::Generate(kOctober + 5 * kDay));
    auto n = note.record<schema::Note>();
    SetId(n.initClient(), f.ann);
    SetId(n.initAuthor(), f.kate);
    n.setOffice("LON");
    n.setTime(kOctober + 5 * kDay + 1);
    n.setText("prefers mornings,\nnever Mondays");
    for (const char* field : {"client", "author", "office", "time", "text"}) REQUIRE(note.Set(field).ok());
    store.Apply(note);
  }
  for (auto [client, title, status] : {std::tuple{f.ann, "call about the lamp", schema::TaskStatus::DONE},
                                       std::tuple{Id{}, "stock count", schema::TaskStatus::OPEN}}) {
    ChangeMessage task = store.Patch(EntityKind::TASK, Id::Generate(kOctober + 6 * kDay));
    auto t = task.record<schema::Task>();
    std::vector<const char*> fields = {"title", "due", "assignee", "status", "office", "createdBy", "createdAt"};
    if (!client.IsNull()) {
      SetId(t.initClient(), client);
      fields.push_back("client");
    }
    t.setTitle(title);
    t.setDue(kOctober + 7 * kDay);
    SetId(t.initAssignee(), f.olga);
    t.setStatus(status);
    t.setOffice("LON");
    SetId(t.initCreatedBy(), f.kate);
    t.setCreatedAt(kOctober + 6 * kDay);
    if (status == schema::TaskStatus::DONE) {
      t.setCompletedAt(kOctober + 6 * kDay + 3600'000);
      fields.push_back("completedAt");
    }
    for (const char* field : fields) REQUIRE(task.Set(field).ok());
    store.Apply(task);
  }
  {
    ChangeMessage feedback = store.Event(EntityKind::FEEDBACK, Id::Generate(kOctober + 8 * kDay));
    auto fb = feedback.record<schema::Feedback>();
    SetId(fb.initClient(), f.boris);
    fb.setOffice("MSK");
    SetId(fb.initEmployee(), f.olga);
    fb.setTime(kOctober + 8 * kDay);
    fb.setScore(4);
    fb.setComment("хорошо");
    SetId(fb.initSale(), f.s2);
    store.Apply(feedback);
  }
  {
    ChangeMessage deal = store.Patch(EntityKind::DEAL, Id::Generate(kOctober + 9 * kDay));
    auto d = deal.record<schema::Deal>();
    SetId(d.initClient(), f.acme);
    d.setTitle("fit-out");
    d.setStage(schema::DealStage::WON);
    d.setAmount(150'000);
    d.setCurrency("GBP");
    SetId(d.initOwner(), f.kate);
    d.setOffice("LON");
    d.setCreatedAt(kOctober + 9 * kDay);
    d.setFurthestStage(schema::DealStage::NEGOTIATION);
    d.setClosedAt(kOctober + 10 * kDay);
    for (const char* field : {"client", "title", "stage", "amount", "currency", "owner", "office", "createdAt",
                              "furthestStage", "closedAt"}) {
      REQUIRE(deal.Set(field).ok());
    }
    store.Apply(deal);
  }
  return f;
}

// The files in the order an import of everything reads them.
const std::vector<std::string> kFiles = {"clients", "sales",  "payments", "interactions",
                                         "notes",   "tasks",  "feedback", "deals"};

TEST_CASE("exchange: everything exported and imported into an empty store gives the same cards",
          "[node][import][exchange]") {
  TestStore first;
  Filled f = Fill(first);
  std::map<std::string, std::string> files;
  for (const std::string& what : kFiles) files[what] = first.Export(what);
  // Every record is in its file: a header and a line each (a sale a line per sale line, its refund after).
  CHECK(files["sales"].find("LON-20261003-0001") != std::string::npos);
  CHECK(files["sales"].find(",olga@MSK,GBP,") != std::string::npos);  // a cashier of another office
  CHECK(files["sales"].find(",kate,GBP,5.00,cash 20.00;credit 30.00,") != std::string::npos);
  CHECK(files["sales"].find(",RUB,") != std::string::npos);
  CHECK(files["clients"].find("Attribute:car brand") != std::string::npos);
  CHECK(files["tasks"].find("stock count") != std::string::npos);

  TestStore second;
  for (const std::string& what : kFiles) {
    INFO(what);
    auto [rejected, made] = second.Import(what, files[what]);
    CHECK(rejected.empty());
    if (!rejected.empty()) FAIL(rejected.front());
    std::sort(made.begin(), made.end());
    if (what == "clients") CHECK(made == std::vector<std::string>{"kate@LON", "olga@MSK"});
  }
  for (const Id& client : {f.ann, f.acme, f.boris}) {
    std::string card = first.Card(client);
    INFO(card);
    CHECK(card == second.Card(client));
  }
  // The figures the card derives: in pounds 2 x 12.50 + 30.00 - 5.00 + 12.50
  // - 12.50 refunded; 30.00 on credit less 10.00 paid.
  CHECK(first.Card(f.ann).find("totalSpent = 5000") != std::string::npos);
  CHECK(first.Card(f.ann).find("outstanding = 2000") != std::string::npos);
  for (const std::string& what : kFiles) {
    INFO(what);
    CHECK(second.Export(what) == files[what]);
  }

  // A re-run writes nothing, not even a log entry; nor does an import into
  // the store that exported the files.
  for (TestStore* store : {&second, &first}) {
    INFO((store == &first ? "into the store that exported them" : "again"));
    for (const std::string& what : kFiles) {
      INFO(what);
      const uint64_t before = store->LastSeq();
      auto [rejected, made] = store->Import(what, files[what]);
      CHECK(rejected.empty());
      CHECK(made.empty());
      CHECK(store->LastSeq() == before);
    }
  }
}

TEST_CASE("exchange: a bad line is reported with its line and column and problem and not written",
          "[node][import][exchange]") {
  TestStore store;
  Filled f = Fill(store);
  const uint64_t before = store.LastSeq();
  const std::string ann = f.ann.ToString();
  auto [rejected, made] = store.Import(
      "payments",
      "Id,ClientNumber,ClientId,Office,Time,Currency,Amount,Method,Cashier,SaleId,Comment\n"
      ",17850,,LON,2026-02-30T10:00:00Z,GBP,1.00,cash,kate,,\n"       // 2: no such day
      ",99999,,LON,2026-10-05T10:00:00Z,GBP,1.00,cash,kate,,\n"       // 3: no such client
      ",17850,,LON,2026-10-05T10:00:00Z,GBP,1.005,cash,kate,,\n"      // 4: 3 decimals
      ",17850,,LON,2026-10-05T10:00:00Z,GBP,-1.00,cash,kate,,\n"      // 5: negative
      ",17850,,LON,2026-10-05T10:00:00Z,XYZ,1.00,cash,kate,,\n"       // 6: no such currency
      ",17850,,LON,2026-10-05T10:00:00Z,GBP,1.00,cheque,kate,,\n"     // 7: no such method
      ",17850,,LON,2026-10-05T10:00:00Z,GBP,1.00,cash,kate!,,\n"      // 8: not a login
      ",17850,,LON,2026-10-05T10:00:00Z,GBP,1.00,cash,kate,NOTANID,\n"  // 9: not a sale id
      ",," + ann + ",LON,2026-10-05T10:00:00Z,GBP,1.00,cash,kate,,\n"  // 10: good, by ClientId
      ",17850,,LON,2026-10-05T10:00:00Z,GBP,1.00,cash\n");          // 11: too few fields
  CHECK(made.empty());
  REQUIRE(rejected.size() == 9);
  CHECK(rejected[0] == "2: Time '2026-02-30T10:00:00Z': is not a time like 2026-11-22T14:05:09Z (UTC)");
  CHECK(rejected[1] == "3: ClientNumber '99999': no client has this number (import the clients first)");
  CHECK(rejected[2].rfind("4: Amount '1.005': is not an amount in GBP", 0) == 0);
  CHECK(rejected[3].rfind("5: Amount '-1.00': is not an amount in GBP", 0) == 0);
  CHECK(rejected[4] == "6: Currency 'XYZ': is not an ISO 4217 currency code like GBP");
  CHECK(rejected[5].rfind("7: Method 'cheque': is not one of cash, card", 0) == 0);
  CHECK(rejected[6].rfind("8: Cashier 'kate!': is not a login", 0) == 0);
  CHECK(rejected[7] == "9: SaleId 'NOTANID': is not a sale id (26 characters)");
  CHECK(rejected[8] == "11: it has 8 fields, the header 11");
  CHECK(store.LastSeq() == before + 1);  // line 10 only

  // An unknown ClientId, and a sale the store lacks, are named too.
  auto [unknown, made2] = store.Import(
      "notes",
      "Id,ClientNumber,ClientId,Office,Time,Author,Text\n"
      ",,0000000000000000000000000Z,LON,2026-10-05T10:00:00Z,kate,hello\n"
      ",M-77,,LON,2026-10-05,kate,hello\n");
  REQUIRE(unknown.size() == 2);
  CHECK(unknown[0] == "2: ClientId '0000000000000000000000000Z': no such client in the store (import the clients first)");
  CHECK(unknown[1] == "3: Time '2026-10-05': is not a time like 2026-11-22T14:05:09Z (UTC)");
  auto [no_sale, made3] = store.Import(
      "feedback", "Id,ClientNumber,ClientId,Office,Time,Score,Employee,Comment,SaleId\n"
                  ",M-77,,MSK,2026-10-05T10:00:00Z,6,olga,,\n"
                  ",M-77,,MSK,2026-10-05T10:00:00Z,5,olga,,0000000000000000000000000Z\n");
  REQUIRE(no_sale.size() == 2);
  CHECK(no_sale[0] == "2: Score '6': is not a score from 1 to 5");
  CHECK(no_sale[1] == "3: SaleId '0000000000000000000000000Z': no such sale in the store (import the sales first)");
}

}  // namespace
}  // namespace crm
