// The pos commands: each builds one request, sends it, and prints the answer
// as a table (or as JSON with --json).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>

#include "pos-client/format.h"
#include "pos-client/pos.h"
#include "schema/records.capnp.h"
#include "sync/base/wire.h"

namespace crm::pos {
namespace {

std::string Text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

std::string Join(capnp::List<capnp::Text>::Reader list, const char* separator = ", ") {
  std::string out;
  for (auto item : list) {
    if (!out.empty()) out += separator;
    out += item.cStr();
  }
  return out;
}

std::string ClientName(schema::Client::Reader c) {
  std::string name = Text(c.getFirstName());
  if (c.getMiddleName().size()) name += " " + Text(c.getMiddleName());
  if (c.getLastName().size()) name += (name.empty() ? "" : " ") + Text(c.getLastName());
  if (c.getKind() == schema::ClientKind::COMPANY || name.empty()) {
    name = Text(c.getCompanyName()) + (name.empty() ? "" : " (" + name + ")");
  }
  return name;
}

const std::map<std::string, schema::PaymentMethod>& PaymentMethods() {
  static const std::map<std::string, schema::PaymentMethod> methods = {
      {"cash", schema::PaymentMethod::CASH},     {"card", schema::PaymentMethod::CARD},
      {"transfer", schema::PaymentMethod::TRANSFER}, {"credit", schema::PaymentMethod::CREDIT},
      {"bonus", schema::PaymentMethod::BONUS},   {"other", schema::PaymentMethod::OTHER}};
  return methods;
}

const char* MethodName(schema::PaymentMethod method) {
  for (const auto& [name, value] : PaymentMethods()) {
    if (value == method) return name.c_str();
  }
  return "?";
}

const char* ChannelName(schema::InteractionChannel channel) {
  switch (channel) {
    case schema::InteractionChannel::CALL: return "call";
    case schema::InteractionChannel::EMAIL: return "email";
    case schema::InteractionChannel::VISIT: return "visit";
    case schema::InteractionChannel::SOCIAL: return "social";
    case schema::InteractionChannel::SMS: return "sms";
  }
  return "?";
}

// The options shared by `client add` and `client edit`.
struct ClientOptions {
  std::string first, last, middle, company_name, member_of, birth, gender, card, source, responsible;
  bool company = false;
  std::string country, region, city, street, postal;
  std::vector<std::string> phones, emails, tags, attributes, consents;
  std::vector<std::string> remove_phones, remove_emails, remove_tags, remove_attributes;

  void Add(CLI::App* cmd, bool edit) {
    cmd->add_option("--first", first, "first name");
    cmd->add_option("--last", last, "last name");
    cmd->add_option("--middle", middle, "middle name");
    cmd->add_option("--company-name", company_name, "a company's name");
    cmd->add_flag("--company", company, "the client is a company");
    cmd->add_option("--member-of", member_of, "id of the company the person belongs to");
    cmd->add_option("--birth", birth, "birth date, YYYY-MM-DD");
    cmd->add_option("--gender", gender, "female, male, other");
    cmd->add_option("--card", card, "loyalty card number");
    cmd->add_option("--source", source, "acquisition channel (walk-in, web, referral ...)");
    cmd->add_option("--responsible", responsible, "id of the responsible employee (a user)");
    cmd->add_option("--country", country, "address: country code");
    cmd->add_option("--region", region, "address: region");
    cmd->add_option("--city", city, "address: city");
    cmd->add_option("--street", street, "address: street, house, flat");
    cmd->add_option("--postal", postal, "address: postal code");
    cmd->add_option("--phone", phones, "a phone, any common format (repeat for more)");
    cmd->add_option("--email", emails, "an email (repeat for more)");
    cmd->add_option("--tag", tags, "a tag (repeat for more)");
    cmd->add_option("--attr", attributes, "an attribute KEY=VALUE (repeat for more)");
    cmd->add_option("--consent", consents, "CHANNEL=granted|refused (email, sms, phone, post, messenger)");
    if (edit) {
      cmd->add_option("--remove-phone", remove_phones, "remove a phone");
      cmd->add_option("--remove-email", remove_emails, "remove an email");
      cmd->add_option("--remove-tag", remove_tags, "remove a tag");
      cmd->add_option("--remove-attr", remove_attributes, "remove an attribute by key");
    }
  }

