// crm-demo: the main job of the README's first command. Until the hub exists
// (replication issue), it plays one office's front-desk morning against a real
// store: clients registered in several scripts, look-ups by phone, card, email
// and name, sales rung up at three tills at once through group commit, an
// edit, a retried sale, and a restart that loses nothing.
#include <CLI/CLI.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "node/contact.h"
#include "node/writer.h"
#include "schema/records.capnp.h"
#include "sync/change_builder.h"
#include "sync/wire.h"

namespace crm {
namespace {

struct Person {
  const char* first;
  const char* last;
  const char* phone_as_typed;
  const char* email;
  const char* card;
};

struct SaleLineInput {
  const char* sku;
  const char* name;
  int quantity;
  int64_t unit_price;
  int64_t discount;
};

[[noreturn]] void Fail(const std::string& what, const Status& status) {
  fmt::print(stderr, "crm-demo: {}: {}\n", what, status.ToString());
  std::exit(1);
}

template <typename T>
T Must(Result<T> result, const std::string& what) {
  if (!result.ok()) Fail(what, result.status());
  return std::move(result).value();
}

std::string Money(int64_t minor) { return fmt::format("{}.{:02}", minor / 100, minor % 100); }

class FrontDesk {
 public:
  FrontDesk(Store& store, Writer& writer, HybridClock& hlc, SystemClock& wall, std::string office,
            std::string region)
      : store_(store), writer_(writer), hlc_(hlc), wall_(wall), office_(std::move(office)),
        region_(std::move(region)) {}

  Id RegisterClient(const Person& p) {
    std::string phone = Must(NormalizePhone(p.phone_as_typed, region_), "phone");
    std::string email = Must(NormalizeEmail(p.email), "email");
    Id id = Id::Generate(wall_.NowMillis());
    auto change = std::make_shared<ChangeMessage>(
        ChangeMessage::Patch(EntityKind::CLIENT, id, hlc_.Now(), Id{}));
    auto client = change->record<schema::Client>();
    client.setFirstName(p.first);
    client.setLastName(p.last);
    client.setLoyaltyCard(p.card);
    client.setHomeOffice(office_);
    client.setCreatedAt(wall_.NowMillis());
    for (const char* field : {"firstName", "lastName", "loyaltyCard", "homeOffice", "createdAt"}) {
      Check(change->Set(field));
    }
    Check(change->AddElement("phones", phone));
    Check(change->AddElement("emails", email));
    Check(Write(change));
    fmt::print("  {:<10} {:<12} {:<22} -> {:<14} {}\n", p.first, p.last, p.phone_as_typed, phone,
               id.ToString());
    return id;
  }

  std::shared_ptr<ChangeMessage> NewSale(const Id& client, int number,
                                         const std::vector<SaleLineInput>& lines) {
    Id id = Id::Generate(wall_.NowMillis());
    auto change = std::make_shared<ChangeMessage>(
        ChangeMessage::Event(EntityKind::SALE, id, hlc_.Now(), Id{}));
    auto sale = change->record<schema::Sale>();
    sale.setOffice(office_);
    std::time_t now = static_cast<std::time_t>(wall_.NowMillis() / 1000);
    sale.setReceiptNo(fmt::format("{}-{:%Y%m%d}-{:04}", office_, fmt::gmtime(now), number));
    IdToWire(client, sale.initClient());
    sale.setTime(wall_.NowMillis());
    sale.setCurrency("GBP");
    sale.setChannel("store");
    auto out = sale.initLines(static_cast<unsigned>(lines.size()));
    int64_t total = 0;
    for (unsigned i = 0; i < lines.size(); ++i) {
      out[i].setSku(lines[i].sku);
      out[i].setName(lines[i].name);
      out[i].setQuantity(lines[i].quantity);
      out[i].setUnitPrice(lines[i].unit_price);
      out[i].setDiscount(lines[i].discount);
      int64_t amount = lines[i].quantity * lines[i].unit_price - lines[i].discount;
      out[i].setAmount(amount);
      total += amount;
    }
    sale.setTotal(total);
    auto payment = sale.initPayments(1)[0];
    payment.setMethod(schema::PaymentMethod::CARD);
    payment.setAmount(total);
    return change;
  }

