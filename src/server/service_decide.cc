// Decisions: POST /v1/decide, and the decision every share begins with.

#include <nlohmann/json.hpp>

#include "audit/entry.h"
#include "decide/engine.h"
#include "decide/render.h"
#include "decide/request_json.h"
#include "model/enums.h"
#include "server/answers.h"
#include "server/http_input.h"
#include "server/log_records.h"
#include "server/service.h"

namespace concordat::server {

using json = nlohmann::json;

audit::LogEntry Service::DecideNow(const InForce& in_force, const HttpRequest& r,
                                   const store::User& user, decide::Request* request,
                                   decide::Decision* decision, std::string* subject_tag) {
  const decide::CompiledRegistry& reg = *in_force.registry;
  request->requester.org = user.organisation;
  request->requester.user = user.id;
  request->requester.roles = user.roles;
  request->requester.location = in_force.sites.SiteOf(r.peer_address);
  request->requester.device = in_force.DeviceOf(r.client_fingerprint);
  const Instant now{audit::NowMillis() / 1000};
  decide::Decide(reg, *request, now, decision);
  audit::LogEntry e;
  e.kind = "decision";
  e.at = now;
  e.actor = user.id;
  e.organisation = user.organisation;
  if (decision->protocol >= 0) {
    const auto& p = *reg.protocols()[static_cast<size_t>(decision->protocol)].source;
    e.protocol = p.id;
    e.version = p.version;
  } else if (!request->protocol.empty()) {
    e.protocol = request->protocol;
  }
  const std::string tag =
      decide::IsGiven(request->subject) ? vault_->SubjectTag(request->subject) : std::string();
  e.request = CanonicalRequest(*request, std::string(model::Name(request->format)), tag);
  if (subject_tag) *subject_tag = tag;
  e.decision = decision->permit ? "permit" : "deny";
  for (size_t i = 0; i < decision->reason_count; ++i)
    e.reasons.emplace_back(decide::CodeName(decision->reasons[i].code));
  return e;
}

Service::Plan Service::DecidePlan(const InForce& in_force, const HttpRequest& r,
                                  const store::User& user) {
  const decide::CompiledRegistry& reg = *in_force.registry;
  Plan plan;
  if (!r.content_type.empty() && !StartsWith(r.content_type, "application/json")) {
    plan.now = Problem(415, "UNSUPPORTED_MEDIA_TYPE",
                       "the body must be application/json, not " + r.content_type);
    return plan;
  }
  thread_local decide::RequestParser parser;
  thread_local decide::Request request;
  thread_local decide::Decision decision;
  if (Status s = parser.Parse(r.body, &request, decide::RequesterSource::kConnection); !s.ok()) {
    plan.now = Problem(400, "INVALID_REQUEST", s.message());
    return plan;
  }
  plan.entries.push_back(DecideNow(in_force, r, user, &request, &decision));
  auto body = std::make_shared<std::string>();
  decide::RenderJson(reg, request, decision, body.get());
  body->pop_back();  // the closing brace: the log index follows
  const bool permit = decision.permit;
  plan.finish = [body, permit](const Result<uint64_t>& index) {
    if (!index.ok())
      return Problem(503, "AUDIT_UNAVAILABLE",
                     "the decision could not be recorded in the audit log, so it is not given");
    HttpResponse out = Json(200, *body + ",\"audit_index\":" + std::to_string(*index) + "}");
    out.log_outcome = permit ? "permit" : "deny";
    return out;
  };
  return plan;
}

}  // namespace concordat::server
