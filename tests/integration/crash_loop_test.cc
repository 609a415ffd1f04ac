// The crash loop: crm-node and crm-hq killed with SIGKILL at random moments
// under front-desk load and during sync.
//
// Two background threads ring up sales at LON and MSK through the real pos
// binary, each sale to a client of its own (so any sale can be found again by
// its client, acknowledged or not) and under a request id the test chooses.
// Meanwhile the main thread kills the hub or an office node with SIGKILL,
// fifteen times in a random order and at random moments while both desks are
// being served, and starts it again. Afterwards every node must hold the same
// state, and:
// - a sale whose `pos sale` succeeded is on its client's card exactly once,
//   with the receipt number and total the till printed, at both offices;
// - a sale whose call failed is there at most once (the node may have made
//   it before dying); half of them are retried with the same request id, as
//   a cashier would, and then count as acknowledged;
// - one sale in eight loses its reply and is retried with its request id
//   only after the node has been killed and restarted;
// - receipt numbers are never reused;
// - the hub's sales report counts, per office, exactly the sales found on
//   the cards, with their revenue, each to a different client.
//
// Checked against broken builds (each fails this test): an office that moves
// its push cursor when it sends a batch rather than when the hub acknowledges
// it (the hub lacked two thirds of an office's sales); a writer that answers
// before its commit (acknowledged sales lost, two runs of two); request
// outcomes kept in the node's memory instead of the store (lost-reply
// retries sold twice). What SIGKILL cannot show: commits not flushed to disk
// (MDB_NOSYNC) survive the death of a process in the page cache, so that
// build passes; only a machine crash would lose them.
//
// CRM_CRASH_SEED=N replays one schedule of kills (the threads' timing still
// varies).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/network.h"
#include "tests/support/process.h"

namespace crm {
namespace {

using nlohmann::json;
using testing::Network;
using testing::RunResult;

// One sale as the till saw it.
struct Attempt {
  std::string client;      // the client it was sold to (one per sale)
  std::string request_id;  // chosen here, so a failed call can be retried
  int quantity = 1;        // mugs at 4.50
  bool failed_once = false;
  bool reply_lost = false;       // its first call gave up at once; retried after a kill
  bool sold_unanswered = false;  // ... and the node had made the sale all the same
  bool acknowledged = false;     // some call for it succeeded
  std::string receipt;           // what the till printed, if acknowledged
  int64_t total = 0;             // minor units, if acknowledged
};

constexpr int64_t kMugPrice = 450;

// A 26-character request id, distinct per office and sale.
std::string RequestId(int office_index, int n) {
  std::string digits = std::to_string(static_cast<int64_t>(office_index + 1) * 100'000'000 + n);
  return std::string(26 - digits.size(), '0') + digits;
}

int64_t Minor(const json& value) {
  return value.is_string() ? std::stoll(value.get<std::string>()) : value.get<int64_t>();
}

// A front desk ringing up sales in a background thread, through the real pos
// binary, against a node that dies and comes back. Talks to the node at the
// endpoint given by `Restarted` (it changes with every start) with its own
// session file and scratch directory, so it shares nothing with the fixture.
class FrontDeskLoad {
 public:
  FrontDeskLoad(Network& net, std::string office, int office_index, uint32_t seed)
      : office_(std::move(office)),
        office_index_(office_index),
        session_(net.Path("load-" + office_ + ".session").string()),
        scratch_(net.Path("load-" + office_)),
        rng_(seed) {
    std::filesystem::create_directories(scratch_);
    endpoint_ = testing::WaitForLine(net.Path(office_ + ".endpoint"));
    thread_ = std::thread([this] { Loop(); });
  }
  // Gives up at once: the test is ending early.
  ~FrontDeskLoad() {
    abandon_ = true;
    Finish();
  }
  FrontDeskLoad(const FrontDeskLoad&) = delete;
  FrontDeskLoad& operator=(const FrontDeskLoad&) = delete;

  // The node was started again at `endpoint`.
  void Restarted(const std::string& endpoint) {
    std::lock_guard lock(mutex_);
    endpoint_ = endpoint;
    ++restarts_;
  }
  // Calls that succeeded so far.
  uint64_t progress() const { return progress_; }

