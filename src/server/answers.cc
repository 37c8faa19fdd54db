#include "server/answers.h"

#include "base/json_string.h"
#include "base/utf8.h"

namespace concordat::server {

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse Problem(int status, const std::string& code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = "{\"status\":" + std::to_string(status) + ",\"code\":";
  AppendJsonString(code, &r.body);
  r.body += ",\"message\":";
  // A message may quote what came (a parameter's name, a path) and JSON must be UTF-8.
  AppendJsonString(IsValidUtf8(message) ? std::string_view(message) : ToValidUtf8(message),
                   &r.body);
  r.body += "}";
  r.log_outcome = code;
  return r;
}

HttpResponse NotAllowed(const std::string& allow, const std::string& message) {
  HttpResponse r = Problem(405, "METHOD_NOT_ALLOWED", message);
  r.allow = allow;
  return r;
}

HttpResponse Denied(const char* what, uint64_t index, const std::string& rendered) {
  HttpResponse out = Json(403, std::string("{\"status\":403,\"code\":\"DENIED\",\"message\":"
                                           "\"the protocol in force does not permit this ") +
                                   what + "\",\"audit_index\":" + std::to_string(index) +
                                   ",\"decision\":" + rendered + "}");
  out.content_type = "application/problem+json";
  out.log_outcome = "deny";
  return out;
}

HttpResponse BodyProblem(const Status& s) {
  if (s.code() == Status::Code::kNotFound)
    return Problem(415, "UNSUPPORTED_MEDIA_TYPE", s.message());
  return Problem(400, "INVALID_REQUEST", s.message());
}

nlohmann::json TextOrNull(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

}  // namespace concordat::server
