#include "sync/codec.h"

#include <kj/exception.h>

#include <cstring>

namespace crm {

capnp::ReaderOptions BoundedReaderOptions() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 8u << 20;  // 64 MiB
  options.nestingLimit = 64;
  return options;
}

std::string EncodeMessage(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
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
        std::make_unique<capnp::FlatArrayMessageReader>(decoded.words_, BoundedReaderOptions());
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("malformed message: ") + e.getDescription().cStr());
  }
  return decoded;
}

}  // namespace crm
