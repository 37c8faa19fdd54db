// Structured log lines: one JSON object a line on standard error, with a time, a level and a
// message, plus fields. Callers never pass a token, key or personal data field (subject,
// justification, payload); request lines carry the path without its query string.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace concordat::server {

enum class Level { kDebug, kInfo, kWarn, kError };

class LogLines {
 public:
  explicit LogLines(Level min = Level::kInfo) : min_(min) {}
  static Level ParseLevel(const std::string& s);
  // Changes the least level written (at start, and when a reload changes log_level).
  void SetLevel(Level min) { min_.store(min, std::memory_order_relaxed); }

  // Whether a line at `level` would be written (so callers can skip building its fields).
  bool Enabled(Level level) const { return level >= min_.load(std::memory_order_relaxed); }
  using Fields = std::vector<std::pair<std::string, std::string>>;
  void Write(Level level, const std::string& message, const Fields& fields = {});
  // A field whose value is a number or boolean, written without quotes: prefix the key with '#'.

 private:
  std::atomic<Level> min_;
  std::mutex mu_;
};

}  // namespace concordat::server
