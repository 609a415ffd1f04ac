#include "node/common/contact.h"

#include <catch2/catch.hpp>

namespace crm {
namespace {

TEST_CASE("phones in common formats normalize to E.164", "[node][contact]") {
  CHECK(*NormalizePhone("+7 (912) 345-67-89", "RU") == "+79123456789");
  CHECK(*NormalizePhone("8 912 345 67 89", "RU") == "+79123456789");
  CHECK(*NormalizePhone("020 7946 0958", "GB") == "+442079460958");
  CHECK(*NormalizePhone("+44 20 7946 0958", "RU") == "+442079460958");
  CHECK(*NormalizePhone("00 44 20 7946 0958", "DE") == "+442079460958");
  CHECK(*NormalizePhone("(415) 555-2671", "US") == "+14155552671");
  CHECK(*NormalizePhone("+98 912 345 6789", "GB") == "+989123456789");
}

TEST_CASE("what is not a phone number is refused, naming the field", "[node][contact]") {
  for (const char* bad : {"", "12345", "hello", "+7 912", "+999 123 456 789"}) {
    auto result = NormalizePhone(bad, "RU");
    INFO(bad);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().field() == "phone");
    CHECK(result.status().code() == StatusCode::kInvalidArgument);
  }
  CHECK_FALSE(NormalizePhone(std::string(100, '1'), "RU").ok());
}

TEST_CASE("emails are trimmed and lower-cased", "[node][contact]") {
  CHECK(*NormalizeEmail("  Anna.Petrova@Example.COM ") == "anna.petrova@example.com");
  CHECK(*NormalizeEmail("ПЕТР@почта.рф") == "петр@почта.рф");
}

TEST_CASE("malformed emails are refused, naming the field", "[node][contact]") {
  for (const char* bad : {"", "anna", "anna@", "@example.com", "anna@example", "a@b@c.com",
                          "anna @example.com", "anna@example..com", "anna@.example.com"}) {
    auto result = NormalizeEmail(bad);
    INFO(bad);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().field() == "email");
  }
}

TEST_CASE("a query is taken for a phone when it is digits and separators", "[node][contact]") {
  CHECK(LooksLikePhone("+7 (912) 345-67-89"));
  CHECK(LooksLikePhone("89123456789"));
  CHECK_FALSE(LooksLikePhone("Анна"));
  CHECK_FALSE(LooksLikePhone("1234"));
  CHECK_FALSE(LooksLikePhone("anna@example.com"));
}

TEST_CASE("phones written in any script's digits normalize as their ASCII spelling", "[node][contact]") {
  CHECK(*NormalizePhone("۰۹۱۲ ۳۴۵ ۶۷۸۹", "IR") == "+989123456789");           // Persian
  CHECK(*NormalizePhone("+٩٨ ٩١٢ ٣٤٥ ٦٧٨٩", "GB") == "+989123456789");       // Arabic-Indic
  CHECK(*NormalizePhone("+९१ ९८७६५ ४३२१०", "GB") == "+919876543210");         // Devanagari
  CHECK(*NormalizePhone("０２０ ７９４６ ０９５８", "GB") == "+442079460958");  // fullwidth
  // "00" written in Persian digits is the international prefix too (in Russia
  // it is "810" for libphonenumber).
  CHECK(*NormalizePhone("۰۰۴۴ ۲۰ ۷۹۴۶ ۰۹۵۸", "RU") == "+442079460958");
  CHECK(LooksLikePhone("۰۹۱۲ ۳۴۵ ۶۷۸۹"));
  CHECK(LooksLikePhone("٠٩١٢٣٤٥٦٧٨٩"));
  CHECK_FALSE(LooksLikePhone("۱۲۳۴"));
  // The refusal quotes the number as it was written.
  auto bad = NormalizePhone("۱۲۳", "IR");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().field() == "phone");
  CHECK(bad.status().message().find("۱۲۳") != std::string::npos);
}

}  // namespace
}  // namespace crm
