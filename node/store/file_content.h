// The bytes of attached files as replicated records (docs/storage.md,
// "Files"): a FileContent event per distinct content, whose id is a
// function of its SHA-256, so the same bytes attached at two offices make
// the same event and apply once. Every node checks the bytes against their
// hash before storing them; stores from before kept them only in the local
// blobs table (node/store/blobs.h), which reads fall back to.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <capnp/message.h>

#include "node/store/store.h"
#include "schema/change.capnp.h"
#include "sync/base/hlc.h"
#include "sync/base/id.h"
#include "sync/base/status.h"

namespace crm {

// True if `sha256` is 64 lower-case hex digits.
bool IsSha256Hex(std::string_view sha256);

// The id of the FileContent record of the bytes whose SHA-256 is `sha256`
// (lower-case hex): the same on every node.
Id FileContentId(std::string_view sha256);

// A FileContent event carrying `bytes`, whose SHA-256 the caller computed.
// The origin and origin seq are left for StoreTxn::ApplyLocal.
std::unique_ptr<capnp::MallocMessageBuilder> FileContentEvent(std::string_view sha256,
                                                              std::string_view bytes,
                                                              const Stamp& stamp, const Id& author);

// OK if `change` (an event of kind fileContent) holds what it claims: a
// SHA-256 in hex, the id derived from it, and content of `size` bytes, at
// least one, whose SHA-256 is that one. Otherwise kInvalidArgument (field
// "content", "sha256" or "id") saying what differs; such content is refused
// (quarantined) and never stored.
Status CheckFileContent(schema::Change::Reader change);

// True if `change` is file content an erasure emptied (in a log, after its
// client was erased): no hash, no bytes. It is valid, and applying it erases
// the record of that content (ErasedContentRecord).
bool IsErasedContent(schema::Change::Reader change);

// Writes into `out` the erased FileContent record `id`: nothing but its id
// and `erased` (as created and updated too).
void ErasedContentRecord(const Id& id, const Stamp& erased, schema::StoredRecord::Builder out);

// The same for a stored FileContent record (a snapshot page, a record
// fetched back, crm-admin verify); OK for an erased one.
Status CheckFileContentRecord(schema::StoredRecord::Reader stored);

// A copy of a fileContent `change` without its bytes (a quarantined or
// held-back copy keeps what it claimed, not the refused content).
std::unique_ptr<capnp::MallocMessageBuilder> WithoutContent(schema::Change::Reader change);

// The bytes of the file with this SHA-256: its FileContent record, or in a
// store from before those, the blobs table. kNotFound saying why not (never
// here, or erased).
Result<std::string> ReadFileContent(const StoreView& view, std::string_view sha256);

// True if this node holds a FileContent record for `sha256`, live or erased
// (then it needs none made).
Result<bool> HasFileContentRecord(const StoreView& view, std::string_view sha256);

// Publishes the files a store from before replicated content keeps only in
// its blobs table: for each (at most `limit` per call) a FileContent event
// is made here, stamped by `clock`, and the blob dropped, so the bytes are
// kept once (a blob whose content a record holds already is just dropped).
// Returns how many blobs went; call again until 0. A blob that is not under
// its own SHA-256 (damaged: crm-admin verify names it) stays. Does nothing
// while the store awaits its own history (a restored office).
Result<size_t> PublishLegacyBlobs(StoreTxn& txn, HybridClock& clock, size_t limit);

// Erases the FileContent record of `sha256` (an erased client's file): its
// bytes are overwritten where they lie and the record keeps only its id and
// `erased`, so content of it arriving later is dropped by the merge. A
// record not here yet is written erased, for the same reason.
Status EraseFileContent(StoreTxn& txn, std::string_view sha256, const Stamp& erased);

}  // namespace crm
