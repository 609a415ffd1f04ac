# The front-desk API between the `pos` client and its office's crm-node: one
# Request message per ZeroMQ frame, answered by one Response (version 1).
#
# Every request that writes carries a client-chosen requestId; a retry with
# the same id returns the first outcome and writes nothing again.
#
# Schema evolution: field numbers (@N) and enumerant numbers never change
# meaning; new operations are added as new union members with the next number.
@0x83f468f34d1c5759;

$import "/capnp/c++.capnp".namespace("crm::schema");

using Common = import "/schema/common.capnp";
using Records = import "/schema/records.capnp";
using Id = Common.Id;
using Attribute = Common.Attribute;

const frontDeskProtocolVersion :UInt32 = 1;

struct Request {
  protocolVersion @0 :UInt32;
  requestId @1 :Id;          # required for every write
  session @2 :Text;          # token from login; empty for login itself

  union {
    login @3 :Login;
    logout @4 :Void;
    status @5 :Void;
    findClients @6 :FindClients;
    getClientCard @7 :Id;
    saveClient @8 :SaveClient;
    recordSale @9 :NewSale;
    refundSale @10 :NewRefund;
    recordPayment @11 :NewPayment;
    logInteraction @12 :NewInteraction;
    addNote @13 :NewNote;
    createTask @14 :NewTask;
    completeTask @15 :Id;
    recordFeedback @16 :NewFeedback;
    attachFile @17 :NewFile;
    getFile @18 :Text;       # SHA-256 hex of the content, or a file's id (then with its name and type)
    getSale @19 :Text;       # receipt number or sale id
    # HQ's catalogue (refused at a node under a hub). Sets the name and
    # category, puts the product on sale, and sets the prices named:
    # `price` (minor units, with `currency`, default the office's) is one
    # entry of the price list; an entry of `prices` (key a currency) or of
    # `officePrices` (key an office code) holds an amount as people write it
    # ("34.99", in that currency's or that office's currency's minor units),
    # or an empty value to remove that price or override. Prices not named
    # are left as they are.
    saveProduct @20 :Records.Product;
    createUser @21 :NewUser;
    listDuplicates @22 :Void;
    mergeClients @23 :MergeClients;
    deleteClient @24 :Id;
    eraseClient @25 :Id;
    listConflicts @26 :Void;
    saveDeal @27 :SaveDeal;
    unlockLogin @28 :Text;   # lifts the lock of a login that failed too often (an admin)
    listTasks @29 :ListTasks;
    # The directory of users (docs/frontdesk.md, "Users"): an office's
    # managers manage its own users; headquarters' every user of the chain.
    # A user is named as at login: `kate` (this desk's office), `kate@LON`.
    listUsers @30 :ListUsers;
    setUserActive @31 :SetUserActive;  # deactivating revokes the user's sessions
    setUserRole @32 :SetUserRole;
    resetPassword @33 :ResetPassword;  # revokes the user's sessions
    listProducts @34 :ListProducts;
    # The work queue's actions (docs/frontdesk.md, "The work queue"); done
    # is completeTask. A cashier works their own and unassigned tasks of
    # their office, a manager every task of the office.
    reassignTask @35 :ReassignTask;
    snoozeTask @36 :SnoozeTask;
    # The office's deals and their pipeline (docs/frontdesk.md, "Deals").
    listDeals @37 :ListDeals;
  }
}

# Gives a task to another user of the office.
struct ReassignTask {
  task @0 :Id;
  to @1 :Text;         # the login of an active user of the caller's office
}

# Moves an open task's due time later: to `untilLocal`, or by `days`.
struct SnoozeTask {
  task @0 :Id;
  # "2026-11-30" or "2026-11-30T15:00", the office's local time (a date
  # alone means 09:00); it must lie ahead.
  untilLocal @1 :Text;
  # Or: this many days (1 to 365) after the task's due time, or after now
  # if that has passed, the same local time of day.
  days @2 :UInt32;
}

# The deals of the caller's office (and those the caller owns elsewhere),
# with the pipeline over the same deals. The filters narrow both.
struct ListDeals {
  byStage @0 :Bool;            # only deals at `stage`
  stage @1 :Records.DealStage;
  mine @2 :Bool;               # only deals the caller owns
  open @3 :Bool;               # only open deals (not won or lost)
  limit @4 :UInt32;            # at most this many listed; 0 means 200, and 1000 is the most
}

