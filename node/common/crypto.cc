#include "node/common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace crm {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;
constexpr std::string_view kPrefix = "$pbkdf2-sha256$";

std::string Base64(const unsigned char* data, size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Decodes base64 made by Base64 (which pads); empty on malformed input.
std::vector<unsigned char> Unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return {};
  std::vector<unsigned char> out(text.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return {};
  size_t padding = (text.back() == '=') + (text.size() > 1 && text[text.size() - 2] == '=');
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

bool Derive(std::string_view password, const unsigned char* salt, size_t salt_size, int iterations,
            unsigned char* key) {
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt,
                           static_cast<int>(salt_size), iterations, EVP_sha256(),
                           static_cast<int>(kKeyBytes), key) == 1;
}

void RandomBytes(unsigned char* out, size_t size) {
  if (RAND_bytes(out, static_cast<int>(size)) != 1) {
    std::fputs("crm: the OpenSSL random generator failed\n", stderr);
    std::abort();  // no safe way to go on without randomness
  }
}

std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

}  // namespace

Result<std::string> HashPbkdf2Password(std::string_view password, int iterations) {
  if (password.size() < 8) {
    return Status::InvalidArgument("password", "a password needs at least 8 characters");
  }
  if (password.size() > 1024) {
    return Status::InvalidArgument("password", "a password may have at most 1024 bytes");
  }
  unsigned char salt[kSaltBytes];
  RandomBytes(salt, sizeof(salt));
  unsigned char key[kKeyBytes];
  if (!Derive(password, salt, sizeof(salt), iterations, key)) {
    return Status::Internal("PBKDF2 failed");
  }
  return std::string(kPrefix) + std::to_string(iterations) + "$" + Base64(salt, sizeof(salt)) +
         "$" + Base64(key, sizeof(key));
}

bool VerifyPbkdf2Password(std::string_view password, std::string_view stored) {
  if (stored.substr(0, kPrefix.size()) != kPrefix || password.size() > 1024) return false;
  std::string_view rest = stored.substr(kPrefix.size());
  size_t a = rest.find('$');
  if (a == std::string_view::npos) return false;
  size_t b = rest.find('$', a + 1);
  if (b == std::string_view::npos) return false;
  std::string iterations_text(rest.substr(0, a));
  char* end = nullptr;
  long iterations = std::strtol(iterations_text.c_str(), &end, 10);
  if (end == iterations_text.c_str() || *end != '\0' || iterations < 1 || iterations > 10'000'000) {
    return false;
  }
  std::vector<unsigned char> salt = Unbase64(rest.substr(a + 1, b - a - 1));
  std::vector<unsigned char> expected = Unbase64(rest.substr(b + 1));
  if (salt.empty() || expected.size() != kKeyBytes) return false;
  unsigned char key[kKeyBytes];
  if (!Derive(password, salt.data(), salt.size(), static_cast<int>(iterations), key)) return false;
  return CRYPTO_memcmp(key, expected.data(), kKeyBytes) == 0;
}

std::string RandomToken(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  RandomBytes(raw.data(), raw.size());
  return Hex(raw.data(), raw.size());
}

Id DerivedId(std::string_view key, int64_t millis) {
  std::string hex = Sha256Hex(key);
  uint64_t a = std::stoull(hex.substr(0, 16), nullptr, 16);
  uint64_t b = std::stoull(hex.substr(16, 16), nullptr, 16);
  return Id{(static_cast<uint64_t>(millis) << 16) | (a & 0xffff), b};
}

namespace {

// SHA-256 fetched from OpenSSL's provider once: EVP_sha256() looks it up
// again on every digest, a good part of the cost of hashing a short text.
const EVP_MD* Sha256Algorithm() {
  static EVP_MD* const algorithm = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) {
      std::fputs("crm: OpenSSL has no SHA-256\n", stderr);
      std::abort();
    }
    return fetched;
  }();
  return algorithm;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, Sha256Algorithm(), nullptr) != 1) {
    std::fputs("crm: SHA-256 failed\n", stderr);
    std::abort();
  }
  return Hex(digest, size);
}

}  // namespace crm

namespace crm {

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (context_ == nullptr ||
      EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(context_), Sha256Algorithm(), nullptr) != 1) {
    std::fputs("crm: SHA-256 failed\n", stderr);
    std::abort();
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }

void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data.data(), data.size());
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), digest, &size);
  return Hex(digest, size);
}

}  // namespace crm
