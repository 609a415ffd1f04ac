// The status operation: what the node is, how far its link to the hub has
// got, and who is asking.
#include "node/frontdesk/internal.h"
#include "sync/base/wire.h"

namespace crm::frontdesk {

Status DeskStatus(Context& ctx, const StoreView& view, schema::Request::Reader,
                  schema::Response::Builder response) {
  const FrontDesk& desk = *ctx.desk;
  auto status = response.initStatus();
  IdToWire(ctx.store.node_id(), status.initNodeId());
  status.setOffice(ctx.office.code);
  CRM_ASSIGN_OR_RETURN(uint64_t records, ctx.store.CountRecords());
  status.setRecords(records);
  CRM_ASSIGN_OR_RETURN(uint64_t seq, view.LastSeq());
  status.setLogSeq(seq);
  // What this node made that the hub is not known to hold (all of it for a
  // node without a hub).
  const SyncSnapshot sync = desk.SyncStatus();
  CRM_ASSIGN_OR_RETURN(uint64_t made, view.LocalChangeCount());
  const uint64_t unsent = made > sync.hub_holds_own ? made - sync.hub_holds_own : 0;
  status.setUnsentChanges(unsent);
  if (unsent > 0) {
    // The first change of this node's own after what the hub is known to
    // hold: its stamp tells how long it has waited.
    const uint64_t after = sync.configured ? sync.uplink.pushed_through : 0;
    CRM_ASSIGN_OR_RETURN(std::vector<LogEntry> entries, view.ReadLog(after + 1, 2000, 16u << 20));
    for (const LogEntry& entry : entries) {
      auto change = entry.change();
      if (IdFromWire(change.getOrigin()) == ctx.store.node_id() &&
          change.getOriginSeq() > sync.hub_holds_own) {
        status.setOldestUnsent(change.getStamp().getPhysical());
        break;
      }
    }
  }
  status.setLastHubContact(sync.configured ? sync.uplink.last_contact_ms : 0);
  desk.FillSession(ctx.user, status.initYou());
  status.setHubConfigured(sync.configured);
  status.setHubConnected(sync.configured && sync.uplink.connected);
  if (sync.configured) {
    status.setHubRefusal(sync.uplink.refusal);
    status.setHubRejected(sync.uplink.rejected);
    status.setLastHubRejection(sync.uplink.last_rejection);
    status.setHubLogSeq(sync.uplink.hub_log_seq);
    status.setHubLogSeqAsOf(sync.uplink.hub_log_seq_as_of_ms);
    status.setPulledThrough(sync.uplink.pulled_through);
  }
  if (Status clock = desk.CheckClock(); !clock.ok()) status.setClockProblem(clock.message());
  status.setNow(ctx.wall.NowMillis());
  status.setTimeZone(ctx.office.time_zone);
  status.setCurrency(ctx.office.currency);
  return Status::Ok();
}

}  // namespace crm::frontdesk
