// pos sale, receipt, refund and pay: the till.
#include <fmt/format.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "pos-client/commands/common.h"
#include "pos-client/format.h"
#include "pos-client/pos.h"
#include "sync/base/money.h"
#include "sync/base/wire.h"

namespace crm::pos {
namespace {

struct SaleOptions {
  std::string client;
  std::vector<std::string> lines;     // SKU:QTY[:PRICE[:DISCOUNT]]
  std::vector<std::string> payments;  // METHOD[:AMOUNT]
  std::string campaign;
  std::string channel;
  std::string request_id;
  std::string approve_by;

  void Add(CLI::App* cmd) {
    cmd->add_option("--client", client, "client id (omit for an anonymous sale)");
    cmd->add_option("--line", lines, "SKU:QTY[:PRICE[:DISCOUNT]] (repeat per line)")->required();
    cmd->add_option("--pay", payments, "METHOD[:AMOUNT]; one may omit the amount (the rest)")
        ->required();
    cmd->add_option("--campaign", campaign, "campaign code");
    cmd->add_option("--channel", channel, "sales channel (default store)");
    cmd->add_option("--request-id", request_id, "retry an earlier attempt with its id");
    cmd->add_option("--approve-by", approve_by,
                    "a manager's login, to approve prices or discounts beyond your limit (their "
                    "password on standard input)");
  }
};

struct ReceiptOptions {
  std::string sale;
};

struct RefundOptions {
  std::string sale;
  std::vector<std::string> lines;  // LINE:QTY
  std::string method;
  std::string reason;
  std::string request_id;
  std::string approve_by;

