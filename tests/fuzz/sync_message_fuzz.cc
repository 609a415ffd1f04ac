// Fuzzes what a hub and an office do with bytes from the network: the
// framing, decompression and decoding of a sync message, and the Hub and
// Uplink state machines acting on it (applying pushes and pulled entries to
// real stores included). Nothing may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sync/hub.h"
#include "sync/uplink.h"
#include "tests/fuzz/fuzz_node.h"

namespace {

struct Nodes {
  crm::fuzz::FuzzNode hub_node{"hub"};
  crm::fuzz::FuzzNode office_node{"office"};
  crm::ManualClock clock{1'700'000'000'000};
  crm::Hub hub{*hub_node.replica, clock, crm::HubOptions{},
               [](const std::string&, std::string) {},
               // Any peer may deliver any origin: more of the apply path is reached.
               [](const crm::Id&, const crm::Id&) { return true; }};
  crm::Uplink uplink{*office_node.replica, clock, crm::UplinkOptions{}, [](std::string) {}};

  Nodes() { uplink.Connect(); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Nodes* nodes = new Nodes();  // lives for the whole run
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  nodes->clock.Advance(1);
  nodes->hub.OnMessage("peer", bytes);
  nodes->hub.Flush();
  nodes->uplink.OnMessage(bytes);
  nodes->uplink.Tick();
  return 0;
}
