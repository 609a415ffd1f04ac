#include "node/common/crypto.h"

#include <catch2/catch.hpp>

namespace crm {
namespace {

// Few iterations keep the test fast; the format carries the count.
constexpr int kTestIterations = 1000;

TEST_CASE("a hashed password verifies, a wrong one does not", "[node][password]") {
  auto hash = HashPbkdf2Password("correct horse", kTestIterations);
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$pbkdf2-sha256$1000$", 0) == 0);
  CHECK(hash->find("correct horse") == std::string::npos);
  CHECK(VerifyPbkdf2Password("correct horse", *hash));
  CHECK_FALSE(VerifyPbkdf2Password("correct horsf", *hash));
  CHECK_FALSE(VerifyPbkdf2Password("", *hash));
}

TEST_CASE("the same password hashes differently each time (salted)", "[node][password]") {
  auto a = HashPbkdf2Password("correct horse", kTestIterations);
  auto b = HashPbkdf2Password("correct horse", kTestIterations);
  CHECK(*a != *b);
  CHECK(VerifyPbkdf2Password("correct horse", *b));
}

TEST_CASE("the default hash uses the recommended iteration count", "[node][password]") {
  auto hash = HashPbkdf2Password("correct horse");
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$pbkdf2-sha256$600000$", 0) == 0);
}

TEST_CASE("too short or too long passwords are refused", "[node][password]") {
  CHECK(HashPbkdf2Password("short", kTestIterations).status().field() == "password");
  CHECK_FALSE(HashPbkdf2Password(std::string(2000, 'x'), kTestIterations).ok());
}

TEST_CASE("malformed stored hashes never verify", "[node][password]") {
  for (const char* bad : {"", "plain", "$pbkdf2-sha256$", "$pbkdf2-sha256$abc$AAAA$AAAA",
                          "$pbkdf2-sha256$0$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
                          "$pbkdf2-sha256$1000$!!!!$!!!!"}) {
    INFO(bad);
    CHECK_FALSE(VerifyPbkdf2Password("anything at all", bad));
  }
}

TEST_CASE("tokens are random hex", "[node][password]") {
  std::string a = RandomToken();
  CHECK(a.size() == 64);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != RandomToken());
}

TEST_CASE("SHA-256 of known inputs", "[node][crypto]") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace crm
