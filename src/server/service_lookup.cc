// Self-service look-ups: GET /v1/lookup/{provider}/{category}?subject=...

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/date.h"
#include "base/json_string.h"
#include "base/sha256.h"
#include "decide/engine.h"
#include "decide/render.h"
#include "server/answers.h"
#include "server/http_input.h"
#include "server/log_records.h"
#include "server/service.h"

namespace concordat::server {

using json = nlohmann::json;

namespace {

// What a permitted look-up with nothing to disclose answers once its decision is logged.
std::function<HttpResponse(const Result<uint64_t>&)> AfterDecision(HttpResponse problem) {
  return [problem = std::move(problem)](const Result<uint64_t>& index) {
    if (!index.ok()) return Problem(503, "AUDIT_UNAVAILABLE", "the decision could not be recorded");
    return problem;
  };
}

}  // namespace

Service::LookupStart Service::StartLookup(const InForce& in_force, const HttpRequest& r,
                                          const store::User& user, const std::string& rest) {
  const decide::CompiledRegistry& reg = *in_force.registry;
  LookupStart start;
  Plan& plan = start.plan;
  auto now = [&start](HttpResponse resp) {
    start.plan.now = std::move(resp);
    return std::move(start);
  };
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size() ||
      rest.find('/', slash + 1) != std::string::npos)
    return now(
        Problem(404, "NOT_FOUND", "a look-up is /v1/lookup/{provider}/{category}?subject=..."));
  const std::string provider = rest.substr(0, slash), category = rest.substr(slash + 1);
  auto params =
      OnlyParams(r.target, {"subject", "purpose", "protocol", "justification", "audit_reference"});
  if (!params.ok()) return now(Problem(400, "INVALID_REQUEST", params.status().message()));
  auto get = [&](const char* k) {
    auto it = params->find(k);
    return it == params->end() ? std::string() : it->second;
  };
  decide::Request& request = start.request;
  request.subject = get("subject");
  if (!decide::IsGiven(request.subject))
    return now(Problem(400, "INVALID_REQUEST", "subject: required: the reference of the person"));
  request.purpose = get("purpose");
  if (!decide::IsGiven(request.purpose))
    return now(Problem(400, "INVALID_REQUEST", "purpose: required: the purpose of the look-up"));
  // A user's allowance of look-ups: past it, nothing is decided, looked up or recorded.
  const LookupQuota::Outcome quota = lookup_quota_.Take(
      user.id, lookups_per_hour_.load(std::memory_order_relaxed), LookupQuota::Clock::now());
  if (!quota.allowed) {
    lookups_over_quota_.fetch_add(1, std::memory_order_relaxed);
    const int limit = lookups_per_hour_.load(std::memory_order_relaxed);
    if (quota.newly_refused)
      log_->Write(Level::kWarn,
                  "a user has made the look-ups lookups_per_user_per_hour allows; more are "
                  "refused (429) until their allowance refills",
                  {{"user", user.id},
                   {"org", user.organisation},
                   {"#lookups_per_user_per_hour", std::to_string(limit)}});
    HttpResponse refused = Problem(429, "TOO_MANY_LOOKUPS",
                                   user.id + " has made the " + std::to_string(limit) +
                                       " look-ups an hour this server allows one user "
                                       "(lookups_per_user_per_hour); try again in " +
                                       std::to_string(quota.retry_after_seconds) +
                                       " s. Nothing was looked up or recorded");
    refused.retry_after_seconds = quota.retry_after_seconds;
    return now(std::move(refused));
  }
  request.protocol = get("protocol");
  request.justification = get("justification");
  request.audit_reference = get("audit_reference");
  request.provider = provider;
  request.data = {category};
  request.format = model::Format::kSelfService;
  request.action = decide::Action::kRead;
  decide::Decision& decision = start.decision;
  std::string& subject_tag = start.subject_tag;
  audit::LogEntry decision_entry = DecideNow(in_force, r, user, &request, &decision, &subject_tag);
  auto rendered = std::make_shared<std::string>();
  decide::RenderJson(reg, request, decision, rendered.get());
  plan.entries.push_back(std::move(decision_entry));
  if (!decision.permit) {
    plan.finish = [rendered](const Result<uint64_t>& index) {
      if (!index.ok())
        return Problem(503, "AUDIT_UNAVAILABLE",
                       "the decision could not be recorded in the audit log, so it is not given");
      return Denied("look-up", *index, *rendered);
    };
    return start;
  }
  auto source = in_force.sources.find(provider);
  if (source == in_force.sources.end() || !source->second->Serves(category)) {
    // Permitted, but nothing to disclose: the decision is still logged.
    plan.finish =
        AfterDecision(Problem(501, "NO_CONNECTOR",
                              provider + " has no system of record connected for " + category +
                                  "; ask its information governance officer, or use a request"));
    return start;
  }
  start.fetch = true;
  start.source = source->second;
  start.provider = provider;
  start.category = category;
  start.rendered = std::move(rendered);
  return start;
}

Service::Plan Service::LookupPlan(const InForce& in_force, const HttpRequest& r,
                                  const store::User& user, const std::string& rest) {
  LookupStart start = StartLookup(in_force, r, user, rest);
  if (!start.fetch) return std::move(start.plan);
  auto record = start.source->Fetch(start.category, start.request.subject);
  return FinishLookup(in_force, user, std::move(start), std::move(record));
}

