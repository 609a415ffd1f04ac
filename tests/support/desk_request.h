// Front-desk requests in process, for unit tests: a request encoded as pos
// sends it, handed to FrontDesk::Handle, and the answer decoded.
#pragma once

#include <capnp/message.h>
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "node/frontdesk/frontdesk.h"
#include "schema/frontdesk.capnp.h"
#include "sync/base/clock.h"
#include "sync/base/codec.h"
#include "sync/base/id.h"
#include "sync/base/wire.h"

namespace crm::testing {

// A decoded answer of the front desk.
struct DeskReply {
  DecodedMessage message;
  schema::Response::Reader get() const { return message.Root<schema::Response>(); }
  bool ok() const { return !get().isError(); }
  // The error's parts; empty (and code INTERNAL) for a success.
  schema::ErrorCode code() const {
    return ok() ? schema::ErrorCode::INTERNAL : get().getError().getCode();
  }
  std::string error() const { return ok() ? "" : get().getError().getMessage().cStr(); }
  std::string error_field() const { return ok() ? "" : get().getError().getField().cStr(); }
};

using FillRequest = std::function<void(schema::Request::Builder)>;

// The encoded request `fill` makes, in `session`, with `request_id` (a new
// one, stamped by `wall`, if null).
inline std::string EncodeDeskRequest(Clock& wall, const std::string& session,
                                     const FillRequest& fill, Id request_id = Id{}) {
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<schema::Request>();
  request.setProtocolVersion(schema::FRONT_DESK_PROTOCOL_VERSION);
  if (request_id.IsNull()) request_id = Id::Generate(wall.NowMillis());
  IdToWire(request_id, request.initRequestId());
  request.setSession(session);
  fill(request);
  return EncodeMessage(message);
}

// Sends the encoded `request` to `desk` as `caller`; the answer decoded.
inline DeskReply SendToDesk(FrontDesk& desk, const std::string& request, const Caller& caller = {}) {
  auto decoded = DecodedMessage::Decode(desk.Handle(request, caller));
  REQUIRE(decoded.ok());
  return DeskReply{std::move(decoded).value()};
}

}  // namespace crm::testing
