// The lint findings of a registry's protocols, as of a day, worked out once per protocol per
// day instead of on every request. The protocol listing is public and carries every listed
// protocol's counts: without this, each anonymous GET /v1/protocols linted the whole registry.
//
// Findings depend only on the protocol (fixed for the registry's life) and the day (review
// and withdrawal dates), so a memo belongs to one registry snapshot, and asking about a new
// day starts the day afresh. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "base/date.h"
#include "model/lint.h"
#include "model/registry.h"

namespace concordat::server {

class LintMemo {
 public:
  // `registry` must outlive the memo (both belong to one snapshot).
  explicit LintMemo(const model::Registry& registry) : registry_(registry) {}

  // model::Lint(registry.protocols[index], {.at = day}), computed at most once per day.
  std::shared_ptr<const std::vector<model::Finding>> Findings(size_t index, Date day) const;
  model::FindingCounts Counts(size_t index, Date day) const;

 private:
  struct Day {
    Date day;
    std::vector<std::shared_ptr<const std::vector<model::Finding>>> findings;  // by index
    std::vector<model::FindingCounts> counts;
  };
  const Day& For(size_t index, Date day) const;  // with mu_ held

  const model::Registry& registry_;
  mutable std::mutex mu_;
  mutable std::unique_ptr<Day> current_;
};

}  // namespace concordat::server
