#include "base/redact.h"

namespace concordat {

std::string RedactPassword(const std::string& url) {
  std::string out = url;
  // user:password@ between "://" and the end of the authority.
  if (size_t scheme = out.find("://"); scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t end = std::min(out.find_first_of("/?#", start), out.size());
    const size_t at = out.rfind('@', end == out.size() ? std::string::npos : end - 1);
    if (at != std::string::npos && at >= start) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a query parameter (or a key=value connection string).
  for (size_t pos = 0; (pos = out.find("password=", pos)) != std::string::npos;) {
    const bool starts =
        pos == 0 || out[pos - 1] == '?' || out[pos - 1] == '&' || out[pos - 1] == ' ';
    const size_t value = pos + 9;
    if (!starts) {
      pos = value;
      continue;
    }
    const size_t end = std::min(out.find_first_of("& ", value), out.size());
    out.replace(value, end - value, "***");
    pos = value + 3;
  }
  return out;
}

}  // namespace concordat
