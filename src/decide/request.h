// A request to share, as ../shared/spec/decision-api.md defines it.
//
// The strings are owned so that one Request can be reused across many parses without
// allocating once its buffers have grown (Clear() keeps capacity). Limits keep the decision
// function's working set fixed: a request naming more than kMaxRoles roles or kMaxData data
// categories is refused by the parser.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/date.h"
#include "model/protocol.h"

namespace concordat::decide {

inline constexpr size_t kMaxRoles = 32;
inline constexpr size_t kMaxData = 64;

enum class Action { kRead, kWrite };

struct Requester {
  std::string org;
  std::string user;
  std::vector<std::string> roles;
  std::string location;  // empty = none established
  std::string device;    // empty = none established
};

struct Request {
  std::optional<Instant> at;
  std::string protocol;  // empty = try every protocol in force
  Requester requester;
  std::string provider;
  std::vector<std::string> data;
  std::string purpose;
  model::Format format = model::Format::kRequestResponse;
  Action action = Action::kRead;
  std::string justification;    // counts as given only when not blank
  std::string audit_reference;  // counts as given only when not blank
  std::string subject;

  void Clear();
};

// True when `s` holds something other than white space.
bool IsGiven(std::string_view s);

}  // namespace concordat::decide
