// The query parameters of the listing endpoints (GET /v1/requests, GET /v1/disclosures):
// which page of an organisation's items to return, and the cursor that asks for the next.
//
//   direction=sent|received   only what the organisation sent, or received (default: both)
//   status=open|answered|declined|cancelled   requests only
//   limit=N                   1 to 1000 items (default 100)
//   before=CURSOR             the previous page's "next": items older than its last one
//   subject=REF               only items about this person (found by the subject's keyed hash,
//                             which `subject_tag_of` makes; without it, subject is unknown)
//
// Any other parameter, or a bad value, is an error naming it; the organisation is always the
// caller's own, never a parameter.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "base/status.h"
#include "store/store.h"

namespace concordat::server {

using SubjectTagOf = std::function<std::string(const std::string& subject)>;
Result<store::ListQuery> ParseListQuery(const std::map<std::string, std::string>& params,
                                        const std::string& org, bool requests,
                                        const SubjectTagOf& subject_tag_of = nullptr);

// The same, from a request target's query string (QueryParams: percent-decoded, no parameter
// twice).
Result<store::ListQuery> ParseListTarget(const std::string& target, const std::string& org,
                                         bool requests,
                                         const SubjectTagOf& subject_tag_of = nullptr);

// The cursor that follows an item listed last on a page: "<at_ms>.<id>".
std::string ListCursor(int64_t at_ms, const std::string& id);

}  // namespace concordat::server
