// Structured log lines: one JSON object a line on standard error, with a time, a level and a
// message, plus fields. Callers never pass a token, key or personal data field (subject,
// justification, payload); request lines carry the path without its query string.
#pragma once

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
  // Changes the least level written; before any other thread writes (at start-up).
  void SetLevel(Level min) { min_ = min; }

  // Whether a line at `level` would be written (so callers can skip building its fields).
  bool Enabled(Level level) const { return level >= min_; }
  using Fields = std::vector<std::pair<std::string, std::string>>;
  void Write(Level level, const std::string& message, const Fields& fields = {});
  // A field whose value is a number or boolean, written without quotes: prefix the key with '#'.

 private:
  Level min_;
  std::mutex mu_;
};

}  // namespace concordat::server
