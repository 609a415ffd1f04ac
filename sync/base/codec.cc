#include "sync/base/codec.h"

#include <capnp/serialize-packed.h>
#include <kj/exception.h>
#include <kj/io.h>

#include <algorithm>
#include <cstring>

namespace crm {

capnp::ReaderOptions BoundedReaderOptions() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 8u << 20;  // 64 MiB
  options.nestingLimit = 64;
  return options;
}

capnp::ReaderOptions BoundedReaderOptions(size_t words) {
  capnp::ReaderOptions options = BoundedReaderOptions();
  options.traversalLimitInWords = std::max<uint64_t>(options.traversalLimitInWords, 8 * uint64_t{words});
  return options;
}

std::string EncodeMessage(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

std::string EncodePackedMessage(capnp::MessageBuilder& message) {
  auto segments = message.getSegmentsForOutput();
  size_t words = 1 + segments.size() / 2;  // the segment table
  for (auto segment : segments) words += segment.size();
  // Packing never grows a message by more than one byte in 128 (plus the tag
  // bytes it writes); the buffer grows anyway if needed.
  kj::VectorOutputStream out(words * sizeof(capnp::word) + words / 8 + 16);
  capnp::writePackedMessage(out, segments);
  auto bytes = out.getArray();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

Result<DecodedMessage> DecodedMessage::DecodePacked(std::string_view bytes) {
  if (bytes.empty()) return Status::Corruption("empty packed message");
  auto packed = kj::ArrayPtr<const kj::byte>(reinterpret_cast<const kj::byte*>(bytes.data()),
                                             bytes.size());
  DecodedMessage decoded;
  try {
    size_t words = capnp::computeUnpackedSizeInWords(packed);
    if (words == 0 || words > BoundedReaderOptions().traversalLimitInWords) {
      return Status::Corruption("packed message unpacks to " + std::to_string(words) + " words");
    }
    decoded.words_ = kj::heapArray<capnp::word>(words);
    kj::ArrayInputStream in(packed);
    capnp::_::PackedInputStream unpacker(in);
    unpacker.read(decoded.words_.begin(), words * sizeof(capnp::word));
    decoded.reader_ =
        std::make_unique<capnp::FlatArrayMessageReader>(decoded.words_,
                                                        BoundedReaderOptions(decoded.words_.size()));
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("malformed packed message: ") +
                              e.getDescription().cStr());
  }
  return decoded;
}

Result<DecodedMessage> DecodedMessage::Decode(std::string_view bytes) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
    return Status::Corruption("message of " + std::to_string(bytes.size()) +
                              " bytes is not a whole number of 8-byte words");
  }
  DecodedMessage decoded;
  decoded.words_ = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(decoded.words_.begin(), bytes.data(), bytes.size());
  try {
    decoded.reader_ =
        std::make_unique<capnp::FlatArrayMessageReader>(decoded.words_,
                                                        BoundedReaderOptions(decoded.words_.size()));
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("malformed message: ") + e.getDescription().cStr());
  }
  return decoded;
}

}  // namespace crm
