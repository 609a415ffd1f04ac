// Money as the project keeps it: integer minor units (kopecks, cents) of an
// ISO 4217 currency, never floating point.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sync/status.h"

namespace crm {

// Digits after the decimal point in `currency` (ISO 4217): 0 for JPY, 3 for
// KWD, 2 for most.
int MinorDigits(std::string_view currency);

// 1234 GBP -> "12.34"; -50 -> "-0.50".
std::string FormatMoney(int64_t minor, std::string_view currency);

// "12.34" -> 1234 in GBP. kInvalidArgument (naming `field`) for anything else,
// including more decimals than the currency has.
Result<int64_t> ParseMoney(std::string_view text, std::string_view currency, std::string_view field);

}  // namespace crm
