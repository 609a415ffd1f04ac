// The catalogue: which price an office charges, the desk's refusal of
// catalogue writes under a hub, HQ's edits and the options and CSV that
// carry prices (node/sales/catalogue.h, node/frontdesk/catalogue.cc,
// node/exchange/catalogue_csv.h).
#include "node/sales/catalogue.h"

#include <capnp/message.h>
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "node/exchange/catalogue_csv.h"
#include "node/frontdesk/frontdesk.h"
#include "node/store/offices.h"
#include "sync/base/codec.h"
#include "sync/base/wire.h"
#include "tests/support/desk_parts.h"
#include "tests/support/desk_request.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

using schema::Request;
using schema::Response;

constexpr int64_t kNoon = 1'795'348'800'000;  // 2026-11-22 12:00 UTC

using Pairs = std::vector<std::pair<std::string, std::string>>;

// A product record: the legacy pair, a price list and overrides.
struct ProductMaker {
  capnp::MallocMessageBuilder message;
  schema::Product::Builder product = message.initRoot<schema::Product>();

  explicit ProductMaker(const Pairs& prices, const Pairs& overrides = {}, int64_t legacy_price = 0,
                        const std::string& legacy_currency = "") {
    product.setSku("LAMP");
    product.setName("Brass lamp");
    product.setActive(true);
    product.setPrice(legacy_price);
    product.setCurrency(legacy_currency);
    auto list = product.initPrices(prices.size());
    for (size_t i = 0; i < prices.size(); ++i) {
      list[i].setKey(prices[i].first);
      list[i].setValue(prices[i].second);
    }
    auto office = product.initOfficePrices(overrides.size());
    for (size_t i = 0; i < overrides.size(); ++i) {
      office[i].setKey(overrides[i].first);
      office[i].setValue(overrides[i].second);
    }
  }
  schema::Product::Reader get() { return product.asReader(); }
};

TEST_CASE("an office charges HQ's override for it, else its currency's list, else the legacy price",
          "[node][catalogue]") {
  ProductMaker lamp(Pairs{{"GBP", "3499"}, {"RUB", "349900"}}, Pairs{{"MSK", "340000 RUB"}}, 2999,
                    "GBP");
  auto msk = PriceAt(lamp.get(), "MSK", "RUB");
  REQUIRE(msk.ok());
  CHECK(msk->amount == 340000);
  CHECK(msk->from == PriceFrom::kOffice);
  auto spb = PriceAt(lamp.get(), "SPB", "RUB");  // no override: the RUB list
  REQUIRE(spb.ok());
  CHECK(spb->amount == 349900);
  CHECK(spb->from == PriceFrom::kList);
  auto lon = PriceAt(lamp.get(), "LON", "GBP");  // the list's GBP entry beats the legacy pair
  REQUIRE(lon.ok());
  CHECK(lon->amount == 3499);

  // A record from before price lists: its price/currency pair is its list.
  ProductMaker old(Pairs{}, Pairs{}, 2999, "GBP");
  auto legacy = PriceAt(old.get(), "LON", "GBP");
  REQUIRE(legacy.ok());
  CHECK(legacy->amount == 2999);
  CHECK(PriceList(old.get()) == std::map<std::string, int64_t>{{"GBP", 2999}});

  // An override made while the office sold in another currency is not used.
  ProductMaker moved(Pairs{{"EUR", "4000"}}, Pairs{{"MSK", "340000 RUB"}});
  auto eur = PriceAt(moved.get(), "MSK", "EUR");
  REQUIRE(eur.ok());
  CHECK(eur->amount == 4000);
}

TEST_CASE("a product without a price in the office's currency is refused naming it and the fix",
          "[node][catalogue]") {
  ProductMaker lamp(Pairs{{"GBP", "3499"}});
  auto refused = PriceAt(lamp.get(), "MSK", "RUB");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kNotFound);
  CHECK_THAT(refused.status().message(),
             Catch::Contains("product LAMP (Brass lamp) has no price in RUB, so MSK cannot sell it"));
  CHECK_THAT(refused.status().message(),
             Catch::Contains("crm-hq product edit LAMP --price RUB=AMOUNT"));
}

