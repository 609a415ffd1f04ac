# The replication protocol between a node and its upstream hub (DESIGN.md,
# "Log, cursors, protocol"). One SyncMessage per ZeroMQ frame. Delivery is
# never trusted: every message may be lost, repeated or reordered, and the
# protocol recovers from the cursors each side keeps.
#
# Schema evolution: field numbers (@N) and enumerant numbers never change
# meaning; new fields and union members take the next free number.
@0x9e8afa173f8e78bb;

$import "/capnp/c++.capnp".namespace("crm::schema");

using Common = import "/schema/common.capnp";
using Change = import "/schema/change.capnp".Change;
using StoredRecord = import "/schema/change.capnp".StoredRecord;
using Id = Common.Id;

const syncProtocolVersion :UInt32 = 1;
# Bumped when records.capnp or change.capnp change in a way old nodes cannot read.
const syncSchemaVersion :UInt32 = 1;

struct SyncMessage {
  union {
    hello @0 :Hello;
    welcome @1 :Welcome;
    push @2 :Push;
    pushAck @3 :PushAck;
    pull @4 :Pull;
    entries @5 :Entries;
    notify @6 :Notify;
    heartbeat @7 :Void;
    refused @8 :Refused;
    # Another SyncMessage, compressed with zstd (senders use it for large
    # messages: batches and log entries on slow links).
    compressed @9 :Data;
    snapshotRequest @10 :SnapshotRequest;
    snapshotPage @11 :SnapshotPage;
    officeStatus @12 :OfficeStatus;
    fetchRecords @13 :FetchRecords;
    fetchedRecords @14 :FetchedRecords;
  }
}

# Downstream -> upstream, first on every connection.
struct Hello {
  node @0 :Id;                 # the downstream node
  instance @1 :Id;             # its store instance (changes when restored from a backup)
  protocolVersion @2 :UInt32;
  schemaVersion @3 :UInt32;
  # The office code the node serves as. A hub refuses a node whose code is
  # not the one its key is enrolled as (empty: not checked here; every
  # record's office field still is, see docs/replication.md "Admission").
  office @4 :Text;
}

# Upstream -> downstream: where to resume.
struct Welcome {
  hub @0 :Id;
  instance @1 :Id;             # the hub's store instance
  # For every origin the hub has changes from: the highest contiguous origin
  # seq it holds. The downstream pushes what lies above these.
  have @2 :List(OriginSeq);
  logSeq @3 :UInt64;           # the hub's newest log seq
  oldestSeq @4 :UInt64;        # the oldest log seq the hub still keeps (log pruning)
}

struct OriginSeq {
  origin @0 :Id;
  seq @1 :UInt64;
}

# Downstream -> upstream: changes the upstream lacks, in each origin's order.
struct Push {
  batch @0 :UInt64;            # the sender's batch number, echoed in the ack
  changes @1 :List(Change);
}

# Upstream -> downstream, after the batch is durable.
struct PushAck {
  batch @0 :UInt64;
  have @1 :List(OriginSeq);    # what the hub now holds, for the origins in the batch
  rejected @2 :List(Rejection);
}

# A change the hub refused (quarantined); the rest of the batch went on.
struct Rejection {
  origin @0 :Id;
  originSeq @1 :UInt64;
  reason @2 :Text;
}

# Downstream -> upstream: send log entries after `after`.
struct Pull {
  after @0 :UInt64;
  max @1 :UInt32;
}

# Upstream -> downstream: log entries in seq order, without those that came
# from the puller. `through` is the last seq examined: the puller's cursor
# moves there even if every entry was skipped.
struct Entries {
  changes @0 :List(Change);
  through @1 :UInt64;
  logSeq @2 :UInt64;           # the hub's newest seq: more to pull if through < logSeq
  # The oldest seq the hub can still serve. Above `after + 1`, the entries the
  # puller needs are gone (pruned): it takes a snapshot instead.
  oldestSeq @3 :UInt64;
}

# Downstream -> upstream, every few seconds: what the node has not delivered
# yet, for the hub's view of its offices (crm-hq status).
struct OfficeStatus {
  unsent @0 :UInt64;           # changes the hub does not hold yet
  oldestUnsent @1 :Int64;      # when the oldest of them was made (UTC ms); 0: none
  below @2 :List(BelowOffice); # a regional hub: its own offices, as it sees them
}

# An office connected to a regional hub, as that hub sees its link; so
# headquarters shows the whole tree (crm-hq status). A hub keeps at most
# 10,000 of them, 8 levels deep.
struct BelowOffice {
  office @0 :Text;
  node @1 :Id;
  online @2 :Bool;
  lastContact @3 :Int64;       # UTC ms; 0: never
  reported @4 :Bool;           # it told its hub what it has not sent
  unsent @5 :UInt64;
  oldestUnsent @6 :Int64;
  behind @7 :UInt64;           # its hub's log entries it has not applied
  rejected @8 :UInt64;         # its changes its hub refused
  below @9 :List(BelowOffice);
}

# Downstream -> upstream: the next page of a snapshot of the hub's records,
# for a node whose pull cursor lies below the hub's oldest seq (a new office,
# or one offline for longer than the hub keeps its log).
struct SnapshotRequest {
  after @0 :Data;              # the key of the last record received; empty: from the first
  max @1 :UInt32;              # records per page
}

# Upstream -> downstream. Each page is read in one consistent view; the node
# merges the records into its own (record states merge like changes do) and,
# after the last page, follows the log from the first page's logSeq.
struct SnapshotPage {
  after @0 :Data;              # echoes the request
  records @1 :List(StoredRecord);
  last @2 :Data;               # the key of the last record in this page
  done @3 :Bool;               # nothing after this page
  logSeq @4 :UInt64;           # the hub's log seq when the page was read
  have @5 :List(OriginSeq);    # the hub's version vector then
}

# Downstream -> upstream: records this node holds damaged (their stored bytes
# fail their checksum; docs/storage.md, "Checksums"), by record key (as in
# snapshot pages), for the hub's copies. At most 1,000 keys; a hub that does
# not know this message drops it, and the node asks again later.
struct FetchRecords {
  keys @0 :List(Data);
}

# Upstream -> downstream: the hub's copies of the records asked for, read in
# one view, and the keys of those it does not serve (it has no such record,
# holds it damaged too, or keeps it from the offices). The node replaces its
# damaged bytes with each copy merged with the record's changes in its own log.
struct FetchedRecords {
  records @0 :List(StoredRecord);
  missing @1 :List(Data);
}

# Upstream -> downstream: the log grew to `logSeq`; or, with
# `answersHeartbeat`, the reply to a heartbeat, `logSeq` read after the
# heartbeat arrived (so the node knows the hub's log as of when it sent it).
struct Notify {
  logSeq @0 :UInt64;
  answersHeartbeat @1 :Bool;
}

struct Refused {
  reason @0 :Text;
  # True: the hub will not talk to this node (version, enrollment) until
  # someone acts. False: it lost track of the node (it restarted); say hello again.
  final @1 :Bool;
}
