#include "hq/reports/amounts.h"

#include "sync/base/money.h"

namespace crm {
namespace {

// "1234567" -> "1,234,567": commas between groups of three digits.
std::string Grouped(std::string_view digits) {
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

int64_t AverageMinor(int64_t total, uint64_t count) {
  if (count == 0) return 0;
  // In unsigned magnitudes, so INT64_MIN and huge counts do not overflow.
  uint64_t magnitude = total < 0 ? 0 - static_cast<uint64_t>(total) : static_cast<uint64_t>(total);
  uint64_t quotient = magnitude / count, remainder = magnitude % count;
  if (remainder >= count - remainder) ++quotient;  // half or more: away from zero
  return total < 0 ? -static_cast<int64_t>(quotient) : static_cast<int64_t>(quotient);
}

std::string MoneyText(int64_t minor, std::string_view currency) {
  std::string plain = FormatMoney(minor, currency);  // "-12345.67"
  bool negative = !plain.empty() && plain[0] == '-';
  std::string_view digits = plain;
  if (negative) digits.remove_prefix(1);
  size_t dot = digits.find('.');
  std::string out = negative ? "-" : "";
  out += Grouped(digits.substr(0, dot));
  if (dot != std::string_view::npos) out += digits.substr(dot);
  out += ' ';
  out += currency;
  return out;
}

std::string CountText(uint64_t count) { return Grouped(std::to_string(count)); }

}  // namespace crm
