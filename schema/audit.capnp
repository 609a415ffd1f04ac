# The audit log of a node: who did what, when, from where. Entries form a
# hash chain (see node/store/audit.h): each names the hash of the one before it, so
# an entry edited, removed or inserted afterwards breaks the chain.
#
# Schema evolution: field numbers (@N) never change meaning; new fields take
# the next free number.
@0x86658ac8cf3f7cef;

$import "/capnp/c++.capnp".namespace("crm::schema");

using Common = import "/schema/common.capnp";
using Records = import "/schema/records.capnp";

struct AuditEntry {
  seq @0 :UInt64;             # 1, 2, 3 ... without gaps
  time @1 :Int64;             # UTC milliseconds
  user @2 :Common.Id;         # null for the node itself or an operator's tool
  login @3 :Text;             # the login used ("crm-admin" for the operator's tool)
  role @4 :Records.Role;
  action @5 :Text;            # what was asked: "record a sale", "log in", "enroll an office" ...
  refused @6 :Bool;           # true if it was refused; `detail` says why
  detail @7 :Text;            # a receipt number, an office code, a reason
  requestId @8 :Common.Id;    # the front-desk request, if any
  subjects @9 :List(Subject); # the records it wrote
  prevHash @10 :Text;         # the hash of the entry before (hex), empty for the first
  approvedBy @11 :Common.Id;  # who approved it at the till (a manager's approval of a sale), if anyone
  approverLogin @12 :Text;    # their login (as typed, when the approval was refused)

  struct Subject {
    kind @0 :Common.EntityKind;
    id @1 :Common.Id;
  }
}