  // Finishes the sale in progress, retries those whose replies were lost
  // until answered, and stops.
  void Finish() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // After Finish.
  const std::vector<Attempt>& attempts() const { return attempts_; }
  const std::string& error() const { return error_; }

 private:
  std::string Endpoint() {
    std::lock_guard lock(mutex_);
    return endpoint_;
  }
  int restarts() {
    std::lock_guard lock(mutex_);
    return restarts_;
  }

  // A short timeout by default: a call to a killed node stalls this desk for
  // three of them (a write is tried three times).
  RunResult Pos(const std::vector<std::string>& args, const std::string& input = "",
                int timeout_ms = 800) {
    std::vector<std::string> argv = {CRM_POS};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = testing::Run(argv, input,
                               {"POS_NODE=" + Endpoint(), "POS_SESSION_FILE=" + session_,
                                "POS_TIMEOUT_MS=" + std::to_string(timeout_ms)},
                               scratch_);
    if (r.exit_code == 0) ++progress_;
    return r;
  }

  // Logs in, again and again until the node answers: sessions end with the
  // node's process. False if told to give up.
  bool LogIn() {
    while (!abandon_) {
      if (Pos({"login", "admin"}, "admin-password\n").exit_code == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // A new client for the next sale; empty if stopped first. A failed add may
  // have left a client behind; it buys nothing, so it does not matter.
  std::string AddClient(int n) {
    while (!stopping_) {
      RunResult r = Pos(
          {"--json", "client", "add", "--first", "Crash", "--last", office_ + std::to_string(n)});
      if (r.exit_code == 0) return json::parse(r.out)["id"];
      if (!LogIn()) break;
    }
    return {};
  }

  bool Sell(Attempt& sale, int timeout_ms = 800) {
    RunResult r = Pos(
        {"--json", "sale", "--client", sale.client, "--line",
         "MUG:" + std::to_string(sale.quantity), "--pay", "cash", "--request-id", sale.request_id},
        "", timeout_ms);
    if (r.exit_code != 0) return false;
    json printed = json::parse(r.out)["receipt"]["sale"];
    sale.acknowledged = true;
    sale.receipt = printed["receiptNo"];
    sale.total = Minor(printed["total"]);
    // Receipt numbers rise at an office: one below the last printed was made
    // before it, by the first call of this sale.
    int64_t number = std::stoll(sale.receipt.substr(sale.receipt.rfind('-') + 1));
    sale.sold_unanswered = sale.reply_lost && number < last_receipt_;
    last_receipt_ = std::max(last_receipt_, number);
    return true;
  }

  // Tries the sales whose replies were lost again with their request ids
  // until answered: those lost before the node's last restart, or `all`.
  void RetryLostReplies(bool all) {
    for (auto it = lost_.begin(); it != lost_.end() && !abandon_;) {
      if (!all && it->second >= restarts()) {
        ++it;
        continue;
      }
      while (!abandon_ && !Sell(it->first)) {
        if (!LogIn()) break;
      }
      attempts_.push_back(it->first);
      it = lost_.erase(it);
    }
  }

  void Loop() {
    try {
      if (!LogIn()) return;
      for (int n = 0; !stopping_; ++n) {
        RetryLostReplies(false);
        Attempt sale;
        sale.request_id = RequestId(office_index_, n);
        sale.quantity = 1 + static_cast<int>(rng_() % 3);
        sale.client = AddClient(n);
        if (sale.client.empty()) break;
        // One sale in eight loses its reply: the till waits 1 ms. It is tried
        // again with its request id only once the node has been killed and
        // restarted since, so if the first call made the sale, the retry must
        // find it in the store, not in the dead process's memory.
        if (rng_() % 8 == 0) {
          int before = restarts();
          if (!Sell(sale, 1)) {
            sale.failed_once = true;
            sale.reply_lost = true;
            lost_.emplace_back(sale, before);
            continue;
          }
        } else if (!Sell(sale)) {
          sale.failed_once = true;
          // Half the failed sales are tried again with the same request id
          // until the node answers; the others are left as they are.
          bool retry = rng_() % 2 == 0;
          if (!LogIn()) break;
          while (retry && !abandon_ && !Sell(sale)) {
            if (!LogIn()) break;
          }
        }
        attempts_.push_back(sale);
      }
      RetryLostReplies(true);
    } catch (const std::exception& e) {
      error_ = office_ + ": " + e.what();
    }
  }

  const std::string office_;
  const int office_index_;
  const std::string session_;
  const std::filesystem::path scratch_;
  std::mt19937 rng_;  // this thread's only
  std::mutex mutex_;
  std::string endpoint_;                       // GUARDED_BY(mutex_)
  int restarts_ = 0;                           // GUARDED_BY(mutex_)
  std::vector<std::pair<Attempt, int>> lost_;  // the thread's: with restarts() then
  int64_t last_receipt_ = 0;                   // the thread's
  std::atomic<bool> stopping_{false};
  std::atomic<bool> abandon_{false};
  std::atomic<uint64_t> progress_{0};
  std::vector<Attempt> attempts_;  // the thread's until joined
  std::string error_;              // the thread's until joined
  std::thread thread_;
};

// The cards of `clients` that `office` holds, by client id, read through one
// pos shell. A client the office does not hold has no card in the map.
std::map<std::string, json> Cards(Network& net, const std::string& office,
                                  const std::vector<std::string>& clients) {
  net.Pos(office, {"login", "admin"}, "admin-password\n");
  std::string commands;
  for (const std::string& client : clients) commands += "--json card " + client + "\n";
  // The shell's exit code is its last command's: a missing client shows
  // below as a card not found.
  RunResult shell = net.Try(office, {"shell"}, commands + "exit\n");
  std::map<std::string, json> cards;
  std::istringstream out(shell.out);
  while ((out >> std::ws).peek() != std::char_traits<char>::eof()) {
    json card;
    out >> card;
    cards[card["card"]["id"]] = card["card"];
  }
  return cards;
}

TEST_CASE(
    "SIGKILL of offices and the hub at random moments under front-desk load loses no "
    "acknowledged sale and duplicates none",
    "[integration][faults]") {
  uint32_t seed = std::random_device{}();
  if (const char* given = std::getenv("CRM_CRASH_SEED")) {
    seed = static_cast<uint32_t>(std::stoul(given));
  }
  WARN("CRM_CRASH_SEED=" << seed);
  std::mt19937 rng(seed);

  Network net;
  const std::vector<std::string> offices = {"lon", "msk"};
  std::map<std::string, std::unique_ptr<FrontDeskLoad>> desks;
  for (int i = 0; i < 2; ++i) {
    desks[offices[i]] = std::make_unique<FrontDeskLoad>(net, offices[i], i, seed + 1 + i);
  }

  // Each of the three is killed five times, in a random order.
  std::vector<std::string> victims;
  for (int i = 0; i < 5; ++i) victims.insert(victims.end(), {"hq", "lon", "msk"});
  std::shuffle(victims.begin(), victims.end(), rng);
  auto busy = [&] {
    // Both desks have been answered since `before`: the kill lands in load.
    std::map<std::string, uint64_t> before;
    for (auto& [office, desk] : desks) before[office] = desk->progress();
    return net.Eventually([&] {
      for (auto& [office, desk] : desks) {
        if (desk->progress() <= before[office]) return false;
      }
      return true;
    });
  };
  for (size_t round = 0; round < victims.size(); ++round) {
    const std::string& victim = victims[round];
    INFO("round " << round << ": " << victim);
    REQUIRE(busy());
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 700)(rng)));
    if (victim == "hq") {
      CHECK(net.StopHub(SIGKILL) == -SIGKILL);
      net.StartHub();
    } else {
      CHECK(net.StopOffice(victim, SIGKILL) == -SIGKILL);
      net.StartOffice(victim);
      desks[victim]->Restarted(testing::WaitForLine(net.Path(victim + ".endpoint")));
    }
  }
  REQUIRE(busy());

