// Reading a decision request from JSON (../shared/spec/decision-api.md, "Request").
//
// Strict: unknown keys, wrong types, bad instants, formats or actions, and more than
// kMaxRoles roles or kMaxData categories are errors whose message names the field
// ("requester.roles[2]: expected a string"). On error `out` is left cleared, never half
// filled. The parser object keeps its buffers between calls; use one per thread.
#pragma once

#include <memory>
#include <string_view>

#include "base/status.h"
#include "decide/request.h"

namespace concordat::decide {

// Where the requester comes from. kBody: the request names it (the CLI, the library).
// kConnection: the server establishes it from the token, the site network and the client
// certificate; a body that sets `requester` or `at` is refused, naming the field.
enum class RequesterSource { kBody, kConnection };

class RequestParser {
 public:
  RequestParser();
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  Status Parse(std::string_view json, Request* out,
               RequesterSource source = RequesterSource::kBody);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace concordat::decide
