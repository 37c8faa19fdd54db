#include "server/log_records.h"

#include "base/date.h"
#include "base/json_string.h"

namespace concordat::server {

std::string CanonicalRequest(const decide::Request& q, const std::string& format,
                             const std::string& subject_tag) {
  // Written by hand, keys in sorted order (what nlohmann::json would produce), because this
  // runs on every decision.
  std::string out;
  out.reserve(256 + q.justification.size());
  auto key = [&](const char* k) {
    out += out.size() > 1 ? ",\"" : "\"";
    out += k;
    out += "\":";
  };
  auto list = [&](const std::vector<std::string>& v) {
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      AppendJsonString(v[i], &out);
    }
    out += ']';
  };
  out += '{';
  key("action");
  out += q.action == decide::Action::kWrite ? "\"write\"" : "\"read\"";
  if (!q.audit_reference.empty()) {
    key("audit_reference");
    AppendJsonString(q.audit_reference, &out);
  }
  key("data");
  list(q.data);
  key("format");
  AppendJsonString(format, &out);
  if (!q.justification.empty()) {
    key("justification");
    AppendJsonString(q.justification, &out);
  }
  if (!q.protocol.empty()) {
    key("protocol");
    AppendJsonString(q.protocol, &out);
  }
  key("provider");
  AppendJsonString(q.provider, &out);
  if (!q.purpose.empty()) {
    key("purpose");
    AppendJsonString(q.purpose, &out);
  }
  key("requester");
  out += "{\"device\":";
  AppendJsonString(q.requester.device, &out);
  out += ",\"location\":";
  AppendJsonString(q.requester.location, &out);
  out += ",\"org\":";
  AppendJsonString(q.requester.org, &out);
  out += ",\"roles\":";
  list(q.requester.roles);
  out += ",\"user\":";
  AppendJsonString(q.requester.user, &out);
  out += '}';
  if (!subject_tag.empty()) {
    key("subject_tag");
    AppendJsonString(subject_tag, &out);
  }
  out += '}';
  return out;
}

audit::LogEntry Event(const char* kind, int64_t at_ms, const store::User& user,
                      const std::string& protocol, const std::string& version,
                      std::string request) {
  audit::LogEntry e;
  e.kind = kind;
  e.at = Instant{at_ms / 1000};
  e.actor = user.id;
  e.organisation = user.organisation;
  e.protocol = protocol;
  e.version = version;
  e.request = std::move(request);
  return e;
}
}  // namespace concordat::server
