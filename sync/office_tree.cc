#include "sync/office_tree.h"

#include "sync/base/wire.h"

namespace crm {

size_t CountBelow(const std::vector<PeerStatus>& peers) {
  size_t count = peers.size();
  for (const PeerStatus& peer : peers) count += CountBelow(peer.below);
  return count;
}

namespace {

void WriteOffice(const PeerStatus& peer, uint64_t behind, schema::BelowOffice::Builder office) {
  office.setOffice(peer.route);
  IdToWire(peer.node, office.initNode());
  office.setOnline(peer.online);
  office.setLastContact(peer.last_contact_ms);
  office.setReported(peer.reported);
  office.setUnsent(peer.unsent);
  office.setOldestUnsent(peer.oldest_unsent_ms);
  office.setBehind(behind);
  office.setRejected(peer.rejected);
  // Its own offices' figures are relative to its log, as it reported them.
  auto below = office.initBelow(static_cast<unsigned>(peer.below.size()));
  for (unsigned i = 0; i < below.size(); ++i) {
    WriteOffice(peer.below[i], peer.below[i].behind, below[i]);
  }
}

}  // namespace

void WriteBelow(const std::vector<PeerStatus>& peers, uint64_t log_seq,
                capnp::List<schema::BelowOffice>::Builder out) {
  for (unsigned i = 0; i < out.size() && i < peers.size(); ++i) {
    const PeerStatus& peer = peers[i];
    WriteOffice(peer, log_seq > peer.applied_through ? log_seq - peer.applied_through : 0, out[i]);
  }
}

void ReadBelow(capnp::List<schema::BelowOffice>::Reader in, int depth, size_t& budget,
               std::vector<PeerStatus>& out) {
  if (depth > kMaxBelowDepth) return;
  for (auto office : in) {
    if (budget == 0) return;
    --budget;
    PeerStatus peer;
    peer.route = office.getOffice().cStr();
    if (office.hasNode()) peer.node = IdFromWire(office.getNode());
    peer.online = office.getOnline();
    peer.last_contact_ms = office.getLastContact();
    peer.reported = office.getReported();
    peer.unsent = office.getUnsent();
    peer.oldest_unsent_ms = office.getOldestUnsent();
    peer.behind = office.getBehind();
    peer.rejected = office.getRejected();
    ReadBelow(office.getBelow(), depth + 1, budget, peer.below);
    out.push_back(std::move(peer));
  }
}

}  // namespace crm
