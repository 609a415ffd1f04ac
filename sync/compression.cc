#include "sync/compression.h"

#include <zstd.h>

namespace crm {

std::string Compress(std::string_view bytes) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  size_t size = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), 3);
  if (ZSTD_isError(size)) return {};
  out.resize(size);
  return out;
}

Result<std::string> Decompress(std::string_view bytes, size_t max_bytes) {
  unsigned long long declared = ZSTD_getFrameContentSize(bytes.data(), bytes.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return Status::Corruption("not a zstd frame");
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::Corruption("a zstd frame without its size is not accepted");
  }
  if (declared > max_bytes) {
    return Status::ResourceExhausted("a compressed message would expand to " +
                                     std::to_string(declared) + " bytes, over the limit of " +
                                     std::to_string(max_bytes));
  }
  std::string out(static_cast<size_t>(declared), '\0');
  size_t size = ZSTD_decompress(out.data(), out.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(size) || size != declared) {
    return Status::Corruption(std::string("bad zstd frame: ") + ZSTD_getErrorName(size));
  }
  return out;
}

}  // namespace crm
