#include "server/metrics.h"

#include <cstdio>

namespace concordat::server {

namespace {

std::string Seconds(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(us) / 1e6);
  return buf;
}

// A bucket's bound as Prometheus's own clients write it: 0.0005, 0.01, 5.
std::string Bound(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(us) / 1e6);
  return buf;
}

void Header(std::string* out, const std::string& name, const char* type, const std::string& help) {
  *out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void One(std::string* out, const std::string& name, const char* type, const std::string& help,
         const std::string& value) {
  Header(out, name, type, help);
  *out += name + " " + value + "\n";
}

// A label value as the text format writes it: backslash, double quote and newline escaped.
std::string LabelValue(const std::string& v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Histogram::Observe(std::chrono::microseconds took) {
  const uint64_t us = took.count() < 0 ? 0 : static_cast<uint64_t>(took.count());
  size_t i = 0;
  while (i < kBoundsUs.size() && us > kBoundsUs[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
}

void Histogram::Render(const std::string& name, const std::string& help, std::string* out) const {
  Header(out, name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBoundsUs.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    *out += name + "_bucket{le=\"" + (i < kBoundsUs.size() ? Bound(kBoundsUs[i]) : "+Inf") +
            "\"} " + std::to_string(cumulative) + "\n";
  }
  *out += name + "_sum " + Seconds(sum_us_.load(std::memory_order_relaxed)) + "\n";
  *out += name + "_count " + std::to_string(cumulative) + "\n";
}

ServerMetrics::ServerMetrics() : started_(std::chrono::system_clock::now()) {}

void ServerMetrics::Answered(int status, std::optional<std::chrono::microseconds> took) {
  if (status >= 100 && status < static_cast<int>(by_status_.size()))
    by_status_[static_cast<size_t>(status)].fetch_add(1, std::memory_order_relaxed);
  if (took) durations_.Observe(*took);
}

std::string ServerMetrics::Render(const ServiceGauges& s, const std::string& version) const {
  std::string out;
  out.reserve(8192);
  Header(&out, "concordat_build_info", "gauge", "The running concordatd's version.");
  out += "concordat_build_info{version=\"" + LabelValue(version) + "\"} 1\n";
  One(&out, "concordat_start_time_seconds", "gauge", "When this process started (Unix time).",
      std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(started_.time_since_epoch()).count()));

  Header(&out, "concordat_http_requests_total", "counter",
         "Requests answered since start, by HTTP status.");
  for (size_t code = 100; code < by_status_.size(); ++code)
    if (const uint64_t n = by_status_[code].load(std::memory_order_relaxed))
      out += "concordat_http_requests_total{code=\"" + std::to_string(code) + "\"} " +
             std::to_string(n) + "\n";
  durations_.Render("concordat_http_request_duration_seconds",
                    "Time from a request read to its answer written out.", &out);

  const TransportGauges t = transport_ ? transport_() : TransportGauges{};
  One(&out, "concordat_connections_open", "gauge", "TLS connections open now.",
      std::to_string(t.connections_open));
  One(&out, "concordat_requests_in_flight", "gauge", "Requests read and not yet answered.",
      std::to_string(t.requests_in_flight));
  One(&out, "concordat_accept_failures_total", "counter",
      "Failed attempts to accept a connection (out of file descriptors; retried every 100 ms), "
      "since start.",
      std::to_string(t.accept_failures));
  One(&out, "concordat_draining", "gauge",
      "1 while stopping (SIGTERM): answering what is in flight.", t.draining ? "1" : "0");

  One(&out, "concordat_store_ready", "gauge", "1 when the store answers (as /readyz).",
      s.store_ready ? "1" : "0");
  One(&out, "concordat_protocol_versions_in_force", "gauge",
      "Protocol versions requests are decided with now.",
      std::to_string(s.protocol_versions_in_force));
  One(&out, "concordat_user_reads_total", "counter",
      "Times the store was read to authenticate a request (its token or certificate not in "
      "the cache, known or unknown, of token_cache_seconds), since start.",
      std::to_string(s.user_reads));
  One(&out, "concordat_lookups_over_quota_total", "counter",
      "Look-ups refused (429) because their user had made lookups_per_user_per_hour in the "
      "hour, since start.",
      std::to_string(s.lookups_over_quota));
  if (s.users_access_ended >= 0) {
    One(&out, "concordat_users_access_ended", "gauge",
        "Users, not revoked, whose access has ended: refused (401) until given a new token "
        "(concordat user token).",
        std::to_string(s.users_access_ended));
    One(&out, "concordat_users_access_ending_soon", "gauge",
        "Users, not revoked, whose access ends within " + std::to_string(kAccessEndingSoonDays) +
            " days (concordat user list shows when).",
        std::to_string(s.users_access_ending_soon));
  }
  One(&out, "concordat_audit_tree_size", "gauge",
      "Entries in the audit log, as the store holds it.", std::to_string(s.audit_tree_size));
  One(&out, "concordat_audit_entries_total", "counter",
      "Audit entries this process committed since start.", std::to_string(s.audit_entries));
  One(&out, "concordat_audit_batches_total", "counter",
      "Batches (one transaction and one sync each) this process committed since start.",
      std::to_string(s.audit_batches));
  One(&out, "concordat_audit_batches_failed_total", "counter",
      "Batches that could not be written (nothing of them kept), since start.",
      std::to_string(s.audit_batches_failed));
  One(&out, "concordat_audit_refused_total", "counter",
      "Requests refused (503) because the audit log could not be written, since start.",
      std::to_string(s.audit_refused));
  One(&out, "concordat_audit_failing", "gauge",
      "1 while the audit log cannot be written (requests that need it are refused).",
      s.audit_failing ? "1" : "0");
  if (s.audit_commit)
    s.audit_commit->Render("concordat_audit_commit_duration_seconds",
                           "Time to write and sync one batch of audit entries.", &out);

  Header(&out, "concordat_source_failures_total", "counter",
         "Look-ups that could not read the provider's system of record, since start.");
  for (const auto& [provider, n] : s.source_failures)
    out += "concordat_source_failures_total{provider=\"" + LabelValue(provider) + "\"} " +
           std::to_string(n) + "\n";
  Header(&out, "concordat_source_failing", "gauge",
         "1 while the provider's system of record cannot be read.");
  for (const auto& [provider, failing] : s.source_failing)
    out += "concordat_source_failing{provider=\"" + LabelValue(provider) + "\"} " +
           (failing ? "1" : "0") + "\n";
  return out;
}

}  // namespace concordat::server
