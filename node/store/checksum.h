// Checksums of stored values: the one place that knows xxHash (XXH3-64).
// A sealed value is stored as its bytes followed by 8 bytes, the checksum
// (little-endian) of the bytes keyed by the key they are stored under, so a
// flipped bit in the value, in the checksum or in the key is found when the
// value is read (see docs/storage.md, "Checksums").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace crm {

inline constexpr size_t kChecksumBytes = 8;

// XXH3-64 of `value`, seeded with XXH3-64 of `key`.
uint64_t KeyedChecksum(std::string_view key, std::string_view value);

// `value` followed by its keyed checksum, into `out` (replacing what it held).
void Seal(std::string_view key, std::string_view value, std::string& out);

// The value a sealed `stored` holds, or false if it is shorter than a
// checksum or its checksum does not match.
bool Unseal(std::string_view key, std::string_view stored, std::string_view* value);

}  // namespace crm
