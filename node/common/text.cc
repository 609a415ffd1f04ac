#include "node/common/text.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <mutex>

namespace crm {
namespace {

// Letters written differently in Arabic and Persian text that readers treat
// as the same letter.
UChar32 UnifyArabicVariant(UChar32 c) {
  switch (c) {
    case 0x064A:  // ARABIC LETTER YEH
    case 0x0649:  // ARABIC LETTER ALEF MAKSURA
      return 0x06CC;  // ARABIC LETTER FARSI YEH
    case 0x0643:      // ARABIC LETTER KAF
      return 0x06A9;  // ARABIC LETTER KEHEH
    case 0x0629:      // ARABIC LETTER TEH MARBUTA
      return 0x0647;  // ARABIC LETTER HEH
    default:
      return c;
  }
}

bool IsDropped(UChar32 c) {
  return c == 0x0640 /* tatweel */ || c == 0x200C /* ZWNJ */ || c == 0x200D /* ZWJ */ ||
         c == 0x200B /* ZWSP */ || c == 0xFEFF;
}

icu::UnicodeString Fold(std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  static const icu::Normalizer2* const casefold = icu::Normalizer2::getNFKCCasefoldInstance(status);
  static const icu::Normalizer2* const nfd = icu::Normalizer2::getNFDInstance(status);
  static const icu::Normalizer2* const nfc = icu::Normalizer2::getNFCInstance(status);
  if (casefold == nullptr || nfd == nullptr || nfc == nullptr) {
    return icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  }
  icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  status = U_ZERO_ERROR;
  icu::UnicodeString folded = casefold->normalize(text, status);
  icu::UnicodeString decomposed = nfd->normalize(folded, status);
  icu::UnicodeString stripped;
  for (int32_t i = 0; i < decomposed.length();) {
    UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_getCombiningClass(c) != 0 || u_charType(c) == U_NON_SPACING_MARK || IsDropped(c)) {
      continue;
    }
    stripped.append(UnifyArabicVariant(c));
  }
  icu::UnicodeString composed = nfc->normalize(stripped, status);
  if (U_FAILURE(status)) return folded;
  return composed;
}

std::string ToUtf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

// Cuts a UTF-8 string to at most `max` bytes without splitting a character.
void CutAtBoundary(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
}

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Fold and SearchTokens for ASCII text, where NFKC case folding is lower
// case and nothing decomposes: the same result without ICU (most names).
std::vector<std::string> AsciiSearchTokens(std::string_view ascii) {
  std::vector<std::string> tokens;
  std::string token;
  auto flush = [&] {
    if (token.empty()) return;
    CutAtBoundary(token, kMaxTokenBytes);
    if (std::find(tokens.begin(), tokens.end(), token) == tokens.end()) tokens.push_back(token);
    token.clear();
  };
  for (char c : ascii) {
    if (IsAsciiAlnum(c)) {
      token += AsciiLower(c);
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

// Each script by the romanization its readers use today (passports, maps);
// Any-Latin for the rest; then to ASCII, lower case. And the other common
// spelling: ICU's Any-Latin for every script (ISO 9 for Cyrillic: "Елена"
// is "elena" there, "yelena" by BGN/PCGN).
constexpr const char* kLatinKeyRules[] = {
    "Greek-Latin/UNGEGN; Russian-Latin/BGN; Persian-Latin/BGN; Any-Latin; Latin-ASCII; Lower",
    "Any-Latin; Latin-ASCII; Lower"};
constexpr size_t kLatinKeyForms = std::size(kLatinKeyRules);

// The transliterator this thread uses for form `form`. An icu::Transliterator
// is not thread-safe, so each thread clones its own from one made once
// (building one from its rules is the slow part).
icu::Transliterator* ThreadTransliterator(size_t form) {
  static std::once_flag made;
  static std::unique_ptr<icu::Transliterator> prototypes[kLatinKeyForms];
  std::call_once(made, [] {
    for (size_t i = 0; i < kLatinKeyForms; ++i) {
      UErrorCode status = U_ZERO_ERROR;
      prototypes[i].reset(
          icu::Transliterator::createInstance(kLatinKeyRules[i], UTRANS_FORWARD, status));
      if (U_FAILURE(status)) prototypes[i].reset();
    }
  });
  thread_local std::unique_ptr<icu::Transliterator> mine[kLatinKeyForms];
  thread_local bool cloned = false;
  if (!cloned) {
    for (size_t i = 0; i < kLatinKeyForms; ++i) {
      if (prototypes[i]) mine[i].reset(prototypes[i]->clone());
    }
    cloned = true;
  }
  return mine[form].get();
}

// `token` in Latin form `form`, only ASCII letters and digits kept: what is
// left outside them (an apostrophe for ayn, a space between Han syllables,
// a letter ICU cannot romanize) goes.
std::string Romanize(std::string_view token, size_t form) {
  icu::Transliterator* transliterator = ThreadTransliterator(form);
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(token.data(), static_cast<int32_t>(token.size())));
  if (transliterator != nullptr) transliterator->transliterate(text);
  std::string latin = ToUtf8(text);
  std::string key;
  for (char c : latin) {
    if (IsAsciiAlnum(c)) key += AsciiLower(c);
  }
  return key;
}

}  // namespace

std::string FoldDigits(std::string_view utf8) {
  if (IsAscii(utf8)) return std::string(utf8);
  std::string out;
  out.reserve(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  int32_t length = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < length;) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c >= 0x80 && u_charType(c) == U_DECIMAL_DIGIT_NUMBER) {
      int32_t value = u_charDigitValue(c);
      if (value >= 0 && value <= 9) {
        out += static_cast<char>('0' + value);
        continue;
      }
    }
    out.append(utf8.substr(static_cast<size_t>(start), static_cast<size_t>(i - start)));
  }
  return out;
}

