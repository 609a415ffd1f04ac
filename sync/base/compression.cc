#include "sync/base/compression.h"

#include <zstd.h>

#include <memory>

namespace crm {
namespace {

constexpr int kLevel = 3;

struct FreeCCtx {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct FreeDCtx {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// A context per thread: creating one per message costs more than
// compressing a batch (its tables are allocated and cleared each time).
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, FreeCCtx> context(ZSTD_createCCtx());
  return context.get();
}

ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, FreeDCtx> context(ZSTD_createDCtx());
  return context.get();
}

}  // namespace

std::string Compress(std::span<const std::string_view> pieces) {
  size_t total = 0;
  for (std::string_view piece : pieces) total += piece.size();
  ZSTD_CCtx* context = ThreadCCtx();
  if (context == nullptr) return {};
  ZSTD_CCtx_reset(context, ZSTD_reset_session_only);
  if (ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, kLevel)) ||
      ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(context, total))) {
    return {};
  }
  std::string out(ZSTD_compressBound(total), '\0');
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  for (size_t i = 0; i < pieces.size(); ++i) {
    ZSTD_inBuffer input{pieces[i].data(), pieces[i].size(), 0};
    const ZSTD_EndDirective mode = i + 1 == pieces.size() ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
      size_t left = ZSTD_compressStream2(context, &output, &input, mode);
      if (ZSTD_isError(left)) return {};
      // The output holds the bound, so zstd never stops for want of room.
      if (mode == ZSTD_e_end ? left == 0 : input.pos == input.size) break;
    }
  }
  if (pieces.empty()) {
    ZSTD_inBuffer input{nullptr, 0, 0};
    if (ZSTD_isError(ZSTD_compressStream2(context, &output, &input, ZSTD_e_end))) return {};
  }
  out.resize(output.pos);
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
  ZSTD_DCtx* context = ThreadDCtx();
  if (context == nullptr) return Status::Internal("zstd could not make a decompression context");
  std::string out(static_cast<size_t>(declared), '\0');
  size_t size = ZSTD_decompressDCtx(context, out.data(), out.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(size) || size != declared) {
    return Status::Corruption(std::string("bad zstd frame: ") +
                              (ZSTD_isError(size) ? ZSTD_getErrorName(size) : "size differs"));
  }
  return out;
}

}  // namespace crm
