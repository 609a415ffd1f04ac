// Kills a writing process with SIGKILL and checks that every write it was told
// is durable is in the store, whole, with its index and log entries.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "node/store/store.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"
#include "tests/support/temp_dir.h"

namespace crm {
namespace {

struct Ack {
  Id id;
  std::string phone;
};

// Starts the crash writer on `dir`, reads acknowledgements until `kill_after`
// of them arrived, then kills it with SIGKILL. Returns the acknowledgements.
std::vector<Ack> RunAndKill(const std::filesystem::path& dir, size_t kill_after) {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execl(CRM_CRASH_WRITER, CRM_CRASH_WRITER, dir.c_str(), "4", "1000000", nullptr);
    _exit(127);
  }
  close(pipe_fds[1]);
  FILE* out = fdopen(pipe_fds[0], "r");
  std::vector<Ack> acks;
  char line[256];
  while (acks.size() < kill_after && std::fgets(line, sizeof(line), out) != nullptr) {
    std::istringstream parse(line);
    std::string ok, id_text, phone;
    parse >> ok >> id_text >> phone;
    auto id = Id::Parse(id_text);
    REQUIRE(ok == "ok");
    REQUIRE(id.ok());
    acks.push_back({*id, phone});
  }
  kill(pid, SIGKILL);
  // Lines already in the pipe were acknowledged before the kill: count them too.
  while (std::fgets(line, sizeof(line), out) != nullptr) {
    std::istringstream parse(line);
    std::string ok, id_text, phone;
    parse >> ok >> id_text >> phone;
    if (ok != "ok") continue;
    auto id = Id::Parse(id_text);
    if (id.ok()) acks.push_back({*id, phone});
  }
  fclose(out);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status));
  return acks;
}

TEST_CASE("every acknowledged write survives kill -9 in the middle of writes",
          "[node][crash]") {
  testing::TempDir dir;
  std::vector<Ack> all_acks;
  for (size_t round = 0; round < 3; ++round) {
    std::vector<Ack> acks = RunAndKill(dir.path(), 300);
    REQUIRE(acks.size() >= 300);
    all_acks.insert(all_acks.end(), acks.begin(), acks.end());

    // Reopen after the crash: every acknowledged client is there, whole.
    SystemClock wall;
    auto store = Store::Open({dir.path()}, wall);
    INFO(store.status().ToString());
    REQUIRE(store.ok());
    auto view = (*store)->Read();
    REQUIRE(view.ok());
    for (const Ack& ack : all_acks) {
      auto record = view->Get(EntityKind::CLIENT, ack.id);
      INFO(ack.id.ToString());
      REQUIRE(record.ok());
      auto phones = record->value<schema::Client>().getPhones();
      REQUIRE(phones.size() == 1);
      REQUIRE(std::string(phones[0].cStr()) == ack.phone);
      REQUIRE(*view->client_index().FindByPhone(ack.phone) == std::vector<Id>{ack.id});
    }
    // The log is contiguous and holds one entry per stored record.
    uint64_t last = *view->LastSeq();
    CHECK(last == *(*store)->CountRecords());
    auto log = view->ReadLog(1, last + 1);
    REQUIRE(log.ok());
    REQUIRE(log->size() == last);
    std::set<Id> logged;
    for (size_t i = 0; i < log->size(); ++i) {
      REQUIRE((*log)[i].seq == i + 1);
      logged.insert(IdFromWire((*log)[i].change().getId()));
    }
    for (const Ack& ack : all_acks) REQUIRE(logged.count(ack.id) == 1);
  }
}

}  // namespace
}  // namespace crm
