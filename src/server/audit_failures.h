// Telling operators that the audit log cannot be written (a full disk, a store that has gone
// away), without a log line per refused request.
//
// Every request whose entry cannot be recorded is refused (503 AUDIT_UNAVAILABLE); under load
// that is thousands a second. The first failure is logged at once (level error, message
// "the audit log cannot be written; requests that need it are refused", with the store's
// error); while failures go on, at most one more line a second, saying how many were refused
// since the last; and when an entry is recorded again, one line saying so, with the count.
// Thread-safe: failures arrive on the log's writer and on worker threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "base/status.h"
#include "server/log_lines.h"

namespace concordat::server {

class AuditFailures {
 public:
  explicit AuditFailures(LogLines* log) : log_(log) {}
  void Failed(const Status& error);
  // An entry was recorded: ends a run of failures (cheap when there was none).
  void Recorded();

 private:
  LogLines* log_;
  std::mutex mu_;
  std::atomic<bool> failing_{false};  // read without the lock on every recorded entry
  uint64_t unlogged_ = 0;             // refused since the last line
  uint64_t total_ = 0;                // refused since the run began
  std::chrono::steady_clock::time_point last_line_{};
};

}  // namespace concordat::server
