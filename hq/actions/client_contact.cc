#include "hq/actions/client_contact.h"

#include <initializer_list>

namespace crm {
namespace {

std::string Str(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

// `parts` that are not blank, joined by `separator`.
std::string Join(std::initializer_list<std::string> parts, std::string_view separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

}  // namespace

std::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kEmail:
      return "email";
    case Channel::kSms:
      return "sms";
    case Channel::kPhone:
      return "phone";
    case Channel::kPost:
      return "post";
    case Channel::kMessenger:
      return "messenger";
  }
  return "?";
}

std::optional<Channel> ChannelFromName(std::string_view name) {
  for (Channel channel : kChannels) {
    if (ChannelName(channel) == name) return channel;
  }
  return std::nullopt;
}

schema::Consent ConsentFor(schema::Client::Reader client, Channel channel) {
  switch (channel) {
    case Channel::kEmail:
      return client.getConsentEmail();
    case Channel::kSms:
      return client.getConsentSms();
    case Channel::kPhone:
      return client.getConsentPhone();
    case Channel::kPost:
      return client.getConsentPost();
    case Channel::kMessenger:
      return client.getConsentMessenger();
  }
  return schema::Consent::UNKNOWN;
}

std::string ContactFor(schema::Client::Reader client, Channel channel) {
  switch (channel) {
    case Channel::kEmail:
      return client.getEmails().size() > 0 ? Str(client.getEmails()[0]) : std::string();
    case Channel::kSms:
    case Channel::kPhone:
    case Channel::kMessenger:
      return client.getPhones().size() > 0 ? Str(client.getPhones()[0]) : std::string();
    case Channel::kPost: {
      if (!client.hasAddress()) return {};
      auto address = client.getAddress();
      if (address.getStreet().size() == 0 || address.getCity().size() == 0) return {};
      return Join({Str(address.getStreet()), Str(address.getCity()), Str(address.getPostalCode())},
                  ", ");
    }
  }
  return {};
}

}  // namespace crm
