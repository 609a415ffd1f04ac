// Fuzzes the front-desk API: request bytes as a pos client sends them, once
// as they come and once with a valid administrator's session put in, so the
// fuzzer reaches every handler (and the store writes behind them), not only
// the session check. Every reply must be a well-formed response.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "node/frontdesk/frontdesk.h"
#include "schema/frontdesk.capnp.h"
#include "sync/base/codec.h"
#include "tests/fuzz/fuzz_node.h"

namespace {

struct Desk {
  crm::fuzz::FuzzNode node{"desk"};
  std::unique_ptr<crm::FrontDesk> desk;
  std::string session;

  Desk() {
    crm::OfficeConfig office;
    office.code = "FUZ";
    office.password_cost = crm::PasswordCost::Cheap();
    desk = std::make_unique<crm::FrontDesk>(*node.runtime.store, *node.runtime.writer,
                                            node.runtime.wall, *node.runtime.hlc, office);
    if (!desk->BootstrapAdmin("admin", "Fuzz Admin", "fuzz-password-1").ok()) std::abort();
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<crm::schema::Request>();
    request.setProtocolVersion(crm::schema::FRONT_DESK_PROTOCOL_VERSION);
    auto login = request.initLogin();
    login.setLogin("admin");
    login.setPassword("fuzz-password-1");
    auto reply = crm::DecodedMessage::Decode(desk->Handle(crm::EncodeMessage(message)));
    if (!reply.ok()) std::abort();
    session = reply->Root<crm::schema::Response>().getSession().getToken().cStr();
  }
};

void CheckReply(const std::string& reply) {
  auto decoded = crm::DecodedMessage::Decode(reply);
  if (!decoded.ok()) std::abort();  // the node must always answer with a response
  (void)decoded->Root<crm::schema::Response>().which();
}

// A reply answers its own request: a receipt only to a sale or a receipt
// asked for, never to another operation that reused a sale's request id.
void CheckAnswers(crm::schema::Request::Which op, const std::string& reply) {
  auto decoded = crm::DecodedMessage::Decode(reply);
  if (!decoded.ok()) std::abort();
  using W = crm::schema::Request::Which;
  if (decoded->Root<crm::schema::Response>().isReceipt() && op != W::RECORD_SALE &&
      op != W::GET_SALE) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Desk* desk = new Desk();  // lives for the whole run
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  CheckReply(desk->desk->Handle(bytes));
  if (size == 0 || size % sizeof(capnp::word) != 0) return 0;
  try {
    // The copy reads deeper than the desk does, so a request nested past
    // the desk's limit reaches the handlers with the session too.
    kj::Array<capnp::word> words = kj::heapArray<capnp::word>(size / sizeof(capnp::word));
    std::memcpy(words.begin(), data, size);
    capnp::ReaderOptions deeper = crm::BoundedReaderOptions();
    deeper.nestingLimit = 1024;
    capnp::FlatArrayMessageReader reader(words, deeper);
    capnp::MallocMessageBuilder message;
    message.setRoot(reader.getRoot<crm::schema::Request>());
    message.getRoot<crm::schema::Request>().setSession(desk->session);
    std::string reply = desk->desk->Handle(crm::EncodeMessage(message));
    CheckReply(reply);
    CheckAnswers(message.getRoot<crm::schema::Request>().which(), reply);
    // The request id again, for another operation: never the answer above
    // (errors aside: one that comes before the operation is read, such as a
    // version mismatch, is the same for both).
    auto answered = crm::DecodedMessage::Decode(reply);
    if (message.getRoot<crm::schema::Request>().hasRequestId() &&
        !answered->Root<crm::schema::Response>().isError()) {
      message.getRoot<crm::schema::Request>().initAddNote().setText("another request, same id");
      std::string probe = desk->desk->Handle(crm::EncodeMessage(message));
      CheckReply(probe);
      if (probe == reply) std::abort();
    }
  } catch (const kj::Exception&) {
    // A malformed request the copy could not read: Handle saw it as it came.
  }
  // Refusals are audited by the writer after the answer: let that finish
  // within this input, not while the process exits (and OpenSSL's state
  // with it) after the last one.
  (void)desk->node.runtime.writer->Run([](crm::StoreTxn&) { return crm::Status::Ok(); });
  return 0;
}
