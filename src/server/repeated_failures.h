// Telling operators that something every request needs has failed (the audit log cannot be
// written; a provider's system cannot be read), without a log line per refused request.
//
// Under load a failure refuses thousands of requests a second. The first is logged at once
// (level error, `begun`, with the error); while failures go on, at most one more line a
// second (`still`, with how many were refused since the last line); and at the first success
// after, one line (level warn, `ended`, with how many were refused in all). Each line also
// carries `context` (which provider, say). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "base/status.h"
#include "server/log_lines.h"

namespace concordat::server {

class RepeatedFailures {
 public:
  struct Messages {
    std::string begun, still, ended;
  };
  RepeatedFailures(LogLines* log, Messages messages, LogLines::Fields context = {})
      : log_(log), messages_(std::move(messages)), context_(std::move(context)) {}
  // A refusal; true when it begins a run of them.
  bool Failed(const Status& error);
  // A success: ends a run of failures (cheap when there was none); true when it ended one.
  bool Succeeded();
  bool failing() const { return failing_.load(std::memory_order_relaxed); }
  // Refusals since this was made, over every run (for the server's metrics).
  uint64_t refused_ever() const { return ever_.load(std::memory_order_relaxed); }

 private:
  LogLines* log_;
  const Messages messages_;
  const LogLines::Fields context_;
  std::mutex mu_;
  std::atomic<bool> failing_{false};  // read without the lock on every success
  std::atomic<uint64_t> ever_{0};
  uint64_t unlogged_ = 0;  // refused since the last line
  uint64_t total_ = 0;     // refused since the run began
  std::chrono::steady_clock::time_point last_line_{};
};

}  // namespace concordat::server
