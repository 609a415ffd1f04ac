#include "sync/base/id.h"

#include <catch2/catch.hpp>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace crm {
namespace {

TEST_CASE("an id prints as 26 Crockford characters and parses back", "[sync][id]") {
  Id id = Id::Generate(1'700'000'000'000);
  std::string text = id.ToString();
  REQUIRE(text.size() == 26);
  REQUIRE(text.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ") == std::string::npos);
  auto parsed = Id::Parse(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == id);
  CHECK(id.Millis() == 1'700'000'000'000);
}

TEST_CASE("parsing is case-insensitive and reads I, L as 1 and O as 0", "[sync][id]") {
  Id id{0x0123456789ABCDEFULL, 0x1111111111111111ULL};
  std::string text = id.ToString();
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(*Id::Parse(lower) == id);
  CHECK(*Id::Parse("0000000000000000000000000I") == *Id::Parse("00000000000000000000000001"));
  CHECK(*Id::Parse("0000000000000000000000000l") == *Id::Parse("00000000000000000000000001"));
  CHECK(*Id::Parse("000000000000000000000000O1") == *Id::Parse("00000000000000000000000001"));
}

TEST_CASE("malformed ids are rejected with the reason", "[sync][id]") {
  auto short_id = Id::Parse("ABC");
  REQUIRE_FALSE(short_id.ok());
  CHECK(short_id.status().field() == "id");
  CHECK(short_id.status().message().find("26 characters") != std::string::npos);
  auto bad_char = Id::Parse("0000000000000000000000000U");
  REQUIRE_FALSE(bad_char.ok());
  CHECK(bad_char.status().message().find("'U'") != std::string::npos);
  // 26 characters carry 130 bits; the top two must be zero.
  CHECK_FALSE(Id::Parse("80000000000000000000000000").ok());
  CHECK(Id::Parse("7ZZZZZZZZZZZZZZZZZZZZZZZZZ").ok());
}

TEST_CASE("ids sort by time, and bytes sort like ids", "[sync][id]") {
  Id early = Id::Generate(1000);
  Id late = Id::Generate(2000);
  CHECK(early < late);
  CHECK(early.ToBytes() < late.ToBytes());
  CHECK(early.ToString() < late.ToString());
  CHECK(Id::FromBytes(late.ToBytes().data()) == late);
}

TEST_CASE("ids generated concurrently in the same millisecond are unique", "[sync][id]") {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::vector<std::vector<Id>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) made[t].push_back(Id::Generate(42));
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<Id> all;
  for (const auto& ids : made) all.insert(ids.begin(), ids.end());
  CHECK(all.size() == size_t{kThreads} * kPerThread);
}

}  // namespace
}  // namespace crm