struct DealItem {
  id @0 :Id;
  deal @1 :Records.Deal;
  client @2 :Text;             # the client's name as the card shows it
  ownerLogin @3 :Text;         # how this desk names the owner: `kate`, `anna@HQ`
  ownerName @4 :Text;          # the owner's display name
  ageDays @5 :UInt32;          # whole days since it was opened (to its close, once closed)
}

# An amount in one currency.
struct CurrencyAmount {
  currency @0 :Text;
  amount @1 :Int64;            # minor units
}

# One stage of the pipeline: how many deals stand there and their amounts,
# each currency apart.
struct PipelineStage {
  stage @0 :Records.DealStage;
  count @1 :UInt32;
  amounts @2 :List(CurrencyAmount);
}

struct DealList {
  deals @0 :List(DealItem);    # by stage in pipeline order, newest first within one
  total @1 :UInt32;            # how many matched, before the limit
  pipeline @2 :List(PipelineStage);  # every stage, lead .. negotiation, won, lost
}

struct ListUsers {
  office @0 :Text;     # only this office's users (at headquarters); empty: all it manages
}

struct SetUserActive {
  login @0 :Text;
  active @1 :Bool;
}

struct SetUserRole {
  login @0 :Text;
  role @1 :Records.Role;
}

struct ResetPassword {
  login @0 :Text;
  password @1 :Text;   # the new password; never kept but as its hash
}

struct UserItem {
  id @0 :Id;
  login @1 :Text;            # how this desk names the user: `kate`, or `kate@LON`
  displayName @2 :Text;
  role @3 :Records.Role;
  office @4 :Text;
  active @5 :Bool;
  locked @6 :Bool;           # its login is locked here after too many failed attempts
}

# The catalogue as this office sees it: every product with its price lists,
# overrides and the price this office sells it at.
struct ListProducts {
  includeInactive @0 :Bool;  # products HQ took off sale too
}

struct ProductEntry {
  id @0 :Id;
  product @1 :Records.Product;
  price @2 :Int64;           # what this office charges, in its currency; -1: not sold here
  priceFrom @3 :Text;        # "office" (HQ's override for it), "list" (its currency's list) or ""
}

# The work queue: the open tasks of the caller's office (HQ's reminders and
# greetings among them) and those assigned to the caller, soonest due first
# (tasks without a due time last). The filters narrow it; all may be set.
struct ListTasks {
  mine @0 :Bool;       # only tasks assigned to the caller
  overdue @1 :Bool;    # only tasks whose due time has passed
  today @2 :Bool;      # only tasks due today, in the office's time zone
  limit @3 :UInt32;    # at most this many; 0 means 200, and 1000 is the most
}

struct TaskItem {
  id @0 :Id;
  task @1 :Records.Task;
  client @2 :Text;           # the client's name as the card shows it; empty if none
  assigneeLogin @3 :Text;    # empty if nobody is assigned
  assigneeName @4 :Text;     # the assignee's display name
  createdByLogin @5 :Text;   # who made it at a desk; empty for headquarters' tasks
  createdByName @6 :Text;
  fromHeadquarters @7 :Bool; # made by headquarters (a reminder, a greeting, a manager's task)
  overdue @8 :Bool;          # its due time has passed
  mayWork @9 :Bool;          # the caller may complete, reassign or snooze it
}

# Opens a deal (no `deal`), or moves one to another stage. A won or lost
# deal is closed: it moves no more.
struct SaveDeal {
  deal @0 :Id;                    # null: a new deal
  client @1 :Id;                  # a new deal's client
  title @2 :Text;                 # a new deal's title
  amount @3 :Int64;               # minor units, in the office's currency; a new deal's, or 0 to keep
  stage @4 :Records.DealStage;
}

# Merges `duplicate` into `survivor`: every office then shows the duplicate's
# history on the survivor's card, and finds the survivor for either.
struct MergeClients {
  survivor @0 :Id;
  duplicate @1 :Id;
}

struct DuplicatePair {
  first @0 :ClientSummary;
  second @1 :ClientSummary;
  shared @2 :Text;                # "phone +79123456789", "email ...", "card ...",
                                  # "name brown helen 1979-05-05", "address 12 baker street, london"
  reason @3 :Text;                # "same phone", "same email", "same card",
                                  # "same name and birth date", "same address"
}

