// The LMDB tables of a store (docs/storage.md). Private to the store floor:
// Store opens them; the small classes over a transaction (client index,
// blobs, audit chain, request log) each use their own.
#pragma once

#include "node/store/lmdb.h"

namespace crm {

struct StoreTables {
  lmdb::Table records;     // kind(1) + id(16) -> StoredRecord
  lmdb::Table log;         // seq (8, big-endian) -> Change, from the log floor on
  lmdb::Table meta;        // name -> value
  lmdb::Table by_phone;    // E.164 -> client ids
  lmdb::Table by_email;    // email -> client ids
  lmdb::Table by_card;     // loyalty card -> client ids
  lmdb::Table by_name;     // name key (client_index.h, NameKeysOf) -> client ids
  lmdb::Table by_identity;  // "name ..." or "address ..." (IdentityKeysOf) -> client ids
  lmdb::Table by_link;     // client or sale id -> kind(1) + id(16) of records naming it
  lmdb::Table by_key;      // kind(1) + login, SKU or receipt number -> ids
  lmdb::Table blobs;       // SHA-256 hex -> file content
  lmdb::Table log_source;  // seq -> id of the peer that delivered the entry (+ 'H': held back)
  lmdb::Table quarantine;  // origin(16) + origin seq(8) -> reason, 0, Change
  lmdb::Table duplicates;  // client id(16) + client id(16), smaller first -> what they share
  lmdb::Table requests;    // request id -> the response sent for it
  lmdb::Table conflicts;   // kind(1) + id(16) + field(2) + losing stamp(28) -> Conflict
  lmdb::Table audit;       // seq (8, big-endian) -> hash + AuditEntry (node/store/audit.h)
  lmdb::Table anomalies;   // kind(1) + id(16) -> what is wrong with the record
  lmdb::Table sessions;    // SHA-256 of a desk session's token -> the session (node/store/sessions.h)
};

}  // namespace crm
