// What a hub, at any level, takes in from the nodes below it. Headquarters
// (crm-hq) and a regional hub (crm-node --serve-sync) use this one rule set,
// so a change no hub would take cannot settle halfway up the tree. A refused
// change is quarantined with the reason at the hub and reported back to its
// office (see docs/replication.md, "Admission").
#pragma once

#include <map>
#include <string>

#include "node/store/store.h"
#include "schema/change.capnp.h"
#include "sync/base/clock.h"
#include "sync/base/id.h"
#include "sync/base/mutex.h"
#include "sync/base/status.h"

namespace crm {

// Products, campaigns, offices and the limits at the till: written only at
// headquarters, and refused by every hub from the nodes below it. (Users are
// one directory: an office writes its own, see DownstreamAdmission::Admit.)
bool IsHeadquartersKind(EntityKind kind);

// The largest file a hub takes from below unless told otherwise, the same
// as an office's attach limit (--max-file-bytes).
inline constexpr uint64_t kDefaultMaxFileBytes = 10u << 20;

class DownstreamAdmission {
 public:
  // Changes stamped more than `max_skew_ms` ahead of `wall` are refused, and
  // file content of more than `max_file_bytes`.
  // REQUIRES: `store` and `wall` outlive this.
  DownstreamAdmission(const Store& store, Clock& wall, int64_t max_skew_ms,
                      uint64_t max_file_bytes = kDefaultMaxFileBytes);
  DownstreamAdmission(const DownstreamAdmission&) = delete;
  DownstreamAdmission& operator=(const DownstreamAdmission&) = delete;

  // OK if `change` may be applied here; otherwise why not:
  // - kPermissionDenied: products, campaigns, offices and till limits are
  //   written only at headquarters; or the record names another office than
  //   the one its origin node is enrolled as (an office's code is bound to
  //   its key); or a user change that is not the office's own: a user of
  //   another office or of headquarters (the stored record's office counts
  //   for a patch that does not set it), or the role HQ manager;
  // - kInvalidArgument (field "stamp"): stamped further ahead of this hub's
  //   clock than the skew bound, so one wrong clock cannot win every later
  //   edit;
  // - kResourceExhausted (field "content"): file content larger than this
  //   hub takes (its --max-file-bytes); it stays at the office that has it.
  // Thread-safe.
  Status Admit(schema::Change::Reader change);

 private:
  // The rule for a user change from the office `enrolled` (see Admit).
  Status AdmitUser(schema::Change::Reader change, const std::string& enrolled);
  // kPermissionDenied for an erased copy of file content (no bytes, no
  // hash) that is live here.
  Status AdmitErasedContent(schema::Change::Reader change);
  // The office code `node` is enrolled as; "" if none.
  std::string OfficeOf(const Id& node);

  const Store& store_;
  Clock& wall_;
  const int64_t max_skew_ms_;
  const uint64_t max_file_bytes_;
  Mutex mutex_;
  std::map<Id, std::string> offices_ GUARDED_BY(mutex_);  // enrolled offices by node
  // The office of each user this admitted a change naming it: a batch is
  // admitted before it is applied, so a user made and then edited in one
  // push is not in the store yet when its edit is judged. Bounded.
  std::map<Id, std::string> admitted_users_ GUARDED_BY(mutex_);
};

}  // namespace crm
