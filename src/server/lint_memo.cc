#include "server/lint_memo.h"

namespace concordat::server {

const LintMemo::Day& LintMemo::For(size_t index, Date day) const {
  if (!current_ || current_->day != day) {
    current_ = std::make_unique<Day>();
    current_->day = day;
    current_->findings.resize(registry_.protocols.size());
    current_->counts.resize(registry_.protocols.size());
  }
  Day& d = *current_;
  if (!d.findings[index]) {
    auto found = std::make_shared<const std::vector<model::Finding>>(
        model::Lint(registry_.protocols[index], {.at = day}));
    d.counts[index] = model::CountFindings(*found);
    d.findings[index] = std::move(found);
  }
  return d;
}

std::shared_ptr<const std::vector<model::Finding>> LintMemo::Findings(size_t index,
                                                                      Date day) const {
  std::lock_guard<std::mutex> lock(mu_);
  return For(index, day).findings[index];
}

model::FindingCounts LintMemo::Counts(size_t index, Date day) const {
  std::lock_guard<std::mutex> lock(mu_);
  return For(index, day).counts[index];
}

}  // namespace concordat::server
