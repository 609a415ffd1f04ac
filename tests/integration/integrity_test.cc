// Damaged records with real processes: bits flipped in an office's data.mdb
// inside a client's record and a sale's. crm-admin verify names them (on the
// served store too), the desk refuses the damaged client instead of showing
// wrong figures, crm-admin digest fails cleanly, and the office fetches both
// back from the hub: the card reads as before.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "sync/base/entities.h"
#include "sync/base/id.h"
#include "tests/support/network.h"

namespace crm {
namespace {

using nlohmann::json;
using testing::Network;
using testing::RunResult;

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

// The record (kind, id) as the store in `dir` keeps it, read with mdb_dump.
std::string StoredRecord(const std::string& dir, EntityKind kind, const std::string& id) {
  auto parsed = Id::Parse(id);
  REQUIRE(parsed.ok());
  auto bytes = parsed->ToBytes();
  std::string key(1, static_cast<char>(kind));
  key.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  RunResult dump = testing::Run({CRM_MDB_DUMP, "-s", "records", dir}, "", {}, dir);
  REQUIRE(dump.exit_code == 0);
  const std::string wanted = " " + Hex(key) + "\n";
  size_t at = dump.out.find(wanted);
  REQUIRE(at != std::string::npos);
  size_t value = at + wanted.size() + 1;  // past the leading space
  return Unhex(dump.out.substr(value, dump.out.find('\n', value) - value));
}

// Flips a bit in the middle of every copy of `stored` in the store's file
// (pages freed since may hold old copies).
void Damage(const std::string& dir, const std::string& stored) {
  const std::string file = dir + "/data.mdb";
  std::string content;
  {
    std::ifstream in(file, std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  size_t copies = 0;
  for (size_t at = content.find(stored); at != std::string::npos; at = content.find(stored, at + 1)) {
    content[at + stored.size() / 2] = static_cast<char>(content[at + stored.size() / 2] ^ 0x10);
    ++copies;
  }
  REQUIRE(copies > 0);
  std::ofstream out(file, std::ios::binary | std::ios::in | std::ios::out);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  REQUIRE(out.good());
}

std::string Sell(Network& net, const std::string& office, const std::string& client) {
  json sale = net.Json(office, {"sale", "--client", client, "--line", "MUG:2", "--pay", "cash"});
  return sale["receipt"]["id"];
}

TEST_CASE("a record damaged at an office is refused, named by crm-admin verify, and fetched back from the hub",
          "[integration][integrity]") {
  Network net;
  std::string anna = net.Json("lon", {"client", "add", "--first", "Anna", "--last", "Petrova",
                                      "--phone", "+44 7911 123456"})["id"];
  std::string first_sale = Sell(net, "lon", anna);
  Sell(net, "lon", anna);
  auto card = [&](const std::string& office) { return net.Try(office, {"--json", "card", anna}); };
  REQUIRE(net.Eventually([&] {
    RunResult r = card("msk");
    return r.exit_code == 0 && json::parse(r.out)["card"]["sales"].size() == 2;
  }));
  // The card as the desk shows it (without the request's own id).
  auto shown = [&](const std::string& office) { return json::parse(card(office).out)["card"]; };
  const json before = shown("lon");
  RunResult sound = net.Admin({"verify", "--data", net.Data("lon")});
  INFO(sound.out << sound.err);
  CHECK(sound.exit_code == 0);  // while crm-node serves the store
  CHECK(sound.out.find("is sound") != std::string::npos);

  // Anna's record is damaged while the office is down.
  CHECK(net.StopOffice("lon", SIGTERM) == 0);
  Damage(net.Data("lon"), StoredRecord(net.Data("lon"), EntityKind::CLIENT, anna));
  RunResult found = net.Admin({"verify", "--data", net.Data("lon"), "--no-record"});
  INFO(found.out << found.err);
  CHECK(found.exit_code == 1);
  CHECK(found.out.find("client " + anna + " is damaged") != std::string::npos);
  RunResult digest = net.Admin({"digest", "--data", net.Data("lon")});
  CHECK(digest.exit_code == 1);  // an error, not an abort
  CHECK(digest.err.find("client " + anna + " is damaged") != std::string::npos);

  // Back up without the hub: the desk refuses the card, saying why.
  CHECK(net.StopHub(SIGTERM) == 0);
  net.StartOffice("lon");
  net.Pos("lon", {"login", "admin"}, "admin-password\n");
  RunResult refused = card("lon");
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("client " + anna + " is damaged") != std::string::npos);
  CHECK(refused.out.find("Petrova") == std::string::npos);

  // The hub is back: the office fetches Anna back, and her card reads as before.
  net.StartHub();
  INFO("LON: " << net.Log("lon") << "\nHQ: " << net.Log("hq"));
  REQUIRE(net.Eventually([&] { return card("lon").exit_code == 0; }));
  CHECK(shown("lon") == before);
  CHECK(net.Log("lon").find("replaced 1 damaged records with the hub's copies") != std::string::npos);

  // A sale damaged, found by verify alone (no read meets it): verify records
  // it, and the node fetches it back by itself.
  CHECK(net.StopOffice("lon", SIGTERM) == 0);
  Damage(net.Data("lon"), StoredRecord(net.Data("lon"), EntityKind::SALE, first_sale));
  RunResult recorded = net.Admin({"verify", "--data", net.Data("lon")});
  CHECK(recorded.exit_code == 1);
  CHECK(recorded.out.find("sale " + first_sale + " is damaged") != std::string::npos);
  CHECK(recorded.err.find("1 damaged records recorded") != std::string::npos);
  net.StartOffice("lon");
  net.Pos("lon", {"login", "admin"}, "admin-password\n");
  REQUIRE(net.Eventually([&] { return net.Admin({"verify", "--data", net.Data("lon")}).exit_code == 0; }));
  CHECK(shown("lon") == before);
  REQUIRE(net.Eventually([&] { return net.Converged(); }));
}

}  // namespace
}  // namespace crm
