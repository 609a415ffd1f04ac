// Headquarters' catalogue with real processes: crm-hq product commands on
// the hub's store while `crm-hq serve` runs, and offices in two currencies
// (LON in GBP, MSK in RUB) selling at their own prices.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/network.h"

namespace crm {
namespace {

using nlohmann::json;
using testing::Network;
using testing::RunResult;

// Polls `check` for up to `seconds`.
bool Within(int seconds, const std::function<bool()>& check) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// What `office` says it charges for `sku` ("34.99 GBP", "not sold here ..."),
// "" if it does not list it.
std::string PriceHere(Network& net, const std::string& office, const std::string& sku) {
  RunResult listed = net.Try(office, {"--json", "product", "list"});
  if (listed.exit_code != 0) return "";
  const json parsed = json::parse(listed.out);  // kept: a loop over a temporary's member dangles
  for (const json& entry : parsed["products"]) {
    if (entry["product"]["sku"] == sku) return entry.value("price", std::string("?"));
  }
  return "";
}

TEST_CASE("a product HQ prices in GBP and RUB sells at LON in GBP and at MSK in RUB",
          "[integration][catalogue]") {
  Network net({}, false, {{"lon", "GBP"}, {"msk", "RUB"}});
  RunResult added = net.Hq({"product", "add", "LAMP", "--name", "Brass lamp", "--price",
                            "GBP=34.99", "--price", "RUB=3499.00", "--category", "Lighting"});
  INFO(added.err);
  REQUIRE(added.exit_code == 0);
  CHECK_THAT(added.out, Catch::Contains("prices: GBP 34.99, RUB 3499.00"));

  // Within a few seconds, with nothing else happening, both offices sell it
  // at their own currency's price.
  json lon_sale, msk_sale;
  CHECK(Within(5, [&] {
    RunResult sold = net.Try("lon", {"--json", "sale", "--line", "LAMP:1", "--pay", "cash"});
    if (sold.exit_code == 0) lon_sale = json::parse(sold.out);
    return sold.exit_code == 0;
  }));
  CHECK(Within(5, [&] { return PriceHere(net, "msk", "LAMP") == "349900"; }));
  RunResult msk_text = net.Try("msk", {"sale", "--line", "LAMP:1", "--pay", "cash"});
  INFO(msk_text.err);
  REQUIRE(msk_text.exit_code == 0);
  CHECK_THAT(msk_text.out, Catch::Contains("1 x 3499.00"));
  CHECK_THAT(msk_text.out, Catch::Contains("TOTAL RUB"));
  CHECK_THAT(msk_text.out, Catch::Contains("3499.00"));
  msk_sale = net.Json("msk", {"sale", "--line", "LAMP:1", "--pay", "cash"});
  REQUIRE(lon_sale.contains("receipt"));
  CHECK(lon_sale["receipt"]["sale"]["total"] == "3499");
  CHECK(lon_sale["receipt"]["sale"]["currency"] == "GBP");
  CHECK(msk_sale["receipt"]["sale"]["total"] == "349900");
  CHECK(msk_sale["receipt"]["sale"]["currency"] == "RUB");

  // A product with a GBP price only is not sold at MSK, which says why and
  // how headquarters fixes it.
  REQUIRE(net.Hq({"product", "add", "STAND", "--name", "Cake stand", "--price", "GBP=12.75"})
              .exit_code == 0);
  CHECK(Within(5, [&] { return PriceHere(net, "msk", "STAND") == "-1"; }));
  RunResult refused = net.Try("msk", {"sale", "--line", "STAND:1", "--pay", "cash"});
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.err, Catch::Contains("product STAND (Cake stand) has no price in RUB"));
  CHECK_THAT(refused.err, Catch::Contains("crm-hq product edit STAND --price RUB=AMOUNT"));
  CHECK(Within(5, [&] { return PriceHere(net, "lon", "STAND") == "1275"; }));

  // HQ's price for MSK alone is what MSK charges from then on; LON keeps
  // the list's.
  RunResult overridden = net.Hq({"product", "edit", "LAMP", "--office-price", "MSK=3000.00"});
  INFO(overridden.err);
  REQUIRE(overridden.exit_code == 0);
  CHECK_THAT(overridden.out, Catch::Contains("office prices: MSK RUB 3000.00"));
  CHECK(Within(5, [&] { return PriceHere(net, "msk", "LAMP") == "300000"; }));
  json msk_own = net.Json("msk", {"sale", "--line", "LAMP:1", "--pay", "cash"});
  CHECK(msk_own["receipt"]["sale"]["total"] == "300000");
  json lon_list = net.Json("lon", {"sale", "--line", "LAMP:1", "--pay", "cash"});
  CHECK(lon_list["receipt"]["sale"]["total"] == "3499");

