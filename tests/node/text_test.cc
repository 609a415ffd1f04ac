#include "node/common/text.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

namespace crm {
namespace {

using Tokens = std::vector<std::string>;

TEST_CASE("folding ignores case and accents in Latin, Cyrillic and Greek", "[node][text]") {
  CHECK(FoldForSearch("ZOË Álvarez") == "zoe alvarez");
  CHECK(FoldForSearch("ЁЛКИН Пётр") == "елкин петр");
  CHECK(FoldForSearch("Straße") == "strasse");
  CHECK(FoldForSearch("ΣΟΦΊΑ") == FoldForSearch("σοφια"));
}

TEST_CASE("folding unifies Arabic and Persian letter variants", "[node][text]") {
  // Arabic yeh and kaf, as keyboards in Arabic layouts type them, match the
  // Persian letters; a zero-width non-joiner inside a word is ignored.
  CHECK(FoldForSearch("علي") == FoldForSearch("علی"));
  CHECK(FoldForSearch("كريمي") == FoldForSearch("کریمی"));
  CHECK(FoldForSearch("می\u200Cخواهم") == FoldForSearch("میخواهم"));
}

TEST_CASE("tokens are folded words, without repeats", "[node][text]") {
  CHECK(SearchTokens("  Anna-Maria  O'Neil, anna ") == Tokens{"anna", "maria", "o", "neil"});
  CHECK(SearchTokens("ООО «Ромашка» 2") == Tokens{"ооо", "ромашка", "2"});
  CHECK(SearchTokens("محمد رضایی") == Tokens{"محمد", "رضایی"});
  CHECK(SearchTokens(" ,.- ").empty());
}

TEST_CASE("plain ASCII folds as the full Unicode folding does", "[node][text]") {
  // ASCII text takes a shortcut past ICU; a trailing non-ASCII word sends the
  // same text through ICU, and the tokens before it must agree.
  const std::string long_word(200, 'Q');
  for (std::string ascii : {"Anna-Maria O'Neil", "  MIXED case\tWith\ttabs 42x ", "a_b c.d@e",
                            "~!#$%^&*()[]{}|;:,<>?/`", long_word.c_str(), "ZZ top 0099"}) {
    Tokens shortcut = SearchTokens(ascii);
    Tokens through_icu = SearchTokens(ascii + " Ж");
    REQUIRE(!through_icu.empty());
    CHECK(through_icu.back() == "ж");
    through_icu.pop_back();
    CHECK(shortcut == through_icu);
    CHECK(FoldForSearch(ascii) + "ж" == FoldForSearch(ascii + "Ж"));
  }
}

TEST_CASE("long tokens are cut at a character boundary", "[node][text]") {
  std::string long_name;
  for (int i = 0; i < 100; ++i) long_name += "ж";  // 2 bytes each
  Tokens tokens = SearchTokens(long_name);
  REQUIRE(tokens.size() == 1);
  CHECK(tokens[0].size() == kMaxTokenBytes);
  CHECK(IsCleanUtf8(tokens[0]));
}

TEST_CASE("text with invalid UTF-8 or control characters is not clean", "[node][text]") {
  CHECK(IsCleanUtf8("Анна\tПетрова"));
  CHECK_FALSE(IsCleanUtf8("bad \xC3\x28 byte"));
  CHECK_FALSE(IsCleanUtf8(std::string("nul\0inside", 10)));
  CHECK_FALSE(IsCleanUtf8("bell\a"));
}

TEST_CASE("digits of every script are read as ASCII digits, nothing else changes", "[node][text]") {
  CHECK(FoldDigits("۰۹۱۲ ۳۴۵ ۶۷۸۹") == "0912 345 6789");     // Persian
  CHECK(FoldDigits("٠١٢٣٤٥٦٧٨٩") == "0123456789");           // Arabic-Indic
  CHECK(FoldDigits("०१२३४५६७८९") == "0123456789");           // Devanagari
  CHECK(FoldDigits("０２０ ７９４６") == "020 7946");           // fullwidth
  CHECK(FoldDigits("+44 (20) 7946-0958") == "+44 (20) 7946-0958");
  // Letters, including those with a numeric value that are not digits, stay.
  CHECK(FoldDigits("مریم ½ Ⅻ") == "مریم ½ Ⅻ");
}

TEST_CASE("a folded token's Latin key transliterates Cyrillic, Greek and Persian as their readers do",
          "[node][text]") {
  CHECK(LatinKey("петрова") == "petrova");
  CHECK(LatinKey("щукин") == "shchukin");
  CHECK(LatinKey("юлия") == "yuliya");
  CHECK(LatinKey(FoldForSearch("Ελένη")) == "eleni");  // modern Greek: eta reads "i"
  CHECK(LatinKey("γιωργος") == "giorgos");
  CHECK(LatinKey("مریم") == "mrym");   // short vowels are not written
  CHECK(LatinKey("علی") == "ly");      // the ayn's apostrophe goes
  CHECK(LatinKey("muller") == "muller");
  CHECK(LatinKey(FoldForSearch("Straße")) == "strasse");
  CHECK(LatinKeys("елена") == std::vector<std::string>{"yelena", "elena"});
  CHECK(LatinKeys("петрова") == std::vector<std::string>{"petrova"});
  CHECK(LatinKeys("anna") == std::vector<std::string>{"anna"});
  CHECK(IsArabicScript("مریم"));
  CHECK_FALSE(IsArabicScript("петрова"));
  CHECK_FALSE(IsArabicScript("maryam"));
}

TEST_CASE("Latin keys are the same on every thread at once", "[node][text]") {
  // Each thread has its own transliterator: no thread sees another's state.
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (LatinKey("петрова") != "petrova" || LatinKey("ελενη") != "eleni") ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(wrong == 0);
}

}  // namespace
}  // namespace crm
