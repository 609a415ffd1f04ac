// Normalization of contact details to the forms the indexes use. The phone
// part is the adapter over libphonenumber (the only place that calls it).
#pragma once

#include <string>
#include <string_view>

#include "sync/base/status.h"

namespace crm {

// Parses a phone number written in any common format ("+7 (912) 345-67-89",
// "8 912 345 67 89", "00 44 20 7946 0958", "020 7946 0958" ...), its digits
// in any script ("۰۲۰ ۷۹۴۶ ۰۹۵۸" is "020 7946 0958": FoldDigits), and returns it
// in E.164 ("+79123456789"). Numbers without a country code are read as
// numbers of `default_region` (ISO 3166-1 alpha-2, e.g. "GB", "RU").
// kInvalidArgument (field "phone") if it is not a valid number.
Result<std::string> NormalizePhone(std::string_view input, std::string_view default_region);

// True if libphonenumber knows `region` (ISO 3166-1 alpha-2, upper case, e.g.
// "GB") as a region to read numbers without a country code in.
bool IsKnownPhoneRegion(std::string_view region);

// Trims and lower-cases an email address and checks its shape (one '@', a
// non-empty local part, a domain with a dot, no spaces, at most 254 bytes).
// kInvalidArgument (field "email") otherwise.
Result<std::string> NormalizeEmail(std::string_view input);

// True if `query` looks like a phone number (digits of any script, with the
// usual separators), as opposed to a name or a card number to search for.
bool LooksLikePhone(std::string_view query);

}  // namespace crm
