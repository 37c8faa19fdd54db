// What the server writes into the audit log's entries besides a decision's outcome: the
// effective request in canonical form, and governance events (a disclosure, its reading, an
// answer refused, a decline).
#pragma once

#include <cstdint>
#include <string>

#include "audit/entry.h"
#include "decide/request.h"
#include "store/store.h"

namespace concordat::server {

// The effective request, as the log keeps it: canonical JSON (sorted keys), the requester as
// the server established it. The subject reference is personal data: the log keeps its keyed
// hash (`subject_tag`, omitted when empty), which finds a subject's entries for a rights
// request without holding the reference in clear.
std::string CanonicalRequest(const decide::Request& q, const std::string& format,
                             const std::string& subject_tag);

// A governance event in the log (not a decision): who did what, under which protocol version;
// `request` is the event's JSON.
audit::LogEntry Event(const char* kind, int64_t at_ms, const store::User& user,
                      const std::string& protocol, const std::string& version, std::string request);

}  // namespace concordat::server
