// Encoding of Cap'n Proto messages as stored bytes, and their bounded, aligned
// decoding. Every reader of stored or received bytes goes through here.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>

#include <memory>
#include <string>
#include <string_view>

#include "sync/base/status.h"

namespace crm {

// Limits for reading untrusted or stored messages: at most 64 MiB traversed,
// at most 64 levels of nesting.
capnp::ReaderOptions BoundedReaderOptions();

// The same for a message of `words` words: a reader may traverse it 8 times
// over, and 64 MiB however small it is. A message carrying a 10 MiB file is
// read a few times whole (checked, hashed, copied into the log and the
// record); what the limit guards against is a small message whose pointers
// make it look huge.
capnp::ReaderOptions BoundedReaderOptions(size_t words);

// The message as one flat, unpacked byte string (a whole number of words).
std::string EncodeMessage(capnp::MessageBuilder& message);

// The message packed (Cap'n Proto's zero-byte packing): how the store keeps
// records and log entries, at about half the size.
std::string EncodePackedMessage(capnp::MessageBuilder& message);

// A decoded message. It owns a word-aligned copy of the bytes (LMDB values and
// network frames carry no alignment guarantee), so it outlives the transaction
// or frame it came from. Move-only.
class DecodedMessage {
 public:
  // kCorruption if `bytes` is not a well-formed message within the limits.
  static Result<DecodedMessage> Decode(std::string_view bytes);
  // The same for bytes from EncodePackedMessage.
  static Result<DecodedMessage> DecodePacked(std::string_view bytes);

  template <typename T>
  typename T::Reader Root() const {
    return reader_->getRoot<T>();
  }

  // The size of the message, unpacked.
  size_t bytes() const { return words_.size() * sizeof(capnp::word); }

 private:
  DecodedMessage() = default;
  kj::Array<capnp::word> words_;
  std::unique_ptr<capnp::MessageReader> reader_;
};

}  // namespace crm

namespace crm {

enum class Packing { kFlat, kPacked };

// Encodes a struct that lives inside another message as a message of its own.
template <typename Reader>
std::string EncodeStruct(Reader reader, Packing packing = Packing::kFlat) {
  capnp::MallocMessageBuilder message(
      static_cast<unsigned>(reader.totalSize().wordCount + 8));
  message.setRoot(reader);
  return packing == Packing::kPacked ? EncodePackedMessage(message) : EncodeMessage(message);
}

}  // namespace crm
