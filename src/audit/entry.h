// One entry of the audit log and its canonical encoding.
//
// Every decision (permit or deny) and every governance event is an entry. The canonical
// encoding is compact JSON with keys in a fixed order and the entry's own index first, so
// moving an entry to another position changes its leaf hash. The encoding is what the Merkle
// leaf hashes: SHA-256(0x00 || encoding).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "base/status.h"

namespace concordat::audit {

struct LogEntry {
  uint64_t index = 0;  // assigned by the log when appended
  std::string
      kind;    // "decision", "lifecycle", "rights", "breach", "retention", "audit-sample", ...
  Instant at;  // when it happened
  std::string actor;                 // user id, or "system"
  std::string organisation;          // the actor's organisation
  std::string protocol;              // protocol id, when one applies
  std::string version;               // protocol version
  std::string request;               // the request as canonical JSON ("" when none)
  std::string decision;              // "permit", "deny" or "" for non-decision events
  std::vector<std::string> reasons;  // reason codes
  std::string payload_hash;          // "sha256:..." of an associated payload, or ""

  bool operator==(const LogEntry&) const = default;
};

// The canonical encoding (includes `index`).
std::string EncodeEntry(const LogEntry& e);
// The encoding in two parts, so that the part that does not depend on the index can be made
// before the index is known (on the submitting thread, not the log's single writer):
// EncodeEntry(e) == EncodeEntryWithTail(e.index, EncodeEntryTail(e)).
std::string EncodeEntryTail(const LogEntry& e);
std::string EncodeEntryWithTail(uint64_t index, std::string_view tail);
// Parses a canonical encoding; fails on anything EncodeEntry would not produce.
Result<LogEntry> DecodeEntry(std::string_view encoded);
// The index an encoding carries, read without decoding the rest (verification's fast path).
Result<uint64_t> EntryIndex(std::string_view encoded);

// Reads an entry to append from user JSON (`concordat audit append`): `kind` required; `at`
// (RFC 3339) defaults to `now`; unknown keys, wrong types and bad values are errors naming
// the field. `index` may not be given: the log assigns it.
Result<LogEntry> ParseEntryInput(std::string_view json, Instant now);

}  // namespace concordat::audit