TEST_CASE("CUR=AMOUNT is read in the currency's minor units, bad ones refused saying why",
          "[node][catalogue][cli]") {
  auto ok = [](const std::string& text) {
    auto parsed = ParseCurrencyPrice(text, "--price");
    INFO(text << ": " << parsed.status().ToString());
    REQUIRE(parsed.ok());
    return *parsed;
  };
  CHECK(ok("GBP=34.99") == std::make_pair(std::string("GBP"), int64_t{3499}));
  CHECK(ok("RUB=3499.00") == std::make_pair(std::string("RUB"), int64_t{349900}));
  CHECK(ok("RUB=3499") == std::make_pair(std::string("RUB"), int64_t{349900}));
  CHECK(ok("JPY=500") == std::make_pair(std::string("JPY"), int64_t{500}));
  CHECK(ok("KWD=1.250") == std::make_pair(std::string("KWD"), int64_t{1250}));
  auto error = [](const std::string& text) {
    auto parsed = ParseCurrencyPrice(text, "--price");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
    CHECK(parsed.status().field() == "--price");
    return parsed.status().message();
  };
  CHECK_THAT(error("GBP34.99"), Catch::Contains("give --price CUR=AMOUNT (like GBP=34.99)"));
  CHECK_THAT(error("=34.99"), Catch::Contains("CUR=AMOUNT"));
  CHECK_THAT(error("GBP="), Catch::Contains("CUR=AMOUNT"));
  CHECK_THAT(error("XYZ=1.00"), Catch::Contains("'XYZ' is not an ISO 4217 currency code"));
  CHECK_THAT(error("gbp=1.00"), Catch::Contains("'gbp' is not an ISO 4217 currency code"));
  CHECK_THAT(error("GBP=-1.00"), Catch::Contains("a price may not be negative"));
  CHECK_THAT(error("GBP=1.999"), Catch::Contains("'1.999' is not a price in GBP (like 12.50, at most 2 decimals)"));
  CHECK_THAT(error("JPY=1.5"), Catch::Contains("it has no decimals"));
  CHECK_THAT(error("GBP=abc"), Catch::Contains("is not a price in GBP"));
  CHECK_THAT(error("GBP=100000001"), Catch::Contains("a price may be at most 100000000.00 GBP"));
  // Past 64 bits, not wrapped round into a small price.
  CHECK_THAT(error("GBP=184467440737095517"), Catch::Contains("is not a price in GBP"));
  CHECK_THAT(error("GBP=92233720368547758.08"), Catch::Contains("is not a price in GBP"));
}

// A front desk over a fresh store, as the office `code` selling in
// `currency`, under a hub or standalone.
class Desk {
 public:
  Desk(const std::string& code, const std::string& currency, bool under_hub) {
    OfficeConfig office;
    office.code = code;
    office.currency = currency;
    office.time_zone = "Europe/Moscow";
    office.phone_region = "RU";
    office.password_cost = PasswordCost::Cheap();
    office.under_hub = under_hub;
    REQUIRE(office.Validate().ok());
    parts_ = testing::OpenDesk(dir_.path(), wall_, office);
    REQUIRE(parts_.desk->BootstrapAdmin("admin", "Admin", "admin-password").ok());
    auto login = Call("", [](Request::Builder r) {
      r.initLogin().setLogin("admin");
      r.getLogin().setPassword("admin-password");
    });
    REQUIRE(login.get().isSession());
    admin_ = login.get().getSession().getToken().cStr();
  }

  using Reply = testing::DeskReply;
  Reply Call(const std::string& session, const testing::FillRequest& fill) {
    return testing::SendToDesk(*parts_.desk, testing::EncodeDeskRequest(wall_, session, fill));
  }
  Reply Save(const std::vector<std::pair<std::string, std::string>>& prices,
             const std::vector<std::pair<std::string, std::string>>& overrides = {}) {
    return Call(admin_, [&](Request::Builder r) {
      auto p = r.initSaveProduct();
      p.setSku("LAMP");
      p.setName("Brass lamp");
      auto list = p.initPrices(prices.size());
      for (size_t i = 0; i < prices.size(); ++i) {
        list[i].setKey(prices[i].first);
        list[i].setValue(prices[i].second);
      }
      auto office = p.initOfficePrices(overrides.size());
      for (size_t i = 0; i < overrides.size(); ++i) {
        office[i].setKey(overrides[i].first);
        office[i].setValue(overrides[i].second);
      }
    });
  }
  Reply SellLamp() {
    return Call(admin_, [](Request::Builder r) {
      auto sale = r.initRecordSale();
      auto line = sale.initLines(1)[0];
      line.setSku("LAMP");
      line.setQuantity(1);
      sale.initPayments(1)[0].setMethod(schema::PaymentMethod::CASH);
    });
  }
  void Enroll(const std::string& code, const std::string& currency) {
    REQUIRE(EnrollOffice(*parts_.writer, *parts_.hlc,
                         OfficeEnrollment{code, code, Id::Generate(kNoon),
                                          std::string(40, code[0]), "", currency})
                .ok());
  }
  Store& store() { return *parts_.store; }
  Writer& writer() { return *parts_.writer; }
  HybridClock& hlc() { return *parts_.hlc; }

 private:
  testing::TempDir dir_;
  ManualClock wall_{kNoon};
  testing::DeskParts parts_;
  std::string admin_;
};

