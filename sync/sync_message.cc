#include "sync/sync_message.h"

#include <kj/exception.h>

#include "schema/sync.capnp.h"
#include "sync/compression.h"

namespace crm {

std::string EncodeSyncMessage(capnp::MessageBuilder& message) {
  std::string bytes = EncodeMessage(message);
  if (bytes.size() < kCompressAbove) return bytes;
  std::string packed = Compress(bytes);
  if (packed.empty() || packed.size() + 64 >= bytes.size()) return bytes;
  capnp::MallocMessageBuilder wrapper;
  wrapper.initRoot<schema::SyncMessage>().setCompressed(
      kj::arrayPtr(reinterpret_cast<const kj::byte*>(packed.data()), packed.size()));
  return EncodeMessage(wrapper);
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
