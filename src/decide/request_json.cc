#include "decide/request_json.h"

#include <simdjson.h>

#include <string>

#include "base/json_check.h"
#include "model/enums.h"

namespace concordat::decide {

struct RequestParser::Impl {
  simdjson::dom::parser parser;
  std::string scratch;  // the input copied with SIMDJSON_PADDING bytes of room after it
};

RequestParser::RequestParser() : impl_(std::make_unique<Impl>()) {}
RequestParser::~RequestParser() = default;

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::string TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "a list";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "true/false";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "something else";
}

Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument(field + ": " + what);
}

Status String(element e, const std::string& field, std::string* out) {
  std::string_view v;
  if (e.get(v) != simdjson::SUCCESS)
    return Bad(field, "expected a string, found " + TypeName(e.type()));
  out->assign(v.data(), v.size());
  return Status::Ok();
}

Status StringList(element e, const std::string& field, size_t max, std::vector<std::string>* out) {
  simdjson::dom::array a;
  if (e.get(a) != simdjson::SUCCESS)
    return Bad(field, "expected a list of strings, found " + TypeName(e.type()));
  size_t i = 0;
  for (element item : a) {
    if (i >= max) return Bad(field, "more than " + std::to_string(max) + " entries");
    std::string_view v;
    if (item.get(v) != simdjson::SUCCESS)
      return Bad(field + "[" + std::to_string(i) + "]",
                 "expected a string, found " + TypeName(item.type()));
    out->emplace_back(v.data(), v.size());
    ++i;
  }
  return Status::Ok();
}

// The member names each object may hold. A name given twice would make the request mean two
// things (most parsers keep the last silently), so it is refused.
constexpr std::string_view kRequestFields[] = {
    "at",     "protocol", "requester",     "provider",        "data",   "purpose",
    "format", "action",   "justification", "audit_reference", "subject"};
constexpr std::string_view kRequesterFields[] = {"org", "user", "roles", "location", "device"};

template <size_t N>
Status Once(std::string_view k, const std::string_view (&names)[N], uint32_t* seen,
            const char* prefix) {
  static_assert(N <= 32);
  for (size_t i = 0; i < N; ++i) {
    if (names[i] != k) continue;
    if (*seen & (1u << i)) return Bad(prefix + std::string(k), "given more than once");
    *seen |= 1u << i;
    return Status::Ok();
  }
  return Status::Ok();  // an unknown name: the caller says so
}

Status ParseRequester(element e, Request* out) {
  simdjson::dom::object o;
  if (e.get(o) != simdjson::SUCCESS)
    return Bad("requester", "expected an object, found " + TypeName(e.type()));
  bool has_org = false;
  uint32_t seen = 0;
  for (auto field : o) {
    std::string_view k = field.key;
    if (Status once = Once(k, kRequesterFields, &seen, "requester."); !once.ok()) return once;
    Status s;
    if (k == "org") {
      s = String(field.value, "requester.org", &out->requester.org);
      has_org = true;
    } else if (k == "user") {
      s = String(field.value, "requester.user", &out->requester.user);
    } else if (k == "roles") {
      s = StringList(field.value, "requester.roles", kMaxRoles, &out->requester.roles);
    } else if (k == "location") {
      if (!field.value.is_null())
        s = String(field.value, "requester.location", &out->requester.location);
    } else if (k == "device") {
      if (!field.value.is_null())
        s = String(field.value, "requester.device", &out->requester.device);
    } else {
      return Bad("requester", "unknown field '" + std::string(k) +
                                  "'; expected org, user, roles, location, device");
    }
    if (!s.ok()) return s;
  }
  if (!has_org || out->requester.org.empty())
    return Bad("requester.org", "required: the requesting organisation's partner id");
  return Status::Ok();
}

