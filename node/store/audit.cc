#include "node/store/audit.h"

#include <capnp/message.h>

#include <string_view>

#include "node/common/crypto.h"
#include "node/store/internal.h"
#include "schema/audit.capnp.h"
#include "sync/base/codec.h"
#include "sync/base/wire.h"

namespace crm {
namespace {

constexpr size_t kHashHex = 64;  // SHA-256 in hex

// The head as the meta table keeps it: "SEQ:HASH".
std::string Head(uint64_t seq, std::string_view hash) {
  return std::to_string(seq) + ":" + std::string(hash);
}

struct ParsedHead {
  uint64_t seq = 0;
  std::string hash;
};

Result<ParsedHead> ParseHead(std::string_view head) {
  ParsedHead parsed;
  if (head.empty()) return parsed;
  size_t colon = head.find(':');
  if (colon == std::string_view::npos || colon == 0 || head.size() - colon - 1 != kHashHex) {
    return Status::Corruption("the audit log's head is malformed");
  }
  for (char c : head.substr(0, colon)) {
    if (c < '0' || c > '9') return Status::Corruption("the audit log's head is malformed");
    parsed.seq = parsed.seq * 10 + static_cast<uint64_t>(c - '0');
  }
  parsed.hash = std::string(head.substr(colon + 1));
  return parsed;
}

AuditEvent EventOf(schema::AuditEntry::Reader entry) {
  AuditEvent event;
  event.time_ms = entry.getTime();
  event.user = IdFromWire(entry.getUser());
  event.login = entry.getLogin();
  event.role = entry.getRole();
  event.action = entry.getAction();
  event.refused = entry.getRefused();
  event.detail = entry.getDetail();
  event.request_id = IdFromWire(entry.getRequestId());
  for (auto subject : entry.getSubjects()) {
    event.subjects.emplace_back(subject.getKind(), IdFromWire(subject.getId()));
  }
  event.approved_by = IdFromWire(entry.getApprovedBy());
  event.approver_login = entry.getApproverLogin();
  return event;
}

}  // namespace

Result<std::vector<std::pair<uint64_t, std::string>>> AuditTableView::Read(uint64_t from,
                                                                           size_t limit) const {
  std::vector<std::pair<uint64_t, std::string>> entries;
  CRM_ASSIGN_OR_RETURN(lmdb::Cursor cursor, txn_.OpenCursor(audit_));
  CRM_RETURN_IF_ERROR(cursor.Seek(store_internal::BigEndian64(from)));
  while (cursor.valid() && entries.size() < limit) {
    if (cursor.key().size() != 8) return Status::Corruption("malformed audit log key");
    entries.emplace_back(store_internal::ReadBigEndian64(cursor.key()), std::string(cursor.value()));
    CRM_RETURN_IF_ERROR(cursor.Next());
  }
  return entries;
}

Result<std::string> AuditTableView::Head() const {
  auto head = txn_.Get(meta_, store_internal::kMetaAuditHead);
  if (!head.ok()) {
    if (head.status().code() == StatusCode::kNotFound) return std::string();
    return head.status();
  }
  return std::string(*head);
}

Status AuditTable::Put(uint64_t seq, std::string_view entry, std::string_view head) {
  CRM_RETURN_IF_ERROR(write_.Put(audit_, store_internal::BigEndian64(seq), entry));
  return write_.Put(meta_, store_internal::kMetaAuditHead, head);
}

Status AppendAudit(StoreTxn& txn, const AuditEvent& event) {
  CRM_ASSIGN_OR_RETURN(std::string head_text, txn.audit().Head());
  CRM_ASSIGN_OR_RETURN(ParsedHead head, ParseHead(head_text));

  capnp::MallocMessageBuilder message(256);
  auto entry = message.initRoot<schema::AuditEntry>();
  entry.setSeq(head.seq + 1);
  entry.setTime(event.time_ms);
  IdToWire(event.user, entry.initUser());
  entry.setLogin(event.login);
  entry.setRole(event.role);
  entry.setAction(event.action);
  entry.setRefused(event.refused);
  entry.setDetail(event.detail);
  IdToWire(event.request_id, entry.initRequestId());
  auto subjects = entry.initSubjects(static_cast<unsigned>(event.subjects.size()));
  for (unsigned i = 0; i < event.subjects.size(); ++i) {
    subjects[i].setKind(event.subjects[i].first);
    IdToWire(event.subjects[i].second, subjects[i].initId());
  }
  entry.setPrevHash(head.hash);
  if (!event.approved_by.IsNull()) IdToWire(event.approved_by, entry.initApprovedBy());
  if (!event.approver_login.empty()) entry.setApproverLogin(event.approver_login);

  std::string bytes = EncodePackedMessage(message);
  std::string hash = Sha256Hex(bytes);
  return txn.audit().Put(head.seq + 1, hash + bytes, Head(head.seq + 1, hash));
}

Result<std::vector<AuditRecord>> ReadAuditLog(const StoreView& view, uint64_t from, size_t limit) {
  CRM_ASSIGN_OR_RETURN(auto stored, view.audit().Read(from, limit));
  std::vector<AuditRecord> records;
  records.reserve(stored.size());
  for (const auto& [seq, value] : stored) {
    if (value.size() < kHashHex) {
      return Status::Corruption("audit entry " + std::to_string(seq) + " is truncated");
    }
    auto decoded = DecodedMessage::DecodePacked(std::string_view(value).substr(kHashHex));
    if (!decoded.ok()) {
      return Status::Corruption("audit entry " + std::to_string(seq) + " cannot be read");
    }
    try {
      records.push_back(
          AuditRecord{seq, value.substr(0, kHashHex), EventOf(decoded->Root<schema::AuditEntry>())});
    } catch (const kj::Exception&) {
      return Status::Corruption("audit entry " + std::to_string(seq) + " cannot be read");
    }
  }
  return records;
}

Result<AuditVerdict> VerifyAudit(const StoreView& view) {
  AuditVerdict verdict;
  auto broken = [&](uint64_t seq, std::string reason) {
    verdict.broken_at = seq;
    verdict.reason = std::move(reason);
    return verdict;
  };

  uint64_t expected = 1;
  std::string previous_hash;
  constexpr size_t kPage = 4096;
  for (;;) {
    CRM_ASSIGN_OR_RETURN(auto page, view.audit().Read(expected, kPage));
    for (const auto& [seq, value] : page) {
      if (seq != expected) {
        return broken(expected, "entry " + std::to_string(expected) + " is missing (the next is " +
                                    std::to_string(seq) + ")");
      }
      if (value.size() < kHashHex) return broken(seq, "it is truncated");
      std::string_view bytes = std::string_view(value).substr(kHashHex);
      std::string_view stored_hash = std::string_view(value).substr(0, kHashHex);
      if (Sha256Hex(bytes) != stored_hash) {
        return broken(seq, "its content does not match its hash: it was changed after it was written");
      }
      auto decoded = DecodedMessage::DecodePacked(bytes);
      if (!decoded.ok()) return broken(seq, "it cannot be read");
      try {
        auto entry = decoded->Root<schema::AuditEntry>();
        if (entry.getSeq() != seq) {
          return broken(seq, "it says it is entry " + std::to_string(entry.getSeq()) +
                                 ": it was moved");
        }
        if (std::string_view(entry.getPrevHash().cStr(), entry.getPrevHash().size()) !=
            previous_hash) {
          return broken(seq, seq == 1 ? "the first entry names a predecessor: entries before it were removed"
                                      : "it does not follow entry " + std::to_string(seq - 1) +
                                            ": that entry was replaced, or entries between were removed");
        }
      } catch (const kj::Exception&) {
        return broken(seq, "it cannot be read");
      }
      previous_hash = std::string(stored_hash);
      verdict.entries = seq;
      verdict.head = previous_hash;
      ++expected;
    }
    if (page.size() < kPage) break;
  }

  // The head, written with every append, catches entries cut off the end.
  CRM_ASSIGN_OR_RETURN(std::string head_text, view.audit().Head());
  auto head = ParseHead(head_text);
  if (!head.ok()) return broken(expected, head.status().message());
  if (head->seq > verdict.entries) {
    return broken(expected, "entries " + std::to_string(expected) + " to " +
                                std::to_string(head->seq) + " are missing: the log was cut short");
  }
  if (head->seq < verdict.entries) {
    return broken(head->seq + 1, "the log's head is entry " + std::to_string(head->seq) +
                                     ": entries after it were added behind the log's back");
  }
  if (head->hash != verdict.head) {
    return broken(verdict.entries, "it does not match the log's head: it was replaced");
  }
  return verdict;
}

}  // namespace crm
