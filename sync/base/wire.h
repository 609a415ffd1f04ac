// Conversions between the C++ value types of sync/ and their Cap'n Proto form.
#pragma once

#include "schema/common.capnp.h"
#include "sync/base/hlc.h"
#include "sync/base/id.h"

namespace crm {

inline Id IdFromWire(schema::Id::Reader wire) { return Id{wire.getHi(), wire.getLo()}; }

inline void IdToWire(const Id& id, schema::Id::Builder wire) {
  wire.setHi(id.hi);
  wire.setLo(id.lo);
}

inline Stamp StampFromWire(schema::Stamp::Reader wire) {
  return Stamp{wire.getPhysical(), wire.getLogical(), IdFromWire(wire.getNode())};
}

inline void StampToWire(const Stamp& stamp, schema::Stamp::Builder wire) {
  wire.setPhysical(stamp.physical);
  wire.setLogical(stamp.logical);
  IdToWire(stamp.node, wire.initNode());
}

}  // namespace crm