Service::Plan Service::FinishLookup(const InForce& in_force, const store::User& user,
                                    LookupStart start,
                                    Result<std::optional<exchange::Record>> record) {
  const decide::CompiledRegistry& reg = *in_force.registry;
  Plan plan = std::move(start.plan);
  const std::string &provider = start.provider, &category = start.category;
  const decide::Request& request = start.request;
  const decide::Decision& decision = start.decision;
  const std::string& subject_tag = start.subject_tag;
  const std::shared_ptr<std::string> rendered = std::move(start.rendered);
  // Permitted, but nothing to disclose: the decision is still logged.
  auto after_decision = [&plan](HttpResponse problem) {
    plan.finish = AfterDecision(std::move(problem));
    return std::move(plan);
  };
  if (!record.ok()) {
    SourceNoted(provider, &record.status());
    return after_decision(Problem(502, "SOURCE_FAILED", record.status().message()));
  }
  SourceNoted(provider, nullptr);
  if (!record->has_value())
    return after_decision(
        Problem(404, "NO_RECORD", provider + " holds no " + category + " record for that subject"));
  // Only the fields the decision allows leave the provider; the rest are named, not sent.
  // The JSON here is written by hand (keys fixed, values escaped): this is the hot path.
  const std::vector<std::string> allowed = decide::PermittedFields(reg, request, decision);
  std::string fields = "{", withheld = "[", sent_json = "[";
  std::vector<std::string> sent;
  for (const auto& [field, value] : **record) {
    if (std::find(allowed.begin(), allowed.end(), field) != allowed.end()) {
      if (fields.size() > 1) fields += ',';
      AppendJsonString(field, &fields);
      fields += ':';
      AppendJsonString(value, &fields);
      if (sent_json.size() > 1) sent_json += ',';
      AppendJsonString(field, &sent_json);
      sent.push_back(field);
    } else {
      if (withheld.size() > 1) withheld += ',';
      AppendJsonString(field, &withheld);
    }
  }
  fields += '}';
  withheld += ']';
  sent_json += ']';
  const auto& protocol = *reg.protocols()[static_cast<size_t>(decision.protocol)].source;
  auto d = std::make_shared<store::Disclosure>();
  d->id = exchange::DisclosureVault::NewId();
  d->at_ms = audit::NowMillis();
  d->from_org = provider;
  d->to_org = user.organisation;
  d->to_user = user.id;
  d->protocol = protocol.id;
  d->version = protocol.version;
  d->subject_tag = subject_tag;  // made once, for the decision's entry
  d->fields = sent;
  if (decision.has_retain_until) d->retain_until = Date{decision.retain_until_days}.ToString();
  std::string content = "{\"category\":";
  AppendJsonString(category, &content);
  content += ",\"fields\":";
  content += fields;
  content += ",\"subject\":";
  AppendJsonString(request.subject, &content);
  content += '}';
  exchange::Sealed sealed = vault_->Seal(d->id, content);
  d->nonce = std::move(sealed.nonce);
  d->ciphertext = std::move(sealed.ciphertext);
  d->wrapped_key = std::move(sealed.wrapped_key);
  // The decision, the disclosure's entry and the disclosure itself commit together, in one
  // transaction, before anyone sees the data. The entry's request: sorted keys, as canonical.
  std::string event = "{\"category\":";
  AppendJsonString(category, &event);
  event += ",\"decision\":\"the entry before\",\"disclosure\":";
  AppendJsonString(d->id, &event);
  event += ",\"fields\":";
  event += sent_json;
  event += ",\"from\":";
  AppendJsonString(provider, &event);
  event += '}';
  audit::LogEntry e = Event("disclosure", d->at_ms, user, d->protocol, d->version, event);
  e.payload_hash = "sha256:" + Sha256Hex(d->ciphertext);
  plan.entries.push_back(std::move(e));
  plan.hooks.resize(2);
  store::Store* st = store_.get();
  plan.hooks[1] = [d, st](uint64_t index) {
    d->audit_index = index;
    return st->PutDisclosure(*d);
  };
  auto answer = std::make_shared<std::string>();
  std::string& a = *answer;
  a.reserve(256 + fields.size() + rendered->size());
  a += "{\"disclosure\":";
  AppendJsonString(d->id, &a);
  a += ",\"provider\":";
  AppendJsonString(provider, &a);
  a += ",\"category\":";
  AppendJsonString(category, &a);
  a += ",\"protocol\":";
  AppendJsonString(d->protocol, &a);
  a += ",\"version\":";
  AppendJsonString(d->version, &a);
  a += ",\"fields\":";
  a += fields;
  a += ",\"withheld\":";
  a += withheld;
  a += ",\"mode\":\"read_only\",\"retain_until\":";
  if (d->retain_until.empty()) {
    a += "null";
  } else {
    AppendJsonString(d->retain_until, &a);
  }
  a += ",\"decision\":";
  a += *rendered;
  a += ",\"audit_index\":";  // the index and the closing brace follow, once known
  plan.finish = [answer](const Result<uint64_t>& index) {
    if (!index.ok()) {  // logged where it failed (Noted)
      return Problem(503, "AUDIT_UNAVAILABLE",
                     "the disclosure could not be recorded in the audit log, so it is not given");
    }
    HttpResponse out = Json(200, *answer + std::to_string(*index) + "}");
    out.log_outcome = "permit";
    return out;
  };
  return plan;
}

}  // namespace concordat::server
