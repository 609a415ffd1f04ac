// Money as the project keeps it: integer minor units (kopecks, cents) of an
// ISO 4217 currency, never floating point.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sync/base/status.h"

namespace crm {

// Digits after the decimal point in `currency` (ISO 4217): 0 for JPY, 3 for
// KWD, 2 for most.
int MinorDigits(std::string_view currency);

// The largest amount one sale, payment or deal may carry, in minor units (a
// million of a currency's units squared: 100 million units at 100,000 a line
// ...): sums of many of them stay far inside 64 bits.
inline constexpr int64_t kMaxAmount = 1'000'000'000'000'000;

// Adds `amount` to `total`; false (and `total` unchanged) if the sum would
// not fit in 64 bits. For totals over data that may hold amounts from before
// kMaxAmount was checked, or from a peer.
[[nodiscard]] inline bool AddMoney(int64_t& total, int64_t amount) {
  int64_t sum = 0;
  if (__builtin_add_overflow(total, amount, &sum)) return false;
  total = sum;
  return true;
}

// True if `currency` is an active ISO 4217 code ("GBP", "RUB"); false for
// anything else ("gbp", "XYZ", "POUND").
bool IsKnownCurrency(std::string_view currency);

// 1234 GBP -> "12.34"; -50 -> "-0.50".
std::string FormatMoney(int64_t minor, std::string_view currency);

// "12.34" -> 1234 in GBP. kInvalidArgument (naming `field`) for anything else,
// including more decimals than the currency has.
Result<int64_t> ParseMoney(std::string_view text, std::string_view currency, std::string_view field);

}  // namespace crm
