#include "server/log_lines.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "base/json_string.h"
#include "base/utf8.h"

namespace concordat::server {

Level LogLines::ParseLevel(const std::string& s) {
  if (s == "debug") return Level::kDebug;
  if (s == "warn") return Level::kWarn;
  if (s == "error") return Level::kError;
  return Level::kInfo;
}

void LogLines::Write(Level level, const std::string& message, const Fields& fields) {
  if (level < min_) return;
  static const char* kNames[] = {"debug", "info", "warn", "error"};
  auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[96];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  std::string line = "{\"ts\":\"";
  line += ts;
  line += "\",\"level\":\"";
  line += kNames[static_cast<int>(level)];
  line += "\",\"msg\":";
  // A log line is JSON, so UTF-8: a value from a request (a path, an error naming what came)
  // may not be, and is shown with U+FFFD for its stray bytes.
  AppendJsonString(IsValidUtf8(message) ? std::string_view(message) : ToValidUtf8(message), &line);
  for (const auto& [k, v] : fields) {
    line += ',';
    if (!k.empty() && k[0] == '#') {
      AppendJsonString(k.substr(1), &line);
      line += ':';
      line += v;
    } else {
      AppendJsonString(k, &line);
      line += ':';
      AppendJsonString(IsValidUtf8(v) ? std::string_view(v) : ToValidUtf8(v), &line);
    }
  }
  line += "}\n";
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace concordat::server
