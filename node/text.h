// Text normalization for search, over ICU (the only place that calls ICU).
// Names are matched in any script: Latin, Cyrillic, Greek, Arabic, Persian ...
#pragma once

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

// Lower-cases with full Unicode rules (for emails), no other folding.
std::string LowerCase(std::string_view utf8);

// True if `utf8` is well-formed UTF-8 without control characters other than
// tab and newline.
bool IsCleanUtf8(std::string_view utf8);

}  // namespace crm
