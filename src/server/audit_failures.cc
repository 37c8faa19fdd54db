#include "server/audit_failures.h"

#include <string>

namespace concordat::server {

void AuditFailures::Failed(const Status& error) {
  std::lock_guard<std::mutex> lock(mu_);
  ++unlogged_;
  ++total_;
  const auto now = std::chrono::steady_clock::now();
  if (failing_ && now - last_line_ < std::chrono::seconds(1)) return;
  log_->Write(Level::kError,
              failing_ ? "the audit log still cannot be written; requests that need it are refused"
                       : "the audit log cannot be written; requests that need it are refused",
              {{"error", error.message()}, {"#refused", std::to_string(unlogged_)}});
  failing_ = true;
  unlogged_ = 0;
  last_line_ = now;
}

void AuditFailures::Recorded() {
  if (!failing_.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (!failing_) return;
  log_->Write(Level::kWarn, "the audit log is written again",
              {{"#refused_in_all", std::to_string(total_)}});
  failing_ = false;
  unlogged_ = total_ = 0;
}

}  // namespace concordat::server
