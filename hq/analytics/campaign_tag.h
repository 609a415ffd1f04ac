// The tag that puts a client in a campaign's audience: crm-hq campaign-list
// --tag adds it, and the effectiveness report counts the audience by it.
#pragma once

#include <string>
#include <string_view>

namespace crm {

// "campaign:SPRING25" for the campaign code "SPRING25".
inline std::string CampaignTag(std::string_view code) { return "campaign:" + std::string(code); }

}  // namespace crm
