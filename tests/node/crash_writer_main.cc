// Child process of the crash test: writes clients from several threads through
// the group-commit writer and prints "ok <id> <phone>" for each write the
// writer acknowledged, until it is killed (or has written --max clients).
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "node/store/writer.h"
#include "schema/records.capnp.h"
#include "sync/change_builder.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DATA_DIR THREADS MAX_WRITES\n", argv[0]);
    return 2;
  }
  crm::SystemClock wall;
  auto store = crm::Store::Open({argv[1]}, wall);
  if (!store.ok()) {
    std::fprintf(stderr, "crash_writer: %s\n", store.status().ToString().c_str());
    return 1;
  }
  crm::HybridClock hlc(wall, (*store)->node_id(), 60'000);
  auto view = (*store)->Read();
  if (view.ok()) hlc.Restore(*view->HlcHighWater());
  view = crm::Status::Unavailable("released");  // end the read transaction

  crm::Writer writer(**store);
  const int threads = std::atoi(argv[2]);
  const int max_writes = std::atoi(argv[3]);
  std::mutex out_mutex;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = t; i < max_writes; i += threads) {
        crm::Id id = crm::Id::Generate(wall.NowMillis());
        std::string phone = "+4479" + id.ToString().substr(18, 8);
        auto change = std::make_shared<crm::ChangeMessage>(
            crm::ChangeMessage::Patch(crm::EntityKind::CLIENT, id, hlc.Now(), crm::Id{}));
        change->record<crm::schema::Client>().setFirstName("Crash");
        (void)change->Set("firstName");
        (void)change->AddElement("phones", phone);
        crm::Status status = writer.Run(
            [change](crm::StoreTxn& txn) { return txn.ApplyLocal(change->change()).status(); });
        if (!status.ok()) {
          std::fprintf(stderr, "crash_writer: %s\n", status.ToString().c_str());
          std::exit(1);
        }
        std::lock_guard lock(out_mutex);
        std::printf("ok %s %s\n", id.ToString().c_str(), phone.c_str());
        std::fflush(stdout);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  return 0;
}
