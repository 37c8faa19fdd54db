#include "server/lookup_quota.h"

#include <algorithm>
#include <cmath>

namespace concordat::server {

LookupQuota::Outcome LookupQuota::Take(const std::string& user, int per_hour,
                                       Clock::time_point now) {
  Outcome out;
  if (per_hour <= 0) return out;
  const double capacity = per_hour;
  const double per_second = capacity / 3600.0;
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(user);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = capacity;
  } else {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(capacity, b.tokens + std::max(0.0, elapsed) * per_second);
  }
  b.last = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    b.refusing = false;
    return out;
  }
  out.allowed = false;
  out.retry_after_seconds = std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_second)));
  out.newly_refused = !b.refusing;
  b.refusing = true;
  return out;
}

}  // namespace concordat::server
