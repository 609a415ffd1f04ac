// Password hashes, the libsodium adapter: new hashes are Argon2id (memory
// hard, as OWASP recommends), in libsodium's encoded form
// "$argon2id$v=19$m=...,t=...,p=1$<salt>$<hash>"; PBKDF2 hashes that stores
// made before (node/common/crypto.h) still verify.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sync/base/status.h"

namespace crm {

// What one new hash costs: Argon2id passes and memory.
struct PasswordCost {
  uint64_t passes = 3;               // libsodium's "moderate" opslimit
  size_t memory_bytes = 64u << 20;   // 64 MiB, per hash at a time
  // The least libsodium takes: for tests and benchmarks, never production.
  static PasswordCost Cheap() { return PasswordCost{1, 8u << 10}; }
};

// An Argon2id hash of `password` with a random salt. kInvalidArgument (field
// "password") for a password shorter than 8 or longer than 1024 bytes.
Result<std::string> HashPassword(std::string_view password, const PasswordCost& cost = {});

// True if `password` matches `stored`, an Argon2id or a PBKDF2 hash; false for
// a malformed or unknown `stored`. Takes as long as the stored hash's cost.
bool VerifyPassword(std::string_view password, std::string_view stored);

}  // namespace crm
