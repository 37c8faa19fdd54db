// Sites by network: the location the server establishes from a connection's address.
#include "server/site_networks.h"

#include <gtest/gtest.h>

namespace concordat::server {
namespace {

TEST(SiteNetworks, MostSpecificNetworkWinsAndUnknownIsNoSite) {
  auto sites = SiteNetworks::Build({{"essex-police-hq", {"127.0.0.2/32", "10.20.0.0/16"}},
                                    {"essex-police-estate", {"10.0.0.0/8"}},
                                    {"ecc-cf-hub", {"2001:db8:cf::/48"}}});
  ASSERT_TRUE(sites.ok()) << sites.status().ToString();
  EXPECT_EQ(sites->SiteOf("127.0.0.2"), "essex-police-hq");
  EXPECT_EQ(sites->SiteOf("127.0.0.1"), "");
  EXPECT_EQ(sites->SiteOf("127.0.0.3"), "");
  EXPECT_EQ(sites->SiteOf("10.20.255.1"), "essex-police-hq");
  EXPECT_EQ(sites->SiteOf("10.21.0.1"), "essex-police-estate");
  EXPECT_EQ(sites->SiteOf("::ffff:10.20.1.1"), "essex-police-hq");  // dual-stack socket
  EXPECT_EQ(sites->SiteOf("2001:db8:cf:12::7"), "ecc-cf-hub");
  EXPECT_EQ(sites->SiteOf("2001:db8:ce::1"), "");
  EXPECT_EQ(sites->SiteOf("not an address"), "");
}

TEST(SiteNetworks, OddPrefixLengthsMaskTheRightBits) {
  auto n = Network::Parse("192.168.4.0/22");
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->Contains(*ParseAddress("192.168.7.255")));
  EXPECT_FALSE(n->Contains(*ParseAddress("192.168.8.0")));
  EXPECT_FALSE(n->Contains(*ParseAddress("192.168.3.255")));
  EXPECT_EQ(n->ToString(), "192.168.4.0/22");
  auto all = Network::Parse("0.0.0.0/0");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Contains(*ParseAddress("8.8.8.8")));
  EXPECT_FALSE(all->Contains(*ParseAddress("2001:db8::1")));  // IPv4's /0 is not all of IPv6
}

TEST(SiteNetworks, BadNetworksAreNamedWithTheirSiteAndPlace) {
  struct Case {
    std::string network, message;
  };
  for (const Case& c : std::vector<Case>{
           {"10.0.0.0/33", "sites.hq[0]: '10.0.0.0/33': the prefix length must be 0 to 32"},
           {"10.0.0.1/8", "sites.hq[0]: '10.0.0.1/8' has host bits set"},
           {"10.0.0/8", "sites.hq[0]: '10.0.0/8' is not a network"},
           {"10.0.0.0/", "the prefix length must be 0 to 32"},
           {"hq.example", "is not a network"},
           {"2001:db8::/129", "the prefix length must be 0 to 128"}}) {
    auto s = SiteNetworks::Build({{"hq", {c.network}}});
    ASSERT_FALSE(s.ok()) << c.network;
    EXPECT_NE(s.status().message().find(c.message), std::string::npos)
        << c.network << " -> " << s.status().message();
  }
  auto twice = SiteNetworks::Build({{"a", {"10.1.0.0/16"}}, {"b", {"10.1.0.0/16"}}});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("already the network of site a"), std::string::npos)
      << twice.status().message();
}

}  // namespace
}  // namespace concordat::server