std::string LatinKey(std::string_view token) {
  if (IsAscii(token)) return std::string(token);
  return Romanize(token, 0);
}

std::vector<std::string> LatinKeys(std::string_view token) {
  if (IsAscii(token)) return {std::string(token)};
  std::vector<std::string> keys;
  for (size_t form = 0; form < kLatinKeyForms; ++form) {
    std::string key = Romanize(token, form);
    if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) {
      keys.push_back(std::move(key));
    }
  }
  return keys;
}

bool IsArabicScript(std::string_view token) {
  if (IsAscii(token)) return false;
  const auto* s = reinterpret_cast<const uint8_t*>(token.data());
  int32_t length = static_cast<int32_t>(token.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) continue;
    UErrorCode status = U_ZERO_ERROR;
    if (uscript_getScript(c, &status) == USCRIPT_ARABIC && u_isalpha(c)) return true;
  }
  return false;
}

std::string FoldForSearch(std::string_view utf8) {
  if (IsAscii(utf8)) {
    std::string out(utf8);
    std::transform(out.begin(), out.end(), out.begin(), AsciiLower);
    return out;
  }
  return ToUtf8(Fold(utf8));
}

std::vector<std::string> SearchTokens(std::string_view utf8) {
  if (IsAscii(utf8)) return AsciiSearchTokens(utf8);
  icu::UnicodeString folded = Fold(utf8);
  std::vector<std::string> tokens;
  icu::UnicodeString token;
  auto flush = [&] {
    if (token.isEmpty()) return;
    std::string t = ToUtf8(token);
    CutAtBoundary(t, kMaxTokenBytes);
    if (std::find(tokens.begin(), tokens.end(), t) == tokens.end()) tokens.push_back(std::move(t));
    token.remove();
  };
  for (int32_t i = 0; i < folded.length();) {
    UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    // Spacing marks (Devanagari vowel signs ...) belong to their word.
    if (u_isalnum(c) || (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0) {
      token.append(c);
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

std::string LowerCase(std::string_view utf8) {
  icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  return ToUtf8(text.toLower(icu::Locale::getRoot()));
}

bool IsCleanUtf8(std::string_view utf8) {
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  int32_t length = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) return false;
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) return false;
  }
  return true;
}

}  // namespace crm
