// Encoding of sync protocol frames: large messages travel zstd-compressed
// inside a `compressed` SyncMessage; decoding undoes it within limits.
#pragma once

#include <capnp/message.h>

#include <string>
#include <string_view>

#include "sync/base/codec.h"
#include "sync/base/status.h"

namespace crm {

// The largest message a compressed frame may expand to.
inline constexpr size_t kMaxSyncMessageBytes = 256u << 20;

// The first segment of a control message (ack, pull, heartbeat ...): small,
// since capnp clears it on allocation, and it grows if needed.
inline constexpr unsigned kControlMessageWords = 128;

std::string EncodeSyncMessage(capnp::MessageBuilder& message);

// A SyncMessage, decompressed if it came compressed (once: a compressed
// message inside a compressed one is refused).
Result<DecodedMessage> DecodeSyncMessage(std::string_view bytes);

}  // namespace crm
