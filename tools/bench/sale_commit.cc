// sale-commit on this project's node: see scenarios.h.
#include <atomic>
#include <thread>

#include "node/frontdesk.h"
#include "node/runtime.h"
#include "node/server.h"
#include "pos-client/node_client.h"
#include "schema/frontdesk.capnp.h"
#include "sync/wire.h"
#include "tools/bench/scenarios.h"

namespace crm::bench {
namespace {

constexpr const char* kSkus[] = {"85123A", "71053", "84406B"};

// One front-desk connection with the session it works in.
class Till {
 public:
  Till(const std::string& endpoint, std::string session)
      : client_(endpoint, 30'000), session_(std::move(session)) {}

  // Sends a request built by `fill` and returns the response; dies on an error reply.
  template <typename Fill>
  DecodedMessage Call(const std::string& what, Fill fill) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<schema::Request>();
    request.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
    IdToWire(Id::Generate(0), request.initRequestId());
    request.setSession(session_);
    fill(request);
    DecodedMessage reply = Must(client_.Call(message), what);
    auto response = reply.Root<schema::Response>();
    if (response.isError()) {
      Die(what, Status::Internal(response.getError().getMessage().cStr()));
    }
    return reply;
  }

 private:
  pos::NodeClient client_;
  std::string session_;
};

}  // namespace

LatencyFigures RunSaleCommit(int clients, int sales_each) {
  ScratchDir dir;
  StoreRuntime node;
  StoreOptions store_options;
  store_options.dir = dir.path() / "node";
  Must(node.Open(store_options), "open store");
  OfficeConfig office;
  office.code = "BENCH";
  FrontDesk desk(*node.store, *node.writer, node.wall, *node.hlc, office);
  Must(desk.BootstrapAdmin("admin", "Bench Admin", "bench-password-1"), "bootstrap admin");
  ServerOptions server_options;
  server_options.endpoint = "tcp://127.0.0.1:*";
  server_options.workers = std::max(clients, 4);
  auto server = Must(FrontDeskServer::Start(desk, server_options), "front-desk server");

  Till setup(server->endpoint(), "");
  DecodedMessage login = setup.Call("login", [](schema::Request::Builder r) {
    auto args = r.initLogin();
    args.setLogin("admin");
    args.setPassword("bench-password-1");
  });
  std::string session = login.Root<schema::Response>().getSession().getToken().cStr();
  Till till(server->endpoint(), session);
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
  auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Till own(server->endpoint(), session);
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
  start = std::chrono::steady_clock::now();
  go = true;
  for (std::thread& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  server->Stop();
  std::vector<double> all;
  for (const auto& per_client : latencies) all.insert(all.end(), per_client.begin(), per_client.end());
  return Summarize(std::move(all), seconds);
}

}  // namespace crm::bench
