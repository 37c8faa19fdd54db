// How many self-service look-ups one user may make: at most `per_hour` in any hour, as a token
// bucket (it holds up to `per_hour` look-ups and refills at per_hour / 3600 a second), so a
// practitioner's ordinary day is never refused and a token used to pull a provider's records
// in bulk is stopped within the hour's allowance. Safe to call from many threads.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace concordat::server {

class LookupQuota {
 public:
  using Clock = std::chrono::steady_clock;

  struct Outcome {
    bool allowed = true;
    int retry_after_seconds = 0;  // when refused: until one look-up is allowed again
    bool newly_refused = false;   // the first refusal since the user was last allowed
  };

  // Takes one look-up from `user`'s allowance at `now`; `per_hour` 0 is no limit. A change of
  // `per_hour` (a reload) applies from the next call: each bucket is capped at the new size.
  Outcome Take(const std::string& user, int per_hour, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
    bool refusing = false;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace concordat::server
