#include "audit/entry.h"

#include <nlohmann/json.hpp>

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

std::string EncodeEntry(const LogEntry& e) {
  // nlohmann::ordered_json keeps insertion order: the key order below is the canonical order.
  nlohmann::ordered_json j;
  j["index"] = e.index;
  j["kind"] = e.kind;
  j["at"] = e.at.ToString();
  j["actor"] = e.actor;
  j["organisation"] = e.organisation;
  j["protocol"] = e.protocol;
  j["version"] = e.version;
  if (e.request.empty()) {
    j["request"] = nullptr;
  } else {
    // Parsed into nlohmann::json, whose objects sort their keys: the canonical request.
    auto request = nlohmann::json::parse(e.request, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded()) {
      j["request"] = e.request;  // not JSON: kept as text
    } else {
      j["request"] = nlohmann::ordered_json::parse(request.dump());
    }
  }
  j["decision"] = e.decision;
  j["reasons"] = e.reasons;
  j["payload_hash"] = e.payload_hash;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
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
    e.request = request.is_null() ? "" : request.is_string() ? request.get<std::string>() : request.dump();
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
        return Status::InvalidArgument("kind: '" + e.kind + "' is not a kind; expected lower-case letters, digits, '-' or '_'");
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
      if (!v.is_object() && !v.is_null()) return Status::InvalidArgument("request: expected a JSON object");
      e.request = v.is_null() ? "" : v.dump();
    } else if (k == "decision") {
      s = text_field(k, v, &e.decision);
      if (s.ok() && e.decision != "permit" && e.decision != "deny" && !e.decision.empty())
        return Status::InvalidArgument("decision: '" + e.decision + "' is not allowed; expected permit | deny");
    } else if (k == "reasons") {
      if (!v.is_array()) return Status::InvalidArgument("reasons: expected a list of reason codes");
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) return Status::InvalidArgument("reasons[" + std::to_string(i) + "]: expected a string");
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
      return Status::InvalidArgument("unknown field '" + k +
                                     "'; expected kind, at, actor, organisation, protocol, version, request, "
                                     "decision, reasons, payload_hash");
    }
    if (!s.ok()) return s;
  }
  if (!has_kind) return Status::InvalidArgument("kind: required (for example \"decision\")");
  return e;
}

}  // namespace concordat::audit
