#include "server/site_networks.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace concordat::server {

Result<std::array<uint8_t, 16>> ParseAddress(std::string_view text) {
  std::string s(text);
  std::array<uint8_t, 16> out{};
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return Status::InvalidArgument("'" + s + "' is not an IPv4 or IPv6 address");
}

Result<Network> Network::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string_view addr_text = text.substr(0, slash);
  auto addr = ParseAddress(addr_text);
  if (!addr.ok())
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a network; expected CIDR such as 10.20.0.0/16");
  const bool v4 = addr_text.find(':') == std::string_view::npos;
  const int max_bits = v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    std::string_view b = text.substr(slash + 1);
    auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (ec != std::errc() || p != b.data() + b.size() || bits < 0 || bits > max_bits)
      return Status::InvalidArgument("'" + std::string(text) +
                                     "': the prefix length must be 0 to " +
                                     std::to_string(max_bits));
  }
  Network n;
  n.address = *addr;
  n.prefix_bits = v4 ? bits + 96 : bits;
  for (int i = n.prefix_bits; i < 128; ++i)
    if (n.address[i / 8] & (0x80 >> (i % 8)))
      return Status::InvalidArgument("'" + std::string(text) +
                                     "' has host bits set; write the network address");
  return n;
}

bool Network::Contains(const std::array<uint8_t, 16>& addr) const {
  int full = prefix_bits / 8;
  if (std::memcmp(addr.data(), address.data(), static_cast<size_t>(full)) != 0) return false;
  int rest = prefix_bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (addr[full] & mask) == (address[full] & mask);
}

std::string Network::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  const bool v4 =
      prefix_bits >= 96 &&
      std::all_of(address.begin(), address.begin() + 10, [](uint8_t b) { return b == 0; }) &&
      address[10] == 0xff && address[11] == 0xff;
  if (v4) {
    inet_ntop(AF_INET, address.data() + 12, buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(prefix_bits - 96);
  }
  inet_ntop(AF_INET6, address.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix_bits);
}

Result<SiteNetworks> SiteNetworks::Build(
    const std::map<std::string, std::vector<std::string>>& sites) {
  SiteNetworks out;
  for (const auto& [site, networks] : sites) {
    for (size_t i = 0; i < networks.size(); ++i) {
      auto n = Network::Parse(networks[i]);
      if (!n.ok())
        return Status::InvalidArgument("sites." + site + "[" + std::to_string(i) +
                                       "]: " + n.status().message());
      for (const auto& e : out.entries_)
        if (e.network.prefix_bits == n->prefix_bits && e.network.address == n->address)
          return Status::InvalidArgument(
              "sites." + site + "[" + std::to_string(i) + "]: " + n->ToString() +
              " is already the network of site " + e.site + "; a network belongs to one site");
      out.entries_.push_back({*n, site});
    }
  }
  std::stable_sort(out.entries_.begin(), out.entries_.end(), [](const Entry& a, const Entry& b) {
    return a.network.prefix_bits > b.network.prefix_bits;
  });
  return out;
}

std::string SiteNetworks::SiteOf(const std::array<uint8_t, 16>& addr) const {
  for (const auto& e : entries_)
    if (e.network.Contains(addr)) return e.site;
  return "";
}

std::string SiteNetworks::SiteOf(std::string_view address_text) const {
  auto a = ParseAddress(address_text);
  return a.ok() ? SiteOf(*a) : "";
}

}  // namespace concordat::server