TEST_CASE("an office under a hub refuses saveProduct at its desk saying headquarters owns the catalogue",
          "[node][catalogue][frontdesk]") {
  Desk office("LON", "GBP", /*under_hub=*/true);
  auto refused = office.Save({{"GBP", "34.99"}});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.get().getError().getCode() == schema::ErrorCode::PERMISSION_DENIED);
  CHECK_THAT(refused.error(), Catch::Contains("headquarters owns the catalogue"));
  CHECK_THAT(refused.error(), Catch::Contains("crm-hq product add|edit"));
  CHECK_THAT(refused.error(), Catch::Contains("office LON has a hub"));
  auto view = office.store().Read();
  REQUIRE(view.ok());
  CHECK(view->FindByKey(EntityKind::PRODUCT, "LAMP").status().code() == StatusCode::kNotFound);

  // A standalone shop keeps its own catalogue.
  Desk shop("SHOP", "GBP", /*under_hub=*/false);
  auto saved = shop.Save({{"GBP", "34.99"}});
  INFO(saved.error());
  CHECK(saved.ok());
}

TEST_CASE("a desk sells at its currency's price, refuses a product without one, and charges its override",
          "[node][catalogue][frontdesk]") {
  // The dashboard's desk at headquarters (no hub above it) sets the prices.
  Desk msk("MSK", "RUB", /*under_hub=*/false);
  REQUIRE(msk.Save({{"GBP", "34.99"}}).ok());
  auto refused = msk.SellLamp();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.get().getError().getField() == "lines[0].sku");
  CHECK_THAT(refused.error(), Catch::Contains("product LAMP (Brass lamp) has no price in RUB"));

  REQUIRE(msk.Save({{"RUB", "3499.00"}}).ok());  // GBP left as it was
  auto sold = msk.SellLamp();
  INFO(sold.error());
  REQUIRE(sold.ok());
  CHECK(sold.get().getReceipt().getSale().getTotal() == 349900);
  CHECK(std::string(sold.get().getReceipt().getSale().getCurrency().cStr()) == "RUB");

  // An override needs the office enrolled with its currency.
  auto unknown = msk.Save({{"RUB", "3499.00"}}, {{"MSK", "3400.00"}});
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error(), Catch::Contains("no office MSK is enrolled"));
  msk.Enroll("MSK", "RUB");
  auto wrong_currency = msk.Save({{"RUB", "3499.00"}}, {{"MSK", "30.00 GBP"}});
  CHECK_THAT(wrong_currency.error(), Catch::Contains("office MSK sells in RUB"));
  REQUIRE(msk.Save({{"RUB", "3499.00"}}, {{"MSK", "3400.00"}}).ok());
  auto overridden = msk.SellLamp();
  REQUIRE(overridden.ok());
  CHECK(overridden.get().getReceipt().getSale().getTotal() == 340000);

  // Removing the override (an empty value) brings the list's price back;
  // removing the RUB price stops the sales.
  REQUIRE(msk.Save({{"RUB", "3499.00"}}, {{"MSK", ""}}).ok());
  CHECK(msk.SellLamp().get().getReceipt().getSale().getTotal() == 349900);
  REQUIRE(msk.Save({{"RUB", ""}, {"GBP", "34.99"}}).ok());
  CHECK_FALSE(msk.SellLamp().ok());
}

TEST_CASE("edits of different currencies made apart both keep, and a re-run writes nothing",
          "[node][catalogue][merge]") {
  Desk hq("HQ", "GBP", false);
  auto edit = [&](std::map<std::string, std::optional<int64_t>> prices, Stamp stamp) {
    ProductEdit e;
    e.sku = "LAMP";
    e.name = "Brass lamp";
    e.prices = std::move(prices);
    EditOutcome outcome;
    REQUIRE(hq.writer()
                .Run([&](StoreTxn& txn) -> Status {
                  CRM_ASSIGN_OR_RETURN(outcome, ApplyProductEdit(txn, e, stamp, Id{}));
                  return Status::Ok();
                })
                .ok());
    return outcome;
  };
  auto list = [&] {
    auto view = hq.store().Read();
    REQUIRE(view.ok());
    auto id = view->FindByKey(EntityKind::PRODUCT, "LAMP");
    REQUIRE(id.ok());
    auto record = view->Get(EntityKind::PRODUCT, *id);
    REQUIRE(record.ok());
    return PriceList(record->value<schema::Product>());
  };
  const Stamp later = hq.hlc().Now();
  Stamp earlier = later;
  earlier.physical -= 1000;  // made apart, applied after: an older stamp
  CHECK(edit({{"GBP", 3499}}, later).created);
  CHECK(edit({{"RUB", 349900}}, earlier).changed);
  CHECK(list() == std::map<std::string, int64_t>{{"GBP", 3499}, {"RUB", 349900}});
  // The same edit again writes nothing.
  auto view = hq.store().Read();
  REQUIRE(view.ok());
  const uint64_t seq = *view->LastSeq();
  EditOutcome again = edit({{"GBP", 3499}, {"RUB", 349900}}, hq.hlc().Now());
  CHECK_FALSE(again.changed);
  auto after = hq.store().Read();
  REQUIRE(after.ok());
  CHECK(*after->LastSeq() == seq);
}

