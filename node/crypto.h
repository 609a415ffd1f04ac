// The OpenSSL adapter: password hashing, session tokens and content hashes.
// Password hashes are PBKDF2-HMAC-SHA256 with a random 16-byte salt,
// stored as "$pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>".
#pragma once

#include <string>
#include <string_view>

#include "sync/status.h"

namespace crm {

// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
inline constexpr int kPasswordIterations = 600'000;

// kInvalidArgument (field "password") for a password shorter than 8 or longer
// than 1024 bytes.
Result<std::string> HashPassword(std::string_view password, int iterations = kPasswordIterations);

// True if `password` matches `stored` (a HashPassword result). Constant time
// in the comparison; false for a malformed `stored`.
bool VerifyPassword(std::string_view password, std::string_view stored);

// `bytes` random bytes from the CSPRNG, hex-encoded.
std::string RandomToken(size_t bytes = 32);

// The SHA-256 of `data`, as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace crm
