#include "server/request_ids.h"

#include <random>

namespace concordat::server {

RequestIds::RequestIds() {
  std::random_device entropy;
  static constexpr char kHex[] = "0123456789abcdef";
  const uint32_t r = entropy();
  prefix_.resize(8);
  for (int i = 0; i < 8; ++i) prefix_[i] = kHex[(r >> (28 - 4 * i)) & 0xf];
}

std::string RequestIds::Next() {
  const uint64_t n = count_.fetch_add(1, std::memory_order_relaxed) + 1;
  std::string id = prefix_;  // within the string's own room (15 bytes) to the millionth id
  id += '-';
  id += std::to_string(n);
  return id;
}

bool RequestIds::AcceptableFromClient(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  // A bearer token ("cct_" and hex) sent as an id, by mistake or by a proxy that copies
  // headers, is a secret all the same: never logged.
  if (id.substr(0, 4) == "cct_") return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace concordat::server
