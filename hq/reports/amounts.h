// Money as the managers' reports show it: rounded averages, and amounts for
// people to read ("12,345.67 GBP") in tables and the HTML page. CSV and JSON
// keep plain decimals and minor units (sync/base/money.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace crm {

// `total` / `count` in whole minor units, rounded half away from zero
// (1.5 -> 2, -1.5 -> -2, 1.49 -> 1); 0 when `count` is 0. An average ticket
// or spend per client is one of these.
int64_t AverageMinor(int64_t total, uint64_t count);

// `minor` units of `currency` with its decimals, thousands separated by
// commas and the code after: 1234567 GBP -> "12,345.67 GBP", -50 GBP ->
// "-0.50 GBP", 1234567 JPY -> "1,234,567 JPY".
std::string MoneyText(int64_t minor, std::string_view currency);

// A count with thousands separated by commas: 4339 -> "4,339".
std::string CountText(uint64_t count);

}  // namespace crm