TEST_CASE("the catalogue CSV: a row is written whole or rejected with its line, a re-run writes nothing",
          "[node][catalogue][import]") {
  Desk hq("HQ", "GBP", false);
  const std::string csv =
      "sku,name,category,price_GBP,price_RUB\n"
      "85123A,WHITE HANGING HEART T-LIGHT HOLDER,Home,2.55,250.00\n"
      "71053,WHITE METAL LANTERN,,3.39,\n"
      "BAD1,A bad price,,2.555,100\n"
      "BAD2,,,1.00,\n"
      "85123A,Twice,,1.00,\n"
      "NEG,Negative,,-1.00,\n";
  std::istringstream first(csv);
  auto report = ImportCatalogue(hq.store(), hq.writer(), hq.hlc(), first);
  REQUIRE(report.ok());
  CHECK(report->rows == 6);
  CHECK(report->created == 2);
  REQUIRE(report->rejected.size() == 4);
  CHECK(report->rejected[0].line == 4);
  CHECK_THAT(report->rejected[0].reason, Catch::Contains("price_GBP: '2.555' is not a price in GBP"));
  CHECK(report->rejected[1].line == 5);
  CHECK_THAT(report->rejected[1].reason, Catch::Contains("no product with SKU 'BAD2' (a new product needs a name)"));
  CHECK(report->rejected[2].line == 6);
  CHECK_THAT(report->rejected[2].reason, Catch::Contains("SKU 85123A is on line 2 already"));
  CHECK(report->rejected[3].line == 7);
  CHECK_THAT(report->rejected[3].reason, Catch::Contains("may not be negative"));
  {
    auto view = hq.store().Read();
    REQUIRE(view.ok());
    // The bad row's good RUB price was not written either.
    CHECK(view->FindByKey(EntityKind::PRODUCT, "BAD1").status().code() == StatusCode::kNotFound);
    auto id = view->FindByKey(EntityKind::PRODUCT, "85123A");
    REQUIRE(id.ok());
    auto lamp = view->Get(EntityKind::PRODUCT, *id);
    REQUIRE(lamp.ok());
    CHECK(PriceList(lamp->value<schema::Product>()) ==
          std::map<std::string, int64_t>{{"GBP", 255}, {"RUB", 25000}});
  }
  auto view = hq.store().Read();
  REQUIRE(view.ok());
  const uint64_t seq = *view->LastSeq();
  std::istringstream second(csv);
  auto rerun = ImportCatalogue(hq.store(), hq.writer(), hq.hlc(), second);
  REQUIRE(rerun.ok());
  CHECK(rerun->created == 0);
  CHECK(rerun->changed == 0);
  CHECK(rerun->unchanged == 2);
  auto after = hq.store().Read();
  REQUIRE(after.ok());
  CHECK(*after->LastSeq() == seq);

  std::istringstream unknown("sku,name,price_XYZ\nA,B,1\n");
  auto refused = ImportCatalogue(hq.store(), hq.writer(), hq.hlc(), unknown);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("'XYZ' is not an ISO 4217 currency code"));

  // Office prices, as `crm-hq product list --csv` prints them, in the
  // enrolled office's currency; an office not enrolled refuses the file.
  hq.Enroll("MSK", "RUB");
  std::istringstream office_prices("sku,price_GBP,office_price_MSK\n71053,3.39,330.00\n");
  auto priced = ImportCatalogue(hq.store(), hq.writer(), hq.hlc(), office_prices);
  REQUIRE(priced.ok());
  CHECK(priced->changed == 1);
  {
    auto priced_view = hq.store().Read();
    REQUIRE(priced_view.ok());
    auto id = priced_view->FindByKey(EntityKind::PRODUCT, "71053");
    REQUIRE(id.ok());
    auto lantern = priced_view->Get(EntityKind::PRODUCT, *id);
    REQUIRE(lantern.ok());
    CHECK(OfficePrices(lantern->value<schema::Product>()) ==
          std::map<std::string, OfficePrice>{{"MSK", OfficePrice{33000, "RUB"}}});
  }
  std::istringstream not_enrolled("sku,office_price_PAR\n71053,3.00\n");
  auto no_office = ImportCatalogue(hq.store(), hq.writer(), hq.hlc(), not_enrolled);
  REQUIRE_FALSE(no_office.ok());
  CHECK_THAT(no_office.status().message(), Catch::Contains("no office PAR is enrolled here"));
}

}  // namespace
}  // namespace crm