  // Fills the request; returns the first bad option as an error.
  Status Fill(CLI::App* cmd, schema::SaveClient::Builder save) const {
    auto c = save.initClient();
    std::vector<std::string> fields;
    auto given = [&](const char* option) { return cmd->count(option) > 0; };
    if (given("--first")) { c.setFirstName(first); fields.push_back("firstName"); }
    if (given("--last")) { c.setLastName(last); fields.push_back("lastName"); }
    if (given("--middle")) { c.setMiddleName(middle); fields.push_back("middleName"); }
    if (given("--company-name")) { c.setCompanyName(company_name); fields.push_back("companyName"); }
    if (company) { c.setKind(schema::ClientKind::COMPANY); fields.push_back("kind"); }
    if (given("--member-of")) {
      auto id = Id::Parse(member_of);
      if (!id.ok()) return Status::InvalidArgument("--member-of", id.status().message());
      IdToWire(*id, c.initCompany());
      fields.push_back("company");
    }
    if (given("--birth")) {
      int y = 0, m = 0, d = 0;
      char tail = 0;
      if (std::sscanf(birth.c_str(), "%d-%d-%d%c", &y, &m, &d, &tail) != 3 || y > 9999 || y < 0 ||
          m < 0 || m > 255 || d < 0 || d > 255) {
        return Status::InvalidArgument("--birth", "'" + birth + "' is not a date like 1990-05-17");
      }
      auto date = c.initBirthDate();
      date.setYear(static_cast<int16_t>(y));
      date.setMonth(static_cast<uint8_t>(m));
      date.setDay(static_cast<uint8_t>(d));
      fields.push_back("birthDate");
    }
    if (given("--gender")) {
      static const std::map<std::string, schema::Gender> genders = {
          {"female", schema::Gender::FEMALE}, {"male", schema::Gender::MALE},
          {"other", schema::Gender::OTHER}, {"unspecified", schema::Gender::UNSPECIFIED}};
      auto it = genders.find(gender);
      if (it == genders.end()) return Status::InvalidArgument("--gender", "is female, male or other");
      c.setGender(it->second);
      fields.push_back("gender");
    }
    if (given("--card")) { c.setLoyaltyCard(card); fields.push_back("loyaltyCard"); }
    if (given("--source")) { c.setAcquisitionChannel(source); fields.push_back("acquisitionChannel"); }
    if (given("--responsible")) {
      auto id = Id::Parse(responsible);
      if (!id.ok()) return Status::InvalidArgument("--responsible", id.status().message());
      IdToWire(*id, c.initResponsible());
      fields.push_back("responsible");
    }
    if (given("--country") || given("--region") || given("--city") || given("--street") ||
        given("--postal")) {
      auto a = c.initAddress();
      a.setCountry(country);
      a.setRegion(region);
      a.setCity(city);
      a.setStreet(street);
      a.setPostalCode(postal);
      fields.push_back("address");
    }
    for (const std::string& consent : consents) {
      auto eq = consent.find('=');
      std::string channel = consent.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : consent.substr(eq + 1);
      schema::Consent state;
      if (value == "granted") state = schema::Consent::GRANTED;
      else if (value == "refused") state = schema::Consent::REFUSED;
      else if (value == "unknown") state = schema::Consent::UNKNOWN;
      else return Status::InvalidArgument("--consent", "write CHANNEL=granted or CHANNEL=refused");
      if (channel == "email") { c.setConsentEmail(state); fields.push_back("consentEmail"); }
      else if (channel == "sms") { c.setConsentSms(state); fields.push_back("consentSms"); }
      else if (channel == "phone") { c.setConsentPhone(state); fields.push_back("consentPhone"); }
      else if (channel == "post") { c.setConsentPost(state); fields.push_back("consentPost"); }
      else if (channel == "messenger") { c.setConsentMessenger(state); fields.push_back("consentMessenger"); }
      else return Status::InvalidArgument("--consent", "unknown channel '" + channel + "'");
    }
    auto list = [](auto init, const std::vector<std::string>& values) {
      auto out = init(static_cast<unsigned>(values.size()));
      for (unsigned i = 0; i < values.size(); ++i) out.set(i, values[i]);
    };
    auto fields_out = save.initFields(static_cast<unsigned>(fields.size()));
    for (unsigned i = 0; i < fields.size(); ++i) fields_out.set(i, fields[i]);
    list([&](unsigned n) { return save.initAddPhones(n); }, phones);
    list([&](unsigned n) { return save.initRemovePhones(n); }, remove_phones);
    list([&](unsigned n) { return save.initAddEmails(n); }, emails);
    list([&](unsigned n) { return save.initRemoveEmails(n); }, remove_emails);
    list([&](unsigned n) { return save.initAddTags(n); }, tags);
    list([&](unsigned n) { return save.initRemoveTags(n); }, remove_tags);
    list([&](unsigned n) { return save.initRemoveAttributes(n); }, remove_attributes);
    auto attrs = save.initSetAttributes(static_cast<unsigned>(attributes.size()));
    for (unsigned i = 0; i < attributes.size(); ++i) {
      auto eq = attributes[i].find('=');
      if (eq == std::string::npos || eq == 0) {
        return Status::InvalidArgument("--attr", "write KEY=VALUE, got '" + attributes[i] + "'");
      }
      attrs[i].setKey(attributes[i].substr(0, eq));
      attrs[i].setValue(attributes[i].substr(eq + 1));
    }
    return Status::Ok();
  }
};

}  // namespace

void Pos::AddCommands(CLI::App& app) {
  // Shared option storage: one command runs per parse.
  auto s = std::make_shared<std::map<std::string, std::string>>();
  auto lists = std::make_shared<std::map<std::string, std::vector<std::string>>>();
  auto str = [s](const char* key) -> std::string& { return (*s)[key]; };
  auto vec = [lists](const char* key) -> std::vector<std::string>& { return (*lists)[key]; };
  auto print_or_json = [this](const DecodedMessage& reply, const std::function<void()>& human) {
    if (settings_.json) {
      PrintJson(reply.Root<schema::Response>());
    } else {
      human();
    }
  };
  auto parse_id = [this](const std::string& text, const char* what) -> std::optional<Id> {
    auto id = Id::Parse(text);
    if (!id.ok()) {
      Fail(Status::InvalidArgument(what, id.status().message()));
      return std::nullopt;
    }
    return *id;
  };

  // ---- login, logout, status ------------------------------------------------
  auto* login = app.add_subcommand("login", "log in; the session is kept for later commands");
  login->add_option("user", str("user"), "login")->required();
  login->callback([this, str] {
    std::string password;
    if (isatty(STDIN_FILENO)) {
      char* typed = getpass("Password: ");
      password = typed ? typed : "";
    } else if (!std::getline(std::cin, password)) {
      Fail(Status::InvalidArgument("password", "no password on standard input"));
      return;
    }
    std::string user = str("user");
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initLogin();
      args.setLogin(user);
      args.setPassword(password);
    }, false);
    if (!reply) return;
    auto session = reply->Root<schema::Response>().getSession();
    session_ = SavedSession{Text(session.getToken()), Text(session.getLogin()),
                            Text(session.getOffice()), Text(session.getCurrency())};
    if (Status saved = SaveSession(); !saved.ok()) {
      Fail(saved);
      return;
    }
    if (settings_.json) {
      Print(fmt::format("{{\"login\": \"{}\", \"office\": \"{}\"}}\n", session_.login, session_.office));
    } else {
      Print(fmt::format("Logged in as {} ({}) at office {}\n", Text(session.getDisplayName()),
                        session_.login, session_.office));
    }
  });

  app.add_subcommand("logout", "end the session")->callback([this] {
    auto reply = Send([](schema::Request::Builder r) { r.setLogout(); }, false);
    session_ = SavedSession{};
    (void)SaveSession();
    if (reply && !settings_.json) Print("Logged out\n");
  });

  app.add_subcommand("status", "the node: records, changes not yet sent, hub contact")
      ->callback([this, print_or_json] {
        auto reply = Send([](schema::Request::Builder r) { r.setStatus(); }, false);
        if (!reply) return;
        print_or_json(*reply, [&] {
          auto st = reply->Root<schema::Response>().getStatus();
          Print(fmt::format(
              "node             {}\noffice           {}\nrecords          {}\nlog seq          {}\n"
              "unsent changes   {}\noldest unsent    {}\nlast hub contact {}\ntime zone        {}\n"
              "currency         {}\nsafe to close shift: {}\n",
              IdFromWire(st.getNodeId()).ToString(), Text(st.getOffice()), st.getRecords(),
              st.getLogSeq(), st.getUnsentChanges(),
              st.getOldestUnsent() ? FormatTime(st.getOldestUnsent()) : "-",
              st.getLastHubContact() ? FormatTime(st.getLastHubContact()) : "never",
              Text(st.getTimeZone()), Text(st.getCurrency()),
              st.getUnsentChanges() == 0 ? "yes" : "no, changes wait for the hub"));
          if (st.getClockProblem().size() > 0) {
            Print(fmt::format("writes are refused: {}\n", Text(st.getClockProblem())));
          }
          if (st.getHubRefusal().size() > 0) {
            Print(fmt::format("the hub refuses this node: {}\n", Text(st.getHubRefusal())));
          }
          if (st.getHubRejected() > 0) {
            Print(fmt::format("changes the hub refused: {} (the last: {})\n", st.getHubRejected(),
                              Text(st.getLastHubRejection())));
          }
        });
      });

  // ---- clients --------------------------------------------------------------
  auto* find = app.add_subcommand("find", "find clients by phone, card, email or name");
  find->add_option("query", str("query"), "what to look for")->required();
  find->add_option("--limit", str("limit"), "at most this many");
  find->callback([this, str, print_or_json] {
    uint32_t limit = 20;
    if (!str("limit").empty()) limit = static_cast<uint32_t>(std::atoi(str("limit").c_str()));
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initFindClients();
      args.setQuery(str("query"));
      args.setLimit(limit);
    }, false);
    if (!reply) return;
    print_or_json(*reply, [&] {
      auto clients = reply->Root<schema::Response>().getClients();
      if (clients.size() == 0) {
        Print("No client found\n");
        exit_code_ = kNotFound;
        return;
      }
      std::vector<std::vector<std::string>> rows;
      for (auto c : clients) {
        auto client = c.getClient();
        rows.push_back({IdFromWire(c.getId()).ToString(), ClientName(client),
                        Join(client.getPhones()), Join(client.getEmails()),
                        Text(client.getLoyaltyCard())});
      }
      Print(Table({"ID", "NAME", "PHONES", "EMAILS", "CARD"}, rows));
    });
  });

  auto* client = app.add_subcommand("client", "add or edit a client");
  client->require_subcommand(1);
  auto add_options = std::make_shared<ClientOptions>();
  auto* client_add = client->add_subcommand("add", "add a client");
  add_options->Add(client_add, false);
  client_add->callback([this, add_options, client_add] {
    // Check the options before anything is sent.
    capnp::MallocMessageBuilder scratch;
    if (Status filled = add_options->Fill(client_add, scratch.initRoot<schema::SaveClient>());
        !filled.ok()) {
      Fail(filled);
      return;
    }
    auto reply = Send([&](schema::Request::Builder r) {
      (void)add_options->Fill(client_add, r.initSaveClient());
    }, true);
    if (!reply) return;
    Id id = IdFromWire(reply->Root<schema::Response>().getSaved());
    Print(settings_.json ? fmt::format("{{\"id\": \"{}\"}}\n", id.ToString())
                         : fmt::format("Client {} added\n", id.ToString()));
  });
  auto edit_options = std::make_shared<ClientOptions>();
  auto* client_edit = client->add_subcommand("edit", "change a client");
  client_edit->add_option("id", str("client"), "client id")->required();
  edit_options->Add(client_edit, true);
  client_edit->callback([this, edit_options, client_edit, str, parse_id] {
    auto id = parse_id(str("client"), "id");
    if (!id) return;
    capnp::MallocMessageBuilder scratch;
    if (Status filled = edit_options->Fill(client_edit, scratch.initRoot<schema::SaveClient>());
        !filled.ok()) {
      Fail(filled);
      return;
    }
    auto reply = Send([&](schema::Request::Builder r) {
      auto save = r.initSaveClient();
      IdToWire(*id, save.initId());
      (void)edit_options->Fill(client_edit, save);
    }, true);
    if (!reply) return;
    Print(settings_.json ? fmt::format("{{\"id\": \"{}\"}}\n", id->ToString())
                         : fmt::format("Client {} saved\n", id->ToString()));
  });

  auto* client_delete = client->add_subcommand("delete", "delete a client (office manager)");
  client_delete->add_option("id", str("client"), "client id")->required();
  client_delete->callback([this, str, parse_id] {
    auto id = parse_id(str("client"), "id");
    if (!id) return;
    auto reply = Send([&](schema::Request::Builder r) { IdToWire(*id, r.initDeleteClient()); }, true);
    if (reply && !settings_.json) Print(fmt::format("Client {} deleted\n", id->ToString()));
  });
  auto* client_erase = client->add_subcommand(
      "erase", "erase a client's personal data for good, everywhere (office manager)");
  client_erase->add_option("id", str("client"), "client id")->required();
  auto confirmed = std::make_shared<bool>(false);
  client_erase->add_flag("--yes-erase-for-good", *confirmed, "confirm: this cannot be undone")
      ->required();
  client_erase->callback([this, str, parse_id, confirmed] {  // keeps the flag's storage alive
    auto id = parse_id(str("client"), "id");
    if (!id) return;
    auto reply = Send([&](schema::Request::Builder r) { IdToWire(*id, r.initEraseClient()); }, true);
    if (reply && !settings_.json) Print(fmt::format("Client {} erased\n", id->ToString()));
  });

  app.add_subcommand("duplicates", "clients that share a phone, email or card (office manager)")
      ->callback([this, print_or_json] {
        auto reply = Send([](schema::Request::Builder r) { r.setListDuplicates(); }, false);
        if (!reply) return;
        print_or_json(*reply, [&] {
          auto pairs = reply->Root<schema::Response>().getDuplicates();
          if (pairs.size() == 0) {
            Print("No duplicates\n");
            return;
          }
          std::vector<std::vector<std::string>> rows;
          for (auto pair : pairs) {
            rows.push_back({IdFromWire(pair.getFirst().getId()).ToString(),
                            ClientName(pair.getFirst().getClient()),
                            IdFromWire(pair.getSecond().getId()).ToString(),
                            ClientName(pair.getSecond().getClient()), Text(pair.getShared())});
          }
          Print(Table({"CLIENT", "NAME", "DUPLICATE", "NAME", "SHARED"}, rows));
        });
      });

  app.add_subcommand("conflicts",
                     "values that lost to a concurrent edit at another office (office manager)")
      ->callback([this, print_or_json] {
        auto reply = Send([](schema::Request::Builder r) { r.setListConflicts(); }, false);
        if (!reply) return;
        print_or_json(*reply, [&] {
          auto conflicts = reply->Root<schema::Response>().getConflicts();
          if (conflicts.size() == 0) {
            Print("No conflicting edits\n");
            return;
          }
          std::vector<std::vector<std::string>> rows;
          for (auto c : conflicts) {
            std::string record = Text(c.getEntity()) + " " + IdFromWire(c.getId()).ToString();
            if (c.getLabel().size() > 0) record += " (" + Text(c.getLabel()) + ")";
            rows.push_back({record, Text(c.getField()),
                            Text(c.getLostValue()) + " @" + Text(c.getLostOffice()) + " " +
                                FormatTime(c.getLostAt()),
                            Text(c.getWonValue()) + " @" + Text(c.getWonOffice()) + " " +
                                FormatTime(c.getWonAt())});
          }
          Print(Table({"RECORD", "FIELD", "LOST", "KEPT"}, rows));
        });
      });

  auto* merge = app.add_subcommand("merge", "merge a duplicate into a client (office manager)");
  merge->add_option("survivor", str("survivor"), "the client to keep")->required();
  merge->add_option("duplicate", str("duplicate"), "the duplicate to merge into it")->required();
  merge->callback([this, str, parse_id] {
    auto survivor = parse_id(str("survivor"), "survivor");
    auto duplicate = parse_id(str("duplicate"), "duplicate");
    if (!survivor || !duplicate) return;
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initMergeClients();
      IdToWire(*survivor, args.initSurvivor());
      IdToWire(*duplicate, args.initDuplicate());
    }, true);
    if (reply && !settings_.json) {
      Print(fmt::format("Client {} merged into {}\n", duplicate->ToString(), survivor->ToString()));
    }
  });

  auto* card = app.add_subcommand("card", "the client card");
  card->add_option("id", str("client"), "client id")->required();
  card->callback([this, str, parse_id, print_or_json] {
    auto id = parse_id(str("client"), "id");
    if (!id) return;
    auto reply = Send([&](schema::Request::Builder r) { IdToWire(*id, r.initGetClientCard()); }, false);
    if (!reply) return;
    print_or_json(*reply, [&] {
      auto card_reader = reply->Root<schema::Response>().getCard();
      auto c = card_reader.getClient();
      std::string cur = Text(card_reader.getCurrency());
      std::string out = fmt::format("{}  ({})\n", ClientName(c), IdFromWire(card_reader.getId()).ToString());
      if (card_reader.hasCompany()) out += fmt::format("company     {}\n", ClientName(card_reader.getCompany().getClient()));
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
      for (auto merged : card_reader.getMerged()) {
        out += fmt::format("merged      {} ({})\n", ClientName(merged.getClient()),
                           IdFromWire(merged.getId()).ToString());
      }
      for (auto attr : c.getAttributes()) {
        out += fmt::format("{:<11} {}\n", Text(attr.getKey()), Text(attr.getValue()));
      }
      out += fmt::format(
          "\ntotal spent {}  visits {}  last visit {}  average ticket {}  bonus points {}  owes {}\n",
          FormatMoney(card_reader.getTotalSpent(), cur), card_reader.getVisitCount(),
          FormatTime(card_reader.getLastVisit()), FormatMoney(card_reader.getAverageTicket(), cur),
          card_reader.getLoyaltyBalance(), FormatMoney(card_reader.getOutstanding(), cur));
      if (card_reader.getSales().size()) {
        std::vector<std::vector<std::string>> rows;
        for (auto e : card_reader.getSales()) {
          auto sale = e.getSale();
          rows.push_back({Text(sale.getReceiptNo()), FormatTime(sale.getTime()),
                          FormatMoney(sale.getTotal(), cur),
                          e.getOverRefunded()
                              ? FormatMoney(e.getRefunded(), cur) + " (" +
                                    FormatMoney(e.getOverRefunded(), cur) + " beyond the sale!)"
                          : e.getRefunded() ? FormatMoney(e.getRefunded(), cur)
                                            : "",
                          std::to_string(sale.getLines().size())});
        }
        out += "\nPurchases\n" + Table({"RECEIPT", "TIME", "TOTAL", "REFUNDED", "LINES"}, rows);
      }
      if (card_reader.getPayments().size()) {
        std::vector<std::vector<std::string>> rows;
        for (auto e : card_reader.getPayments()) {
          auto p = e.getPayment();
          rows.push_back({FormatTime(p.getTime()), FormatMoney(p.getAmount(), cur),
                          MethodName(p.getMethod()), Text(p.getComment())});
        }
        out += "\nPayments on credit\n" + Table({"TIME", "AMOUNT", "METHOD", "COMMENT"}, rows);
      }
      if (card_reader.getInteractions().size()) {
        std::vector<std::vector<std::string>> rows;
        for (auto e : card_reader.getInteractions()) {
          auto i = e.getInteraction();
          rows.push_back({FormatTime(i.getTime()), ChannelName(i.getChannel()),
                          i.getDirection() == schema::Direction::INBOUND ? "in" : "out",
                          Text(i.getSummary())});
        }
        out += "\nInteractions\n" + Table({"TIME", "CHANNEL", "DIR", "SUMMARY"}, rows);
      }
      if (card_reader.getNotes().size()) {
        std::vector<std::vector<std::string>> rows;
        for (auto e : card_reader.getNotes()) {
          rows.push_back({FormatTime(e.getNote().getTime()), Text(e.getNote().getText())});
        }
        out += "\nNotes\n" + Table({"TIME", "NOTE"}, rows);
      }
      if (card_reader.getTasks().size()) {
        std::vector<std::vector<std::string>> rows;
        for (auto e : card_reader.getTasks()) {
          auto t = e.getTask();
          const char* status = t.getStatus() == schema::TaskStatus::OPEN ? "open"
                               : t.getStatus() == schema::TaskStatus::DONE ? "done" : "cancelled";
          rows.push_back({IdFromWire(e.getId()).ToString(), FormatTime(t.getDue()), status,
                          Text(t.getTitle())});
        }
        out += "\nTasks\n" + Table({"ID", "DUE", "STATUS", "TITLE"}, rows);
      }
      if (card_reader.getFeedback().size()) {
        std::vector<std::vector<std::string>> rows;
        for (auto e : card_reader.getFeedback()) {
          auto f = e.getFeedback();
          rows.push_back({FormatTime(f.getTime()), std::to_string(f.getScore()), Text(f.getComment())});
        }
        out += "\nFeedback\n" + Table({"TIME", "SCORE", "COMMENT"}, rows);
      }
      if (card_reader.getFiles().size()) {
        std::vector<std::vector<std::string>> rows;
        for (auto e : card_reader.getFiles()) {
          auto f = e.getFile();
          rows.push_back({Text(f.getName()), std::to_string(f.getSize()), Text(f.getSha256())});
        }
        out += "\nFiles\n" + Table({"NAME", "BYTES", "SHA-256"}, rows);
      }
      Print(out);
    });
  });

  // ---- sales ----------------------------------------------------------------
  auto print_receipt = [this](schema::SaleEntry::Reader entry) {
    auto sale = entry.getSale();
    std::string cur = Text(sale.getCurrency());
    std::string out = fmt::format("{:<28}{:>20}\n", Text(sale.getReceiptNo()), FormatTime(sale.getTime()));
    out += std::string(48, '-') + "\n";
    for (auto line : sale.getLines()) {
      std::string name = Text(line.getName());
      if (TextWidth(name) > 24) name = name.substr(0, 24);
      std::string qty = fmt::format("{} x {}", line.getQuantity(), FormatMoney(line.getUnitPrice(), cur));
      out += fmt::format("{}{}{:>{}}\n", name, std::string(26 - TextWidth(name), ' '), qty, 22);
      if (line.getDiscount()) {
        out += fmt::format("{:<26}{:>22}\n", "  discount", "-" + FormatMoney(line.getDiscount(), cur));
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
    Print(out);
  };

  auto* sale = app.add_subcommand("sale", "ring up a sale and print the receipt");
  sale->add_option("--client", str("client"), "client id (omit for an anonymous sale)");
  sale->add_option("--line", vec("lines"), "SKU:QTY[:PRICE[:DISCOUNT]] (repeat per line)")->required();
  sale->add_option("--pay", vec("payments"), "METHOD[:AMOUNT]; one may omit the amount (the rest)")
      ->required();
  sale->add_option("--campaign", str("campaign"), "campaign code");
  sale->add_option("--channel", str("channel"), "sales channel (default store)");
  sale->add_option("--request-id", str("request_id"), "retry an earlier attempt with its id");
  sale->add_option("--approve-by", str("approve_by"),
                   "a manager's login, to approve prices or discounts beyond your limit (their "
                   "password on standard input)");
  sale->callback([this, str, vec, parse_id, print_or_json, print_receipt] {
    std::optional<Id> client_id;
    if (!str("client").empty()) {
      client_id = parse_id(str("client"), "--client");
      if (!client_id) return;
    }
    struct LineSpec { std::string sku; int32_t quantity; int64_t price; int64_t discount; };
    std::vector<LineSpec> lines;
    for (const std::string& spec : vec("lines")) {
      std::vector<std::string> parts;
      std::stringstream in(spec);
      for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
      if (parts.size() < 2 || parts.size() > 4 || parts[0].empty()) {
        Fail(Status::InvalidArgument("--line", "write SKU:QTY[:PRICE[:DISCOUNT]], got '" + spec + "'"));
        return;
      }
      char* end = nullptr;
      long quantity = std::strtol(parts[1].c_str(), &end, 10);
      if (*end != '\0' || parts[1].empty() || quantity < INT32_MIN || quantity > INT32_MAX) {
        Fail(Status::InvalidArgument("--line", "'" + parts[1] + "' is not a quantity"));
        return;
      }
      LineSpec line{parts[0], static_cast<int32_t>(quantity), -1, 0};
      if (parts.size() >= 3 && !parts[2].empty()) {
        auto price = Money(parts[2], "--line price");
        if (!price.ok()) { Fail(price.status()); return; }
        line.price = *price;
      }
      if (parts.size() == 4) {
        auto discount = Money(parts[3], "--line discount");
        if (!discount.ok()) { Fail(discount.status()); return; }
        line.discount = *discount;
      }
      lines.push_back(line);
    }
    std::vector<std::pair<schema::PaymentMethod, int64_t>> payments;
    for (const std::string& spec : vec("payments")) {
      auto colon = spec.find(':');
      auto method = PaymentMethods().find(spec.substr(0, colon));
      if (method == PaymentMethods().end()) {
        Fail(Status::InvalidArgument("--pay", "unknown method in '" + spec +
                                                  "' (cash, card, transfer, credit, bonus, other)"));
        return;
      }
      int64_t amount = 0;
      if (colon != std::string::npos) {
        auto parsed = method->second == schema::PaymentMethod::BONUS
                          ? Result<int64_t>(static_cast<int64_t>(std::atoll(spec.substr(colon + 1).c_str())))
                          : Money(spec.substr(colon + 1), "--pay");
        if (!parsed.ok()) { Fail(parsed.status()); return; }
        amount = *parsed;
      }
      payments.emplace_back(method->second, amount);
    }
    // The approver types their own password, as at `pos login`.
    const std::string approver = str("approve_by");
    std::string approver_password;
    if (!approver.empty()) {
      if (isatty(STDIN_FILENO)) {
        char* typed = getpass(fmt::format("Password of {} (approving): ", approver).c_str());
        approver_password = typed ? typed : "";
      } else if (!std::getline(std::cin, approver_password)) {
        Fail(Status::InvalidArgument("--approve-by",
                                     "no password of the approver on standard input"));
        return;
      }
    }
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initRecordSale();
      if (!approver.empty()) {
        auto approval = args.initApproval();
        approval.setLogin(approver);
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
      args.setCampaignCode(str("campaign"));
      args.setChannel(str("channel"));
    }, true, str("request_id"));
    if (!reply) return;
    print_or_json(*reply, [&] { print_receipt(reply->Root<schema::Response>().getReceipt()); });
  });

  auto* receipt = app.add_subcommand("receipt", "print a sale's receipt again");
  receipt->add_option("sale", str("sale"), "receipt number or sale id")->required();
  receipt->callback([this, str, print_or_json, print_receipt] {
    auto reply = Send([&](schema::Request::Builder r) { r.setGetSale(str("sale")); }, false);
    if (!reply) return;
    print_or_json(*reply, [&] { print_receipt(reply->Root<schema::Response>().getReceipt()); });
  });

  auto* refund = app.add_subcommand("refund", "refund lines of a sale (office manager)");
  refund->add_option("sale", str("sale"), "receipt number or sale id")->required();
  refund->add_option("--line", vec("refund_lines"), "LINE:QTY, line numbers from 1 (repeat)")->required();
  refund->add_option("--method", str("method"), "how the money goes back (default card)");
  refund->add_option("--reason", str("reason"), "why");
  refund->add_option("--request-id", str("request_id"), "retry an earlier attempt with its id");
  refund->callback([this, str, vec, print_or_json] {
    auto method = PaymentMethods().find(str("method").empty() ? "card" : str("method"));
    if (method == PaymentMethods().end()) {
      Fail(Status::InvalidArgument("--method", "unknown payment method"));
      return;
    }
    std::vector<std::pair<uint32_t, int32_t>> lines;
    for (const std::string& spec : vec("refund_lines")) {
      int line = 0, quantity = 0;
      char tail = 0;
      if (std::sscanf(spec.c_str(), "%d:%d%c", &line, &quantity, &tail) != 2 || line < 1) {
        Fail(Status::InvalidArgument("--line", "write LINE:QTY with lines from 1, got '" + spec + "'"));
        return;
      }
      lines.emplace_back(static_cast<uint32_t>(line - 1), quantity);
    }
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initRefundSale();
      args.setSale(str("sale"));
      auto out = args.initLines(static_cast<unsigned>(lines.size()));
      for (unsigned i = 0; i < lines.size(); ++i) {
        out[i].setLineIndex(lines[i].first);
        out[i].setQuantity(lines[i].second);
      }
      args.setMethod(method->second);
      args.setReason(str("reason"));
    }, true, str("request_id"));
    if (!reply) return;
    print_or_json(*reply, [&] {
      auto r = reply->Root<schema::Response>().getRefund().getRefund();
      Print(fmt::format("Refunded {} {} by {}\n", FormatMoney(r.getAmount(), Text(r.getCurrency())),
                        Text(r.getCurrency()), MethodName(r.getMethod())));
    });
  });

  auto* pay = app.add_subcommand("pay", "take a payment against what a client owes");
  pay->add_option("client", str("client"), "client id")->required();
  pay->add_option("amount", str("amount"), "amount, like 12.50")->required();
  pay->add_option("--method", str("method"), "cash, card or transfer (default cash)");
  pay->add_option("--comment", str("comment"), "comment");
  pay->callback([this, str, parse_id] {
    auto id = parse_id(str("client"), "client");
    if (!id) return;
    auto amount = Money(str("amount"), "amount");
    if (!amount.ok()) { Fail(amount.status()); return; }
    auto method = PaymentMethods().find(str("method").empty() ? "cash" : str("method"));
    if (method == PaymentMethods().end()) {
      Fail(Status::InvalidArgument("--method", "unknown payment method"));
      return;
    }
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initRecordPayment();
      IdToWire(*id, args.initClient());
      args.setAmount(*amount);
      args.setMethod(method->second);
      args.setComment(str("comment"));
    }, true);
    if (reply && !settings_.json) Print(fmt::format("Payment of {} taken\n", str("amount")));
  });

  // ---- interactions, notes, tasks, feedback, files ---------------------------
  auto* log = app.add_subcommand("log", "log a call, email, visit, social message or sms");
  log->add_option("client", str("client"), "client id")->required();
  log->add_option("--channel", str("channel"), "call, email, visit, social, sms")->required();
  log->add_option("--direction", str("direction"), "in or out (default in)");
  log->add_option("--summary", str("summary"), "what was said")->required();
  log->callback([this, str, parse_id] {
    auto id = parse_id(str("client"), "client");
    if (!id) return;
    static const std::map<std::string, schema::InteractionChannel> channels = {
        {"call", schema::InteractionChannel::CALL},     {"email", schema::InteractionChannel::EMAIL},
        {"visit", schema::InteractionChannel::VISIT},   {"social", schema::InteractionChannel::SOCIAL},
        {"sms", schema::InteractionChannel::SMS}};
    auto channel = channels.find(str("channel"));
    if (channel == channels.end()) {
      Fail(Status::InvalidArgument("--channel", "is call, email, visit, social or sms"));
      return;
    }
    std::string direction = str("direction").empty() ? "in" : str("direction");
    if (direction != "in" && direction != "out") {
      Fail(Status::InvalidArgument("--direction", "is in or out"));
      return;
    }
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initLogInteraction();
      IdToWire(*id, args.initClient());
      args.setChannel(channel->second);
      args.setDirection(direction == "in" ? schema::Direction::INBOUND : schema::Direction::OUTBOUND);
      args.setSummary(str("summary"));
    }, true);
    if (reply && !settings_.json) Print("Logged\n");
  });

  auto* note = app.add_subcommand("note", "add a note to a client");
  note->add_option("client", str("client"), "client id")->required();
  note->add_option("text", str("text"), "the note")->required();
  note->callback([this, str, parse_id] {
    auto id = parse_id(str("client"), "client");
    if (!id) return;
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initAddNote();
      IdToWire(*id, args.initClient());
      args.setText(str("text"));
    }, true);
    if (reply && !settings_.json) Print("Note added\n");
  });

  auto* task = app.add_subcommand("task", "create or complete tasks");
  task->require_subcommand(1);
  auto* task_add = task->add_subcommand("add", "create a task about a client");
  task_add->add_option("client", str("client"), "client id")->required();
  task_add->add_option("--title", str("title"), "what to do")->required();
  task_add->add_option("--due", str("due"), "YYYY-MM-DD or YYYY-MM-DDTHH:MM")->required();
  task_add->add_option("--assignee", str("assignee"), "login of the user (default: you)");
  task_add->callback([this, str, parse_id] {
    auto id = parse_id(str("client"), "client");
    if (!id) return;
    auto due = ParseLocalTime(str("due"), "--due");
    if (!due.ok()) { Fail(due.status()); return; }
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initCreateTask();
      IdToWire(*id, args.initClient());
      args.setTitle(str("title"));
      args.setDue(*due);
      args.setAssignee(str("assignee"));
    }, true);
    if (!reply) return;
    Id task_id = IdFromWire(reply->Root<schema::Response>().getSaved());
    Print(settings_.json ? fmt::format("{{\"id\": \"{}\"}}\n", task_id.ToString())
                         : fmt::format("Task {} created\n", task_id.ToString()));
  });
  auto* task_done = task->add_subcommand("done", "complete a task");
  task_done->add_option("task", str("task"), "task id")->required();
  task_done->callback([this, str, parse_id] {
    auto id = parse_id(str("task"), "task");
    if (!id) return;
    auto reply = Send([&](schema::Request::Builder r) { IdToWire(*id, r.initCompleteTask()); }, true);
    if (reply && !settings_.json) Print("Task completed\n");
  });

  auto* deal = app.add_subcommand("deal", "open a deal with a client, or move one along the pipeline");
  deal->require_subcommand(1);
  auto stage_of = [](const std::string& text) -> std::optional<schema::DealStage> {
    static const std::map<std::string, schema::DealStage> stages = {
        {"lead", schema::DealStage::LEAD},         {"qualified", schema::DealStage::QUALIFIED},
        {"proposal", schema::DealStage::PROPOSAL}, {"negotiation", schema::DealStage::NEGOTIATION},
        {"won", schema::DealStage::WON},           {"lost", schema::DealStage::LOST}};
    auto it = stages.find(text);
    return it == stages.end() ? std::nullopt : std::optional(it->second);
  };
  auto* deal_open = deal->add_subcommand("open", "open a deal with a client");
  deal_open->add_option("client", str("client"), "client id")->required();
  deal_open->add_option("--title", str("title"), "what is being sold")->required();
  deal_open->add_option("--amount", str("amount"), "expected amount, like 1200.00")->required();
  deal_open->add_option("--stage", str("stage"), "lead (default), qualified, proposal, negotiation");
  deal_open->callback([this, str, parse_id, stage_of] {
    auto id = parse_id(str("client"), "client");
    if (!id) return;
    auto stage = stage_of(str("stage").empty() ? "lead" : str("stage"));
    if (!stage) { Fail(Status::InvalidArgument("--stage", "is lead, qualified, proposal or negotiation")); return; }
    auto amount = Money(str("amount"), "--amount");
    if (!amount.ok()) { Fail(amount.status()); return; }
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initSaveDeal();
      IdToWire(*id, args.initClient());
      args.setTitle(str("title"));
      args.setAmount(*amount);
      args.setStage(*stage);
    }, true);
    if (!reply) return;
    Id deal_id = IdFromWire(reply->Root<schema::Response>().getSaved());
    Print(settings_.json ? fmt::format("{{\"id\": \"{}\"}}\n", deal_id.ToString())
                         : fmt::format("Deal {} opened\n", deal_id.ToString()));
  });
  auto* deal_move = deal->add_subcommand("move", "move a deal to a stage; won or lost closes it");
  deal_move->add_option("deal", str("deal"), "deal id")->required();
  deal_move->add_option("stage", str("stage"), "qualified, proposal, negotiation, won or lost")->required();
  deal_move->add_option("--amount", str("amount"), "a new expected amount");
  deal_move->callback([this, str, parse_id, stage_of] {
    auto id = parse_id(str("deal"), "deal");
    if (!id) return;
    auto stage = stage_of(str("stage"));
    if (!stage) {
      Fail(Status::InvalidArgument("stage", "is lead, qualified, proposal, negotiation, won or lost"));
      return;
    }
    int64_t amount = 0;
    if (!str("amount").empty()) {
      auto parsed = Money(str("amount"), "--amount");
      if (!parsed.ok()) { Fail(parsed.status()); return; }
      amount = *parsed;
    }
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initSaveDeal();
      IdToWire(*id, args.initDeal());
      args.setStage(*stage);
      args.setAmount(amount);
    }, true);
    if (reply && !settings_.json) Print(fmt::format("Deal moved to {}\n", str("stage")));
  });

  auto* feedback = app.add_subcommand("feedback", "record a client's feedback");
  feedback->add_option("client", str("client"), "client id")->required();
  feedback->add_option("--score", str("score"), "1 to 5")->required();
  feedback->add_option("--comment", str("comment"), "what they said");
  feedback->add_option("--sale", str("sale"), "the receipt it is about");
  feedback->callback([this, str, parse_id] {
    auto id = parse_id(str("client"), "client");
    if (!id) return;
    char* end = nullptr;
    long score = std::strtol(str("score").c_str(), &end, 10);
    if (*end != '\0' || score < 0 || score > 255) {
      Fail(Status::InvalidArgument("score", "is 1 to 5"));
      return;
    }
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initRecordFeedback();
      IdToWire(*id, args.initClient());
      args.setScore(static_cast<uint8_t>(score));
      args.setComment(str("comment"));
      args.setSale(str("sale"));
    }, true);
    if (reply && !settings_.json) Print("Feedback recorded\n");
  });

  auto* attach = app.add_subcommand("attach", "attach a file to a client");
  attach->add_option("client", str("client"), "client id")->required();
  attach->add_option("file", str("file"), "path of the file")->required();
  attach->add_option("--type", str("type"), "media type (default application/octet-stream)");
  attach->callback([this, str, parse_id] {
    auto id = parse_id(str("client"), "client");
    if (!id) return;
    std::ifstream in(str("file"), std::ios::binary);
    if (!in) {
      Fail(Status::NotFound("cannot read " + str("file")));
      return;
    }
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string name = std::filesystem::path(str("file")).filename().string();
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initAttachFile();
      IdToWire(*id, args.initClient());
      args.setName(name);
      args.setMediaType(str("type"));
      args.setContent(kj::arrayPtr(reinterpret_cast<const kj::byte*>(content.data()), content.size()));
    }, true);
    if (reply && !settings_.json) Print(fmt::format("Attached {} ({} bytes)\n", name, content.size()));
  });

  auto* file = app.add_subcommand("file", "download an attached file by its SHA-256");
  file->add_option("sha256", str("sha"), "the file's SHA-256 (from the card)")->required();
  file->add_option("--out", str("out"), "where to write it")->required();
  file->callback([this, str] {
    auto reply = Send([&](schema::Request::Builder r) { r.setGetFile(str("sha")); }, false);
    if (!reply) return;
    auto content = reply->Root<schema::Response>().getFile().getContent();
    std::ofstream out(str("out"), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(content.begin()), static_cast<std::streamsize>(content.size()));
    if (!out) {
      Fail(Status::IOError("cannot write " + str("out")));
      return;
    }
    if (!settings_.json) Print(fmt::format("Wrote {} bytes to {}\n", content.size(), str("out")));
  });

  // ---- catalogue and users ---------------------------------------------------
  auto* product = app.add_subcommand("product", "the product catalogue (HQ manager)");
  product->require_subcommand(1);
  auto* product_add = product->add_subcommand("add", "add or change a product");
  product_add->add_option("sku", str("sku"), "stock code")->required();
  product_add->add_option("--name", str("name"), "name")->required();
  product_add->add_option("--price", str("price"), "price, like 4.50")->required();
  product_add->add_option("--category", str("category"), "category");
  product_add->callback([this, str] {
    auto price = Money(str("price"), "--price");
    if (!price.ok()) { Fail(price.status()); return; }
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initSaveProduct();
      args.setSku(str("sku"));
      args.setName(str("name"));
      args.setPrice(*price);
      args.setCategory(str("category"));
    }, true);
    if (reply && !settings_.json) Print(fmt::format("Product {} saved\n", str("sku")));
  });

  auto* user = app.add_subcommand("user", "users of the node (admin)");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "create a user (password on standard input)");
  user_add->add_option("login", str("login"), "login")->required();
  user_add->add_option("--role", str("role"), "cashier, manager, hq-manager, admin")->required();
  user_add->add_option("--name", str("name"), "display name");
  user_add->callback([this, str] {
    static const std::map<std::string, schema::Role> roles = {
        {"cashier", schema::Role::CASHIER}, {"manager", schema::Role::OFFICE_MANAGER},
        {"hq-manager", schema::Role::HQ_MANAGER}, {"admin", schema::Role::ADMIN}};
    auto role = roles.find(str("role"));
    if (role == roles.end()) {
      Fail(Status::InvalidArgument("--role", "is cashier, manager, hq-manager or admin"));
      return;
    }
    std::string password;
    if (isatty(STDIN_FILENO)) {
      char* typed = getpass("Password for the new user: ");
      password = typed ? typed : "";
    } else if (!std::getline(std::cin, password)) {
      Fail(Status::InvalidArgument("password", "no password on standard input"));
      return;
    }
    auto reply = Send([&](schema::Request::Builder r) {
      auto args = r.initCreateUser();
      args.setLogin(str("login"));
      args.setDisplayName(str("name"));
      args.setRole(role->second);
      args.setPassword(password);
    }, true);
    if (reply && !settings_.json) Print(fmt::format("User {} created\n", str("login")));
  });
  auto* user_unlock = user->add_subcommand(
      "unlock", "lift the lock of a login that failed too many times in a row (admin)");
  user_unlock->add_option("login", str("unlock_login"), "login")->required();
  user_unlock->callback([this, str] {
    auto reply = Send([&](schema::Request::Builder r) { r.setUnlockLogin(str("unlock_login")); },
                      true);
    if (reply && !settings_.json) Print(fmt::format("{} may log in again\n", str("unlock_login")));
  });

  app.add_subcommand("shell", "interactive front desk: type commands, 'exit' to leave")
      ->callback([this] { exit_code_ = Shell(); });
}

}  // namespace crm::pos
