// The offices below a regional hub, carried up in its OfficeStatus so
// headquarters shows the whole tree (schema::BelowOffice, `crm-hq status`).
#pragma once

#include <cstdint>
#include <vector>

#include "schema/sync.capnp.h"
#include "sync/hub.h"

namespace crm {

// At most this many offices below one peer are kept, at most kMaxBelowDepth
// levels deep; the rest of a longer list is dropped.
inline constexpr size_t kMaxOfficesBelow = 10'000;
inline constexpr int kMaxBelowDepth = 8;

// How many BelowOffice entries `peers` make, all levels counted (to size a
// message before writing it).
size_t CountBelow(const std::vector<PeerStatus>& peers);

// Writes `peers` (a hub's own, with `log_seq` its log's newest seq, and
// theirs below them) into `out`, which has room for peers.size().
void WriteBelow(const std::vector<PeerStatus>& peers, uint64_t log_seq,
                capnp::List<schema::BelowOffice>::Builder out);

// Reads what a regional hub reported into `out`, keeping within `budget`
// entries (decremented) and kMaxBelowDepth levels.
void ReadBelow(capnp::List<schema::BelowOffice>::Reader in, int depth, size_t& budget,
               std::vector<PeerStatus>& out);

}  // namespace crm