  void Add(CLI::App* cmd) {
    cmd->add_option("sale", sale, "receipt number or sale id")->required();
    cmd->add_option("--line", lines, "LINE:QTY, line numbers from 1 (repeat)")->required();
    cmd->add_option("--method", method, "how the money goes back (default card)");
    cmd->add_option("--reason", reason, "why");
    cmd->add_option("--request-id", request_id, "retry an earlier attempt with its id");
    cmd->add_option("--approve-by", approve_by,
                    "an office manager's login, so that a cashier may refund (their password "
                    "on standard input)");
  }
};

struct PayOptions {
  std::string client;
  std::string amount;
  std::string method;
  std::string comment;
};

struct SaleLine {
  std::string sku;
  int32_t quantity;
  int64_t price;  // -1: the catalogue's
  int64_t discount;
};

using SalePayment = std::pair<schema::PaymentMethod, int64_t>;

// The --line options of a sale, amounts in `currency`; the first bad one is
// the error.
Result<std::vector<SaleLine>> ParseSaleLines(const std::vector<std::string>& specs,
                                             const std::string& currency) {
  std::vector<SaleLine> lines;
  for (const std::string& spec : specs) {
    std::vector<std::string> parts;
    std::stringstream in(spec);
    for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
    if (parts.size() < 2 || parts.size() > 4 || parts[0].empty()) {
      return Status::InvalidArgument("--line",
                                     "write SKU:QTY[:PRICE[:DISCOUNT]], got '" + spec + "'");
    }
    char* end = nullptr;
    long quantity = std::strtol(parts[1].c_str(), &end, 10);
    if (*end != '\0' || parts[1].empty() || quantity < INT32_MIN || quantity > INT32_MAX) {
      return Status::InvalidArgument("--line", "'" + parts[1] + "' is not a quantity");
    }
    SaleLine line{parts[0], static_cast<int32_t>(quantity), -1, 0};
    if (parts.size() >= 3 && !parts[2].empty()) {
      auto price = ParseMoney(parts[2], currency, "--line price");
      if (!price.ok()) return price.status();
      line.price = *price;
    }
    if (parts.size() == 4) {
      auto discount = ParseMoney(parts[3], currency, "--line discount");
      if (!discount.ok()) return discount.status();
      line.discount = *discount;
    }
    lines.push_back(line);
  }
  return lines;
}

// The --pay options of a sale: an amount in `currency`, bonus in points.
Result<std::vector<SalePayment>> ParseSalePayments(const std::vector<std::string>& specs,
                                                   const std::string& currency) {
  std::vector<SalePayment> payments;
  for (const std::string& spec : specs) {
    auto colon = spec.find(':');
    auto method = PaymentMethods().find(spec.substr(0, colon));
    if (method == PaymentMethods().end()) {
      return Status::InvalidArgument(
          "--pay", "unknown method in '" + spec + "' (cash, card, transfer, credit, bonus, other)");
    }
    int64_t amount = 0;
    if (colon != std::string::npos) {
      auto parsed =
          method->second == schema::PaymentMethod::BONUS
              ? Result<int64_t>(static_cast<int64_t>(std::atoll(spec.substr(colon + 1).c_str())))
              : ParseMoney(spec.substr(colon + 1), currency, "--pay");
      if (!parsed.ok()) return parsed.status();
      amount = *parsed;
    }
    payments.emplace_back(method->second, amount);
  }
  return payments;
}

// The --line options of a refund, LINE:QTY with lines from 1, as line
// indexes from 0 and quantities.
Result<std::vector<std::pair<uint32_t, int32_t>>> ParseRefundLines(
    const std::vector<std::string>& specs) {
  std::vector<std::pair<uint32_t, int32_t>> lines;
  for (const std::string& spec : specs) {
    int line = 0, quantity = 0;
    char tail = 0;
    if (std::sscanf(spec.c_str(), "%d:%d%c", &line, &quantity, &tail) != 2 || line < 1) {
      return Status::InvalidArgument("--line",
                                     "write LINE:QTY with lines from 1, got '" + spec + "'");
    }
    lines.emplace_back(static_cast<uint32_t>(line - 1), quantity);
  }
  return lines;
}

// Fills the request of a sale from its options, once they are checked.
void FillSale(schema::NewSale::Builder args, const SaleOptions& o,
              const std::optional<Id>& client_id, const std::vector<SaleLine>& lines,
              const std::vector<SalePayment>& payments, const std::string& approver_password) {
  if (!o.approve_by.empty()) {
    auto approval = args.initApproval();
    approval.setLogin(o.approve_by);
    approval.setPassword(approver_password);
  }
  if (client_id) IdToWire(*client_id, args.initClient());
  auto out = args.initLines(static_cast<unsigned>(lines.size()));
  for (unsigned i = 0; i < lines.size(); ++i) {
    out[i].setSku(lines[i].sku);
    out[i].setQuantity(lines[i].quantity);
    out[i].setUnitPrice(lines[i].price);
    out[i].setDiscount(lines[i].discount);
  }
  auto pays = args.initPayments(static_cast<unsigned>(payments.size()));
  for (unsigned i = 0; i < payments.size(); ++i) {
    pays[i].setMethod(payments[i].first);
    pays[i].setAmount(payments[i].second);
  }
  args.setCampaignCode(o.campaign);
  args.setChannel(o.channel);
}

// A sale as its receipt, 48 characters wide.
std::string ReceiptText(schema::SaleEntry::Reader entry) {
  auto sale = entry.getSale();
  std::string cur = Text(sale.getCurrency());
  std::string out =
      fmt::format("{:<28}{:>20}\n", Text(sale.getReceiptNo()), FormatTime(sale.getTime()));
  out += std::string(48, '-') + "\n";
  for (auto line : sale.getLines()) {
    std::string name = Text(line.getName());
    if (TextWidth(name) > 24) name = name.substr(0, 24);
    std::string qty =
        fmt::format("{} x {}", line.getQuantity(), FormatMoney(line.getUnitPrice(), cur));
    out += fmt::format("{}{}{:>{}}\n", name, std::string(26 - TextWidth(name), ' '), qty, 22);
    if (line.getDiscount()) {
      out +=
          fmt::format("{:<26}{:>22}\n", "  discount", "-" + FormatMoney(line.getDiscount(), cur));
    }
  }
  out += std::string(48, '-') + "\n";
  out += fmt::format("{:<26}{:>22}\n", "TOTAL " + cur, FormatMoney(sale.getTotal(), cur));
  for (auto p : sale.getPayments()) {
    out += fmt::format("{:<26}{:>22}\n", std::string("  ") + MethodName(p.getMethod()),
                       FormatMoney(p.getAmount(), cur));
  }
  if (entry.getRefunded()) {
    out += fmt::format("{:<26}{:>22}\n", "REFUNDED", FormatMoney(entry.getRefunded(), cur));
  }
  if (entry.getOverRefunded()) {
    out += fmt::format("{:<26}{:>22}\n", "REFUNDED BEYOND THE SALE",
                       FormatMoney(entry.getOverRefunded(), cur));
  }
  if (entry.getApprovedBy().size() > 0) {
    out += fmt::format("approved by {}\n", Text(entry.getApprovedBy()));
  }
  out += fmt::format("sale {}\n", IdFromWire(entry.getId()).ToString());
  return out;
}

}  // namespace

void Pos::AddSaleCommands(CLI::App& app) {
  auto sale_options = std::make_shared<SaleOptions>();
  auto* sale = app.add_subcommand("sale", "ring up a sale and print the receipt");
  sale_options->Add(sale);
  sale->callback([this, sale_options] {
    const SaleOptions& o = *sale_options;
    std::optional<Id> client_id;
    if (!o.client.empty()) {
      client_id = ParseId(o.client, "--client");
      if (!client_id) return;
    }
    auto lines = ParseSaleLines(o.lines, session_.currency);
    if (!lines.ok()) {
      Fail(lines.status());
      return;
    }
    auto payments = ParseSalePayments(o.payments, session_.currency);
    if (!payments.ok()) {
      Fail(payments.status());
      return;
    }
    // The approver types their own password, as at `pos login`.
    std::string approver_password;
    if (!o.approve_by.empty()) {
      auto typed = ReadPassword(fmt::format("Password of {} (approving): ", o.approve_by));
      if (!typed) {
        Fail(Status::InvalidArgument("--approve-by",
                                     "no password of the approver on standard input"));
        return;
      }
      approver_password = *typed;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          FillSale(r.initRecordSale(), o, client_id, *lines, *payments, approver_password);
        },
        true, o.request_id);
    if (!reply) return;
    PrintOrJson(*reply, [&] { Print(ReceiptText(reply->Root<schema::Response>().getReceipt())); });
  });

