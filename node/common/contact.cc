#include "node/common/contact.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cctype>

#include "node/common/text.h"

namespace crm {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr size_t kMaxPhoneInput = 64;
constexpr size_t kMaxEmail = 254;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::string> NormalizePhone(std::string_view input, std::string_view default_region) {
  std::string_view trimmed = Trim(input);
  if (trimmed.empty()) return Status::InvalidArgument("phone", "phone number is empty");
  if (trimmed.size() > kMaxPhoneInput) {
    return Status::InvalidArgument("phone", "phone number is longer than 64 characters");
  }
  if (!IsCleanUtf8(trimmed)) return Status::InvalidArgument("phone", "phone number is not valid text");
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  // Digits as written in any script (Persian, Arabic-Indic, Devanagari ...).
  std::string text = FoldDigits(trimmed);
  // "00" is the international prefix in most of the world; libphonenumber
  // knows it only for the default region, so make it explicit.
  if (text.size() > 2 && text[0] == '0' && text[1] == '0') text = "+" + text.substr(2);
  PhoneNumber number;
  auto error = util.Parse(text, std::string(default_region), &number);
  if (error != PhoneNumberUtil::NO_PARSING_ERROR) {
    return Status::InvalidArgument("phone", "'" + std::string(trimmed) + "' is not a phone number");
  }
  if (!util.IsValidNumber(number)) {
    return Status::InvalidArgument(
        "phone", "'" + std::string(trimmed) + "' is not a valid phone number" +
                     (default_region.empty() ? "" : " (read with region " + std::string(default_region) + ")"));
  }
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

bool IsKnownPhoneRegion(std::string_view region) {
  return region.size() == 2 &&
         PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(std::string(region)) != 0;
}

Result<std::string> NormalizeEmail(std::string_view input) {
  std::string_view trimmed = Trim(input);
  if (trimmed.empty()) return Status::InvalidArgument("email", "email is empty");
  if (trimmed.size() > kMaxEmail) return Status::InvalidArgument("email", "email is longer than 254 bytes");
  if (!IsCleanUtf8(trimmed)) return Status::InvalidArgument("email", "email is not valid text");
  size_t at = trimmed.find('@');
  if (at == std::string_view::npos || trimmed.find('@', at + 1) != std::string_view::npos) {
    return Status::InvalidArgument("email", "'" + std::string(trimmed) + "' needs exactly one '@'");
  }
  std::string_view local = trimmed.substr(0, at);
  std::string_view domain = trimmed.substr(at + 1);
  bool has_space = std::any_of(trimmed.begin(), trimmed.end(),
                               [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  size_t dot = domain.find('.');
  if (local.empty() || has_space || dot == std::string_view::npos || dot == 0 ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return Status::InvalidArgument("email", "'" + std::string(trimmed) + "' is not an email address");
  }
  std::string lowered = LowerCase(trimmed);
  if (lowered.size() > kMaxEmail) return Status::InvalidArgument("email", "email is longer than 254 bytes");
  return lowered;
}

bool LooksLikePhone(std::string_view query) {
  const std::string folded = FoldDigits(Trim(query));
  size_t digits = 0;
  for (char c : folded) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (c != '+' && c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
      return false;
    }
  }
  return digits >= 5;
}

}  // namespace crm
