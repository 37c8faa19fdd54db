#include "base/json_string.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace concordat {

namespace {

// What each byte becomes inside a JSON string: 0 as itself, 'u' as \u00XX, otherwise a
// backslash and that character.
constexpr std::array<char, 256> kEscape = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['"'] = '"';
  t['\\'] = '\\';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  return t;
}();

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;

// 0x80 in each byte of `x` that is zero, and 0 in every other byte (exact: no false hits from
// borrows, unlike the shorter has-a-zero test).
inline uint64_t ZeroBytes(uint64_t x) {
  return ~(((x & kLow7) + kLow7) | x | kLow7);
}

// Eight bytes at a time: 0x80 in each byte that is a quote or a backslash, and separately in
// each control character. Either kind needs escaping.
inline void Classify(uint64_t w, uint64_t* quote_or_backslash, uint64_t* control) {
  *quote_or_backslash = ZeroBytes(w ^ (kOnes * '"')) | ZeroBytes(w ^ (kOnes * '\\'));
  *control = ZeroBytes(w & (kOnes * 0xe0));
}

// How many bytes of a ZeroBytes-style mask are set: the 0x80s moved to 0x01s and summed by one
// multiplication into the top byte (at most 8, so no byte carries). Baseline x86-64 has no
// POPCNT instruction, and std::popcount there is a call into libgcc.
inline size_t Count(uint64_t mask) {
  return static_cast<size_t>(((mask >> 7) * kOnes) >> 56);
}

// What escaping adds to eight bytes: one character for a quote, a backslash, \n, \r or \t;
// five for any other control character (\u00XX).
inline size_t Extra(uint64_t w) {
  uint64_t two, control;
  Classify(w, &two, &control);
  if ((two | control) == 0) return 0;
  const uint64_t short_control =
      ZeroBytes(w ^ (kOnes * '\n')) | ZeroBytes(w ^ (kOnes * '\r')) | ZeroBytes(w ^ (kOnes * '\t'));
  return Count(two) + 5 * Count(control) - 4 * Count(short_control);
}

inline uint64_t Load(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

}  // namespace

// Two passes: count what the escapes add (eight bytes at a time), then write into the string
// grown once, copying eight bytes at a time where none needs escaping. The audit entry's
// request is itself JSON, full of quotes, and is written this way on every decision.
void AppendJsonString(std::string_view s, std::string* out) {
  const char* const begin = s.data();
  const size_t n = s.size(), words = n / 8 * 8;
  size_t extra = 0;
  for (size_t i = 0; i < words; i += 8) extra += Extra(Load(begin + i));
  for (size_t i = words; i < n; ++i) {
    const char e = kEscape[static_cast<unsigned char>(begin[i])];
    extra += e == 0 ? 0 : (e == 'u' ? 5 : 1);
  }
  const size_t start = out->size();
  out->resize(start + n + extra + 2);
  char* p = out->data() + start;
  *p++ = '"';
  if (extra == 0) {
    std::memcpy(p, begin, n);
    p += n;
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    size_t i = 0;
    while (i < n) {
      if (i + 8 <= n) {
        uint64_t two, control;
        Classify(Load(begin + i), &two, &control);
        // The bytes before the first that needs escaping (little-endian: the lowest byte is
        // the first; on a big-endian machine this is 0 and the byte loop below does it all).
        const size_t plain = std::endian::native == std::endian::little
                                 ? static_cast<size_t>(std::countr_zero(two | control)) / 8
                                 : 0;
        // All eight are stored and `plain` of them kept: the output has room, since at least
        // the eight input bytes and the closing quote are still to be written.
        std::memcpy(p, begin + i, 8);
        p += plain;
        i += plain;
        if (plain == 8) continue;
      }
      const unsigned char c = static_cast<unsigned char>(begin[i++]);
      const char e = kEscape[c];
      if (e == 0) {
        *p++ = static_cast<char>(c);
      } else if (e == 'u') {
        std::memcpy(p, "\\u00", 4);
        p[4] = kHex[c >> 4];
        p[5] = kHex[c & 15];
        p += 6;
      } else {
        p[0] = '\\';
        p[1] = e;
        p += 2;
      }
    }
  }
  *p = '"';
}

}  // namespace concordat
