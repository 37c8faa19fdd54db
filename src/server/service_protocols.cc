// Protocols: GET /v1/protocols, /v1/protocols/{id} and /v1/protocols/{id}/findings.

#include <nlohmann/json.hpp>

#include "base/date.h"
#include "model/canonical.h"
#include "model/enums.h"
#include "model/lint.h"
#include "server/answers.h"
#include "server/http_input.h"
#include "server/service.h"

namespace concordat::server {

using json = nlohmann::json;

namespace {

// A protocol's lint findings counted, as the listing and the findings carry them.
json CountsJson(const model::FindingCounts& c) {
  return {{"errors", c.errors}, {"warnings", c.warnings}, {"info", c.info}};
}

}  // namespace

HttpResponse Service::Protocols(const InForce& in_force, const HttpRequest& r,
                                const store::User* user) {
  const decide::CompiledRegistry& reg = *in_force.registry;
  if (auto params = OnlyParams(r.target, {}); !params.ok())
    return Problem(400, "INVALID_REQUEST", params.status().message());
  json list = json::array();
  const Date today = Date::Today();
  const auto& protocols = reg.registry().protocols;
  for (size_t i = 0; i < protocols.size(); ++i) {
    const model::Protocol& p = protocols[i];
    const bool published = p.status == model::ProtocolStatus::kApproved;
    const bool partner = user && p.FindPartner(user->organisation);
    if (!published && !partner) continue;
    list.push_back({{"id", p.id},
                    {"version", p.version},
                    {"title", p.title},
                    {"status", std::string(model::Name(p.status))},
                    {"content_hash", in_force.content_hashes[i]},
                    {"findings", CountsJson(in_force.lint->Counts(i, today))}});
  }
  return Json(200, json{{"protocols", list}}.dump());
}

namespace {

// The version of protocol `id` the caller may see: the latest (the public sees approved
// versions; a partner every version), or the one ?version= names. Otherwise the answer to give:
// 401 without a token (the same whether it exists or not), 404 with one.
Result<const model::Protocol*> VisibleVersion(const decide::CompiledRegistry& reg,
                                              const HttpRequest& r, const std::string& id,
                                              const store::User* user, HttpResponse* refusal) {
  auto params = OnlyParams(r.target, {"version"});
  if (!params.ok()) {
    *refusal = Problem(400, "INVALID_REQUEST", params.status().message());
    return Status::InvalidArgument("refused");
  }
  auto wanted = params->find("version");
  const model::Protocol* chosen = nullptr;
  for (const auto& p : reg.registry().protocols) {
    if (p.id != id || (wanted != params->end() && p.version != wanted->second)) continue;
    const bool visible =
        p.status == model::ProtocolStatus::kApproved || (user && p.FindPartner(user->organisation));
    if (visible) chosen = &p;  // versions ascend: the last one seen is the latest
  }
  if (chosen) return chosen;
  const std::string what =
      id + (wanted != params->end() ? " version " + wanted->second : std::string());
  *refusal = user ? Problem(404, "NOT_FOUND", "no protocol " + what + " that you can see")
                  : Problem(401, "UNAUTHENTICATED",
                            "no published protocol " + what +
                                "; with a bearer token you also see your organisation's others");
  return Status::NotFound("refused");
}

}  // namespace

// One protocol's canonical YAML: the latest version the caller may see, or ?version=.
HttpResponse Service::Protocol(const InForce& in_force, const HttpRequest& r, const std::string& id,
                               const store::User* user) {
  HttpResponse refusal;
  auto chosen = VisibleVersion(*in_force.registry, r, id, user, &refusal);
  if (!chosen.ok()) return refusal;
  HttpResponse out = Json(200, model::ToCanonicalYaml(**chosen));
  out.content_type = "application/yaml";
  return out;
}

// What the linter finds in that version as of today (the rules of docs/lint-rules.md): the
// template text left in, partners who never signed, a legal basis not given. Seen by whoever
// may see the protocol; the server's file paths are left out.
HttpResponse Service::ProtocolFindings(const InForce& in_force, const HttpRequest& r,
                                       const std::string& id, const store::User* user) {
  HttpResponse refusal;
  auto chosen = VisibleVersion(*in_force.registry, r, id, user, &refusal);
  if (!chosen.ok()) return refusal;
  const Date today = Date::Today();
  const auto memo = in_force.lint->Findings(
      static_cast<size_t>(*chosen - in_force.registry->registry().protocols.data()), today);
  const std::vector<model::Finding>& found = *memo;
  json findings = json::array();
  for (const auto& f : found) {
    findings.push_back({{"rule", f.rule},
                        {"severity", std::string(model::SeverityName(f.severity))},
                        {"place", f.place},
                        {"line", f.line > 0 ? json(f.line) : json(nullptr)},
                        {"message", f.message}});
  }
  return Json(200, json{{"protocol", (*chosen)->id},
                        {"version", (*chosen)->version},
                        {"as_of", today.ToString()},
                        {"summary", CountsJson(model::CountFindings(found))},
                        {"findings", findings}}
                       .dump());
}

}  // namespace concordat::server