  std::map<std::string, std::vector<Attempt>> sales;
  for (auto& [office, desk] : desks) {
    desk->Finish();
    INFO(desk->error());
    REQUIRE(desk->error().empty());
    sales[office] = desk->attempts();
  }
  // Checked on when they differ: the counts below say what went missing.
  CHECK(net.Eventually([&] { return net.Converged(); }));

  RunResult report = net.Hq({"report", "sales", "--json"});
  INFO(report.err);
  REQUIRE(report.exit_code == 0);
  std::map<std::string, json> hub;
  for (const json& row : json::parse(report.out)) hub[row["office"]] = row;

  std::set<std::string> receipts;
  for (const std::string& office : offices) {
    const std::vector<Attempt>& attempts = sales[office];
    size_t acknowledged = 0, failed = 0, retried = 0, lost = 0, sold_unanswered = 0;
    for (const Attempt& sale : attempts) {
      acknowledged += sale.acknowledged;
      failed += sale.failed_once && !sale.reply_lost;
      retried += sale.failed_once && !sale.reply_lost && sale.acknowledged;
      lost += sale.reply_lost;
      sold_unanswered += sale.sold_unanswered;
    }
    INFO(office << ": " << attempts.size() << " sales tried, " << acknowledged << " acknowledged; "
                << failed << " calls failed (a node killed), " << retried << " of those retried; "
                << lost << " replies lost, " << sold_unanswered
                << " of those sold before the retry");
    CHECK(acknowledged > 20);
    std::vector<std::string> clients;
    for (const Attempt& sale : attempts) clients.push_back(sale.client);

    // What the office itself and the other office hold.
    uint64_t found = 0;
    int64_t revenue = 0;
    for (const std::string& reader : offices) {
      std::map<std::string, json> cards = Cards(net, reader, clients);
      std::vector<std::string> wrong;  // one line per sale not as the till saw it
      for (const Attempt& sale : attempts) {
        auto card = cards.find(sale.client);
        const json on_card = card == cards.end() ? json::array() : card->second["sales"];
        std::string what = sale.request_id + " to " + sale.client + ": ";
        if (card == cards.end()) wrong.push_back(what + "the client (acknowledged) is missing");
        if (sale.acknowledged && on_card.size() != 1) {
          wrong.push_back(what + "receipt " + sale.receipt + " acknowledged, on the card " +
                          std::to_string(on_card.size()) + " times");
        } else if (sale.acknowledged && (on_card[0]["sale"]["receiptNo"] != sale.receipt ||
                                         Minor(on_card[0]["sale"]["total"]) != sale.total)) {
          wrong.push_back(what + "receipt " + sale.receipt + " acknowledged, the card shows " +
                          on_card[0]["sale"].dump());
        } else if (!sale.acknowledged && on_card.size() > 1) {
          wrong.push_back(what + "not acknowledged, on the card " + std::to_string(on_card.size()) +
                          " times");
        }
        if (sale.acknowledged && sale.total != sale.quantity * kMugPrice) {
          wrong.push_back(what + "the till printed a total of " + std::to_string(sale.total));
        }
        if (reader != office) continue;
        for (const json& sold : on_card) {
          ++found;
          revenue += Minor(sold["sale"]["total"]);
          std::string receipt = sold["sale"]["receiptNo"];
          if (!receipts.insert(receipt).second)
            wrong.push_back(what + "receipt " + receipt + " reused");
        }
      }
      std::string listed;
      for (size_t i = 0; i < wrong.size() && i < 20; ++i) listed += "\n  " + wrong[i];
      INFO(reader << " reads " << office << "'s sales: " << wrong.size() << " wrong" << listed);
      CHECK(wrong.empty());
    }
    CHECK(found >= acknowledged);

    // Headquarters counts the same sales, once each.
    std::string code = office == "lon" ? "LON" : "MSK";
    REQUIRE(hub.count(code) == 1);
    CHECK(hub[code]["sales"] == found);
    CHECK(hub[code]["revenue_minor"] == revenue);
    CHECK(hub[code]["clients"] == found);
  }
}

}  // namespace
}  // namespace crm
