# The records of the CRM (see DESIGN.md, "Data model").
#
# Money is always an Int64 count of minor units (cents, kopecks) in the
# currency named beside it; never floating point. Times are UTC milliseconds.
#
# Mutable records (client, note, task, deal, product, campaign, user, office)
# are merged field by field: each top-level field is last-writer-wins on its
# own, a List(Text) field is a last-writer-wins element set and a
# List(Attribute) field is a last-writer-wins map. Event records (sale, refund,
# payment, interaction, feedback, file) are written once and never change.
#
# Schema evolution: field numbers (@N) and enumerant numbers never change
# meaning; new fields take the next free number.
@0xfbe589c34ce0865f;

$import "/capnp/c++.capnp".namespace("crm::schema");

using Common = import "/schema/common.capnp";
using Id = Common.Id;
using Date = Common.Date;
using Attribute = Common.Attribute;

enum ClientKind {
  person @0;
  company @1;
}

enum Gender {
  unspecified @0;
  female @1;
  male @2;
  other @3;
}

# Marketing consent for one channel.
enum Consent {
  unknown @0;
  granted @1;
  refused @2;
}

struct Address {
  country @0 :Text;    # ISO 3166-1 alpha-2
  region @1 :Text;
  city @2 :Text;
  street @3 :Text;     # street, house, flat: one free line
  postalCode @4 :Text;
}

struct Client {
  kind @0 :ClientKind;
  firstName @1 :Text;
  lastName @2 :Text;
  middleName @3 :Text;
  companyName @4 :Text;          # a company's own name
  company @5 :Id;                # the company a person belongs to
  phones @6 :List(Text);         # E.164, set
  emails @7 :List(Text);         # lower-cased, set
  address @8 :Address;
  birthDate @9 :Date;
  gender @10 :Gender;
  attributes @11 :List(Attribute);  # car brand, children, preferences ... (map)
  tags @12 :List(Text);          # set
  consentEmail @13 :Consent;
  consentSms @14 :Consent;
  consentPhone @15 :Consent;
  consentPost @16 :Consent;
  consentMessenger @17 :Consent;
  loyaltyCard @18 :Text;
  acquisitionChannel @19 :Text;  # walk-in, referral, web, campaign code ...
  responsible @20 :Id;           # responsible employee (a user)
  homeOffice @21 :Text;          # office code where the client was created
  createdAt @22 :Int64;
  mergedInto @23 :Id;            # a duplicate merged into this client (see DESIGN.md)
}

struct SaleLine {
  product @0 :Id;
  sku @1 :Text;
  name @2 :Text;
  quantity @3 :Int32;            # units; positive
  unitPrice @4 :Int64;           # minor units
  discount @5 :Int64;            # minor units off the whole line
  amount @6 :Int64;              # quantity * unitPrice - discount
}

enum PaymentMethod {
  cash @0;
  card @1;
  transfer @2;
  credit @3;                     # on account: adds to the client's balance due
  bonus @4;                      # loyalty points
  other @5;
}

struct PaymentPart {
  method @0 :PaymentMethod;
  amount @1 :Int64;
}

struct Sale {
  office @0 :Text;
  receiptNo @1 :Text;            # OFFICE-YYYYMMDD-NNNN
  cashier @2 :Id;
  client @3 :Id;                 # null for an anonymous sale
  time @4 :Int64;
  currency @5 :Text;             # ISO 4217
  lines @6 :List(SaleLine);
  payments @7 :List(PaymentPart);
  total @8 :Int64;
  campaignCode @9 :Text;
  channel @10 :Text;             # store, phone, web ...
  approvedBy @11 :Id;            # the user whose approval the till was given for it
                                 # (a price or discount beyond the cashier's limit); null if none
}

struct RefundLine {
  lineIndex @0 :UInt32;          # index into the sale's lines
  quantity @1 :Int32;
  amount @2 :Int64;
}

struct Refund {
  sale @0 :Id;
  office @1 :Text;
  cashier @2 :Id;
  client @3 :Id;
  time @4 :Int64;
  currency @5 :Text;
  lines @6 :List(RefundLine);
  amount @7 :Int64;
  method @8 :PaymentMethod;
  reason @9 :Text;
}

# A payment against the client's balance on credit.
struct Payment {
  client @0 :Id;
  office @1 :Text;
  cashier @2 :Id;
  time @3 :Int64;
  currency @4 :Text;
  amount @5 :Int64;
  method @6 :PaymentMethod;
  sale @7 :Id;                   # the sale it pays for, if any
  comment @8 :Text;
}

enum InteractionChannel {
  call @0;
  email @1;
  visit @2;
  social @3;
  sms @4;
}

enum Direction {
  inbound @0;
  outbound @1;
}

struct Interaction {
  client @0 :Id;
  office @1 :Text;
  employee @2 :Id;
  time @3 :Int64;
  channel @4 :InteractionChannel;
  direction @5 :Direction;
  summary @6 :Text;
}

