// The metrics' text (server/metrics.h): histogram buckets are cumulative with Prometheus's
// inclusive upper bounds, request ids are unique per process and a client's id is logged only
// when plausible, label values are escaped, and what the transport reports is shown.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/request_ids.h"

namespace concordat::server {
namespace {

std::string LineOf(const std::string& text, const std::string& start) {
  const size_t at = text.find("\n" + start);
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

TEST(Metrics, HistogramBucketsAreCumulativeAndTheirBoundsInclusive) {
  Histogram h;
  using us = std::chrono::microseconds;
  for (const auto took : {us(0), us(500), us(501), us(1000), us(7000), us(6000000)})
    h.Observe(took);
  std::string text = "\n";
  h.Render("t_seconds", "help", &text);
  EXPECT_EQ(LineOf(text, "t_seconds_bucket{le=\"0.0005\"}"), "t_seconds_bucket{le=\"0.0005\"} 2");
  EXPECT_EQ(LineOf(text, "t_seconds_bucket{le=\"0.001\"}"), "t_seconds_bucket{le=\"0.001\"} 4");
  EXPECT_EQ(LineOf(text, "t_seconds_bucket{le=\"0.0025\"}"), "t_seconds_bucket{le=\"0.0025\"} 4");
  EXPECT_EQ(LineOf(text, "t_seconds_bucket{le=\"0.01\"}"), "t_seconds_bucket{le=\"0.01\"} 5");
  EXPECT_EQ(LineOf(text, "t_seconds_bucket{le=\"5\"}"), "t_seconds_bucket{le=\"5\"} 5");
  EXPECT_EQ(LineOf(text, "t_seconds_bucket{le=\"+Inf\"}"), "t_seconds_bucket{le=\"+Inf\"} 6");
  EXPECT_EQ(LineOf(text, "t_seconds_count"), "t_seconds_count 6");
  EXPECT_EQ(LineOf(text, "t_seconds_sum"), "t_seconds_sum 6.009001");
  EXPECT_NE(text.find("# TYPE t_seconds histogram\n"), std::string::npos);
}

TEST(Metrics, CountsByStatusShowWhatTheTransportSaysAndEscapeLabels) {
  ServerMetrics m;
  m.Answered(200, std::chrono::microseconds(100));
  m.Answered(200, std::chrono::microseconds(100));
  m.Answered(413, std::nullopt);  // refused before it was read: counted, not timed
  m.SetTransport([] {
    TransportGauges g;
    g.connections_open = 7;
    g.requests_in_flight = 3;
    g.accept_failures = 2;
    g.draining = true;
    return g;
  });
  ServiceGauges s;
  s.source_failures["odd\"name\\x"] = 4;
  s.source_failing["odd\"name\\x"] = true;
  const std::string text = "\n" + m.Render(s, "9.9.9");
  EXPECT_EQ(LineOf(text, "concordat_http_requests_total{code=\"200\"}"),
            "concordat_http_requests_total{code=\"200\"} 2");
  EXPECT_EQ(LineOf(text, "concordat_http_requests_total{code=\"413\"}"),
            "concordat_http_requests_total{code=\"413\"} 1");
  EXPECT_EQ(LineOf(text, "concordat_http_requests_total{code=\"404\"}"), "") << "none: no line";
  EXPECT_EQ(LineOf(text, "concordat_http_request_duration_seconds_count"),
            "concordat_http_request_duration_seconds_count 2");
  EXPECT_EQ(LineOf(text, "concordat_connections_open "), "concordat_connections_open 7");
  EXPECT_EQ(LineOf(text, "concordat_requests_in_flight "), "concordat_requests_in_flight 3");
  EXPECT_EQ(LineOf(text, "concordat_accept_failures_total "), "concordat_accept_failures_total 2");
  EXPECT_EQ(LineOf(text, "concordat_draining "), "concordat_draining 1");
  EXPECT_EQ(LineOf(text, "concordat_build_info"), "concordat_build_info{version=\"9.9.9\"} 1");
  EXPECT_EQ(LineOf(text, "concordat_source_failures_total{"),
            "concordat_source_failures_total{provider=\"odd\\\"name\\\\x\"} 4");
  EXPECT_EQ(LineOf(text, "concordat_source_failing{"),
            "concordat_source_failing{provider=\"odd\\\"name\\\\x\"} 1");
}

TEST(RequestIds, AreUniqueAcrossThreadsAndShareTheProcessPrefix) {
  RequestIds ids;
  ASSERT_EQ(ids.prefix().size(), 8u);
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& m : made)
    threads.emplace_back([&ids, &m] {
      for (int i = 0; i < 1000; ++i) m.push_back(ids.Next());
    });
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& m : made)
    for (const auto& id : m) {
      EXPECT_EQ(id.substr(0, 9), ids.prefix() + "-");
      all.insert(id);
    }
  EXPECT_EQ(all.size(), 4000u);
  EXPECT_NE(RequestIds().prefix(), RequestIds().prefix()) << "drawn at random (a 1 in 2^32 clash)";
}

TEST(RequestIds, AClientsIdIsTakenOnlyWhenItIsPlausible) {
  for (const char* ok : {"a", "proxy-7f.3:a_b", "0123456789abcdef"})
    EXPECT_TRUE(RequestIds::AcceptableFromClient(ok)) << ok;
  for (const std::string& bad :
       {std::string(""), std::string(129, 'a'), std::string("a b"), std::string("a\"b"),
        std::string("a\nb"), std::string("\xc3\xa9"), std::string("{\"level\":1}"),
        std::string("cct_") + std::string(64, 'a')})
    EXPECT_FALSE(RequestIds::AcceptableFromClient(bad)) << bad;
  EXPECT_TRUE(RequestIds::AcceptableFromClient(std::string(128, 'a')));
}

}  // namespace
}  // namespace concordat::server
