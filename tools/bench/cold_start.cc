// cold-start: see scenarios.h.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "node/frontdesk/frontdesk.h"
#include "tools/bench/bench_node.h"
#include "tools/bench/scenarios.h"

extern char** environ;

namespace crm::bench {
namespace {

// Drops a file's pages from the page cache, so the next reader goes to disk
// (or at least to the block layer below the cache).
void EvictFromCache(const std::filesystem::path& file) {
  int fd = open(file.c_str(), O_RDONLY);
  if (fd < 0) Die("evicting " + file.string(), Status::IOError("cannot open"));
  fdatasync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
}

// A child process with its output in `log`; killed and reaped when done.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::filesystem::path& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    int rc = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) Die("starting " + args[0], Status::Unavailable(std::strerror(rc)));
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Waits for the exit; returns the exit code (-1 if killed by a signal).
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void Stop() {
    kill(pid_, SIGTERM);
    Wait();
  }

 private:
  pid_t pid_ = -1;
};

std::filesystem::path SiblingProgram(const std::string& relative) {
  return std::filesystem::canonical("/proc/self/exe").parent_path() / relative;
}

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

ColdStartFigures RunColdStart(size_t clients) {
  ScratchDir dir;
  const std::filesystem::path data = dir.path() / "data";
  {
    StoreRuntime runtime;
    StoreOptions options;
    options.dir = data;
    options.initial_map_bytes = size_t{1} << 30;
    Must(runtime.Open(options), "open store");
    FillClients(runtime, clients);
    OfficeConfig office;
    office.code = "BENCH";
    office.password_cost = PasswordCost::Cheap();  // the node's start is measured, not the password hash
    FrontDesk desk(*runtime.store, *runtime.writer, runtime.wall, *runtime.hlc, office);
    Must(desk.BootstrapAdmin("admin", "Bench Admin", "bench-password-1"), "bootstrap admin");
  }
  const std::string sqlite_path = (dir.path() / "clients.sqlite").string();
  FillSqliteClients(sqlite_path, clients);
  const BenchClient wanted = ClientNumber(clients / 2);

  ColdStartFigures figures;
  for (const auto& entry : std::filesystem::directory_iterator(data)) EvictFromCache(entry.path());
  const std::filesystem::path endpoint_file = dir.path() / "endpoint";
  auto start = std::chrono::steady_clock::now();
  Process node({SiblingProgram("../node/crm-node").string(), "serve", "--data", data.string(),
                "--office", "BENCH", "--listen", "tcp://127.0.0.1:*", "--endpoint-file",
                endpoint_file.string(), "--workers", "4"},
               dir.path() / "node.log");
  std::string endpoint;
  while (endpoint.empty()) {
    std::ifstream in(endpoint_file);
    if (in) std::getline(in, endpoint);
    if (endpoint.empty()) {
      if (MillisSince(start) > 120'000) {
        Die("cold start", Status::Unavailable("crm-node did not listen within 2 minutes; see " +
                                              (dir.path() / "node.log").string()));
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  figures.ready_ms = MillisSince(start);
  Till anonymous(endpoint, "");
  DecodedMessage login = anonymous.Call("login", [](schema::Request::Builder r) {
    auto args = r.initLogin();
    args.setLogin("admin");
    args.setPassword("bench-password-1");
  });
  Till till(endpoint, login.Root<schema::Response>().getSession().getToken().cStr());
  DecodedMessage found = till.Call("find a client", [&](schema::Request::Builder r) {
    auto find = r.initFindClients();
    find.setQuery(wanted.card);
    find.setLimit(20);
  });
  figures.first_lookup_ms = MillisSince(start);
  if (found.Root<schema::Response>().getClients().size() == 0) {
    Die("cold start", Status::NotFound("the first lookup found nothing for " + wanted.card));
  }
  node.Stop();

  EvictFromCache(sqlite_path);
  start = std::chrono::steady_clock::now();
  Process sqlite({"sqlite3", "-readonly", sqlite_path,
                  "SELECT hex(id), first_name, last_name, phone, email, card FROM clients "
                  "WHERE card = '" + wanted.card + "' LIMIT 20"},
                 dir.path() / "sqlite.log");
  if (sqlite.Wait() != 0) Die("cold start", Status::Internal("sqlite3 failed"));
  figures.sqlite_ms = MillisSince(start);
  return figures;
}

}  // namespace crm::bench
