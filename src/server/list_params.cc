#include "server/list_params.h"

#include <charconv>

#include "server/http_input.h"

namespace concordat::server {

namespace {

bool ParseCursor(const std::string& text, int64_t* at_ms, std::string* id) {
  const size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + dot, *at_ms);
  if (ec != std::errc() || p != text.data() + dot || *at_ms < 0) return false;
  *id = text.substr(dot + 1);
  if (id->empty() || id->size() > 64) return false;
  for (char c : *id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
      return false;
  return true;
}

}  // namespace

Result<store::ListQuery> ParseListQuery(const std::map<std::string, std::string>& params,
                                        const std::string& org, bool requests,
                                        const SubjectTagOf& subject_tag_of) {
  store::ListQuery q;
  q.org = org;
  for (const auto& [key, value] : params) {
    if (key == "direction") {
      if (value == "sent") {
        q.direction = store::ListQuery::Direction::kSent;
      } else if (value == "received") {
        q.direction = store::ListQuery::Direction::kReceived;
      } else {
        return Status::InvalidArgument("direction: expected sent or received, not '" + value + "'");
      }
    } else if (key == "status" && requests) {
      if (value != "open" && value != "answered" && value != "declined" && value != "cancelled")
        return Status::InvalidArgument(
            "status: expected open, answered, declined or cancelled, not '" + value + "'");
      q.status = value;
    } else if (key == "limit") {
      size_t limit = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || p != value.data() + value.size() || limit == 0 || limit > 1000)
        return Status::InvalidArgument("limit: expected a number from 1 to 1000");
      q.limit = limit;
    } else if (key == "before") {
      if (!ParseCursor(value, &q.before_ms, &q.before_id))
        return Status::InvalidArgument(
            "before: not a cursor; give the \"next\" of the page before, as it was given");
      q.after_cursor = true;
    } else if (key == "subject" && subject_tag_of) {
      if (value.find_first_not_of(" \t") == std::string::npos)
        return Status::InvalidArgument("subject: empty; give the person's reference");
      q.subject_tag = subject_tag_of(value);
    } else {
      return Status::InvalidArgument(key + ": unknown parameter; expected direction, " +
                                     (requests ? "status, " : "") + "limit, before" +
                                     (subject_tag_of ? ", subject" : ""));
    }
  }
  return q;
}

std::string ListCursor(int64_t at_ms, const std::string& id) {
  return std::to_string(at_ms) + "." + id;
}

Result<store::ListQuery> ParseListTarget(const std::string& target, const std::string& org,
                                         bool requests, const SubjectTagOf& subject_tag_of) {
  auto params = QueryParams(target);
  if (!params.ok()) return params.status();
  return ParseListQuery(*params, org, requests, subject_tag_of);
}

}  // namespace concordat::server
