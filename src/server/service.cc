#include "server/service.h"

#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>

#include "audit/entry.h"
#include "base/json_string.h"
#include "base/sha256.h"
#include "decide/engine.h"
#include "decide/render.h"
#include "decide/request_json.h"
#include "model/canonical.h"
#include "model/enums.h"
#include "model/registry.h"
#include "server/tls_identity.h"

namespace concordat::server {
namespace {

using json = nlohmann::json;

std::string PathOf(const std::string& target) {
  return target.substr(0, target.find('?'));
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The effective request, as the log keeps it: canonical JSON (sorted keys), the requester as
// the server established it.
std::string CanonicalRequest(const decide::Request& q, const std::string& format) {
  json j = {{"action", q.action == decide::Action::kWrite ? "write" : "read"},
            {"data", q.data},
            {"format", format},
            {"provider", q.provider},
            {"requester",
             {{"org", q.requester.org},
              {"user", q.requester.user},
              {"roles", q.requester.roles},
              {"location", q.requester.location},
              {"device", q.requester.device}}}};
  if (!q.protocol.empty()) j["protocol"] = q.protocol;
  if (!q.purpose.empty()) j["purpose"] = q.purpose;
  if (!q.justification.empty()) j["justification"] = q.justification;
  if (!q.audit_reference.empty()) j["audit_reference"] = q.audit_reference;
  if (!q.subject.empty()) j["subject"] = q.subject;
  return j.dump();
}

}  // namespace

HttpResponse Problem(int status, const std::string& code, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = "{\"status\":" + std::to_string(status) + ",\"code\":";
  AppendJsonString(code, &r.body);
  r.body += ",\"message\":";
  AppendJsonString(message, &r.body);
  r.body += "}";
  r.log_outcome = code;
  return r;
}

Result<std::unique_ptr<Service>> Service::Open(const ServerConfig& config, LogLines* log) {
  std::unique_ptr<Service> s(new Service());
  s->config_ = config;
  s->log_ = log;
  auto sites = SiteNetworks::Build(config.sites);
  if (!sites.ok()) return sites.status();
  s->sites_ = std::move(*sites);
  for (const auto& [device, pins] : config.devices)
    for (const auto& pin : pins) s->devices_[NormaliseFingerprint(pin)] = device;
  std::vector<model::LoadError> errors;
  auto registry = model::LoadRegistry(config.registry, &errors);
  if (!registry.ok()) {
    std::string msg = "the registry " + config.registry + " could not be loaded";
    for (size_t i = 0; i < errors.size() && i < 5; ++i) msg += "\n  " + errors[i].ToString();
    return Status::InvalidArgument(msg);
  }
  auto st = store::OpenStore(config.store, true);
  if (!st.ok()) return st.status();
  s->store_ = std::move(*st);
  for (const auto& p : registry->protocols)
    if (Status put = s->store_->PutProtocolVersion(p.id, p.version, model::ContentHash(p),
                                                   model::ToCanonicalYaml(p));
        !put.ok())
      return put;
  s->registry_ = decide::CompiledRegistry::Compile(std::move(*registry));
  const std::string key = config.SigningKeyPath();
  if (!std::ifstream(key).good())
    if (Status c = audit::Signer::CreateKeyFiles(key, key + ".pub"); !c.ok()) return c;
  auto signer = audit::Signer::Load(key);
  if (!signer.ok()) return signer.status();
  s->signer_ = std::make_unique<audit::Signer>(std::move(*signer));
  s->audit_log_ = std::make_unique<audit::Log>(s->store_.get(), s->signer_.get());
  s->committer_ = std::make_unique<audit::GroupCommitter>(s->audit_log_.get());
  return s;
}

Service::~Service() {
  committer_.reset();  // drains what was submitted
}

std::string Service::DeviceOf(const std::string& fingerprint) const {
  if (fingerprint.empty()) return "";
  auto it = devices_.find(fingerprint);
  return it == devices_.end() ? "" : it->second;
}

bool Service::Ready() {
  return store_->Size().ok();
}

Result<store::User> Service::Authenticate(const HttpRequest& r) {
  const std::string prefix = "Bearer ";
  if (r.authorization.empty())
    return Status::NotFound("this needs a bearer token: Authorization: Bearer <token>");
  if (!StartsWith(r.authorization, prefix) || r.authorization.size() == prefix.size())
    return Status::NotFound("the Authorization header must be 'Bearer <token>'");
  const std::string hash = "sha256:" + Sha256Hex(r.authorization.substr(prefix.size()));
  {
    std::lock_guard<std::mutex> lock(users_mu_);
    if (auto it = users_.find(hash); it != users_.end()) return it->second;
  }
  auto user = store_->UserByTokenHash(hash);
  if (!user.ok()) return user.status();
  if (!user->has_value()) return Status::NotFound("the bearer token is not known");
  std::lock_guard<std::mutex> lock(users_mu_);
  users_[hash] = **user;
  return **user;
}

HttpResponse Service::Handle(const HttpRequest& r) {
  const std::string path = PathOf(r.target);
  if (path == "/healthz") return Json(200, "{\"status\":\"ok\"}");
  if (path == "/readyz")
    return Ready() ? Json(200, "{\"status\":\"ready\"}")
                   : Problem(503, "UNAVAILABLE", "the store does not answer");
  const bool protocols = path == "/v1/protocols" || StartsWith(path, "/v1/protocols/");
  auto user = Authenticate(r);
  if (!user.ok() && !(protocols && r.authorization.empty())) {
    if (user.status().code() == Status::Code::kNotFound)
      return Problem(401, "UNAUTHENTICATED", user.status().message());
    log_->Write(Level::kError, "authentication failed", {{"error", user.status().message()}});
    return Problem(500, "INTERNAL", "the store could not be read; nothing was changed");
  }
  const store::User* who = user.ok() ? &*user : nullptr;
  HttpResponse out;
  if (path == "/v1/decide") {
    if (r.method != "POST") return Problem(405, "METHOD_NOT_ALLOWED", "/v1/decide takes POST");
    out = Decide(r, *who);
  } else if (path == "/v1/protocols") {
    if (r.method != "GET") return Problem(405, "METHOD_NOT_ALLOWED", "/v1/protocols takes GET");
    out = Protocols(r, who);
  } else if (StartsWith(path, "/v1/protocols/")) {
    if (r.method != "GET") return Problem(405, "METHOD_NOT_ALLOWED", "protocols take GET");
    out = Protocol(path.substr(14), who);
  } else if (path == "/v1/audit/sth") {
    if (r.method != "GET") return Problem(405, "METHOD_NOT_ALLOWED", "/v1/audit/sth takes GET");
    out = Sth();
  } else if (StartsWith(path, "/v1/audit/proof/")) {
    if (r.method != "GET") return Problem(405, "METHOD_NOT_ALLOWED", "proofs take GET");
    out = Proof(path.substr(16));
  } else {
    out = Problem(404, "NOT_FOUND", "no such endpoint: " + path);
  }
  if (who) {
    out.log_user = who->id;
    out.log_org = who->organisation;
  }
  return out;
}

HttpResponse Service::Decide(const HttpRequest& r, const store::User& user) {
  if (!r.content_type.empty() && !StartsWith(r.content_type, "application/json"))
    return Problem(415, "UNSUPPORTED_MEDIA_TYPE",
                   "the body must be application/json, not " + r.content_type);
  thread_local decide::RequestParser parser;
  thread_local decide::Request request;
  thread_local decide::Decision decision;
  if (Status s = parser.Parse(r.body, &request, decide::RequesterSource::kConnection); !s.ok())
    return Problem(400, "INVALID_REQUEST", s.message());
  request.requester.org = user.organisation;
  request.requester.user = user.id;
  request.requester.roles = user.roles;
  request.requester.location = sites_.SiteOf(r.peer_address);
  request.requester.device = DeviceOf(r.client_fingerprint);
  const int64_t now_ms = audit::NowMillis();
  const Instant now{now_ms / 1000};
  decide::Decide(*registry_, request, now, &decision);

  audit::LogEntry e;
  e.kind = "decision";
  e.at = now;
  e.actor = user.id;
  e.organisation = user.organisation;
  if (decision.protocol >= 0) {
    const auto& p = *registry_->protocols()[static_cast<size_t>(decision.protocol)].source;
    e.protocol = p.id;
    e.version = p.version;
  } else if (!request.protocol.empty()) {
    e.protocol = request.protocol;
  }
  e.request = CanonicalRequest(request, std::string(model::Name(request.format)));
  e.decision = decision.permit ? "permit" : "deny";
  for (size_t i = 0; i < decision.reason_count; ++i)
    e.reasons.emplace_back(decide::CodeName(decision.reasons[i].code));
  auto index = committer_->Submit(std::move(e)).get();
  if (!index.ok()) {
    log_->Write(Level::kError, "audit append failed", {{"error", index.status().message()}});
    return Problem(503, "AUDIT_UNAVAILABLE",
                   "the decision could not be recorded in the audit log, so it is not given");
  }
  std::string body;
  decide::RenderJson(*registry_, request, decision, &body);
  body.pop_back();  // the closing brace
  body += ",\"audit_index\":" + std::to_string(*index) + "}";
  HttpResponse out = Json(200, std::move(body));
  out.log_outcome = decision.permit ? "permit" : "deny";
  return out;
}

HttpResponse Service::Protocols(const HttpRequest&, const store::User* user) {
  json list = json::array();
  for (const auto& p : registry_->registry().protocols) {
    const bool published = p.status == model::ProtocolStatus::kApproved;
    const bool partner = user && p.FindPartner(user->organisation);
    if (!published && !partner) continue;
    list.push_back({{"id", p.id},
                    {"version", p.version},
                    {"title", p.title},
                    {"status", std::string(model::Name(p.status))},
                    {"content_hash", model::ContentHash(p)}});
  }
  return Json(200, json{{"protocols", list}}.dump());
}

HttpResponse Service::Protocol(const std::string& id, const store::User* user) {
  const model::Protocol* latest = nullptr;
  for (const auto& p : registry_->registry().protocols)
    if (p.id == id) latest = &p;  // versions ascend
  const bool visible = latest && (latest->status == model::ProtocolStatus::kApproved ||
                                  (user && latest->FindPartner(user->organisation)));
  if (!visible) {
    if (!user)  // the same answer whether it exists or not
      return Problem(401, "UNAUTHENTICATED",
                     "no published protocol " + id +
                         "; with a bearer token you also see your organisation's others");
    return Problem(404, "NOT_FOUND", "no protocol " + id + " that you can see");
  }
  HttpResponse r = Json(200, model::ToCanonicalYaml(*latest));
  r.content_type = "application/yaml";
  return r;
}

HttpResponse Service::Sth() {
  auto sth = store_->LatestSth();
  if (!sth.ok()) return Problem(500, "INTERNAL", "the signed tree head could not be read");
  if (!sth->has_value()) return Json(200, "{\"tree_size\":0}");
  const auto& h = **sth;
  return Json(200, json{{"tree_size", h.tree_size},
                        {"timestamp_ms", h.timestamp_ms},
                        {"root", audit::ToHex(h.root)},
                        {"signature", audit::KeyToHex(h.signature.data(), h.signature.size())},
                        {"public_key", audit::KeyToHex(signer_->public_key().data(),
                                                       signer_->public_key().size())}}
                       .dump());
}

HttpResponse Service::Proof(const std::string& index_text) {
  uint64_t index = 0;
  auto [p, ec] = std::from_chars(index_text.data(), index_text.data() + index_text.size(), index);
  if (ec != std::errc() || p != index_text.data() + index_text.size())
    return Problem(400, "INVALID_REQUEST", "index: '" + index_text + "' is not an entry number");
  auto sth = store_->LatestSth();
  if (!sth.ok() || !sth->has_value() || index >= (*sth)->tree_size)
    return Problem(404, "NOT_FOUND", "entry " + index_text + " is not in the signed log");
  auto proof = audit_log_->InclusionProofFor(index, (*sth)->tree_size);
  auto entry = store_->Entry(index);
  if (!proof.ok() || !entry.ok()) return Problem(500, "INTERNAL", "the proof could not be read");
  json hashes = json::array();
  for (const auto& h : *proof) hashes.push_back(audit::ToHex(h));
  return Json(200, json{{"index", index},
                        {"tree_size", (*sth)->tree_size},
                        {"leaf_hash", audit::ToHex(entry->leaf)},
                        {"root", audit::ToHex((*sth)->root)},
                        {"proof", hashes}}
                       .dump());
}

}  // namespace concordat::server
