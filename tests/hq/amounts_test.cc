// Money as the reports show it: averages rounded (half away from zero), not
// truncated; amounts with thousands separators and the currency.
#include "hq/reports/amounts.h"

#include <catch2/catch.hpp>

#include <cstdint>

namespace crm {
namespace {

TEST_CASE("an average of money is rounded half away from zero, not truncated", "[hq][reports]") {
  CHECK(AverageMinor(2999, 2) == 1500);    // 14.995 -> 15.00 (truncation said 14.99)
  CHECK(AverageMinor(2998, 2) == 1499);
  CHECK(AverageMinor(1000, 3) == 333);     // 333.33... -> 333
  CHECK(AverageMinor(2000, 3) == 667);     // 666.67 -> 667 (truncation said 666)
  CHECK(AverageMinor(-2999, 2) == -1500);  // away from zero both ways
  CHECK(AverageMinor(-2000, 3) == -667);
  CHECK(AverageMinor(5, 10) == 1);         // exactly a half: up
  CHECK(AverageMinor(4, 10) == 0);
  CHECK(AverageMinor(123, 0) == 0);        // nothing to average
  CHECK(AverageMinor(INT64_MIN, 1) == INT64_MIN);
  CHECK(AverageMinor(INT64_MAX, 2) == INT64_MAX / 2 + 1);
}

TEST_CASE("amounts read with thousands separators and their currency", "[hq][reports]") {
  CHECK(MoneyText(1234567, "GBP") == "12,345.67 GBP");
  CHECK(MoneyText(123456789012, "USD") == "1,234,567,890.12 USD");
  CHECK(MoneyText(99999, "EUR") == "999.99 EUR");
  CHECK(MoneyText(100000, "EUR") == "1,000.00 EUR");
  CHECK(MoneyText(-50, "GBP") == "-0.50 GBP");
  CHECK(MoneyText(-123456789, "GBP") == "-1,234,567.89 GBP");
  CHECK(MoneyText(0, "GBP") == "0.00 GBP");
  CHECK(MoneyText(1234567, "JPY") == "1,234,567 JPY");    // no minor digits
  CHECK(MoneyText(1234567, "KWD") == "1,234.567 KWD");    // three
  CHECK(CountText(4339) == "4,339");
  CHECK(CountText(999) == "999");
  CHECK(CountText(1000000) == "1,000,000");
}

}  // namespace
}  // namespace crm
