#include "node/frontdesk/password.h"

#include <catch2/catch.hpp>

#include "node/common/crypto.h"

namespace crm {
namespace {

TEST_CASE("new password hashes are Argon2id, and PBKDF2 hashes of older stores still verify",
          "[node][password]") {
  auto hash = HashPassword("correct horse", PasswordCost::Cheap());
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$argon2id$", 0) == 0);
  CHECK(hash->find("correct horse") == std::string::npos);
  CHECK(VerifyPassword("correct horse", *hash));
  CHECK_FALSE(VerifyPassword("correct horsf", *hash));
  CHECK_FALSE(VerifyPassword("", *hash));
  auto again = HashPassword("correct horse", PasswordCost::Cheap());
  CHECK(*again != *hash);  // salted

  auto old = HashPbkdf2Password("battery staple", 1000);
  REQUIRE(old.ok());
  CHECK(VerifyPassword("battery staple", *old));
  CHECK_FALSE(VerifyPassword("battery stapler", *old));

  CHECK(HashPassword("short", PasswordCost::Cheap()).status().field() == "password");
  for (const char* bad : {"", "$argon2id$", "$argon2id$v=19$m=8,t=1,p=1$AAAA$AAAA", "$scrypt$x"}) {
    INFO(bad);
    CHECK_FALSE(VerifyPassword("anything at all", bad));
  }
}

TEST_CASE("the default cost is memory hard", "[node][password]") {
  PasswordCost cost;
  CHECK(cost.memory_bytes >= (19u << 20));  // OWASP's least for Argon2id
  auto hash = HashPassword("correct horse", cost);
  REQUIRE(hash.ok());
  CHECK(hash->find("$m=65536,t=3,p=1$") != std::string::npos);
}

}  // namespace
}  // namespace crm
