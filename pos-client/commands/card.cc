// pos card: the client card, with the client's purchases, payments,
// interactions, notes, tasks, deals, feedback and files.
#include <fmt/format.h>

#include <memory>

#include "pos-client/commands/common.h"
#include "pos-client/format.h"
#include "pos-client/pos.h"
#include "sync/base/wire.h"

namespace crm::pos {
namespace {

struct CardOptions {
  std::string id;
};

// The client and the figures of the card.
std::string ClientText(schema::ClientCard::Reader card) {
  auto c = card.getClient();
  std::string cur = Text(card.getCurrency());
  std::string out = fmt::format("{}  ({})\n", ClientName(c), IdFromWire(card.getId()).ToString());
  if (card.hasCompany()) {
    out += fmt::format("company     {}\n", ClientName(card.getCompany().getClient()));
  }
  out += fmt::format("phones      {}\nemails      {}\n", Join(c.getPhones()), Join(c.getEmails()));
  if (c.getLoyaltyCard().size()) out += fmt::format("card        {}\n", Text(c.getLoyaltyCard()));
  if (c.hasBirthDate()) {
    out += fmt::format("birth date  {:04}-{:02}-{:02}\n", c.getBirthDate().getYear(),
                       c.getBirthDate().getMonth(), c.getBirthDate().getDay());
  }
  if (c.hasAddress()) {
    auto a = c.getAddress();
    out += fmt::format("address     {}, {} {}, {}\n", Text(a.getStreet()), Text(a.getPostalCode()),
                       Text(a.getCity()), Text(a.getCountry()));
  }
  if (c.getTags().size()) out += fmt::format("tags        {}\n", Join(c.getTags()));
  for (auto merged : card.getMerged()) {
    out += fmt::format("merged      {} ({})\n", ClientName(merged.getClient()),
                       IdFromWire(merged.getId()).ToString());
  }
  for (auto attr : c.getAttributes()) {
    out += fmt::format("{:<11} {}\n", Text(attr.getKey()), Text(attr.getValue()));
  }
  out += fmt::format(
      "\ntotal spent {}  visits {}  last visit {}  average ticket {}  bonus points {}  owes {}\n",
      FormatMoney(card.getTotalSpent(), cur), card.getVisitCount(), FormatTime(card.getLastVisit()),
      FormatMoney(card.getAverageTicket(), cur), card.getLoyaltyBalance(),
      FormatMoney(card.getOutstanding(), cur));
  // Money the client paid or owes in other offices' currencies.
  for (auto money : card.getMoney()) {
    const std::string other = Text(money.getCurrency());
    if (other == cur) continue;
    out += fmt::format("in {}      total spent {}  sales {}  owes {}\n", other,
                       FormatMoney(money.getTotalSpent(), other), money.getSales(),
                       FormatMoney(money.getOutstanding(), other));
  }
  return out;
}

// The purchases and the payments on credit.
std::string MoneyText(schema::ClientCard::Reader card) {
  std::string cur = Text(card.getCurrency());
  std::string out;
  if (card.getSales().size()) {
    std::vector<std::vector<std::string>> rows;
    for (auto e : card.getSales()) {
      auto sale = e.getSale();
      rows.push_back(
          {Text(sale.getReceiptNo()), FormatTime(sale.getTime()), FormatMoney(sale.getTotal(), cur),
           e.getOverRefunded() ? FormatMoney(e.getRefunded(), cur) + " (" +
                                     FormatMoney(e.getOverRefunded(), cur) + " beyond the sale!)"
           : e.getRefunded() ? FormatMoney(e.getRefunded(), cur)
                             : "",
           std::to_string(sale.getLines().size())});
    }
    out += "\nPurchases\n" + Table({"RECEIPT", "TIME", "TOTAL", "REFUNDED", "LINES"}, rows);
  }
  if (card.getPayments().size()) {
    std::vector<std::vector<std::string>> rows;
    for (auto e : card.getPayments()) {
      auto p = e.getPayment();
      rows.push_back({FormatTime(p.getTime()), FormatMoney(p.getAmount(), cur),
                      MethodName(p.getMethod()), Text(p.getComment())});
    }
    out += "\nPayments on credit\n" + Table({"TIME", "AMOUNT", "METHOD", "COMMENT"}, rows);
  }
  return out;
}

// The interactions, notes, tasks, deals, feedback and files.
std::string ActivityText(schema::ClientCard::Reader card) {
  std::string out;
  if (card.getInteractions().size()) {
    std::vector<std::vector<std::string>> rows;
    for (auto e : card.getInteractions()) {
      auto i = e.getInteraction();
      rows.push_back({FormatTime(i.getTime()), ChannelName(i.getChannel()),
                      i.getDirection() == schema::Direction::INBOUND ? "in" : "out",
                      Text(i.getSummary())});
    }
    out += "\nInteractions\n" + Table({"TIME", "CHANNEL", "DIR", "SUMMARY"}, rows);
  }
  if (card.getNotes().size()) {
    std::vector<std::vector<std::string>> rows;
    for (auto e : card.getNotes()) {
      rows.push_back({FormatTime(e.getNote().getTime()), Text(e.getNote().getText())});
    }
    out += "\nNotes\n" + Table({"TIME", "NOTE"}, rows);
  }
  if (card.getTasks().size()) {
    std::vector<std::vector<std::string>> rows;
    for (auto e : card.getTasks()) {
      auto t = e.getTask();
      const char* status = t.getStatus() == schema::TaskStatus::OPEN   ? "open"
                           : t.getStatus() == schema::TaskStatus::DONE ? "done"
                                                                       : "cancelled";
      rows.push_back(
          {IdFromWire(e.getId()).ToString(), FormatTime(t.getDue()), status, Text(t.getTitle())});
    }
    out += "\nTasks\n" + Table({"ID", "DUE", "STATUS", "TITLE"}, rows);
  }
  if (card.getDeals().size()) out += "\nDeals\n" + DealsTable(card.getDeals(), false);
  if (card.getFeedback().size()) {
    std::vector<std::vector<std::string>> rows;
    for (auto e : card.getFeedback()) {
      auto f = e.getFeedback();
      rows.push_back({FormatTime(f.getTime()), std::to_string(f.getScore()), Text(f.getComment())});
    }
    out += "\nFeedback\n" + Table({"TIME", "SCORE", "COMMENT"}, rows);
  }
  if (card.getFiles().size()) {
    std::vector<std::vector<std::string>> rows;
    for (auto e : card.getFiles()) {
      auto f = e.getFile();
      rows.push_back({Text(f.getName()), std::to_string(f.getSize()), Text(f.getSha256())});
    }
    out += "\nFiles\n" + Table({"NAME", "BYTES", "SHA-256"}, rows);
  }
  return out;
}

}  // namespace

void Pos::AddCardCommand(CLI::App& app) {
  auto options = std::make_shared<CardOptions>();
  auto* card = app.add_subcommand("card", "the client card");
  card->add_option("id", options->id, "client id")->required();
  card->callback([this, options] {
    auto id = ParseId(options->id, "id");
    if (!id) return;
    auto reply =
        Send([&](schema::Request::Builder r) { IdToWire(*id, r.initGetClientCard()); }, false);
    if (!reply) return;
    PrintOrJson(*reply, [&] {
      auto card_reader = reply->Root<schema::Response>().getCard();
      Print(ClientText(card_reader) + MoneyText(card_reader) + ActivityText(card_reader));
    });
  });
}

}  // namespace crm::pos
