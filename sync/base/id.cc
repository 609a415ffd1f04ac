#include "sync/base/id.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace crm {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr size_t kTextLength = 26;

void FillRandom(uint8_t* out, size_t size) {
  size_t filled = 0;
  while (filled < size) {
    ssize_t got = getrandom(out + filled, size - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::perror("getrandom");
      std::abort();
    }
    filled += static_cast<size_t>(got);
  }
}

int DecodeChar(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  switch (c) {
    case 'I':
    case 'L': return 1;
    case 'O': return 0;
    default: break;
  }
  for (int i = 10; i < 32; ++i) {
    if (kCrockford[i] == c) return i;
  }
  return -1;
}

}  // namespace

Id Id::Generate(int64_t now_ms) {
  uint8_t random[10];
  FillRandom(random, sizeof(random));
  Id id;
  id.hi = (static_cast<uint64_t>(now_ms) & 0xFFFFFFFFFFFFULL) << 16 |
          static_cast<uint64_t>(random[0]) << 8 | random[1];
  for (int i = 2; i < 10; ++i) id.lo = id.lo << 8 | random[i];
  return id;
}

std::array<uint8_t, 16> Id::ToBytes() const {
  std::array<uint8_t, 16> bytes;
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    bytes[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  return bytes;
}

Id Id::FromBytes(const uint8_t* bytes) {
  Id id;
  for (int i = 0; i < 8; ++i) {
    id.hi = id.hi << 8 | bytes[i];
    id.lo = id.lo << 8 | bytes[8 + i];
  }
  return id;
}

std::string Id::ToString() const {
  // 26 characters carry 130 bits: the first one holds only the top 3 bits.
  std::string text(kTextLength, '0');
  uint64_t h = hi, l = lo;
  for (size_t i = kTextLength; i-- > 0;) {
    text[i] = kCrockford[l & 31];
    l = (l >> 5) | (h << 59);
    h >>= 5;
  }
  return text;
}

Result<Id> Id::Parse(std::string_view text) {
  if (text.size() != kTextLength) {
    return Status::InvalidArgument(
        "id", "an id has 26 characters, got " + std::to_string(text.size()));
  }
  uint64_t h = 0, l = 0;
  for (size_t i = 0; i < kTextLength; ++i) {
    int v = DecodeChar(text[i]);
    if (v < 0) {
      return Status::InvalidArgument(
          "id", std::string("'") + text[i] + "' is not a Crockford base32 character");
    }
    if (i == 0 && v > 7) return Status::InvalidArgument("id", "id is out of the 128-bit range");
    h = (h << 5) | (l >> 59);
    l = (l << 5) | static_cast<uint64_t>(v);
  }
  return Id{h, l};
}

}  // namespace crm
