#include "server/repeated_failures.h"

namespace concordat::server {

bool RepeatedFailures::Failed(const Status& error) {
  std::lock_guard<std::mutex> lock(mu_);
  ++unlogged_;
  ++total_;
  ever_.fetch_add(1, std::memory_order_relaxed);
  const bool began = !failing_;
  const auto now = std::chrono::steady_clock::now();
  if (!began && now - last_line_ < std::chrono::seconds(1)) return false;
  LogLines::Fields fields = context_;
  fields.emplace_back("error", error.message());
  fields.emplace_back("#refused", std::to_string(unlogged_));
  log_->Write(Level::kError, began ? messages_.begun : messages_.still, fields);
  failing_ = true;
  unlogged_ = 0;
  last_line_ = now;
  return began;
}

bool RepeatedFailures::Succeeded() {
  if (!failing_.load(std::memory_order_relaxed)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (!failing_) return false;
  LogLines::Fields fields = context_;
  fields.emplace_back("#refused_in_all", std::to_string(total_));
  log_->Write(Level::kWarn, messages_.ended, fields);
  failing_ = false;
  unlogged_ = total_ = 0;
  return true;
}

}  // namespace concordat::server
