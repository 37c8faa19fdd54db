// What the server has done and how it is now, for the IT team's monitoring: GET /metrics in
// the Prometheus text format (version 0.0.4), read by a user with the `operator` role.
//
// Only counts, durations and states: no organisation, user, subject or protocol is a label,
// so an operator learns how busy and how healthy the service is, never who shares what with
// whom (that is the audit log's, read under the protocols). A provider's partner id appears as
// the label of its source's failures, as it does in the configuration.
//
// Counting costs a request two relaxed atomic additions and a histogram bucket's; rendering
// reads them without stopping anyone, so a scrape sees counters that may be a request apart.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace concordat::server {

// Durations in fixed buckets (upper bounds in microseconds), as a Prometheus histogram.
class Histogram {
 public:
  static constexpr std::array<uint64_t, 12> kBoundsUs = {
      500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 5000000};
  void Observe(std::chrono::microseconds took);
  // `name` with its _bucket, _sum and _count lines (the HELP and TYPE lines first).
  void Render(const std::string& name, const std::string& help, std::string* out) const;

 private:
  std::array<std::atomic<uint64_t>, kBoundsUs.size() + 1> buckets_{};  // the last: +Inf
  std::atomic<uint64_t> sum_us_{0};
};

// What the transport knows at a scrape: connections and requests under way.
struct TransportGauges {
  int64_t connections_open = 0;
  int64_t requests_in_flight = 0;
  uint64_t accept_failures = 0;  // accepts that failed (out of descriptors), since start
  bool draining = false;
};

// What the service knows at a scrape.
struct ServiceGauges {
  uint64_t audit_tree_size = 0;  // as the store holds it (every node's entries)
  uint64_t audit_batches = 0, audit_entries = 0, audit_batches_failed = 0;
  uint64_t audit_refused = 0;  // requests refused because the log could not be written
  bool audit_failing = false;
  const Histogram* audit_commit = nullptr;
  std::map<std::string, uint64_t> source_failures;  // by provider: look-ups that failed
  std::map<std::string, bool> source_failing;       // by provider: failing now
  size_t protocol_versions_in_force = 0;
  bool store_ready = false;
  // Users not revoked whose access has ended, or ends within kAccessEndingSoonDays; -1 when the
  // store could not say (then they are left out).
  int64_t users_access_ended = -1, users_access_ending_soon = -1;
  uint64_t lookups_over_quota = 0;  // look-ups refused for lookups_per_user_per_hour
  uint64_t user_reads = 0;          // users read from the store to authenticate a request
};

inline constexpr int kAccessEndingSoonDays = 30;

class ServerMetrics {
 public:
  ServerMetrics();
  // A request answered with `status` after `took` (from its request read to its answer
  // handed to TLS); without `took` for one refused before it was read (too large, not HTTP),
  // which is counted but not timed.
  void Answered(int status, std::optional<std::chrono::microseconds> took);
  void SetTransport(std::function<TransportGauges()> gauges) { transport_ = std::move(gauges); }
  std::string Render(const ServiceGauges& service, const std::string& version) const;

 private:
  std::array<std::atomic<uint64_t>, 600> by_status_{};
  Histogram durations_;
  std::function<TransportGauges()> transport_;
  const std::chrono::system_clock::time_point started_;
};

}  // namespace concordat::server
