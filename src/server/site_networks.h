// Where a connection comes from, established by the server and never taken from the request:
// the configured sites, each a list of networks in CIDR form (for example
// `essex-police-hq: [127.0.0.2/32, 10.20.0.0/16]`), matched against the connection's source
// address. The most specific network wins; an address in no network is at no site, and a rule
// that needs a location then denies.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace concordat::server {

// One network: an IPv4 or IPv6 prefix. IPv4 addresses are held as IPv4-mapped IPv6
// (::ffff:a.b.c.d), so "10.0.0.0/8" also matches a dual-stack socket's ::ffff:10.1.2.3.
struct Network {
  std::array<uint8_t, 16> address{};
  int prefix_bits = 0;  // of the 128

  // "10.20.0.0/16", "127.0.0.2" (a single host), "2001:db8::/32". Host bits must be zero.
  static Result<Network> Parse(std::string_view text);
  bool Contains(const std::array<uint8_t, 16>& addr) const;
  std::string ToString() const;
};

// An address in the same 16-byte form; an error naming the text when it is not one.
Result<std::array<uint8_t, 16>> ParseAddress(std::string_view text);

class SiteNetworks {
 public:
  // Refuses a malformed network (naming the site and entry) and the same network under two
  // sites.
  static Result<SiteNetworks> Build(const std::map<std::string, std::vector<std::string>>& sites);

  // The site whose most specific network holds the address; "" for none.
  std::string SiteOf(const std::array<uint8_t, 16>& addr) const;
  std::string SiteOf(std::string_view address_text) const;

 private:
  struct Entry {
    Network network;
    std::string site;
  };
  std::vector<Entry> entries_;  // most specific first
};

}  // namespace concordat::server
