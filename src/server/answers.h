// The answers the service gives that are not an endpoint's own: JSON bodies, problem
// documents (RFC 9457's shape: {"status", "code", "message"}, the message naming the field
// or parameter concerned), 405s with their Allow header, and the 403 of a denied share.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "server/service.h"

namespace concordat::server {

// A 2xx (or other) answer with a JSON body.
HttpResponse Json(int status, std::string body);

// A JSON problem document; the message is made valid UTF-8 if it is not (it may quote what
// came). Also in service.h, where the transport uses it.
HttpResponse Problem(int status, const std::string& code, const std::string& message);

// 405 with the Allow header RFC 9110 asks for. HEAD is named where it is answered: on
// resources that are read without being recorded.
HttpResponse NotAllowed(const std::string& allow, const std::string& message);

// A deny of a look-up or request (`what`): 403 with the decision that was logged at `index`,
// `rendered` being its JSON (decide::RenderJson).
HttpResponse Denied(const char* what, uint64_t index, const std::string& rendered);

// A JsonBody() or StringField() error: 415 for a wrong content type, 400 otherwise.
HttpResponse BodyProblem(const Status& s);

// A text that may be unset: null when it is, so that "" is never mistaken for a value.
nlohmann::json TextOrNull(const std::string& text);

}  // namespace concordat::server
