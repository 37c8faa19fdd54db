// What the audit log's fault-injection tests (power cut, full disk, the WAL buffer) start
// each round with: an empty folder holding the log's key pair, and entries big enough to fill
// pages and make checkpoints.
#pragma once

#include <filesystem>
#include <string>

#include "audit/entry.h"
#include "audit/sth.h"

namespace concordat::testing {

// `dir` emptied (or made), with the log's key pair in it as k and k.pub; the key to sign with.
inline Result<audit::Signer> FreshLogFolder(const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  if (Status s = audit::Signer::CreateKeyFiles((dir / "k").string(), (dir / "k.pub").string());
      !s.ok())
    return s;
  return audit::Signer::Load((dir / "k").string());
}

// A decision entry by actor u-`i`, its request `request_bytes` of `fill`.
inline audit::LogEntry BulkyEntry(uint64_t i, size_t request_bytes, char fill) {
  audit::LogEntry e;
  e.kind = "decision";
  e.at = Instant{1732406400 + static_cast<int64_t>(i)};
  e.actor = "u-" + std::to_string(i);
  e.request = std::string(request_bytes, fill);
  return e;
}

}  // namespace concordat::testing
