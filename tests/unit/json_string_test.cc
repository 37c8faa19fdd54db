// Writing JSON string literals: what AppendJsonString writes must parse back to the bytes it
// was given, and stay byte-for-byte what earlier versions wrote (audit entries are hashed as
// written, so a change here would break every stored log's verification).
#include "base/json_string.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

namespace concordat {
namespace {

// The straightforward writer, one character at a time, as the log has always been written.
std::string Reference(std::string_view s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\r':
        o += "\\r";
        break;
      case '\t':
        o += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o + "\"";
}

std::string Written(std::string_view s, std::string prefix = "") {
  AppendJsonString(s, &prefix);
  return prefix;
}

TEST(JsonString, KnownCases) {
  EXPECT_EQ(Written(""), "\"\"");
  EXPECT_EQ(Written("plain"), "\"plain\"");
  EXPECT_EQ(Written("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Written("\n\r\t"), "\"\\n\\r\\t\"");
  EXPECT_EQ(Written(std::string("\x00\x01\x1f", 3)), "\"\\u0000\\u0001\\u001f\"");
  EXPECT_EQ(Written("caf\xc3\xa9 / \x7f"), "\"caf\xc3\xa9 / \x7f\"") << "UTF-8 and DEL as is";
  EXPECT_EQ(Written("x", "{\"k\":"), "{\"k\":\"x\"") << "appends after what is there";
  EXPECT_EQ(Written(R"({"a":"b"})"), R"("{\"a\":\"b\"}")") << "JSON kept as a string";
}

// Random bytes, heavy in the characters that need escaping: the same bytes as the reference,
// and (for ASCII) nlohmann's parser reads back exactly the input.
TEST(JsonString, MatchesTheReferenceAndParsesBack) {
  std::mt19937 rng(20261125);
  const std::string alphabet = "\"\\\n\r\t\x01\x1f abcXYZ{}:,\x7f";
  for (int round = 0; round < 20000; ++round) {
    const size_t n = rng() % 80;
    std::string s(n, ' ');
    for (char& c : s)
      c = rng() % 4 == 0 ? static_cast<char>(rng() % 128) : alphabet[rng() % alphabet.size()];
    const std::string out = Written(s);
    ASSERT_EQ(out, Reference(s)) << "round " << round;
    auto back = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(back.is_discarded()) << out;
    ASSERT_EQ(back.get<std::string>(), s) << "round " << round;
  }
}

// Long strings with escapes far apart, and bytes of every value (UTF-8 and bytes that are
// not): whole words copied at once, the escapes between them, and tails of every length.
TEST(JsonString, LongRunsAndEveryByteMatchTheReference) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20000; ++round) {
    const size_t n = rng() % 300;
    std::string s(n, 'a');
    for (char& c : s) {
      const unsigned r = rng() % 64;
      c = r == 0 ? static_cast<char>(rng() % 256) : static_cast<char>('a' + r % 26);
    }
    ASSERT_EQ(Written(s), Reference(s)) << "round " << round;
  }
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  for (size_t from = 0; from < 16; ++from)
    ASSERT_EQ(Written(all.substr(from)), Reference(all.substr(from)));
}

}  // namespace
}  // namespace concordat
