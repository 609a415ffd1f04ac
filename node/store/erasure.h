// The right to be forgotten (DESIGN.md, "erase"), at one node. The merge
// already reduces an erased client's own record to who it was and when it
// was erased (sync/merge.h); this takes the rest: the personal text of every
// record linked to the client (a note's text, a call's summary, feedback, a
// task's or deal's title, a file's name and content, a payment's comment, a
// refund's reason), every change in the log that carried any of it, the
// conflicts, duplicate pairs and quarantined changes that hold it. It runs in
// the transaction that applies the erase, at every node the erase reaches,
// so every copy goes; a change that arrives later with personal text for an
// erased client is scrubbed before it is stored. The store overwrites what
// it replaces with zeros and then wipes its free pages (Store::
// WipeFreePages), so no byte of it lingers in the file. See
// docs/storage.md, "Erasure".
#pragma once

#include <capnp/message.h>

#include <memory>

#include "node/store/store.h"
#include "schema/change.capnp.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

// The erase of client `client` took effect in `txn`: scrubs everything else
// the store holds of the client, in the same transaction.
Status ScrubErasedClient(StoreTxn& txn, const Id& client);

// `change` with its personal text taken out if it writes any into a record
// of a client erased in `view` (a note made at an office that had not heard
// of the erase yet); null if it does not.
Result<std::unique_ptr<capnp::MallocMessageBuilder>> ScrubbedIfErased(
    const StoreView& view, schema::Change::Reader change);

// `file` (a change of a file attached to a client erased here, arriving
// after the erase) is about to be stored scrubbed: erases the content it
// named (EraseFileContent), as the erase did for the files it found.
Status EraseContentOfLateFile(StoreTxn& txn, schema::Change::Reader file);

}  // namespace crm
