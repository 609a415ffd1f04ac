// client-card on this project's node: see scenarios.h.
#include <atomic>
#include <thread>

#include "sync/base/wire.h"
#include "tools/bench/bench_node.h"
#include "tools/bench/scenarios.h"

namespace crm::bench {

LatencyFigures RunClientCard(int opens) {
  BenchNode node(8);
  Till till = node.NewTill();
  till.Call("add a product", [](schema::Request::Builder r) {
    auto product = r.initSaveProduct();
    product.setSku("71053");
    product.setName("WHITE METAL LANTERN");
    product.setPrice(339);
    product.setActive(true);
  });
  auto add_client = [](Till& t, const std::string& first) {
    DecodedMessage saved = t.Call("add a client", [&](schema::Request::Builder r) {
      auto args = r.initSaveClient();
      args.getClient().setFirstName(first);
      args.getClient().setLastName("Card");
      auto fields = args.initFields(2);
      fields.set(0, "firstName");
      fields.set(1, "lastName");
    });
    return IdFromWire(saved.Root<schema::Response>().getSaved());
  };
  auto sale = [](Till& t, const Id& client, int n) {
    t.Call("ring up a sale", [&](schema::Request::Builder r) {
      auto args = r.initRecordSale();
      IdToWire(client, args.initClient());
      auto lines = args.initLines(3);
      for (unsigned l = 0; l < 3; ++l) {
        lines[l].setSku("71053");
        lines[l].setQuantity(static_cast<int32_t>(1 + (n + l) % 4));
      }
      args.initPayments(1)[0].setMethod(schema::PaymentMethod::CARD);
    });
  };

  // Her history: 200 events.
  Id anna = add_client(till, "Anna");
  for (int i = 0; i < kCardSales; ++i) sale(till, anna, i);
  for (int i = 0; i < kCardInteractions; ++i) {
    till.Call("log an interaction", [&](schema::Request::Builder r) {
      auto args = r.initLogInteraction();
      IdToWire(anna, args.initClient());
      args.setChannel(i % 2 ? schema::InteractionChannel::CALL : schema::InteractionChannel::VISIT);
      args.setSummary(fmt::format("asked about lanterns, visit {}", i));
    });
  }
  for (int i = 0; i < kCardNotes; ++i) {
    till.Call("add a note", [&](schema::Request::Builder r) {
      auto args = r.initAddNote();
      IdToWire(anna, args.initClient());
      args.setText(fmt::format("prefers the white lanterns ({})", i));
    });
  }
  // Everyone else's: other clients' sales around hers in the store.
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Till own = node.NewTill();
      Id other = add_client(own, fmt::format("Other{}", t));
      for (int i = 0; i < kOtherSales / 8; ++i) sale(own, other, i);
    });
  }
  for (std::thread& t : threads) t.join();

  std::vector<double> latencies;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < opens; ++i) {
    auto begun = std::chrono::steady_clock::now();
    DecodedMessage card = till.Call("open the card", [&](schema::Request::Builder r) {
      IdToWire(anna, r.initGetClientCard());
    });
    latencies.push_back(MicrosSince(begun));
    auto c = card.Root<schema::Response>().getCard();
    if (c.getSales().size() != kCardSales || c.getInteractions().size() != kCardInteractions ||
        c.getNotes().size() != kCardNotes) {
      Die("open the card", Status::Internal("the card does not show her whole history"));
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Summarize(std::move(latencies), seconds);
}

}  // namespace crm::bench
