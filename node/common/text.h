// Text normalization for search, over ICU (the only place that calls ICU).
// Names are matched in any script: Latin, Cyrillic, Greek, Arabic, Persian ...
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace crm {

// Folds text for matching: Unicode NFKC case folding, combining marks
// removed (é -> e, ё -> е), Arabic-script letter variants unified
// (Arabic yeh/kaf -> Persian yeh/keheh), tatweel and zero-width joiners
// dropped. Invalid UTF-8 sequences become U+FFFD.
std::string FoldForSearch(std::string_view utf8);

// Splits `utf8` into folded word tokens (runs of letters and digits), in order,
// duplicates removed. Each token is at most kMaxTokenBytes long (cut at a
// character boundary).
std::vector<std::string> SearchTokens(std::string_view utf8);

inline constexpr size_t kMaxTokenBytes = 128;

// Reads the digits of every script as ASCII digits: each character of
// Unicode category Nd (Persian ۰-۹, Arabic-Indic ٠-٩, Devanagari ०-९,
// fullwidth ０-９ ...) becomes its value 0-9; everything else is kept as
// written. Invalid UTF-8 is kept as is (the caller's checks refuse it).
std::string FoldDigits(std::string_view utf8);

// The Latin-ASCII form of a folded search token (see SearchTokens), lower
// case: Cyrillic by BGN/PCGN ("петрова" -> "petrova", "щукин" -> "shchukin"),
// Greek by UNGEGN, as read today ("ελενη" -> "eleni"), Persian by BGN/PCGN
// (short vowels are not written: "مریم" -> "mrym"), any other script by
// ICU's Any-Latin; then accents and letters outside ASCII go ("ß" -> "ss").
// ASCII text is returned as it is; "" if nothing romanizes. Safe on any
// thread (each thread keeps its own transliterators).
std::string LatinKey(std::string_view token);

// Every common Latin spelling of a folded search token, LatinKey's first,
// then ICU's Any-Latin (ISO 9 for Cyrillic: "елена" -> {"yelena", "elena"},
// "юлия" -> {"yuliya", "ulia"}), without repeats or empty keys. Same
// thread safety as LatinKey.
std::vector<std::string> LatinKeys(std::string_view token);

// True if `token` holds a letter of the Arabic script (Arabic, Persian,
// Urdu ...), in which short vowels are not written.
bool IsArabicScript(std::string_view token);

// Lower-cases with full Unicode rules (for emails), no other folding.
std::string LowerCase(std::string_view utf8);

// True if `utf8` is well-formed UTF-8 without control characters other than
// tab and newline.
bool IsCleanUtf8(std::string_view utf8);

// The last part of a file name as sent ("../../etc/passwd" -> "passwd",
// "C:\\Users\\a\\cv.pdf" -> "cv.pdf"), so no stored name walks out of a
// folder it is saved into; "" if nothing is left but dots.
inline std::string FileBaseName(std::string_view name) {
  size_t slash = name.find_last_of("/\\");
  std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  if (base.find_first_not_of('.') == std::string_view::npos) return "";
  return std::string(base);
}

// True for a user's login: 3 to 64 ASCII letters, digits, '.', '_' or '-'.
inline bool IsValidLogin(std::string_view login) {
  if (login.size() < 3 || login.size() > 64) return false;
  return std::all_of(login.begin(), login.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace crm
