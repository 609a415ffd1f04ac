// 128-bit identifiers generated without coordination: 48 bits of Unix
// milliseconds followed by 80 random bits from the operating system's CSPRNG,
// printed as 26 Crockford base32 characters. Ids sort by creation time.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "sync/base/status.h"

namespace crm {

struct Id {
  uint64_t hi = 0;
  uint64_t lo = 0;

  // A new id stamped with `now_ms`. Thread-safe. Aborts only if the OS
  // random source is unavailable, which leaves no safe way to go on.
  static Id Generate(int64_t now_ms);

  // Parses the 26-character form (case-insensitive; I and L read as 1, O as 0).
  static Result<Id> Parse(std::string_view text);

  // The 16 bytes, big-endian: byte order equals id order.
  std::array<uint8_t, 16> ToBytes() const;
  static Id FromBytes(const uint8_t* bytes);

  std::string ToString() const;
  bool IsNull() const { return hi == 0 && lo == 0; }
  // The milliseconds part of a generated id.
  int64_t Millis() const { return static_cast<int64_t>(hi >> 16); }

  auto operator<=>(const Id&) const = default;
};

struct IdHash {
  size_t operator()(const Id& id) const { return std::hash<uint64_t>()(id.hi ^ (id.lo * 0x9E3779B97F4A7C15ULL)); }
};

}  // namespace crm
