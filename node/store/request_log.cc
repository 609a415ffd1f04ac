#include "node/store/request_log.h"

#include <capnp/any.h>
#include <capnp/dynamic.h>
#include <capnp/message.h>

#include "node/common/crypto.h"
#include "node/store/internal.h"

namespace crm {
namespace {

// The first byte of a scoped entry. A bare response (the form before ids
// were scoped) is a flat Cap'n Proto message, whose first byte is its
// segment count less one: never this many.
constexpr char kScopedTag = static_cast<char>(0xC2);
constexpr size_t kDigestBytes = 64;  // SHA-256 in hex
constexpr size_t kHeaderBytes = 1 + 16 + 2 + kDigestBytes;

}  // namespace

RequestScope ScopeOf(const Id& user, schema::Request::Reader request) {
  // The digest covers the operation's own arguments, in canonical form:
  // everything else in a request is its version, its id and its session.
  // Only those are read (never a copy of the whole request, which may carry
  // a file).
  std::string digest;
  auto over_struct = [&](capnp::AnyStruct::Reader arguments) {
    auto canonical = arguments.canonicalize();
    auto bytes = canonical.asBytes();
    digest = Sha256Hex(std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
  };
  capnp::DynamicStruct::Reader dynamic = capnp::toDynamic(request);
  KJ_IF_MAYBE(field, dynamic.which()) {
    auto type = field->getType();
    if (type.isStruct()) {
      if (request.isRecordSale() && request.getRecordSale().hasApproval()) {
        // A digest of a password is a way to guess it offline: an approval
        // counts by its login alone (its password is checked again on every
        // retry).
        capnp::MallocMessageBuilder copy;
        copy.setRoot(request.getRecordSale());
        auto sale = copy.getRoot<schema::NewSale>();
        sale.getApproval().setPassword("");
        over_struct(sale.asReader());
      } else if (request.isRefundSale() && request.getRefundSale().hasApproval()) {
        capnp::MallocMessageBuilder copy;
        copy.setRoot(request.getRefundSale());
        auto refund = copy.getRoot<schema::NewRefund>();
        refund.getApproval().setPassword("");
        over_struct(refund.asReader());
      } else if (request.isResetPassword() || request.isCreateUser()) {
        // The same for a new password: the digest counts the rest.
        capnp::MallocMessageBuilder copy;
        if (request.isResetPassword()) {
          copy.setRoot(request.getResetPassword());
          auto reset = copy.getRoot<schema::ResetPassword>();
          reset.setPassword("");
          over_struct(reset.asReader());
        } else {
          copy.setRoot(request.getCreateUser());
          auto new_user = copy.getRoot<schema::NewUser>();
          new_user.setPassword("");
          over_struct(new_user.asReader());
        }
      } else {
        // The member's own pointer in the request, read as it is.
        // (A message may end its pointers before it: the member is unset.)
        const uint32_t slot = field->getProto().getSlot().getOffset();
        auto pointers = capnp::AnyStruct::Reader(request).getPointerSection();
        over_struct(slot < pointers.size() ? pointers[slot].getAs<capnp::AnyStruct>()
                                           : capnp::AnyStruct::Reader());
      }
    } else if (type.isText()) {
      capnp::Text::Reader text = dynamic.get(*field).as<capnp::Text>();
      digest = Sha256Hex("text:" + std::string(text.cStr(), text.size()));
    } else {
      // Void (logout, status, the lists): nothing but the operation.
      digest = Sha256Hex("void");
    }
  }
  return RequestScope{user, static_cast<uint16_t>(request.which()), std::move(digest)};
}

std::string EncodeRememberedRequest(const RequestScope& scope, std::string_view response) {
  std::string out;
  out.reserve(kHeaderBytes + response.size());
  out.push_back(kScopedTag);
  auto user = scope.user.ToBytes();
  out.append(reinterpret_cast<const char*>(user.data()), user.size());
  out.push_back(static_cast<char>(scope.operation >> 8));
  out.push_back(static_cast<char>(scope.operation & 0xff));
  out.append(scope.digest);
  out.append(response);
  return out;
}

Result<RememberedRequest> DecodeRememberedRequest(std::string_view stored) {
  if (stored.empty() || stored.front() != kScopedTag) {
    return RememberedRequest{std::nullopt, std::string(stored)};
  }
  if (stored.size() < kHeaderBytes) {
    return Status::Corruption("a remembered request is cut short (" +
                              std::to_string(stored.size()) + " bytes)");
  }
  RequestScope scope;
  scope.user = Id::FromBytes(reinterpret_cast<const uint8_t*>(stored.data() + 1));
  scope.operation = static_cast<uint16_t>((static_cast<uint8_t>(stored[17]) << 8) |
                                          static_cast<uint8_t>(stored[18]));
  scope.digest = std::string(stored.substr(19, kDigestBytes));
  return RememberedRequest{std::move(scope), std::string(stored.substr(kHeaderBytes))};
}

Result<std::string> MatchRetry(const Id& request_id, const RememberedRequest& remembered,
                               const RequestScope& retry) {
  if (!remembered.scope || *remembered.scope == retry) return remembered.response;
  std::string what = remembered.scope->user != retry.user ? "by another user"
                     : remembered.scope->operation != retry.operation
                         ? "for another operation"
                         : "with other content";
  return Status(StatusCode::kConflict,
                "request id " + request_id.ToString() + " was used before " + what +
                    "; nothing was done: send a new request with a new id",
                "requestId");
}

Result<std::optional<std::string>> RequestTableView::Find(const Id& request_id) const {
  auto bytes = txn_.Get(table_, store_internal::IdBytes(request_id));
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
    return bytes.status();
  }
  return std::optional<std::string>(std::string(*bytes));
}

Status RequestTable::Remember(const Id& request_id, std::string_view stored) {
  return write_.Put(table_, store_internal::IdBytes(request_id), stored);
}

}  // namespace crm
