// The OpenSSL adapter: PBKDF2 password hashes (as stores made before
// Argon2id keep them, see node/frontdesk/password.h), session tokens and content
// hashes. PBKDF2 hashes are PBKDF2-HMAC-SHA256 with a random 16-byte salt,
// stored as "$pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>".
#pragma once

#include <string>
#include <string_view>

#include "sync/base/id.h"

#include "sync/base/status.h"

namespace crm {

// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
inline constexpr int kPasswordIterations = 600'000;

// kInvalidArgument (field "password") for a password shorter than 8 or longer
// than 1024 bytes.
Result<std::string> HashPbkdf2Password(std::string_view password,
                                       int iterations = kPasswordIterations);

// True if `password` matches `stored` (a HashPbkdf2Password result). Constant
// time in the comparison; false for a malformed `stored`.
bool VerifyPbkdf2Password(std::string_view password, std::string_view stored);

// `bytes` random bytes from the CSPRNG, hex-encoded.
std::string RandomToken(size_t bytes = 32);

// The SHA-256 of `data`, as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

// An id that is a function of `key` alone, so whoever makes it again (a
// re-run import, a second reminder run) finds what was made: the top 48 bits
// are `millis` (ids sort by time, as generated ones do), the other 80 come
// from the SHA-256 of the key.
Id DerivedId(std::string_view key, int64_t millis);

// SHA-256 over data given in pieces.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  // The digest as 64 lower-case hex digits. Ends the hashing.
  std::string HexDigest();

 private:
  void* context_;  // EVP_MD_CTX, kept out of this header
};

}  // namespace crm