  std::future<Status> Submit(std::shared_ptr<ChangeMessage> change) {
    return writer_.Submit([change](StoreTxn& txn) -> Status {
      auto applied = txn.ApplyLocal(change->change());
      if (!applied.ok()) return applied.status();
      if (applied->duplicate) return Status::AlreadyExists("already recorded");
      return Status::Ok();
    });
  }

  Status Write(std::shared_ptr<ChangeMessage> change) { return Submit(std::move(change)).get(); }

  void Find(const std::string& how, const std::string& query) {
    auto view = Must(store_.Read(), "read");
    std::vector<Id> ids;
    Result<std::string> key = how == "phone"   ? NormalizePhone(query, region_)
                              : how == "email" ? NormalizeEmail(query)
                                               : Result<std::string>(query);
    if (!key.ok()) {
      fmt::print("  {:<6} {:<22} -> refused: {}\n", how, query, key.status().message());
      return;
    }
    if (how == "phone") {
      ids = Must(view.FindByPhone(*key), "find");
    } else if (how == "email") {
      ids = Must(view.FindByEmail(*key), "find");
    } else if (how == "card") {
      ids = Must(view.FindByCard(query), "find");
    } else {
      ids = Must(view.FindByName(query, 10), "find");
    }
    std::string names;
    for (const Id& id : ids) {
      auto record = Must(view.Get(EntityKind::CLIENT, id), "get");
      auto client = record.value<schema::Client>();
      if (!names.empty()) names += ", ";
      names += fmt::format("{} {}", client.getFirstName().cStr(), client.getLastName().cStr());
    }
    fmt::print("  {:<6} {:<22} -> {}\n", how, query, names.empty() ? "(nobody)" : names);
  }

  void Check(const Status& status) {
    if (!status.ok()) Fail("front desk", status);
  }

