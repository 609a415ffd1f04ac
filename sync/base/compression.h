// zstd, behind one adapter: the compressed form of large sync messages.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "sync/base/status.h"

namespace crm {

// Messages at least this large are sent compressed.
inline constexpr size_t kCompressAbove = 4096;

// One zstd frame (with its content size) of `pieces` concatenated, so a
// message's segments are compressed where they lie, without first being
// copied into one buffer. Empty only if zstd fails.
std::string Compress(std::span<const std::string_view> pieces);
inline std::string Compress(std::string_view bytes) { return Compress({&bytes, 1}); }

// kCorruption if `bytes` is not a zstd frame, or kResourceExhausted if it
// would expand beyond `max_bytes` (a decompression bomb).
Result<std::string> Decompress(std::string_view bytes, size_t max_bytes);

}  // namespace crm