  // An office may not add or change a product: refused at once, naming the fix.
  RunResult own = net.Try("lon", {"product", "add", "LAMP", "--name", "Cheap lamp", "--price", "0.01"});
  CHECK(own.exit_code != 0);
  CHECK_THAT(own.err, Catch::Contains("headquarters owns the catalogue"));
  CHECK_THAT(own.err, Catch::Contains("crm-hq product add|edit"));

  // Nor when it runs cut off from its hub for a while: its store has linked
  // to one, so its products would only be refused upstream.
  REQUIRE(net.StopOffice("lon", SIGTERM) == 0);
  net.StartOffice("lon", "", /*linked=*/false);
  net.Pos("lon", {"login", "admin"}, "admin-password\n");
  RunResult offline = net.Try("lon", {"product", "add", "LAMP", "--name", "Cheap lamp", "--price", "0.01"});
  CHECK(offline.exit_code != 0);
  CHECK_THAT(offline.err, Catch::Contains("headquarters owns the catalogue"));
  CHECK(net.Json("lon", {"sale", "--line", "LAMP:1", "--pay", "cash"})["receipt"]["sale"]["total"] ==
        "3499");

  // The list, as CSV in the import's columns.
  RunResult csv = net.Hq({"product", "list", "--csv"});
  REQUIRE(csv.exit_code == 0);
  CHECK_THAT(csv.out, Catch::Contains("sku,name,category,active,price_GBP,price_RUB,office_price_MSK\n"));
  CHECK_THAT(csv.out, Catch::Contains("LAMP,Brass lamp,Lighting,yes,34.99,3499.00,3000.00 RUB\n"));
  CHECK_THAT(csv.out, Catch::Contains("MUG,Blue mug,,yes,4.50,450.00,\n"));
}

TEST_CASE("crm-hq product refuses bad prices, unknown offices and SKUs with clear errors",
          "[integration][catalogue][cli]") {
  Network net({}, false, {{"msk", "RUB"}});
  auto fails = [&](const std::vector<std::string>& args, int code, const std::string& message) {
    RunResult r = net.Hq(args);
    INFO(r.err);
    CHECK(r.exit_code == code);
    CHECK_THAT(r.err, Catch::Contains(message));
  };
  fails({"product", "add", "Q", "--name", "Q", "--price", "GBP"}, 2,
        "give --price CUR=AMOUNT (like GBP=34.99), got 'GBP'");
  fails({"product", "add", "Q", "--name", "Q", "--price", "EURO=1.00"}, 2,
        "'EURO' is not an ISO 4217 currency code");
  fails({"product", "add", "Q", "--name", "Q", "--price", "GBP=-2.00"}, 2,
        "a price may not be negative");
  fails({"product", "add", "Q", "--name", "Q", "--price", "GBP=2.005"}, 2,
        "'2.005' is not a price in GBP");
  fails({"product", "add", "MUG", "--name", "Mug", "--price", "GBP=1.00"}, 3,
        "product MUG is in the catalogue already");
  fails({"product", "edit", "NOPE", "--price", "GBP=1.00"}, 4, "no product with SKU 'NOPE'");
  fails({"product", "edit", "MUG", "--office-price", "PAR=1.00"}, 4, "no office PAR is enrolled");
  fails({"product", "edit", "MUG", "--office-price", "MSK=1.005"}, 2, "'1.005' is not a price in RUB");
  // Nothing of the refused commands was written.
  RunResult list = net.Hq({"product", "list"});
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find("Q ") == std::string::npos);
  CHECK_THAT(list.out, Catch::Contains("GBP 4.50, RUB 450.00"));

  // An import: the good rows in, the bad ones reported with their lines.
  {
    std::ofstream file(net.Path("catalogue.csv"));
    file << "sku,name,category,price_GBP,price_RUB\n"
            "LAMP,Brass lamp,Lighting,34.99,3499.00\n"
            "BAD,Bad price,,3.999,\n"
            "MUG,,,4.75,\n";
  }
  RunResult imported = net.Hq({"product", "import", "--file", net.Path("catalogue.csv").string(),
                               "--rejects", net.Path("rejects.csv").string()});
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK_THAT(imported.out, Catch::Contains("3 rows read: 1 products added, 1 changed, 0 already so, 1 rejected"));
  std::ifstream rejects(net.Path("rejects.csv"));
  std::string text((std::istreambuf_iterator<char>(rejects)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("3,\"price_GBP: '3.999' is not a price in GBP"));
  RunResult again = net.Hq({"product", "import", "--file", net.Path("catalogue.csv").string()});
  CHECK_THAT(again.out, Catch::Contains("3 rows read: 0 products added, 0 changed, 2 already so, 1 rejected"));
  CHECK(Within(5, [&] { return PriceHere(net, "lon", "MUG") == "475"; }));
}

}  // namespace
}  // namespace crm
