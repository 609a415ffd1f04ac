// sale-commit on this project's node: see scenarios.h.
#include <atomic>
#include <thread>

#include "sync/wire.h"
#include "tools/bench/bench_node.h"
#include "tools/bench/scenarios.h"

namespace crm::bench {
namespace {

constexpr const char* kSkus[] = {"85123A", "71053", "84406B"};

}  // namespace

LatencyFigures RunSaleCommit(int clients, int sales_each) {
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

  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Till own = node.NewTill();
      ++ready;
      while (!go.load()) std::this_thread::yield();
      for (int s = 0; s < sales_each; ++s) {
        auto begun = std::chrono::steady_clock::now();
        own.Call("ring up a sale", [&](schema::Request::Builder r) {
          auto sale = r.initRecordSale();
          IdToWire(client_id, sale.initClient());
          auto lines = sale.initLines(3);
          for (unsigned l = 0; l < 3; ++l) {
            lines[l].setSku(kSkus[l]);
            lines[l].setQuantity(static_cast<int32_t>(1 + (s + l) % 3));
          }
          sale.initPayments(1)[0].setMethod(schema::PaymentMethod::CARD);
        });
        latencies[static_cast<size_t>(c)].push_back(MicrosSince(begun));
      }
    });
  }
  while (ready.load() < clients) std::this_thread::yield();
  auto start = std::chrono::steady_clock::now();
  go = true;
  for (std::thread& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (const auto& per_client : latencies) all.insert(all.end(), per_client.begin(), per_client.end());
  return Summarize(std::move(all), seconds);
}

}  // namespace crm::bench
