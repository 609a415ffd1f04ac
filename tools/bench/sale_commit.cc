// sale-commit on this project's node: see scenarios.h.
#include "sync/base/wire.h"
#include "tools/bench/bench_node.h"
#include "tools/bench/scenarios.h"

namespace crm::bench {
namespace {

constexpr const char* kSkus[] = {"85123A", "71053", "84406B"};

}  // namespace

SaleCommitFigures RunSaleCommit(int clients, int sales_each) {
  BenchNode node(std::max(clients, 4));
  Till till = node.NewTill();
  for (size_t i = 0; i < std::size(kSkus); ++i) {
    till.Call("add a product", [&](schema::Request::Builder r) {
      auto product = r.initSaveProduct();
      product.setSku(kSkus[i]);
      product.setName(fmt::format("Product {}", kSkus[i]));
      product.setPrice(static_cast<int64_t>(255 + 100 * i));
      product.setActive(true);
    });
  }
  DecodedMessage saved = till.Call("add a client", [](schema::Request::Builder r) {
    auto args = r.initSaveClient();
    args.getClient().setFirstName("Anna");
    args.getClient().setLastName("Petrova");
    auto fields = args.initFields(2);
    fields.set(0, "firstName");
    fields.set(1, "lastName");
    args.initAddPhones(1).set(0, "+7 912 345 67 89");
  });
  Id client_id = IdFromWire(saved.Root<schema::Response>().getSaved());

  WriterStats before = node.writer_stats();
  SaleCommitFigures figures;
  figures.latency = RunClosedLoop(
      clients, sales_each, [&] { return node.NewTill(); },
      [&](Till& till_of_client, int s) {
        till_of_client.Call("ring up a sale", [&](schema::Request::Builder r) {
          auto sale = r.initRecordSale();
          IdToWire(client_id, sale.initClient());
          auto lines = sale.initLines(3);
          for (unsigned l = 0; l < 3; ++l) {
            lines[l].setSku(kSkus[l]);
            lines[l].setQuantity(static_cast<int32_t>(1 + (s + l) % 3));
          }
          sale.initPayments(1)[0].setMethod(schema::PaymentMethod::CARD);
        });
      });
  WriterStats after = node.writer_stats();
  if (after.commits > before.commits) {
    figures.sales_per_flush = static_cast<double>(after.requests - before.requests) /
                              static_cast<double>(after.commits - before.commits);
  }
  return figures;
}

}  // namespace crm::bench
