// pos find and client add/edit/delete/erase: finding clients and keeping
// their records.
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>

#include "pos-client/commands/common.h"
#include "pos-client/format.h"
#include "pos-client/pos.h"
#include "sync/base/wire.h"

namespace crm::pos {
namespace {

// The options shared by `client add` and `client edit`.
struct ClientOptions {
  std::string first, last, middle, company_name, member_of, birth, gender, card, source,
      responsible;
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
    cmd->add_option("--consent", consents,
                    "CHANNEL=granted|refused (email, sms, phone, post, messenger)");
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
    CRM_RETURN_IF_ERROR(FillFields(cmd, c, fields));
    CRM_RETURN_IF_ERROR(FillConsents(c, fields));
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

  // The client's own fields that were given, each named in `fields`.
  Status FillFields(CLI::App* cmd, schema::Client::Builder c,
                    std::vector<std::string>& fields) const {
    auto given = [&](const char* option) { return cmd->count(option) > 0; };
    if (given("--first")) {
      c.setFirstName(first);
      fields.push_back("firstName");
    }
    if (given("--last")) {
      c.setLastName(last);
      fields.push_back("lastName");
    }
    if (given("--middle")) {
      c.setMiddleName(middle);
      fields.push_back("middleName");
    }
    if (given("--company-name")) {
      c.setCompanyName(company_name);
      fields.push_back("companyName");
    }
    if (company) {
      c.setKind(schema::ClientKind::COMPANY);
      fields.push_back("kind");
    }
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
          {"female", schema::Gender::FEMALE},
          {"male", schema::Gender::MALE},
          {"other", schema::Gender::OTHER},
          {"unspecified", schema::Gender::UNSPECIFIED}};
      auto it = genders.find(gender);
      if (it == genders.end()) {
        return Status::InvalidArgument("--gender", "is female, male or other");
      }
      c.setGender(it->second);
      fields.push_back("gender");
    }
    if (given("--card")) {
      c.setLoyaltyCard(card);
      fields.push_back("loyaltyCard");
    }
    if (given("--source")) {
      c.setAcquisitionChannel(source);
      fields.push_back("acquisitionChannel");
    }
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
    return Status::Ok();
  }

  // The consents given (--consent CHANNEL=STATE), each named in `fields`.
  Status FillConsents(schema::Client::Builder c, std::vector<std::string>& fields) const {
    for (const std::string& consent : consents) {
      auto eq = consent.find('=');
      std::string channel = consent.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : consent.substr(eq + 1);
      schema::Consent state;
      if (value == "granted") {
        state = schema::Consent::GRANTED;
      } else if (value == "refused") {
        state = schema::Consent::REFUSED;
      } else if (value == "unknown") {
        state = schema::Consent::UNKNOWN;
      } else {
        return Status::InvalidArgument("--consent", "write CHANNEL=granted or CHANNEL=refused");
      }
      if (channel == "email") {
        c.setConsentEmail(state);
        fields.push_back("consentEmail");
      } else if (channel == "sms") {
        c.setConsentSms(state);
        fields.push_back("consentSms");
      } else if (channel == "phone") {
        c.setConsentPhone(state);
        fields.push_back("consentPhone");
      } else if (channel == "post") {
        c.setConsentPost(state);
        fields.push_back("consentPost");
      } else if (channel == "messenger") {
        c.setConsentMessenger(state);
        fields.push_back("consentMessenger");
      } else {
        return Status::InvalidArgument("--consent", "unknown channel '" + channel + "'");
      }
    }
    return Status::Ok();
  }
};

struct FindOptions {
  std::string query;
  std::string limit;
};

// `client edit`: which client, and what changes.
struct ClientEditOptions {
  std::string id;
  ClientOptions client;
};

// `client delete` and `client erase`.
struct ClientIdOptions {
  std::string id;
  bool confirmed = false;  // erase: --yes-erase-for-good
};

