#include "node/store/file_content.h"

#include <fmt/format.h>
#include <kj/exception.h>

#include "node/common/crypto.h"
#include "node/store/blobs.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"

namespace crm {

bool IsSha256Hex(std::string_view sha256) {
  return sha256.size() == 64 && sha256.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Id FileContentId(std::string_view sha256) {
  // Time 0: the id says nothing of when the bytes were first attached, so
  // every node derives the same one.
  return DerivedId("fileContent:" + std::string(sha256), 0);
}

std::unique_ptr<capnp::MallocMessageBuilder> FileContentEvent(std::string_view sha256,
                                                              std::string_view bytes,
                                                              const Stamp& stamp, const Id& author) {
  auto message = std::make_unique<capnp::MallocMessageBuilder>(
      static_cast<unsigned>(bytes.size() / sizeof(capnp::word) + 64));
  auto change = message->initRoot<schema::Change>();
  change.setEntity(EntityKind::FILE_CONTENT);
  IdToWire(FileContentId(sha256), change.initId());
  StampToWire(stamp, change.initStamp());
  if (!author.IsNull()) IdToWire(author, change.initAuthor());
  auto content = change.initEvent().initAs<schema::FileBytes>();
  content.setSha256(std::string(sha256));
  content.setSize(bytes.size());
  content.setContent(
      kj::arrayPtr(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size()));
  return message;
}

namespace {

Status CheckContent(const Id& id, schema::FileBytes::Reader file) {
  try {
    const std::string claimed = file.getSha256().cStr();
    if (!IsSha256Hex(claimed)) {
      return Status::InvalidArgument("sha256", "file content must name its SHA-256 in 64 lower-case "
                                               "hex digits, not '" + claimed.substr(0, 80) + "'");
    }
    if (id != FileContentId(claimed)) {
      return Status::InvalidArgument(
          "id", "the content of file " + claimed + " must have the id derived from its SHA-256 (" +
                    FileContentId(claimed).ToString() + "), not " + id.ToString());
    }
    auto bytes = file.getContent();
    if (bytes.size() == 0 || bytes.size() != file.getSize()) {
      return Status::InvalidArgument(
          "content", fmt::format("the content of file {} has {} bytes, but it claims {}; refused, "
                                 "nothing of it is stored",
                                 claimed, bytes.size(), file.getSize()));
    }
    std::string actual =
        Sha256Hex(std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
    if (actual != claimed) {
      return Status::InvalidArgument(
          "content", "the content of file " + claimed + " has the SHA-256 " + actual +
                         ": it is not the file it claims to be; refused, nothing of it is stored");
    }
  } catch (const kj::Exception& e) {
    return Status::InvalidArgument("content", std::string("malformed file content: ") +
                                                  e.getDescription().cStr());
  }
  return Status::Ok();
}

}  // namespace

bool IsErasedContent(schema::Change::Reader change) {
  if (change.getEntity() != EntityKind::FILE_CONTENT || !change.isEvent()) return false;
  auto file = change.getEvent().getAs<schema::FileBytes>();
  return file.getSha256().size() == 0 && file.getContent().size() == 0 && file.getSize() == 0;
}

void ErasedContentRecord(const Id& id, const Stamp& erased, schema::StoredRecord::Builder out) {
  out.setEntity(EntityKind::FILE_CONTENT);
  IdToWire(id, out.initId());
  out.getValue().initAs<schema::FileBytes>();
  StampToWire(erased, out.initErased());
  StampToWire(erased, out.initCreated());
  StampToWire(erased, out.initUpdated());
}

Status CheckFileContent(schema::Change::Reader change) {
  try {
    if (IsErasedContent(change)) return Status::Ok();
    return CheckContent(IdFromWire(change.getId()), change.getEvent().getAs<schema::FileBytes>());
  } catch (const kj::Exception& e) {
    return Status::InvalidArgument("content", std::string("malformed file content: ") +
                                                  e.getDescription().cStr());
  }
}

Status CheckFileContentRecord(schema::StoredRecord::Reader stored) {
  if (stored.hasErased()) return Status::Ok();
  try {
    return CheckContent(IdFromWire(stored.getId()), stored.getValue().getAs<schema::FileBytes>());
  } catch (const kj::Exception& e) {
    return Status::InvalidArgument("content", std::string("malformed file content: ") +
                                                  e.getDescription().cStr());
  }
}

std::unique_ptr<capnp::MallocMessageBuilder> WithoutContent(schema::Change::Reader change) {
  auto copy = std::make_unique<capnp::MallocMessageBuilder>();
  copy->setRoot(change);
  auto root = copy->getRoot<schema::Change>();
  if (root.isEvent()) {
    auto file = root.getEvent().getAs<schema::FileBytes>();
    if (file.hasContent()) file.disownContent();
  }
  return copy;
}

Result<std::string> ReadFileContent(const StoreView& view, std::string_view sha256) {
  auto record = view.Get(EntityKind::FILE_CONTENT, FileContentId(sha256));
  if (record.ok()) {
    auto stored = record->stored();
    if (stored.hasErased()) {
      return Status::NotFound("the content of the file with SHA-256 " + std::string(sha256) +
                              " was erased with its client");
    }
    auto bytes = stored.getValue().getAs<schema::FileBytes>().getContent();
    return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  }
  if (record.status().code() != StatusCode::kNotFound) return record.status();
  auto legacy = view.blobs().Get(sha256);  // a store from before FileContent records
  if (legacy.ok() || legacy.status().code() != StatusCode::kNotFound) return legacy;
  return Status::NotFound("no file with SHA-256 " + std::string(sha256) +
                          " here: none was attached, or its content has not arrived from the "
                          "hub yet (pos status shows whether this node is behind)");
}

Result<bool> HasFileContentRecord(const StoreView& view, std::string_view sha256) {
  auto record = view.Get(EntityKind::FILE_CONTENT, FileContentId(sha256));
  if (record.ok()) return true;
  if (record.status().code() == StatusCode::kNotFound) return false;
  return record.status();
}

Result<size_t> PublishLegacyBlobs(StoreTxn& txn, HybridClock& clock, size_t limit) {
  CRM_ASSIGN_OR_RETURN(bool awaiting, txn.AwaitingOwnHistory());
  if (awaiting) return size_t{0};  // its changes would reuse origin seqs the hub holds
  CRM_ASSIGN_OR_RETURN(auto files, txn.blobs().First(limit));
  size_t published = 0;
  for (const auto& [sha, bytes] : files) {
    CRM_ASSIGN_OR_RETURN(bool held, HasFileContentRecord(txn, sha));
    // A blob not under its own hash was damaged: verify names it; it stays.
    if (!held) {
      if (!IsSha256Hex(sha) || Sha256Hex(bytes) != sha) continue;
      auto event = FileContentEvent(sha, bytes, clock.Now(), Id{});
      CRM_RETURN_IF_ERROR(txn.ApplyLocal(event->getRoot<schema::Change>()).status());
    }
    CRM_RETURN_IF_ERROR(txn.blobs().Forget(sha));
    ++published;
  }
  return published;
}

Status EraseFileContent(StoreTxn& txn, std::string_view sha256, const Stamp& erased) {
  const Id id = FileContentId(sha256);
  capnp::MallocMessageBuilder message;
  ErasedContentRecord(id, erased, message.initRoot<schema::StoredRecord>());
  auto existing = txn.Get(EntityKind::FILE_CONTENT, id);
  if (existing.ok()) {
    if (existing->stored().hasErased()) return Status::Ok();
    return txn.ScrubRecord(EntityKind::FILE_CONTENT, id, EncodePackedMessage(message));
  }
  if (existing.status().code() != StatusCode::kNotFound &&
      existing.status().code() != StatusCode::kCorruption) {
    return existing.status();
  }
  return txn.InstallRecord(message.getRoot<schema::StoredRecord>().asReader()).status();
}

}  // namespace crm
