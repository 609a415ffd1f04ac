#include "node/frontdesk/password.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

#include "node/common/crypto.h"

namespace crm {
namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

void InitSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("crm: libsodium could not start\n", stderr);
      std::abort();  // no safe way to hash passwords without it
    }
    return true;
  }();
  (void)ready;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost) {
  if (password.size() < 8) {
    return Status::InvalidArgument("password", "a password needs at least 8 characters");
  }
  if (password.size() > 1024) {
    return Status::InvalidArgument("password", "a password may have at most 1024 bytes");
  }
  InitSodium();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hash, password.data(), password.size(), cost.passes,
                            cost.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("not enough memory to hash the password");
  }
  return std::string(hash);
}

bool VerifyPassword(std::string_view password, std::string_view stored) {
  if (password.size() > 1024) return false;
  if (stored.substr(0, kArgon2idPrefix.size()) == kArgon2idPrefix) {
    if (stored.size() >= crypto_pwhash_STRBYTES) return false;
    InitSodium();
    std::string terminated(stored);  // libsodium reads a C string
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
  }
  return VerifyPbkdf2Password(password, stored);
}

}  // namespace crm
