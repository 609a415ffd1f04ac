// What the pos commands share: records as text, payment methods and
// interaction channels by name, and reading a password; private to
// pos-client/commands/.
#pragma once

#include <map>
#include <optional>
#include <string>

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

// A password typed at the terminal after `prompt` (empty if none was
// typed), or else the next line of standard input; nullopt if standard input
// has no line.
std::optional<std::string> ReadPassword(const std::string& prompt);

}  // namespace crm::pos
