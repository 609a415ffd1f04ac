// What the pos commands share: records as text, payment methods and
// interaction channels by name, and reading a password; private to
// pos-client/commands/.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "schema/frontdesk.capnp.h"
#include "schema/records.capnp.h"

namespace crm::pos {

std::string Text(capnp::Text::Reader t);

// The items with `separator` between them.
std::string Join(capnp::List<capnp::Text>::Reader list, const char* separator = ", ");

// "First Middle Last", or for a company (or a client without a name)
// "Company (First Last)".
std::string ClientName(schema::Client::Reader c);

// The payment methods by the names the options take: cash, card, transfer,
// credit, bonus, other.
const std::map<std::string, schema::PaymentMethod>& PaymentMethods();

// The name of a payment method as PaymentMethods() has it; "?" if unknown.
const char* MethodName(schema::PaymentMethod method);

// "call", "email", "visit", "social", "sms"; "?" if unknown.
const char* ChannelName(schema::InteractionChannel channel);

// The roles by the names the options take: cashier, manager, hq-manager,
// admin; nullopt for another name.
std::optional<schema::Role> RoleByName(const std::string& name);
// The name RoleByName takes for `role`.
const char* RoleOptionName(schema::Role role);

// The deal stages by name: lead, qualified, proposal, negotiation, won,
// lost; nullopt for another name.
std::optional<schema::DealStage> DealStageByName(const std::string& name);
// The name DealStageByName takes for `stage`; "?" if unknown.
const char* DealStageName(schema::DealStage stage);

// A person as lists show them: "kate (Kate Smith)", or "kate" without a
// display name (or one that is the login); "-" for nobody.
std::string PersonName(capnp::Text::Reader login, capnp::Text::Reader display_name);

// Deals as a table (pos deals, the card): client, title, stage, amount with
// its currency, owner, age in days and id. `with_client` false leaves the
// client column out (the card is one client's).
std::string DealsTable(capnp::List<schema::DealItem>::Reader deals, bool with_client);

// A password typed at the terminal after `prompt` (empty if none was
// typed), or else the next line of standard input; nullopt if standard input
// has no line.
std::optional<std::string> ReadPassword(const std::string& prompt);

}  // namespace crm::pos