 private:
  Store& store_;
  Writer& writer_;
  HybridClock& hlc_;
  SystemClock& wall_;
  const std::string office_;
  const std::string region_;
};

struct Totals {
  uint64_t records = 0;
  uint64_t last_seq = 0;
};

Totals Count(Store& store) {
  auto view = Must(store.Read(), "read");
  return Totals{Must(store.CountRecords(), "count"), Must(view.LastSeq(), "log")};
}

int Run(const std::filesystem::path& data_dir, const std::string& office) {
  SystemClock wall;
  std::filesystem::remove_all(data_dir);
  auto store = Must(Store::Open({data_dir}, wall), "opening the store");
  HybridClock hlc(wall, store->node_id(), 60'000);
  fmt::print("Office {} opens: node {}, store {}\n\n", office, store->node_id().ToString(),
             data_dir.string());

  Totals before_restart;
  {
    Writer writer(*store);
    FrontDesk desk(*store, writer, hlc, wall, office, "GB");

    fmt::print("Registering clients (phones as typed -> E.164):\n");
    const Person people[] = {
        {"Анна", "Петрова", "+7 (912) 345-67-89", "Anna.Petrova@Example.COM", "LON-0001"},
        {"José", "Álvarez", "+34 612 345 678", "jose@alvarez.es", "LON-0002"},
        {"محمد", "رضایی", "+98 912 345 6789", "reza@example.ir", "LON-0003"},
        {"Zoë", "Smith", "020 7946 0958", "zoe.smith@example.co.uk", "LON-0004"},
        {"Пётр", "Ёлкин", "+7 495 123-45-67", "elkin@example.ru", "LON-0005"},
    };
    std::vector<Id> clients;
    for (const Person& p : people) clients.push_back(desk.RegisterClient(p));

    fmt::print("\nFinding clients:\n");
    desk.Find("phone", "8 (912) 345 67 89");  // the Russian trunk prefix means nothing in GB
    desk.Find("phone", "+79123456789");
    desk.Find("phone", "+44 20 7946 0958");
    desk.Find("card", "LON-0003");
    desk.Find("email", "ZOE.SMITH@example.co.uk");
    desk.Find("name", "пет");
    desk.Find("name", "ЁЛК");
    desk.Find("name", "alv");
    desk.Find("name", "رضا");
    desk.Find("name", "анна пет");

    fmt::print("\nThree tills ring up sales at the same moment:\n");
    const std::vector<SaleLineInput> basket = {
        {"85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, 255, 0},
        {"71053", "WHITE METAL LANTERN", 2, 339, 50},
        {"84406B", "CREAM CUPID HEARTS COAT HANGER", 1, 275, 0},
    };
    std::vector<std::shared_ptr<ChangeMessage>> sales;
    std::vector<std::future<Status>> outcomes;
    for (int till = 0; till < 3; ++till) {
      sales.push_back(desk.NewSale(clients[static_cast<size_t>(till)], till + 1, basket));
      outcomes.push_back(desk.Submit(sales.back()));
    }
    for (size_t i = 0; i < sales.size(); ++i) {
      desk.Check(outcomes[i].get());
      auto sale = sales[i]->record<schema::Sale>();
      fmt::print("  receipt {}  {} lines  total {} {}  (durable)\n", sale.getReceiptNo().cStr(),
                 sale.getLines().size(), Money(sale.getTotal()), sale.getCurrency().cStr());
    }

    fmt::print("\nThe first till retries its sale after a timeout:\n");
    Status retry = desk.Write(sales[0]);
    fmt::print("  {} -> {}\n", sales[0]->record<schema::Sale>().getReceiptNo().cStr(),
               retry.code() == StatusCode::kAlreadyExists ? "already recorded, no second sale"
                                                          : retry.ToString());
    if (retry.code() != StatusCode::kAlreadyExists) return 1;

    fmt::print("\nZoë gets a new mobile number; the old one is removed:\n");
    auto edit = std::make_shared<ChangeMessage>(
        ChangeMessage::Patch(EntityKind::CLIENT, clients[3], hlc.Now(), Id{}));
    desk.Check(edit->RemoveElement("phones", "+442079460958"));
    desk.Check(edit->AddElement("phones", Must(NormalizePhone("07911 123456", "GB"), "phone")));
    desk.Check(edit->AddElement("tags", "vip"));
    desk.Check(desk.Write(edit));
    desk.Find("phone", "020 7946 0958");
    desk.Find("phone", "07911 123456");

    before_restart = Count(*store);
    WriterStats stats = writer.stats();
    fmt::print("\nBefore restart: {} records, {} changes in the log, {} writes in {} commits\n",
               before_restart.records, before_restart.last_seq, stats.requests, stats.commits);
  }

  store.reset();
  store = Must(Store::Open({data_dir}, wall), "reopening the store");
  Totals after = Count(*store);
  fmt::print("After restart:  {} records, {} changes in the log\n", after.records, after.last_seq);
  if (after.records != before_restart.records || after.last_seq != before_restart.last_seq) {
    fmt::print(stderr, "crm-demo: the restart lost data\n");
    return 1;
  }
  fmt::print("\nEvery change is in the log, ready for replication to headquarters.\n");
  return 0;
}

}  // namespace
}  // namespace crm

int main(int argc, char** argv) {
  CLI::App app{"crm-demo: one office's front-desk session against a real store"};
  std::string data_dir = "demo-data";
  std::string office = "LON";
  app.add_option("--data", data_dir, "store directory (wiped first)");
  app.add_option("--office", office, "office code")->check([](const std::string& code) {
    return code.size() >= 2 && code.size() <= 8 ? std::string() : "an office code has 2-8 characters";
  });
  CLI11_PARSE(app, argc, argv);
  return crm::Run(data_dir, office);
}
