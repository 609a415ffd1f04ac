# Shared value types of every CRM schema.
#
# Schema evolution: field numbers (@N) and enumerant numbers never change meaning.
# New fields are added with the next free number; a field that is no longer used
# is left in place (renamed obsoleteXxx) rather than removed or renumbered.
@0xf3603151aba82857;

$import "/capnp/c++.capnp".namespace("crm::schema");
using Cxx = import "/capnp/c++.capnp";

# A 128-bit identifier: 48 bits of Unix milliseconds followed by 80 random bits
# (see sync/base/id.h). Printed as 26 Crockford base32 characters. A null pointer
# means "no id".
struct Id {
  hi @0 :UInt64;
  lo @1 :UInt64;
}

# A hybrid logical clock stamp. Stamps are totally ordered by
# (physical, logical, node); the node id breaks ties between offices.
struct Stamp {
  physical @0 :Int64;   # UTC milliseconds
  logical @1 :UInt32;   # counter within one millisecond
  node @2 :Id;          # the node that issued the stamp
}

# A calendar date without a time zone (birth dates, due dates by day).
struct Date {
  year @0 :Int16;
  month @1 :UInt8;
  day @2 :UInt8;
}

# A key/value pair. Lists of it are merged as last-writer-wins maps: each key
# is its own element, stamped on its own.
struct Attribute {
  key @0 :Text;
  value @1 :Text;
}

# Every kind of record the CRM stores. A record's key is (kind, id).
enum EntityKind {
  client @0;
  sale @1;
  refund @2;
  payment @3;
  interaction @4;
  feedback @5;
  note @6;
  task @7;
  deal @8;
  product @9;
  campaign @10;
  user @11;
  office @12;
  file @13;
  tillLimit @14;
  fileContent @15;   # the bytes of attached files, keyed by their SHA-256 (FileContent)
}