struct Feedback {
  client @0 :Id;
  office @1 :Text;
  employee @2 :Id;
  time @3 :Int64;
  score @4 :UInt8;               # 1..5
  comment @5 :Text;
  sale @6 :Id;
}

struct Note {
  client @0 :Id;
  author @1 :Id;
  office @2 :Text;
  time @3 :Int64;
  text @4 :Text;
}

enum TaskStatus {
  open @0;
  done @1;
  cancelled @2;
}

struct Task {
  client @0 :Id;
  title @1 :Text;
  due @2 :Int64;
  assignee @3 :Id;
  status @4 :TaskStatus;
  office @5 :Text;
  createdBy @6 :Id;
  createdAt @7 :Int64;
  completedAt @8 :Int64;
}

enum DealStage {
  lead @0;
  qualified @1;
  proposal @2;
  negotiation @3;
  won @4;
  lost @5;
}

struct Deal {
  client @0 :Id;
  title @1 :Text;
  stage @2 :DealStage;
  amount @3 :Int64;
  currency @4 :Text;
  owner @5 :Id;
  office @6 :Text;
  createdAt @7 :Int64;
  furthestStage @8 :DealStage;   # the furthest open stage it reached (lead .. negotiation)
  closedAt @9 :Int64;            # when it was won or lost; 0 while open
}

# A product of the catalogue, owned by headquarters (docs/frontdesk.md,
# "The catalogue"). An office sells at the price of its own currency: the
# override HQ set for that office if any, else the price list of that
# currency; without either the product is not sold there.
struct Product {
  sku @0 :Text;
  name @1 :Text;
  # A price in `currency` (minor units), as records before price lists were
  # written: read as that currency's entry of `prices` unless `prices` has
  # one of its own.
  price @2 :Int64;
  currency @3 :Text;
  category @4 :Text;
  active @5 :Bool;
  # The price list per currency (map): key an ISO 4217 code, value the
  # price in that currency's minor units as decimal digits ("3499").
  # Each currency merges on its own, so two edits of different currencies
  # both keep.
  prices @6 :List(Attribute);
  # Per-office overrides (map): key an office code, value "<minor units>
  # <currency>" ("349900 RUB"), in that office's currency when HQ set it.
  # An override applies only while the office sells in its currency.
  officePrices @7 :List(Attribute);
}

struct Campaign {
  code @0 :Text;
  name @1 :Text;
  channel @2 :Text;
  startsAt @3 :Int64;
  endsAt @4 :Int64;
  active @5 :Bool;
}

enum Role {
  cashier @0;
  officeManager @1;
  hqManager @2;
  admin @3;
}

struct User {
  login @0 :Text;
  displayName @1 :Text;
  role @2 :Role;
  passwordHash @3 :Text;         # PHC-style string; never the password
  office @4 :Text;
  active @5 :Bool;
  # Changed (to a new random value) when the user's sessions are revoked: on
  # deactivation and on a password reset. A session opened under another
  # value is refused at every office (docs/frontdesk.md, "Sessions").
  sessionEpoch @6 :UInt64;
}

struct Office {
  code @0 :Text;
  name @1 :Text;
  timeZone @2 :Text;             # IANA name
  currency @3 :Text;
  publicKey @4 :Text;            # Z85 CURVE public key
  revoked @5 :Bool;
  node @6 :Id;                   # the node id of the office's store
  parent @7 :Text;               # office code of its regional hub; empty: HQ
}

# How far a role may lower prices at the till before a sale needs a
# manager's approval (docs/frontdesk.md, "Limits at the till"). Written only
# at headquarters (`crm-hq office limits`): one record per office and role,
# and per role one with no office, the chain-wide default. A limit of -1 is
# not set by this record: the chain-wide record's applies, then the
# built-in default.
struct TillLimit {
  office @0 :Text;               # the office's code; empty: the chain-wide default
  role @1 :Role;
  maxDiscount @2 :Int32 = -1;    # the largest discount of a line, in basis points of its price (1000: 10%)
  maxPriceCut @3 :Int32 = -1;    # the largest cut of a unit price below the catalogue's, in basis points of it
}

# A file attached to a client; the content is a FileBytes record (kind fileContent), found by
# the SHA-256 (docs/storage.md, "Files").
struct FileAttachment {
  client @0 :Id;
  name @1 :Text;
  mediaType @2 :Text;
  size @3 :UInt64;
  sha256 @4 :Text;               # lower-case hex
  office @5 :Text;
  author @6 :Id;
  time @7 :Int64;
}

# The bytes of an attached file: a write-once event whose id is derived from
# the SHA-256 of the bytes (FileContentId, node/store/file_content.h), so two
# offices attaching the same bytes make the same event. Every node checks on
# apply that `content` has `size` bytes and this SHA-256, and refuses it
# otherwise; a hub also refuses content over its --max-file-bytes.
struct FileBytes {
  sha256 @0 :Text;               # lower-case hex of the SHA-256 of content
  size @1 :UInt64;
  content @2 :Data;
}
