// Sales net of refunds (node/sales/net_sales.h): what a sale's refunds add up to.
#include "node/sales/net_sales.h"

#include <capnp/message.h>
#include <catch2/catch.hpp>

namespace crm {
namespace {

// A sale of `lines` lines of 1.00 each, in GBP.
struct SaleMessage {
  capnp::MallocMessageBuilder message;
  schema::Sale::Reader sale;
  explicit SaleMessage(unsigned lines) {
    auto built = message.initRoot<schema::Sale>();
    built.setCurrency("GBP");
    auto out = built.initLines(lines);
    for (unsigned i = 0; i < lines; ++i) {
      out[i].setQuantity(1);
      out[i].setAmount(100);
    }
    built.setTotal(100 * lines);
    sale = built.asReader();
  }
};

// A refund of line `index` (one unit, `amount`) in `currency`.
struct RefundMessage {
  capnp::MallocMessageBuilder message;
  schema::Refund::Reader refund;
  RefundMessage(const char* currency, uint32_t index, int64_t amount) {
    auto built = message.initRoot<schema::Refund>();
    built.setCurrency(currency);
    built.setAmount(amount);
    auto line = built.initLines(1)[0];
    line.setLineIndex(index);
    line.setQuantity(1);
    line.setAmount(amount);
    refund = built.asReader();
  }
};

TEST_CASE("a refund counts against its sale's lines, its money only in the sale's currency",
          "[sales][refunds]") {
  SaleMessage sale(2);
  SaleRefunds refunds;
  RefundMessage pounds("GBP", 0, 100), euros("EUR", 1, 117), nowhere("GBP", 7, 50);
  refunds.Add(Id{1, 1}, pounds.refund, "GBP", 2);
  refunds.Add(Id{1, 2}, euros.refund, "GBP", 2);
  refunds.Add(Id{1, 3}, nowhere.refund, "GBP", 2);

  REQUIRE(refunds.lines.size() == 2);  // one per line of the sale, whatever the refunds name
  CHECK(refunds.lines[0].quantity == 1);
  CHECK(refunds.lines[0].amount == 100);
  // The euros' goods came back (so the line cannot be refunded again); their
  // money is not added to pounds.
  CHECK(refunds.lines[1].quantity == 1);
  CHECK(refunds.lines[1].amount == 0);
  CHECK(refunds.other_currency == 1);
  CHECK(refunds.amount == 150);  // 1.00 + 0.50 (the line it named does not exist; its money does)
  CHECK(refunds.refunds.size() == 2);
  CHECK(refunds.OverRefunded(sale.sale) == 0);

  // A sale whose only refund is in another currency still has a line per line.
  SaleRefunds only_euros;
  only_euros.Add(Id{2, 1}, euros.refund, "GBP", 2);
  CHECK(only_euros.lines.size() == 2);
  CHECK(only_euros.amount == 0);
}

}  // namespace
}  // namespace crm
