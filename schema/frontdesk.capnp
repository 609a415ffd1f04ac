# The front-desk API between the `pos` client and its office's crm-node: one
# Request message per ZeroMQ frame, answered by one Response (version 1).
#
# Schema evolution: field numbers (@N) and enumerant numbers never change
# meaning; new operations are added as new union members with the next number.
@0x83f468f34d1c5759;

$import "/capnp/c++.capnp".namespace("crm::schema");

using Common = import "/schema/common.capnp";
using Records = import "/schema/records.capnp";
using Id = Common.Id;

const frontDeskProtocolVersion :UInt32 = 1;

struct Request {
  protocolVersion @0 :UInt32;
  requestId @1 :Id;          # chosen by the client; a retry reuses it and gets the first outcome
  session @2 :Text;          # token from a login; empty for login itself

  union {
    login @3 :Login;
    findClients @4 :FindClients;
    getClientCard @5 :Id;
    saveClient @6 :SaveClient;
    recordSale @7 :Records.Sale;
    status @8 :Void;
  }
}

struct Login {
  login @0 :Text;
  password @1 :Text;
}

# Free-form query: a phone in any common format, a loyalty card number, an
# email, or prefixes of name tokens in any script.
struct FindClients {
  query @0 :Text;
  limit @1 :UInt32 = 20;
}

# Creates a client (id null) or sets the listed fields of an existing one.
struct SaveClient {
  id @0 :Id;
  client @1 :Records.Client;
  fields @2 :List(Text);     # names of the fields to set; empty on create means all given
  addPhones @3 :List(Text);
  removePhones @4 :List(Text);
  addEmails @5 :List(Text);
  removeEmails @6 :List(Text);
  addTags @7 :List(Text);
  removeTags @8 :List(Text);
  setAttributes @9 :List(Common.Attribute);
  removeAttributes @10 :List(Text);
}

enum ErrorCode {
  invalidArgument @0;
  notFound @1;
  alreadyExists @2;
  conflict @3;
  permissionDenied @4;
  unauthenticated @5;
  resourceExhausted @6;
  unavailable @7;
  internal @8;
  versionMismatch @9;
}

struct Error {
  code @0 :ErrorCode;
  field @1 :Text;            # the offending field, when one is to blame
  message @2 :Text;
}

struct ClientSummary {
  id @0 :Id;
  client @1 :Records.Client;
}

struct ClientCard {
  id @0 :Id;
  client @1 :Records.Client;
  sales @2 :List(Records.Sale);
  totalSpent @3 :Int64;
  visitCount @4 :UInt32;
  lastVisit @5 :Int64;
}

struct NodeStatus {
  nodeId @0 :Id;
  office @1 :Text;
  records @2 :UInt64;
  logSeq @3 :UInt64;
  unsentChanges @4 :UInt64;
  lastHubContact @5 :Int64;
}

struct Response {
  requestId @0 :Id;
  union {
    error @1 :Error;
    session @2 :Text;
    clients @3 :List(ClientSummary);
    card @4 :ClientCard;
    saved @5 :Id;
    receipt @6 :Records.Sale;
    status @7 :NodeStatus;
  }
}