Status ParseObject(element root, Request* out, RequesterSource source) {
  const bool from_connection = source == RequesterSource::kConnection;
  simdjson::dom::object o;
  if (root.get(o) != simdjson::SUCCESS)
    return Bad("request", "expected a JSON object, found " + TypeName(root.type()));
  bool has_requester = false, has_provider = false, has_format = false;
  uint32_t seen = 0;
  for (auto field : o) {
    std::string_view k = field.key;
    element v = field.value;
    if (Status once = Once(k, kRequestFields, &seen, ""); !once.ok()) return once;
    Status s;
    if (from_connection && (k == "at" || k == "requester")) {
      return Bad(std::string(k), k == "at"
                                     ? "set by the server: decisions are made at the server's clock"
                                     : "set by the server from your token, site network and client "
                                       "certificate; remove it from the request");
    } else if (k == "at") {
      if (!v.is_null()) {
        std::string text;
        s = String(v, "at", &text);
        if (s.ok()) {
          auto at = Instant::Parse(text);
          if (!at)
            return Bad("at",
                       "'" + text + "' is not an RFC 3339 instant such as 2024-09-01T10:00:00Z");
          out->at = *at;
        }
      }
    } else if (k == "protocol") {
      if (!v.is_null()) s = String(v, "protocol", &out->protocol);
    } else if (k == "requester") {
      s = ParseRequester(v, out);
      has_requester = true;
    } else if (k == "provider") {
      s = String(v, "provider", &out->provider);
      has_provider = true;
    } else if (k == "data") {
      s = StringList(v, "data", kMaxData, &out->data);
    } else if (k == "purpose") {
      if (!v.is_null()) s = String(v, "purpose", &out->purpose);
    } else if (k == "format") {
      std::string text;
      s = String(v, "format", &text);
      if (s.ok()) {
        auto f = model::Parse<model::Format>(text);
        if (!f)
          return Bad("format", "'" + text + "' is not allowed; expected one of " +
                                   model::Choices<model::Format>());
        out->format = *f;
        has_format = true;
      }
    } else if (k == "action") {
      std::string text;
      s = String(v, "action", &text);
      if (s.ok()) {
        if (text == "read")
          out->action = Action::kRead;
        else if (text == "write")
          out->action = Action::kWrite;
        else
          return Bad("action", "'" + text + "' is not allowed; expected read | write");
      }
    } else if (k == "justification") {
      if (!v.is_null()) s = String(v, "justification", &out->justification);
    } else if (k == "audit_reference") {
      if (!v.is_null()) s = String(v, "audit_reference", &out->audit_reference);
    } else if (k == "subject") {
      if (!v.is_null()) s = String(v, "subject", &out->subject);
    } else {
      return Bad(
          "request",
          "unknown field '" + std::string(k) +
              "'; expected at, protocol, requester, provider, data, purpose, format, action, "
              "justification, audit_reference, subject");
    }
    if (!s.ok()) return s;
  }
  if (!has_requester && !from_connection)
    return Bad("requester", "required: {\"org\": ..., \"user\": ..., \"roles\": [...]}");
  if (!has_provider || out->provider.empty())
    return Bad("provider", "required: the providing organisation's partner id");
  if (!has_format) return Bad("format", "required: one of " + model::Choices<model::Format>());
  return Status::Ok();
}

}  // namespace

Status RequestParser::Parse(std::string_view json, Request* out, RequesterSource source) {
  out->Clear();
  element root;
  std::string& buf = impl_->scratch;
  if (buf.capacity() < json.size() + simdjson::SIMDJSON_PADDING)
    buf.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  buf.assign(json.data(), json.size());
  auto error = impl_->parser.parse(buf.data(), buf.size(), /*realloc_if_needed=*/false).get(root);
  if (error) {
    // simdjson does not say where; the slower parser, on this path only, does.
    std::string where = DescribeJsonError(json);
    return Status::InvalidArgument("malformed JSON: " +
                                   (where.empty() ? simdjson::error_message(error) : where));
  }
  Status s = ParseObject(root, out, source);
  if (!s.ok()) out->Clear();
  return s;
}

}  // namespace concordat::decide
