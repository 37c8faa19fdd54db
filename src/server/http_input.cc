#include "server/http_input.h"

#include <algorithm>
#include <charconv>

#include "base/json_check.h"
#include "base/utf8.h"
#include "decide/request.h"

namespace concordat::server {

using json = nlohmann::json;

std::string PathOf(const std::string& target) {
  return target.substr(0, target.find('?'));
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded text: '+' is a space, %XX a byte. False for a '%' not
// followed by two hex digits.
bool FormDecode(std::string_view raw, std::string* out) {
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '+') {
      *out += ' ';
    } else if (raw[i] == '%') {
      const int hi = i + 2 < raw.size() ? HexValue(raw[i + 1]) : -1;
      const int lo = i + 2 < raw.size() ? HexValue(raw[i + 2]) : -1;
      if (hi < 0 || lo < 0) return false;
      *out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      *out += raw[i];
    }
  }
  return true;
}

}  // namespace

Result<std::map<std::string, std::string>> QueryParams(const std::string& target) {
  std::map<std::string, std::string> out;
  const size_t q = target.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string_view raw_key = pair.substr(0, eq);
    std::string key, value;
    // A name is encoded as its value is (a client library may encode '_' or '-' in it).
    if (!FormDecode(raw_key, &key))
      return Status::InvalidArgument(ToValidUtf8(std::string(raw_key)) +
                                     ": malformed percent-encoding in the parameter's name");
    if (eq != std::string_view::npos && !FormDecode(pair.substr(eq + 1), &value))
      return Status::InvalidArgument(ToValidUtf8(key) + ": malformed percent-encoding");
    // Text goes into decisions, the audit log and answers, all JSON: it must be UTF-8.
    if (!IsValidUtf8(key) || !IsValidUtf8(value))
      return Status::InvalidArgument(ToValidUtf8(key) +
                                     ": not UTF-8 text (percent-encode text as UTF-8)");
    if (!out.emplace(key, value).second)
      return Status::InvalidArgument(key + ": given more than once");
  }
  return out;
}

Result<std::map<std::string, std::string>> OnlyParams(
    const std::string& target, std::initializer_list<std::string_view> allowed) {
  auto params = QueryParams(target);
  if (!params.ok()) return params.status();
  for (const auto& [k, v] : *params)
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
      std::string expected;
      for (std::string_view a : allowed) {
        if (!expected.empty()) expected += ", ";
        expected += a;
      }
      return Status::InvalidArgument(
          k + ": unknown parameter; " +
          (expected.empty() ? "this takes none" : "expected " + expected));
    }
  return params;
}

Result<json> JsonBody(const std::string& content_type, const std::string& body,
                      const std::vector<std::string>& keys) {
  if (!content_type.empty() && !StartsWith(content_type, "application/json"))
    return Status::NotFound("the body must be application/json, not " + content_type);
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded())
    return Status::InvalidArgument("malformed JSON: " + DescribeJsonError(body));
  if (!j.is_object()) return Status::InvalidArgument("request: expected a JSON object");
  // A name given twice, at any depth, would make the body mean two things.
  if (std::string twice = FirstDuplicateKey(body); !twice.empty())
    return Status::InvalidArgument(twice + ": given more than once");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) {
      std::string expected;
      for (const auto& k : keys) expected += (expected.empty() ? "" : ", ") + k;
      return Status::InvalidArgument("unknown field '" + it.key() + "'; expected " + expected);
    }
  return j;
}

Status StringField(const json& j, const std::string& key, bool required, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return Status::InvalidArgument(key + ": required");
    return Status::Ok();
  }
  if (!it->is_string()) return Status::InvalidArgument(key + ": expected a string");
  *out = it->get<std::string>();
  if (required && !decide::IsGiven(*out)) return Status::InvalidArgument(key + ": required");
  return Status::Ok();
}

Result<uint64_t> Number(const std::string& name, const std::string& text) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size())
    return Status::InvalidArgument(name + ": '" + ToValidUtf8(text) + "' is not a whole number");
  return n;
}
}  // namespace concordat::server