# A value that lost to a concurrent edit (see change.capnp, Conflict), as a
# manager reviews it.
struct ConflictEntry {
  entity @0 :Text;                # "client", "task" ...
  id @1 :Id;
  label @2 :Text;                 # the client's name; empty for other records
  field @3 :Text;                 # the field's name in records.capnp
  lostValue @4 :Text;
  wonValue @5 :Text;
  lostAt @6 :Int64;               # when each value was written (UTC ms)
  wonAt @7 :Int64;
  lostOffice @8 :Text;            # office code of the node that wrote it (its node id if unknown)
  wonOffice @9 :Text;
}

struct Login {
  login @0 :Text;
  password @1 :Text;
}

# Free-form query: a phone in any common format, a loyalty card number, an
# email, or prefixes of name words in any script.
struct FindClients {
  query @0 :Text;
  limit @1 :UInt32 = 20;
}

# Creates a client (id null) or changes an existing one. Only the scalar
# fields named in `fields` are set (on create, every non-empty field is);
# sets and maps change element by element.
struct SaveClient {
  id @0 :Id;
  client @1 :Records.Client;
  fields @2 :List(Text);
  addPhones @3 :List(Text);       # any common format; stored as E.164
  removePhones @4 :List(Text);
  addEmails @5 :List(Text);
  removeEmails @6 :List(Text);
  addTags @7 :List(Text);
  removeTags @8 :List(Text);
  setAttributes @9 :List(Attribute);
  removeAttributes @10 :List(Text);
}

struct NewSaleLine {
  sku @0 :Text;                   # a product of the catalogue
  quantity @1 :Int32;
  unitPrice @2 :Int64 = -1;       # minor units; -1: the catalogue price
  discount @3 :Int64;             # minor units off the line
}

struct NewSale {
  client @0 :Id;                  # null for an anonymous sale
  lines @1 :List(NewSaleLine);
  payments @2 :List(Records.PaymentPart);
  campaignCode @3 :Text;
  channel @4 :Text;               # default "store"
  approval @5 :Approval;          # a manager's, for prices or discounts beyond the seller's limit
}

# A user who approves one operation at the till by giving their own login and
# password (docs/frontdesk.md, "Limits at the till"). The password is checked
# and forgotten: it is in no log, no audit entry and no remembered answer.
struct Approval {
  login @0 :Text;
  password @1 :Text;
}

struct NewRefund {
  sale @0 :Text;                  # receipt number or sale id
  lines @1 :List(Records.RefundLine);  # lineIndex and quantity; amount is computed
  method @2 :Records.PaymentMethod;
  reason @3 :Text;
  # A manager's, so that a user whose role may not refund (a cashier) can:
  # the approver's role must allow refunds (docs/frontdesk.md, "Refunds").
  approval @4 :Approval;
}

struct NewPayment {
  client @0 :Id;
  amount @1 :Int64;
  method @2 :Records.PaymentMethod;
  comment @3 :Text;
}

struct NewInteraction {
  client @0 :Id;
  channel @1 :Records.InteractionChannel;
  direction @2 :Records.Direction;
  summary @3 :Text;
}

struct NewNote {
  client @0 :Id;
  text @1 :Text;
}

struct NewTask {
  client @0 :Id;
  title @1 :Text;
  due @2 :Int64;                  # UTC milliseconds
  assignee @3 :Text;              # a user's login; empty: the caller
}

struct NewFeedback {
  client @0 :Id;
  score @1 :UInt8;
  comment @2 :Text;
  sale @3 :Text;                  # optional receipt number or sale id
}

struct NewFile {
  client @0 :Id;
  name @1 :Text;
  mediaType @2 :Text;
  content @3 :Data;
}

struct NewUser {
  login @0 :Text;
  displayName @1 :Text;
  role @2 :Records.Role;
  password @3 :Text;
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
  field @1 :Text;                 # the offending field, when one is to blame
  message @2 :Text;
}

struct Session {
  token @0 :Text;
  user @1 :Id;
  login @2 :Text;
  displayName @3 :Text;
  role @4 :Records.Role;
  office @5 :Text;
  currency @6 :Text;              # of every amount at this office
  timeZone @7 :Text;              # the office's IANA time zone, in which its times are shown
}

# A user a record names (a cashier, an author, an assignee), as people read it.
struct NamedUser {
  id @0 :Id;
  login @1 :Text;                 # as this desk names the user: `kate`, or `anna@HQ`
  displayName @2 :Text;
}

struct ClientSummary {
  id @0 :Id;
  client @1 :Records.Client;
}

