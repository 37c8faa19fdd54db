#include "audit/entry.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/json_string.h"

namespace concordat::audit {
namespace {

using nlohmann::json;

bool IsKindSlug(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace

std::string EncodeEntryTail(const LogEntry& e) {
  // Written by hand, in the canonical key order; the request is kept as a JSON string.
  std::string o;
  o.reserve(160 + e.request.size() + e.request.size() / 4 + e.actor.size());
  auto text = [&](const char* key, std::string_view v) {
    o += ",\"";
    o += key;
    o += "\":";
    AppendJsonString(v, &o);
  };
  text("kind", e.kind);
  text("at", e.at.ToString());
  text("actor", e.actor);
  text("organisation", e.organisation);
  text("protocol", e.protocol);
  text("version", e.version);
  if (e.request.empty()) {
    o += ",\"request\":null";
  } else {
    text("request", e.request);
  }
  text("decision", e.decision);
  o += ",\"reasons\":[";
  for (size_t i = 0; i < e.reasons.size(); ++i) {
    if (i) o += ',';
    AppendJsonString(e.reasons[i], &o);
  }
  o += ']';
  text("payload_hash", e.payload_hash);
  o += '}';
  return o;
}

std::string EncodeEntryWithTail(uint64_t index, std::string_view tail) {
  char digits[24];
  const int n =
      std::snprintf(digits, sizeof digits, "%llu", static_cast<unsigned long long>(index));
  std::string o;
  o.reserve(10 + static_cast<size_t>(n) + tail.size());
  o += "{\"index\":";
  o.append(digits, static_cast<size_t>(n));
  o += tail;
  return o;
}

std::string EncodeEntry(const LogEntry& e) {
  return EncodeEntryWithTail(e.index, EncodeEntryTail(e));
}

Result<uint64_t> EntryIndex(std::string_view encoded) {
  constexpr std::string_view kPrefix = "{\"index\":";
  if (encoded.substr(0, kPrefix.size()) != kPrefix)
    return Status::Corruption("entry does not start with its index");
  uint64_t v = 0;
  size_t i = kPrefix.size(), digits = 0;
  for (; i < encoded.size() && encoded[i] >= '0' && encoded[i] <= '9' && digits < 20; ++i, ++digits)
    v = v * 10 + static_cast<uint64_t>(encoded[i] - '0');
  if (digits == 0 || i >= encoded.size() || encoded[i] != ',')
    return Status::Corruption("entry has a malformed index");
  return v;
}

Result<LogEntry> DecodeEntry(std::string_view encoded) {
  json j = json::parse(encoded, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("entry is not a JSON object");
  try {
    LogEntry e;
    e.index = j.at("index").get<uint64_t>();
    e.kind = j.at("kind").get<std::string>();
    auto at = Instant::Parse(j.at("at").get<std::string>());
    if (!at) return Status::Corruption("entry has a bad instant");
    e.at = *at;
    e.actor = j.at("actor").get<std::string>();
    e.organisation = j.at("organisation").get<std::string>();
    e.protocol = j.at("protocol").get<std::string>();
    e.version = j.at("version").get<std::string>();
    const json& request = j.at("request");
    e.request = request.is_null() ? "" : request.get<std::string>();
    e.decision = j.at("decision").get<std::string>();
    e.reasons = j.at("reasons").get<std::vector<std::string>>();
    e.payload_hash = j.at("payload_hash").get<std::string>();
    if (j.size() != 11) return Status::Corruption("entry has unexpected fields");
    if (EncodeEntry(e) != encoded) return Status::Corruption("entry is not in canonical form");
    return e;
  } catch (const json::exception& ex) {
    return Status::Corruption(std::string("entry is malformed: ") + ex.what());
  }
}

Result<LogEntry> ParseEntryInput(std::string_view text, Instant now) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("malformed JSON");
  if (!j.is_object()) return Status::InvalidArgument("expected a JSON object");
  LogEntry e;
  e.at = now;
  bool has_kind = false;
  auto text_field = [&](const std::string& key, const json& v, std::string* out) -> Status {
    if (!v.is_string()) return Status::InvalidArgument(key + ": expected a string");
    *out = v.get<std::string>();
    return Status::Ok();
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    Status s;
    if (k == "kind") {
      s = text_field(k, v, &e.kind);
      if (s.ok() && !IsKindSlug(e.kind))
        return Status::InvalidArgument(
            "kind: '" + e.kind +
            "' is not a kind; expected lower-case letters, digits, '-' or '_'");
      has_kind = true;
    } else if (k == "at") {
      std::string t;
      s = text_field(k, v, &t);
      if (s.ok()) {
        auto at = Instant::Parse(t);
        if (!at) return Status::InvalidArgument("at: '" + t + "' is not an RFC 3339 instant");
        e.at = *at;
      }
    } else if (k == "actor") {
      s = text_field(k, v, &e.actor);
    } else if (k == "organisation") {
      s = text_field(k, v, &e.organisation);
    } else if (k == "protocol") {
      s = text_field(k, v, &e.protocol);
    } else if (k == "version") {
      s = text_field(k, v, &e.version);
    } else if (k == "request") {
      if (!v.is_object() && !v.is_null())
        return Status::InvalidArgument("request: expected a JSON object");
      e.request = v.is_null() ? "" : v.dump();
    } else if (k == "decision") {
      s = text_field(k, v, &e.decision);
      if (s.ok() && e.decision != "permit" && e.decision != "deny" && !e.decision.empty())
        return Status::InvalidArgument("decision: '" + e.decision +
                                       "' is not allowed; expected permit | deny");
    } else if (k == "reasons") {
      if (!v.is_array()) return Status::InvalidArgument("reasons: expected a list of reason codes");
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string())
          return Status::InvalidArgument("reasons[" + std::to_string(i) + "]: expected a string");
        e.reasons.push_back(v[i].get<std::string>());
      }
    } else if (k == "payload_hash") {
      s = text_field(k, v, &e.payload_hash);
      if (s.ok() && !e.payload_hash.empty() &&
          (e.payload_hash.rfind("sha256:", 0) != 0 || e.payload_hash.size() != 71))
        return Status::InvalidArgument("payload_hash: expected sha256: followed by 64 hex digits");
    } else if (k == "index") {
      return Status::InvalidArgument("index: the log assigns the index; do not give one");
    } else {
      return Status::InvalidArgument(
          "unknown field '" + k +
          "'; expected kind, at, actor, organisation, protocol, version, request, "
          "decision, reasons, payload_hash");
    }
    if (!s.ok()) return s;
  }
  if (!has_kind) return Status::InvalidArgument("kind: required (for example \"decision\")");
  return e;
}

}  // namespace concordat::audit