// The clients `pos find` found, as a table.
std::string FoundText(capnp::List<schema::ClientSummary>::Reader clients) {
  std::vector<std::vector<std::string>> rows;
  for (auto c : clients) {
    auto client = c.getClient();
    rows.push_back({IdFromWire(c.getId()).ToString(), ClientName(client), Join(client.getPhones()),
                    Join(client.getEmails()), Text(client.getLoyaltyCard())});
  }
  return Table({"ID", "NAME", "PHONES", "EMAILS", "CARD"}, rows);
}

}  // namespace

void Pos::AddClientCommands(CLI::App& app) {
  auto find_options = std::make_shared<FindOptions>();
  auto* find = app.add_subcommand("find", "find clients by phone, card, email or name");
  find->add_option("query", find_options->query, "what to look for")->required();
  find->add_option("--limit", find_options->limit, "at most this many");
  find->callback([this, find_options] {
    uint32_t limit = 20;
    if (!find_options->limit.empty()) {
      limit = static_cast<uint32_t>(std::atoi(find_options->limit.c_str()));
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto args = r.initFindClients();
          args.setQuery(find_options->query);
          args.setLimit(limit);
        },
        false);
    if (!reply) return;
    PrintOrJson(*reply, [&] {
      auto clients = reply->Root<schema::Response>().getClients();
      if (clients.size() == 0) {
        Print("No client found\n");
        exit_code_ = kNotFound;
        return;
      }
      Print(FoundText(clients));
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
    auto reply = Send(
        [&](schema::Request::Builder r) {
          (void)add_options->Fill(client_add, r.initSaveClient());
        },
        true);
    if (!reply) return;
    Id id = IdFromWire(reply->Root<schema::Response>().getSaved());
    Print(settings_.json ? fmt::format("{{\"id\": \"{}\"}}\n", id.ToString())
                         : fmt::format("Client {} added\n", id.ToString()));
  });
  auto edit_options = std::make_shared<ClientEditOptions>();
  auto* client_edit = client->add_subcommand("edit", "change a client");
  client_edit->add_option("id", edit_options->id, "client id")->required();
  edit_options->client.Add(client_edit, true);
  client_edit->callback([this, edit_options, client_edit] {
    auto id = ParseId(edit_options->id, "id");
    if (!id) return;
    capnp::MallocMessageBuilder scratch;
    if (Status filled =
            edit_options->client.Fill(client_edit, scratch.initRoot<schema::SaveClient>());
        !filled.ok()) {
      Fail(filled);
      return;
    }
    auto reply = Send(
        [&](schema::Request::Builder r) {
          auto save = r.initSaveClient();
          IdToWire(*id, save.initId());
          (void)edit_options->client.Fill(client_edit, save);
        },
        true);
    if (!reply) return;
    Print(settings_.json ? fmt::format("{{\"id\": \"{}\"}}\n", id->ToString())
                         : fmt::format("Client {} saved\n", id->ToString()));
  });

  auto delete_options = std::make_shared<ClientIdOptions>();
  auto* client_delete = client->add_subcommand("delete", "delete a client (office manager)");
  client_delete->add_option("id", delete_options->id, "client id")->required();
  client_delete->callback([this, delete_options] {
    auto id = ParseId(delete_options->id, "id");
    if (!id) return;
    auto reply =
        Send([&](schema::Request::Builder r) { IdToWire(*id, r.initDeleteClient()); }, true);
    if (reply && !settings_.json) Print(fmt::format("Client {} deleted\n", id->ToString()));
  });
  auto erase_options = std::make_shared<ClientIdOptions>();
  auto* client_erase = client->add_subcommand(
      "erase", "erase a client's personal data for good, everywhere (office manager)");
  client_erase->add_option("id", erase_options->id, "client id")->required();
  client_erase
      ->add_flag("--yes-erase-for-good", erase_options->confirmed, "confirm: this cannot be undone")
      ->required();
  client_erase->callback([this, erase_options] {
    auto id = ParseId(erase_options->id, "id");
    if (!id) return;
    auto reply =
        Send([&](schema::Request::Builder r) { IdToWire(*id, r.initEraseClient()); }, true);
    if (reply && !settings_.json) Print(fmt::format("Client {} erased\n", id->ToString()));
  });
}

}  // namespace crm::pos
