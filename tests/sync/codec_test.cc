#include "sync/base/codec.h"

#include <capnp/message.h>
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "schema/records.capnp.h"

namespace crm {
namespace {

std::string PackedClient(const std::string& first_name, size_t phones) {
  capnp::MallocMessageBuilder message;
  auto client = message.initRoot<schema::Client>();
  client.setFirstName(first_name);
  auto list = client.initPhones(static_cast<unsigned>(phones));
  for (unsigned i = 0; i < phones; ++i) list.set(i, "+44207946" + std::to_string(1000 + i));
  return EncodePackedMessage(message);
}

TEST_CASE("a packed message decodes to the same record, smaller than unpacked", "[sync][codec]") {
  std::string packed = PackedClient("Zoë", 3);
  auto decoded = DecodedMessage::DecodePacked(packed);
  REQUIRE(decoded.ok());
  auto client = decoded->Root<schema::Client>();
  CHECK(std::string(client.getFirstName().cStr()) == "Zoë");
  REQUIRE(client.getPhones().size() == 3);
  CHECK(std::string(client.getPhones()[2].cStr()) == "+442079461002");

  capnp::MallocMessageBuilder message;
  message.setRoot(client);
  CHECK(packed.size() < EncodeMessage(message).size());
}

TEST_CASE("truncated, empty or random packed bytes are refused as corruption", "[sync][codec]") {
  std::string packed = PackedClient("Anna", 40);
  CHECK(DecodedMessage::DecodePacked("").status().code() == StatusCode::kCorruption);
  for (size_t cut : {size_t{1}, size_t{7}, packed.size() / 2, packed.size() - 1}) {
    auto decoded = DecodedMessage::DecodePacked(std::string_view(packed).substr(0, cut));
    INFO("cut at " << cut);
    CHECK(decoded.status().code() == StatusCode::kCorruption);
  }
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    std::string noise(1 + random() % 300, '\0');
    for (char& c : noise) c = static_cast<char>(random());
    auto decoded = DecodedMessage::DecodePacked(noise);
    if (decoded.ok()) {
      // Random bytes may happen to form a message; reading it must not crash.
      try {
        (void)decoded->Root<schema::Client>().getFirstName();
      } catch (const kj::Exception&) {
      }
    }
  }
}

}  // namespace
}  // namespace crm
