#include "sync/base/money.h"

#include <fmt/format.h>

#include <cctype>

namespace crm {

int MinorDigits(std::string_view currency) {
  static const char* kNone[] = {"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG"};
  static const char* kThree[] = {"BHD", "KWD", "OMR", "JOD", "TND", "LYD", "IQD"};
  for (const char* c : kNone) {
    if (currency == c) return 0;
  }
  for (const char* c : kThree) {
    if (currency == c) return 3;
  }
  return 2;
}

bool IsKnownCurrency(std::string_view currency) {
  // ISO 4217, the codes in use (funds and metals left out).
  static constexpr std::string_view kCodes =
      "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN "
      "BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD "
      "FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY "
      "KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP "
      "MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR "
      "RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT "
      "TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW "
      "ZWL";
  if (currency.size() != 3) return false;
  for (size_t at = 0; at + 3 <= kCodes.size(); at += 4) {
    if (kCodes.substr(at, 3) == currency) return true;
  }
  return false;
}

std::string FormatMoney(int64_t minor, std::string_view currency) {
  int digits = MinorDigits(currency);
  if (digits == 0) return std::to_string(minor);
  int64_t scale = digits == 3 ? 1000 : 100;
  uint64_t magnitude = minor < 0 ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  return fmt::format("{}{}.{:0{}}", minor < 0 ? "-" : "", magnitude / scale, magnitude % scale,
                     digits);
}

Result<int64_t> ParseMoney(std::string_view text, std::string_view currency,
                           std::string_view field) {
  auto bad = [&] {
    return Status::InvalidArgument(std::string(field),
                                   "'" + std::string(text) + "' is not an amount like 12.50");
  };
  if (text.empty() || text.size() > 20) return bad();
  int digits = MinorDigits(currency);
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || static_cast<int>(fraction.size()) > digits) return bad();
  int64_t value = 0;
  // A digit more, refused if it would not fit: 20 digits may not.
  auto append = [&value](char c) {
    return !__builtin_mul_overflow(value, 10, &value) &&
           !__builtin_add_overflow(value, c - '0', &value);
  };
  for (char c : whole) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return bad();
    if (!append(c)) return bad();
  }
  for (int i = 0; i < digits; ++i) {
    char c = i < static_cast<int>(fraction.size()) ? fraction[i] : '0';
    if (!std::isdigit(static_cast<unsigned char>(c))) return bad();
    if (!append(c)) return bad();
  }
  return value;
}

}  // namespace crm
