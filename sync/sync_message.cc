#include "sync/sync_message.h"

#include <kj/exception.h>

#include <bit>
#include <cstdint>
#include <vector>

#include "schema/sync.capnp.h"
#include "sync/base/compression.h"

namespace crm {

static_assert(std::endian::native == std::endian::little, "capnp's framing is little-endian");

std::string EncodeSyncMessage(capnp::MessageBuilder& message) {
  auto segments = message.getSegmentsForOutput();
  // Capnp's flat framing: the segment count less one, each segment's size in
  // words, padded to a whole word; then the segments.
  std::vector<uint32_t> table(segments.size() + 1 + (segments.size() + 1) % 2, 0);
  table[0] = static_cast<uint32_t>(segments.size() - 1);
  size_t total = table.size() * sizeof(uint32_t);
  for (size_t i = 0; i < segments.size(); ++i) {
    table[i + 1] = static_cast<uint32_t>(segments[i].size());
    total += segments[i].asBytes().size();
  }
  std::vector<std::string_view> pieces;
  pieces.reserve(segments.size() + 1);
  pieces.emplace_back(reinterpret_cast<const char*>(table.data()), table.size() * sizeof(uint32_t));
  for (auto segment : segments) {
    auto bytes = segment.asBytes();
    pieces.emplace_back(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  }
  if (total >= kCompressAbove) {
    std::string packed = Compress(pieces);
    if (!packed.empty() && packed.size() + 64 < total) {
      capnp::MallocMessageBuilder wrapper(
          static_cast<unsigned>(packed.size() / sizeof(capnp::word) + 16));
      wrapper.initRoot<schema::SyncMessage>().setCompressed(
          kj::arrayPtr(reinterpret_cast<const kj::byte*>(packed.data()), packed.size()));
      return EncodeMessage(wrapper);
    }
  }
  std::string flat;
  flat.reserve(total);
  for (std::string_view piece : pieces) flat.append(piece);
  return flat;
}

Result<DecodedMessage> DecodeSyncMessage(std::string_view bytes) {
  CRM_ASSIGN_OR_RETURN(DecodedMessage outer, DecodedMessage::Decode(bytes));
  std::string inner_bytes;
  try {
    auto message = outer.Root<schema::SyncMessage>();
    if (!message.isCompressed()) return outer;
    auto data = message.getCompressed();
    CRM_ASSIGN_OR_RETURN(inner_bytes,
                         Decompress(std::string_view(reinterpret_cast<const char*>(data.begin()),
                                                     data.size()),
                                    kMaxSyncMessageBytes));
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("malformed sync message: ") + e.getDescription().cStr());
  }
  CRM_ASSIGN_OR_RETURN(DecodedMessage inner, DecodedMessage::Decode(inner_bytes));
  try {
    if (inner.Root<schema::SyncMessage>().isCompressed()) {
      return Status::Corruption("a compressed sync message inside another");
    }
  } catch (const kj::Exception& e) {
    return Status::Corruption(std::string("malformed sync message: ") + e.getDescription().cStr());
  }
  return inner;
}

}  // namespace crm
