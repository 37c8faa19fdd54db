#include "base/json_string.h"

#include <array>

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

}  // namespace

// Two passes: count what the escapes add, then write into the string grown once. Most
// strings written here (the audit entry's request is itself JSON, full of quotes) would
// otherwise grow in many small appends.
void AppendJsonString(std::string_view s, std::string* out) {
  size_t extra = 0;
  for (unsigned char c : s) {
    const char e = kEscape[c];
    extra += e == 0 ? 0 : (e == 'u' ? 5 : 1);
  }
  const size_t start = out->size();
  out->resize(start + s.size() + extra + 2);
  char* p = out->data() + start;
  *p++ = '"';
  if (extra == 0) {
    s.copy(p, s.size());
    p += s.size();
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char c : s) {
      const char e = kEscape[c];
      if (e == 0) {
        *p++ = static_cast<char>(c);
      } else if (e == 'u') {
        *p++ = '\\';
        *p++ = 'u';
        *p++ = '0';
        *p++ = '0';
        *p++ = kHex[c >> 4];
        *p++ = kHex[c & 15];
      } else {
        *p++ = '\\';
        *p++ = e;
      }
    }
  }
  *p = '"';
}

}  // namespace concordat
