// How headquarters reaches a client: the marketing channels, the client's
// consent for each, the contact each needs, and the name to address them by.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "hq/analytics/client_name.h"  // ClientName, the name to address them by
#include "schema/records.capnp.h"

namespace crm {

enum class Channel { kEmail, kSms, kPhone, kPost, kMessenger };

inline constexpr std::array<Channel, 5> kChannels = {
    Channel::kEmail, Channel::kSms, Channel::kPhone, Channel::kPost, Channel::kMessenger};

// "email", "sms", "phone", "post", "messenger".
std::string_view ChannelName(Channel channel);
// The channel of that name (lower case), or nullopt.
std::optional<Channel> ChannelFromName(std::string_view name);

// The client's marketing consent for `channel` (consentEmail ...).
schema::Consent ConsentFor(schema::Client::Reader client, Channel channel);

// What the channel reaches the client by: the first email for email; the
// first phone (E.164) for sms, phone and messenger; for post the address's
// street, city and postal code joined by ", " (the postal code left out if
// blank). Empty if the client has none: no email, no phone, or a street or
// city missing.
std::string ContactFor(schema::Client::Reader client, Channel channel);

}  // namespace crm