struct SaleEntry {
  id @0 :Id;
  sale @1 :Records.Sale;
  refunded @2 :Int64;             # minor units refunded so far
  # Refunded beyond what the sale's lines sold: refunds made apart, at two
  # offices while their link was down (docs/frontdesk.md, "Refunds"); 0 normally.
  overRefunded @3 :Int64;
  approvedBy @4 :Text;            # the login of the user who approved the sale, if one did
}

struct RefundEntry { id @0 :Id; refund @1 :Records.Refund; }
struct PaymentEntry { id @0 :Id; payment @1 :Records.Payment; }
struct InteractionEntry { id @0 :Id; interaction @1 :Records.Interaction; }
struct NoteEntry { id @0 :Id; note @1 :Records.Note; }
struct TaskEntry { id @0 :Id; task @1 :Records.Task; }
struct FeedbackEntry { id @0 :Id; feedback @1 :Records.Feedback; }
struct FileEntry { id @0 :Id; file @1 :Records.FileAttachment; }

# A client's money in one currency, net of refunds.
struct CurrencyMoney {
  currency @0 :Text;
  totalSpent @1 :Int64;
  outstanding @2 :Int64;          # owed on credit
  sales @3 :UInt32;
}

# Everything the front desk shows about one client. Figures are derived from
# the events, never stored (see docs/frontdesk.md for their definitions).
struct ClientCard {
  id @0 :Id;
  client @1 :Records.Client;
  sales @2 :List(SaleEntry);
  refunds @3 :List(RefundEntry);
  payments @4 :List(PaymentEntry);
  interactions @5 :List(InteractionEntry);
  notes @6 :List(NoteEntry);
  tasks @7 :List(TaskEntry);
  feedback @8 :List(FeedbackEntry);
  files @9 :List(FileEntry);
  currency @10 :Text;
  totalSpent @11 :Int64;          # sales minus refunds
  visitCount @12 :UInt32;
  lastVisit @13 :Int64;
  averageTicket @14 :Int64;
  loyaltyBalance @15 :Int64;      # points
  outstanding @16 :Int64;         # owed on credit
  company @17 :ClientSummary;     # the company a person belongs to, if any
  merged @18 :List(ClientSummary); # duplicates merged into this client
  money @19 :List(CurrencyMoney);  # every currency the client paid in (the figures above are `currency`'s)
  deals @20 :List(DealItem);      # the client's deals, open ones first
  people @21 :List(NamedUser);    # every user the card's records name (cashiers, authors, assignees)
}

struct NodeStatus {
  nodeId @0 :Id;
  office @1 :Text;
  records @2 :UInt64;
  logSeq @3 :UInt64;
  unsentChanges @4 :UInt64;
  lastHubContact @5 :Int64;       # 0: never
  timeZone @6 :Text;
  currency @7 :Text;
  oldestUnsent @8 :Int64;         # when the oldest change not yet at the hub was made; 0: none
  hubConfigured @9 :Bool;         # this node has a hub to sync with
  hubConnected @10 :Bool;         # welcomed by the hub and heard from lately
  hubRefusal @11 :Text;           # why the hub refused this node last, if it did
  you @12 :Session;               # who asks (without the token)
  hubRejected @13 :UInt64;        # changes pushed from here the hub refused (quarantined) since this node started
  lastHubRejection @14 :Text;     # the hub's reason for the last of them
  clockProblem @15 :Text;         # why writes are refused for this node's clock, if they are
  hubLogSeq @16 :UInt64;          # the hub's newest log seq, as last heard
  pulledThrough @17 :UInt64;      # the hub's log applied here up to this seq
  now @18 :Int64;                 # the node's clock when it answered (UTC ms)
  hubLogSeqAsOf @19 :Int64;       # hubLogSeq is the hub's whole log as of this time (the node's clock); 0: never
}

struct Response {
  requestId @0 :Id;
  union {
    error @1 :Error;
    session @2 :Session;
    clients @3 :List(ClientSummary);
    card @4 :ClientCard;
    saved @5 :Id;                 # the id of what was created or changed
    receipt @6 :SaleEntry;
    status @7 :NodeStatus;
    file @8 :FileContent;
    done @9 :Void;
    refund @10 :RefundEntry;
    duplicates @11 :List(DuplicatePair);
    conflicts @12 :List(ConflictEntry);
    tasks @13 :List(TaskItem);
    users @14 :List(UserItem);
    products @15 :List(ProductEntry);
    deals @16 :DealList;
  }
}

struct FileContent {
  file @0 :Records.FileAttachment;
  content @1 :Data;
}
