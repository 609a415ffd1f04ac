#include "node/store/checksum.h"

#include <xxhash.h>

namespace crm {
namespace {

void PutLittleEndian64(uint64_t v, char* out) {
  for (size_t i = 0; i < kChecksumBytes; ++i) out[i] = static_cast<char>(v >> (8 * i));
}

uint64_t GetLittleEndian64(const char* in) {
  uint64_t v = 0;
  for (size_t i = kChecksumBytes; i-- > 0;) v = v << 8 | static_cast<uint8_t>(in[i]);
  return v;
}

}  // namespace

uint64_t KeyedChecksum(std::string_view key, std::string_view value) {
  XXH64_hash_t seed = XXH3_64bits(key.data(), key.size());
  return XXH3_64bits_withSeed(value.data(), value.size(), seed);
}

void Seal(std::string_view key, std::string_view value, std::string& out) {
  out.resize(value.size() + kChecksumBytes);
  value.copy(out.data(), value.size());
  PutLittleEndian64(KeyedChecksum(key, value), out.data() + value.size());
}

bool Unseal(std::string_view key, std::string_view stored, std::string_view* value) {
  if (stored.size() < kChecksumBytes) return false;
  std::string_view bytes = stored.substr(0, stored.size() - kChecksumBytes);
  if (GetLittleEndian64(stored.data() + bytes.size()) != KeyedChecksum(key, bytes)) return false;
  *value = bytes;
  return true;
}

}  // namespace crm
