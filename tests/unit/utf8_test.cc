#include "base/utf8.h"

#include <gtest/gtest.h>

namespace concordat {
namespace {

TEST(Utf8, WellFormedTextIsValidAndKeptAsItIs) {
  for (const std::string& s : {std::string(), std::string("plain ASCII, long enough for words"),
                               std::string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
                               std::string("\xed\x9f\xbf"),      // U+D7FF
                               std::string("\xee\x80\x80"),      // U+E000
                               std::string("\xf4\x8f\xbf\xbf"),  // U+10FFFF
                               std::string("nul \0 inside", 12)}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
    EXPECT_EQ(ToValidUtf8(s), s);
  }
}

TEST(Utf8, EachKindOfMalformedSequenceIsRefusedAndShownAsReplacementCharacters) {
  const std::string r = "\xef\xbf\xbd";  // U+FFFD
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\xff", r},                          // never in UTF-8
      {"a\x80z", "a" + r + "z"},            // a continuation byte alone
      {"\xc0\xaf", r + r},                  // overlong '/'
      {"\xe0\x80\xaf", r + r + r},          // overlong, three bytes
      {"\xed\xa0\x80", r + r + r},          // a surrogate (U+D800)
      {"\xf4\x90\x80\x80", r + r + r + r},  // above U+10FFFF
      {"caf\xc3", "caf" + r},               // cut short at the end
      {"\xe2\x82 euro", r + r + " euro"},   // cut short in the middle
      {"12345678\xfe"
       "90",
       "12345678" + r + "90"},  // after a run of ASCII
  };
  for (const auto& [bad, shown] : cases) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
    EXPECT_EQ(ToValidUtf8(bad), shown) << bad;
    EXPECT_TRUE(IsValidUtf8(ToValidUtf8(bad)));
  }
}

}  // namespace
}  // namespace concordat
