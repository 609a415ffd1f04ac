#include "pos-client/commands/common.h"

#include <unistd.h>

#include <iostream>

#include "pos-client/pos.h"

namespace crm::pos {

std::string Text(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

std::string Join(capnp::List<capnp::Text>::Reader list, const char* separator) {
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
      {"cash", schema::PaymentMethod::CASH},         {"card", schema::PaymentMethod::CARD},
      {"transfer", schema::PaymentMethod::TRANSFER}, {"credit", schema::PaymentMethod::CREDIT},
      {"bonus", schema::PaymentMethod::BONUS},       {"other", schema::PaymentMethod::OTHER}};
  return methods;
}

const char* MethodName(schema::PaymentMethod method) {
  for (const auto& [name, value] : PaymentMethods()) {
    if (value == method) return name.c_str();
  }
  return "?";
}

std::optional<schema::DealStage> DealStageByName(const std::string& name) {
  static const std::map<std::string, schema::DealStage> stages = {
      {"lead", schema::DealStage::LEAD},         {"qualified", schema::DealStage::QUALIFIED},
      {"proposal", schema::DealStage::PROPOSAL}, {"negotiation", schema::DealStage::NEGOTIATION},
      {"won", schema::DealStage::WON},           {"lost", schema::DealStage::LOST}};
  auto it = stages.find(name);
  return it == stages.end() ? std::nullopt : std::optional(it->second);
}

const char* DealStageName(schema::DealStage stage) {
  switch (stage) {
    case schema::DealStage::LEAD: return "lead";
    case schema::DealStage::QUALIFIED: return "qualified";
    case schema::DealStage::PROPOSAL: return "proposal";
    case schema::DealStage::NEGOTIATION: return "negotiation";
    case schema::DealStage::WON: return "won";
    case schema::DealStage::LOST: return "lost";
  }
  return "?";
}

std::string PersonName(capnp::Text::Reader login, capnp::Text::Reader display_name) {
  if (login.size() == 0) return "-";
  if (display_name.size() == 0 || Text(display_name) == Text(login)) return Text(login);
  return Text(login) + " (" + Text(display_name) + ")";
}

const char* ChannelName(schema::InteractionChannel channel) {
  switch (channel) {
    case schema::InteractionChannel::CALL:
      return "call";
    case schema::InteractionChannel::EMAIL:
      return "email";
    case schema::InteractionChannel::VISIT:
      return "visit";
    case schema::InteractionChannel::SOCIAL:
      return "social";
    case schema::InteractionChannel::SMS:
      return "sms";
  }
  return "?";
}

std::optional<std::string> ReadPassword(const std::string& prompt) {
  std::string password;
  if (isatty(STDIN_FILENO)) {
    char* typed = getpass(prompt.c_str());
    password = typed ? typed : "";
  } else if (!std::getline(std::cin, password)) {
    return std::nullopt;
  }
  return password;
}

void Pos::PrintOrJson(const DecodedMessage& reply, const std::function<void()>& human) {
  if (settings_.json) {
    PrintJson(reply.Root<schema::Response>());
  } else {
    human();
  }
}

std::optional<Id> Pos::ParseId(const std::string& text, const char* what) {
  auto id = Id::Parse(text);
  if (!id.ok()) {
    Fail(Status::InvalidArgument(what, id.status().message()));
    return std::nullopt;
  }
  return *id;
}

std::optional<schema::Role> RoleByName(const std::string& name) {
  static const std::map<std::string, schema::Role> roles = {
      {"cashier", schema::Role::CASHIER},
      {"manager", schema::Role::OFFICE_MANAGER},
      {"hq-manager", schema::Role::HQ_MANAGER},
      {"admin", schema::Role::ADMIN}};
  auto found = roles.find(name);
  if (found == roles.end()) return std::nullopt;
  return found->second;
}

const char* RoleOptionName(schema::Role role) {
  switch (role) {
    case schema::Role::CASHIER: return "cashier";
    case schema::Role::OFFICE_MANAGER: return "manager";
    case schema::Role::HQ_MANAGER: return "hq-manager";
    case schema::Role::ADMIN: return "admin";
  }
  return "?";
}

}  // namespace crm::pos
