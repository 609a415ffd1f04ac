// zstd, behind one adapter: the compressed form of large sync messages.
#pragma once

#include <string>
#include <string_view>

#include "sync/status.h"

namespace crm {

// Messages at least this large are sent compressed.
inline constexpr size_t kCompressAbove = 4096;

std::string Compress(std::string_view bytes);

// kCorruption if `bytes` is not a zstd frame, or kResourceExhausted if it
// would expand beyond `max_bytes` (a decompression bomb).
Result<std::string> Decompress(std::string_view bytes, size_t max_bytes);

}  // namespace crm