  auto receipt_options = std::make_shared<ReceiptOptions>();
  auto* receipt = app.add_subcommand("receipt", "print a sale's receipt again");
  receipt->add_option("sale", receipt_options->sale, "receipt number or sale id")->required();
  receipt->callback([this, receipt_options] {
    auto reply =
        Send([&](schema::Request::Builder r) { r.setGetSale(receipt_options->sale); }, false);
    if (!reply) return;
    PrintOrJson(*reply, [&] { Print(ReceiptText(reply->Root<schema::Response>().getReceipt())); });
  });

  auto refund_options = std::make_shared<RefundOptions>();
  auto* refund = app.add_subcommand("refund", "refund lines of a sale (office manager, or with one's approval)");
  refund_options->Add(refund);
  refund->callback([this, refund_options] {
    const RefundOptions& o = *refund_options;
    auto method = PaymentMethods().find(o.method.empty() ? "card" : o.method);
    if (method == PaymentMethods().end()) {
      Fail(Status::InvalidArgument("--method", "unknown payment method"));
      return;
    }
    auto lines = ParseRefundLines(o.lines);
    if (!lines.ok()) {
      Fail(lines.status());
      return;
    }
    std::string approver_password;
    if (!o.approve_by.empty()) {
      auto typed = ReadPassword(fmt::format("Password of {} (approving): ", o.approve_by));
      if (!typed) {
        Fail(Status::InvalidArgument("--approve-by",
                                     "no password of the approver on standard input"));
        return;
      }
      approver_password = *typed;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initRefundSale();
          args.setSale(o.sale);
          auto out = args.initLines(static_cast<unsigned>(lines->size()));
          for (unsigned i = 0; i < lines->size(); ++i) {
            out[i].setLineIndex((*lines)[i].first);
            out[i].setQuantity((*lines)[i].second);
          }
          args.setMethod(method->second);
          args.setReason(o.reason);
          if (!o.approve_by.empty()) {
            args.initApproval().setLogin(o.approve_by);
            args.getApproval().setPassword(approver_password);
          }
        },
        true, o.request_id);
    if (!reply) return;
    PrintOrJson(*reply, [&] {
      auto r = reply->Root<schema::Response>().getRefund().getRefund();
      Print(fmt::format("Refunded {} {} by {}\n", FormatMoney(r.getAmount(), Text(r.getCurrency())),
                        Text(r.getCurrency()), MethodName(r.getMethod())));
    });
  });

  auto pay_options = std::make_shared<PayOptions>();
  auto* pay = app.add_subcommand("pay", "take a payment against what a client owes");
  pay->add_option("client", pay_options->client, "client id")->required();
  pay->add_option("amount", pay_options->amount, "amount, like 12.50")->required();
  pay->add_option("--method", pay_options->method, "cash, card or transfer (default cash)");
  pay->add_option("--comment", pay_options->comment, "comment");
  pay->callback([this, pay_options] {
    const PayOptions& o = *pay_options;
    auto id = ParseId(o.client, "client");
    if (!id) return;
    auto amount = Money(o.amount, "amount");
    if (!amount.ok()) {
      Fail(amount.status());
      return;
    }
    auto method = PaymentMethods().find(o.method.empty() ? "cash" : o.method);
    if (method == PaymentMethods().end()) {
      Fail(Status::InvalidArgument("--method", "unknown payment method"));
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initRecordPayment();
          IdToWire(*id, args.initClient());
          args.setAmount(*amount);
          args.setMethod(method->second);
          args.setComment(o.comment);
        },
        true);
    if (reply && !settings_.json) Print(fmt::format("Payment of {} taken\n", o.amount));
  });
}

}  // namespace crm::pos
