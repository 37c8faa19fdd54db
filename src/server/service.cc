#include "server/service.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <tuple>

#include "audit/entry.h"
#include "audit/merkle.h"
#include "base/date.h"
#include "base/json_check.h"
#include "base/json_string.h"
#include "base/sha256.h"
#include "base/utf8.h"
#include "decide/engine.h"
#include "decide/render.h"
#include "decide/request_json.h"
#include "model/canonical.h"
#include "model/enums.h"
#include "model/lint.h"
#include "model/registry.h"
#include "server/list_params.h"
#include "server/registry_dirs.h"
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
// The subject reference is personal data: the log keeps its keyed hash (subject_tag), which
// finds a subject's entries for a rights request without holding the reference in clear.
std::string CanonicalRequest(const decide::Request& q, const std::string& format,
                             const std::string& subject_tag) {
  // Written by hand, keys in sorted order (what nlohmann::json would produce), because this
  // runs on every decision.
  std::string out;
  out.reserve(256 + q.justification.size());
  auto key = [&](const char* k) {
    out += out.size() > 1 ? ",\"" : "\"";
    out += k;
    out += "\":";
  };
  auto list = [&](const std::vector<std::string>& v) {
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      AppendJsonString(v[i], &out);
    }
    out += ']';
  };
  out += '{';
  key("action");
  out += q.action == decide::Action::kWrite ? "\"write\"" : "\"read\"";
  if (!q.audit_reference.empty()) {
    key("audit_reference");
    AppendJsonString(q.audit_reference, &out);
  }
  key("data");
  list(q.data);
  key("format");
  AppendJsonString(format, &out);
  if (!q.justification.empty()) {
    key("justification");
    AppendJsonString(q.justification, &out);
  }
  if (!q.protocol.empty()) {
    key("protocol");
    AppendJsonString(q.protocol, &out);
  }
  key("provider");
  AppendJsonString(q.provider, &out);
  if (!q.purpose.empty()) {
    key("purpose");
    AppendJsonString(q.purpose, &out);
  }
  key("requester");
  out += "{\"device\":";
  AppendJsonString(q.requester.device, &out);
  out += ",\"location\":";
  AppendJsonString(q.requester.location, &out);
  out += ",\"org\":";
  AppendJsonString(q.requester.org, &out);
  out += ",\"roles\":";
  list(q.requester.roles);
  out += ",\"user\":";
  AppendJsonString(q.requester.user, &out);
  out += '}';
  if (!subject_tag.empty()) {
    key("subject_tag");
    AppendJsonString(subject_tag, &out);
  }
  out += '}';
  return out;
}

// A text that may be unset: null when it is, so that "" is never mistaken for a value.
json TextOrNull(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

}  // namespace

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

// 405 with the Allow header RFC 9110 asks for. HEAD is named where it is answered: on
// resources that are read without being recorded.
HttpResponse NotAllowed(const std::string& allow, const std::string& message) {
  HttpResponse r = Problem(405, "METHOD_NOT_ALLOWED", message);
  r.allow = allow;
  return r;
}

namespace {

// Liveness: GET or HEAD (what load balancers send); anything else is told so.
HttpResponse Health(const HttpRequest& r) {
  if (r.method != "GET" && r.method != "HEAD")
    return NotAllowed("GET, HEAD", "/healthz takes GET or HEAD");
  return Json(200, "{\"status\":\"ok\"}");
}

// A governance event in the log (not a decision): who did what, under which protocol version.
audit::LogEntry Event(const char* kind, int64_t at_ms, const store::User& user,
                      const std::string& protocol, const std::string& version,
                      std::string request) {
  audit::LogEntry e;
  e.kind = kind;
  e.at = Instant{at_ms / 1000};
  e.actor = user.id;
  e.organisation = user.organisation;
  e.protocol = protocol;
  e.version = version;
  e.request = std::move(request);
  return e;
}

// A deny of a look-up or request: 403 with the decision that was logged.
HttpResponse Denied(const char* what, uint64_t index, const std::string& rendered) {
  HttpResponse out = Json(403, std::string("{\"status\":403,\"code\":\"DENIED\",\"message\":"
                                           "\"the protocol in force does not permit this ") +
                                   what + "\",\"audit_index\":" + std::to_string(index) +
                                   ",\"decision\":" + rendered + "}");
  out.content_type = "application/problem+json";
  out.log_outcome = "deny";
  return out;
}

// A warning line for each protocol version whose lint finds errors (it cannot work as
// written: docs/lint-rules.md), at start and on reload, so that the defects of what is in
// force are in front of whoever runs the server, not only of whoever runs concordat lint.
void LogLintErrors(const InForce& in_force, LogLines* log) {
  const Date today = Date::Today();
  const model::Registry& registry = in_force.registry->registry();
  for (size_t i = 0; i < registry.protocols.size(); ++i) {
    const model::Protocol& p = registry.protocols[i];
    const model::FindingCounts counts = in_force.lint->Counts(i, today);
    if (counts.errors == 0) continue;
    std::string rules;
    for (const auto& f : *in_force.lint->Findings(i, today))
      if (f.severity == model::Severity::kError && rules.find(f.rule) == std::string::npos)
        rules += (rules.empty() ? "" : ", ") + f.rule;
    log->Write(Level::kWarn, "protocol has lint errors (GET /v1/protocols/{id}/findings)",
               {{"protocol", p.id},
                {"version", p.version},
                {"status", std::string(model::Name(p.status))},
                {"#errors", std::to_string(counts.errors)},
                {"#warnings", std::to_string(counts.warnings)},
                {"rules", rules}});
  }
}

// The compiled registry put in force with what is worked out from it once rather than per
// request: the protocols' content hashes (`hashes`, by index: LoadRegistryDirs gives the
// protocols in the compiled registry's order, by id then version), their lint findings once
// a day (LintMemo).
void PutRegistry(model::Registry registry, std::vector<std::string> hashes, InForce* in_force) {
  in_force->registry = decide::CompiledRegistry::Compile(std::move(registry));
  in_force->lint = std::make_unique<LintMemo>(in_force->registry->registry());
  in_force->content_hashes = std::move(hashes);
}

// What a configuration puts in force besides the protocols: its sites, devices and connectors,
// the connectors opened (each query prepared). An error names the key.
Result<std::shared_ptr<InForce>> Surroundings(const ServerConfig& config) {
  auto in_force = std::make_shared<InForce>();
  auto sites = SiteNetworks::Build(config.sites);
  if (!sites.ok()) return sites.status();
  in_force->sites = std::move(*sites);
  for (const auto& [device, pins] : config.devices)
    for (const auto& pin : pins) in_force->devices[NormaliseFingerprint(pin)] = device;
  for (const auto& [provider, source] : config.connectors) {
    auto opened = exchange::SqlSource::Open(provider, source);
    if (!opened.ok()) return opened.status();
    in_force->sources[provider] = std::move(*opened);
  }
  return in_force;
}

}  // namespace

Result<std::unique_ptr<Service>> Service::Open(const ServerConfig& config, LogLines* log,
                                               std::string config_path) {
  std::unique_ptr<Service> s(new Service());
  s->config_ = config;
  s->config_path_ = std::move(config_path);
  s->log_ = log;
  s->audit_failures_ = std::make_unique<RepeatedFailures>(
      log, RepeatedFailures::Messages{
               "the audit log cannot be written; requests that need it are refused",
               "the audit log still cannot be written; requests that need it are refused",
               "the audit log is written again"});
  s->token_cache_ = std::chrono::seconds(config.token_cache_seconds);
  // Everything that can be refused before anything is created or written.
  auto in_force = Surroundings(config);
  if (!in_force.ok()) return in_force.status();
  auto registry = LoadRegistryDirs(config.registry);
  if (!registry.ok()) return registry.status();
  auto st = store::OpenStore(config.store, true);
  if (!st.ok()) return st.status();
  s->store_ = std::move(*st);
  std::vector<std::string> hashes = ContentHashes(*registry);
  auto fresh = NewVersions(*s->store_, *registry, hashes);
  if (!fresh.ok()) return fresh.status();
  const std::string key = config.SigningKeyPath();
  std::error_code ec;
  if (!std::filesystem::exists(key, ec))  // one that exists but is unusable is named by Load
    if (Status c = audit::Signer::CreateKeyFiles(key, key + ".pub"); !c.ok()) return c;
  auto signer = audit::Signer::Load(key);
  if (!signer.ok()) return signer.status();
  s->signer_ = std::make_unique<audit::Signer>(std::move(*signer));
  auto vault = exchange::DisclosureVault::Open(config.MasterKeyPath());
  if (!vault.ok()) return vault.status();
  s->vault_.emplace(std::move(*vault));
  s->audit_log_ = std::make_unique<audit::Log>(s->store_.get(), s->signer_.get());
  s->committer_ = std::make_unique<audit::GroupCommitter>(
      s->audit_log_.get(), 4096,
      [durations = &s->commit_durations_](std::chrono::microseconds took) {
        durations->Observe(took);
      });
  auto recorded = s->RecordNewVersions(*fresh);
  if (!recorded.ok()) return recorded.status();
  PutRegistry(std::move(*registry), std::move(hashes), in_force->get());
  LogLintErrors(**in_force, log);
  s->in_force_ = std::move(*in_force);
  return s;
}

Result<size_t> Service::RecordNewVersions(const std::vector<NewVersion>& fresh) {
  if (fresh.empty()) return size_t{0};
  std::vector<audit::LogEntry> entries;
  std::vector<audit::Log::WithEntry> store_text;
  std::vector<audit::Log::Precondition> not_stored;
  store::Store* st = store_.get();
  const Instant now{audit::NowMillis() / 1000};
  for (const NewVersion& v : fresh) {
    const model::Protocol* p = v.protocol;
    const std::string& hash = v.hash;
    audit::LogEntry e;
    e.kind = "lifecycle";
    e.at = now;
    e.actor = "system";
    e.protocol = p->id;
    e.version = p->version;
    e.request = json{{"event", "version-loaded"},
                     {"content_hash", hash},
                     {"status", std::string(model::Name(p->status))}}
                    .dump();
    entries.push_back(std::move(e));
    // Checked again inside the log's transaction: another node may have stored it meanwhile,
    // and then it is left out, entry and all (its text is compared below). Nothing but an
    // I/O error fails here, since a failure would roll back others' entries in the batch.
    not_stored.push_back([st, id = p->id, version = p->version]() -> Status {
      auto existing = st->ProtocolVersionHash(id, version);
      if (!existing.ok()) return existing.status();
      return *existing ? Status::AlreadyExists("stored by another node") : Status::Ok();
    });
    store_text.push_back([st, p, hash](uint64_t) {
      return st->PutProtocolVersion(p->id, p->version, hash, model::ToCanonicalYaml(*p));
    });
  }
  auto receipts =
      committer_->SubmitTogether(std::move(entries), std::move(store_text), std::move(not_stored));
  size_t recorded = 0;
  for (size_t i = 0; i < receipts.size(); ++i) {
    auto index = receipts[i].get();
    if (index.ok()) {
      ++recorded;
    } else if (index.status().code() == Status::Code::kAlreadyExists) {
      const model::Protocol& p = *fresh[i].protocol;  // stored by another node: the same text?
      auto stored = store_->ProtocolVersionHash(p.id, p.version);
      if (!stored.ok()) return stored.status();
      if (!*stored || **stored != fresh[i].hash)
        return Status::InvalidArgument(p.source + ": protocol " + p.id + " version " + p.version +
                                       " was stored meanwhile with other content; a version " +
                                       "never changes, give the new text a new version");
    } else {
      return Status::IoError(
          "the protocol versions loaded could not be recorded in the audit "
          "log, so none is in force: " +
          index.status().message());
    }
  }
  return recorded;
}

std::shared_ptr<const InForce> Service::Current() const {
  std::lock_guard<std::mutex> lock(in_force_mu_);
  return in_force_;
}

namespace {

// The keys a reload cannot apply (they hold open files, sockets or threads), changed between
// `running` and `next`: named in a warning, and kept as they were.
std::string RestartOnlyChanges(const ServerConfig& running, const ServerConfig& next) {
  std::string changed;
  auto differs = [&changed](bool d, const char* key) {
    if (d) changed += (changed.empty() ? "" : ", ") + std::string(key);
  };
  differs(running.store != next.store, "store");
  differs(running.SigningKeyPath() != next.SigningKeyPath(), "signing_key");
  differs(running.MasterKeyPath() != next.MasterKeyPath(), "master_key");
  differs(running.listen != next.listen, "listen");
  differs(running.tls.certificate != next.tls.certificate ||
              running.tls.private_key != next.tls.private_key,
          "tls");
  differs(running.max_body_bytes != next.max_body_bytes, "max_body_bytes");
  differs(running.request_timeout_seconds != next.request_timeout_seconds,
          "request_timeout_seconds");
  differs(running.worker_threads != next.worker_threads, "worker_threads");
  differs(running.token_cache_seconds != next.token_cache_seconds, "token_cache_seconds");
  return changed;
}

}  // namespace

Status Service::Reload() {
  std::lock_guard<std::mutex> one_at_a_time(reload_mu_);
  auto refuse = [this](const Status& s) {
    log_->Write(Level::kError, "not reloaded; what was in force still is",
                {{"error", s.message()}});
    return s;
  };
  ServerConfig next = config_;
  if (!config_path_.empty()) {
    auto loaded = LoadConfig(config_path_);
    if (!loaded.ok()) return refuse(loaded.status());
    next = std::move(*loaded);
  }
  auto in_force = Surroundings(next);
  if (!in_force.ok()) return refuse(in_force.status());
  auto registry = LoadRegistryDirs(next.registry);
  if (!registry.ok()) return refuse(registry.status());
  std::vector<std::string> hashes = ContentHashes(*registry);
  auto fresh = NewVersions(*store_, *registry, hashes);
  if (!fresh.ok()) return refuse(fresh.status());
  // The last step that can fail, and the one that cannot be undone: after it, the rest holds.
  auto added = RecordNewVersions(*fresh);
  if (!added.ok()) return refuse(added.status());
  const size_t versions = registry->protocols.size();
  PutRegistry(std::move(*registry), std::move(hashes), in_force->get());
  LogLintErrors(**in_force, log_);
  {
    std::lock_guard<std::mutex> lock(in_force_mu_);
    in_force_ = std::move(*in_force);  // requests under way keep what they started with
  }
  log_->SetLevel(LogLines::ParseLevel(next.log_level));
  if (std::string keys = RestartOnlyChanges(config_, next); !keys.empty())
    log_->Write(Level::kWarn, "changed keys take a restart; their values as started still apply",
                {{"keys", keys}});
  config_.registry = next.registry;
  config_.sites = next.sites;
  config_.devices = next.devices;
  config_.connectors = next.connectors;
  config_.log_level = next.log_level;
  log_->Write(Level::kInfo, "reloaded",
              {{"#versions", std::to_string(versions)},
               {"#new_versions", std::to_string(*added)},
               {"#sites", std::to_string(next.sites.size())},
               {"#devices", std::to_string(next.devices.size())},
               {"#connectors", std::to_string(next.connectors.size())}});
  return Status::Ok();
}

Service::~Service() {
  committer_.reset();  // drains what was submitted
}

std::string InForce::DeviceOf(const std::string& fingerprint) const {
  if (fingerprint.empty()) return "";
  auto it = devices.find(fingerprint);
  return it == devices.end() ? "" : it->second;
}

bool Service::Ready() {
  return store_->Size().ok();
}

// The user is the bearer token's; without a token, the user registered with the connection's
// client certificate (`concordat user add --certificate`), if any. A token wins: the same
// certificate may also be a device's.
Result<store::User> Service::Authenticate(const HttpRequest& r) {
  const std::string prefix = "Bearer ";
  const bool by_certificate = r.authorization.empty() && !r.client_fingerprint.empty();
  if (r.authorization.empty() && !by_certificate)
    return Status::NotFound(
        "this needs a bearer token (Authorization: Bearer <token>) or a client certificate "
        "registered to a user");
  if (!by_certificate &&
      (!StartsWith(r.authorization, prefix) || r.authorization.size() == prefix.size()))
    return Status::NotFound("the Authorization header must be 'Bearer <token>'");
  // The cache key: a token's hash, or the certificate's fingerprint (the two never collide:
  // "sha256:" + hex of the token, "cert:" + fingerprint).
  const std::string hash = by_certificate
                               ? "cert:" + r.client_fingerprint
                               : "sha256:" + Sha256Hex(r.authorization.substr(prefix.size()));
  const auto now = std::chrono::steady_clock::now();
  auto usable = [by_certificate](const store::User& u) -> Result<store::User> {
    if (!u.revoked_at.empty())
      return Status::NotFound(
          std::string(by_certificate ? "the user of this client certificate" : "the bearer token") +
          " was revoked at " + u.revoked_at);
    return u;
  };
  {
    std::lock_guard<std::mutex> lock(users_mu_);
    if (auto it = users_.find(hash); it != users_.end() && now - it->second.read_at < token_cache_)
      return usable(it->second.user);
  }
  auto user = by_certificate ? store_->UserByCertificate(r.client_fingerprint)
                             : store_->UserByTokenHash(hash);
  if (!user.ok()) return user.status();
  std::lock_guard<std::mutex> lock(users_mu_);
  if (!user->has_value()) {
    users_.erase(hash);
    return Status::NotFound(by_certificate
                                ? "the client certificate is not registered to a user; this "
                                  "needs a bearer token (Authorization: Bearer <token>)"
                                : "the bearer token is not known");
  }
  users_[hash] = CachedUser{**user, now};
  return usable(**user);
}

bool Service::TryHandleAsync(const HttpRequest& r, const Resume& resume,
                             std::function<void(HttpResponse)> done) {
  const std::string path = PathOf(r.target);
  if (path == "/healthz") {  // liveness needs nothing that can wait: answered here
    done(Health(r));
    return true;
  }
  const bool decide = path == "/v1/decide" && r.method == "POST";
  const bool lookup = StartsWith(path, "/v1/lookup/") && r.method == "GET";
  if (!decide && !lookup) return false;
  const auto in_force = Current();
  if (lookup) {  // a source that may wait is read on a worker thread (Handle), not here
    const std::string rest = path.substr(11);
    auto source = in_force->sources.find(rest.substr(0, rest.find('/')));
    if (source != in_force->sources.end() && source->second->MayBlock()) return false;
  }
  auto user = Authenticate(r);
  if (!user.ok()) return false;  // the blocking path answers (and logs) it
  std::function<void(HttpResponse)> tagged = [done = std::move(done), uid = user->id,
                                              org = user->organisation](HttpResponse resp) {
    resp.log_user = uid;
    resp.log_org = org;
    done(std::move(resp));
  };
  if (!lookup) {
    SubmitPlan(DecidePlan(*in_force, r, *user), resume, std::move(tagged));
    return true;
  }
  LookupStart start = StartLookup(*in_force, r, *user, path.substr(11));
  if (!start.fetch) {
    SubmitPlan(std::move(start.plan), resume, std::move(tagged));
    return true;
  }
  std::vector<PendingLookup>& pending = PendingLookups();
  pending.push_back(
      {this, in_force, std::move(*user), std::move(start), resume, std::move(tagged)});
  if (pending.size() == 1) resume([] { FlushLookups(); });  // behind what is queued now
  return true;
}

void Service::SubmitPlan(Plan plan, const Resume& resume, std::function<void(HttpResponse)> done) {
  if (plan.now) {
    done(std::move(*plan.now));
    return;
  }
  committer_->SubmitAsync(std::move(plan.entries), std::move(plan.hooks),
                          [this, resume, finish = std::move(plan.finish),
                           done = std::move(done)](const Result<uint64_t>& i) mutable {
                            Noted(i);
                            resume([finish = std::move(finish), done = std::move(done), i]() {
                              HttpResponse resp = finish(i);
                              if (i.ok()) resp.log_audit_index = *i;
                              done(std::move(resp));
                            });
                          });
}

std::vector<Service::PendingLookup>& Service::PendingLookups() {
  thread_local std::vector<PendingLookup> pending;
  return pending;
}

void Service::FlushLookups() {
  std::vector<PendingLookup> batch;
  batch.swap(PendingLookups());  // look-ups arriving from here on wait for the next pass
  std::vector<Result<std::optional<exchange::Record>>> records;
  records.reserve(batch.size());
  {
    // One read of each source for all of them: every one had arrived before it begins.
    std::vector<std::pair<exchange::SqlSource*, std::unique_ptr<exchange::SqlSource::Reader>>>
        readers;
    for (PendingLookup& p : batch) {
      exchange::SqlSource* source = p.start.source.get();
      auto it = std::find_if(readers.begin(), readers.end(),
                             [source](const auto& reader) { return reader.first == source; });
      if (it == readers.end()) {
        readers.emplace_back(source, source->Read());
        it = std::prev(readers.end());
      }
      records.push_back(it->second->Fetch(p.start.category, p.start.request.subject));
    }
  }  // the reads end here, before anything is sealed or logged
  for (size_t i = 0; i < batch.size(); ++i) {
    PendingLookup& p = batch[i];
    Plan plan =
        p.service->FinishLookup(*p.in_force, p.user, std::move(p.start), std::move(records[i]));
    p.service->SubmitPlan(std::move(plan), p.resume, std::move(p.done));
  }
  batch.clear();  // its room is kept for the next pass, so the list does not grow again
  if (PendingLookups().empty()) PendingLookups().swap(batch);
}

HttpResponse Service::Handle(const HttpRequest& r) {
  LastRecordedHere().reset();
  HttpResponse out = Route(r);
  if (!out.log_audit_index) out.log_audit_index = LastRecordedHere();
  return out;
}

HttpResponse Service::Route(const HttpRequest& r) {
  const std::string path = PathOf(r.target);
  if (path == "/healthz") return Health(r);
  if (path == "/readyz") {
    if (r.method != "GET" && r.method != "HEAD")
      return NotAllowed("GET, HEAD", "/readyz takes GET or HEAD");
    return Ready() ? Json(200, "{\"status\":\"ready\"}")
                   : Problem(503, "UNAVAILABLE", "the store does not answer");
  }
  const bool protocols = path == "/v1/protocols" || StartsWith(path, "/v1/protocols/");
  auto user = Authenticate(r);
  if (!user.ok() && !(protocols && r.authorization.empty())) {
    if (user.status().code() == Status::Code::kNotFound)
      return Problem(401, "UNAUTHENTICATED", user.status().message());
    log_->Write(Level::kError, "authentication failed", {{"error", user.status().message()}});
    return Problem(500, "INTERNAL", "the store could not be read; nothing was changed");
  }
  const store::User* who = user.ok() ? &*user : nullptr;
  const auto in_force = Current();
  const decide::CompiledRegistry& reg = *in_force->registry;
  // GET, or HEAD (the same answer without its body), on what is read without being recorded.
  const bool read = r.method == "GET" || r.method == "HEAD";
  HttpResponse out;
  if (path == "/v1/decide") {
    if (r.method != "POST") return NotAllowed("POST", "/v1/decide takes POST");
    out = Run(DecidePlan(*in_force, r, *who));
  } else if (StartsWith(path, "/v1/lookup/")) {
    if (r.method != "GET")
      return NotAllowed("GET", r.method == "HEAD"
                                   ? "look-ups take GET: a look-up is recorded, so it is not "
                                     "answered without its content"
                                   : "look-ups take GET");
    out = Run(LookupPlan(*in_force, r, *who, path.substr(11)));
  } else if (path == "/v1/requests") {
    if (r.method == "POST") {
      out = CreateRequest(*in_force, r, *who);
    } else if (read) {
      out = ListRequests(r, *who);
    } else {
      return NotAllowed("GET, HEAD, POST", "/v1/requests takes GET or POST");
    }
  } else if (StartsWith(path, "/v1/requests/")) {
    out = RequestAction(reg, r, *who, path.substr(13));
  } else if (path == "/v1/disclosures") {
    if (!read) return NotAllowed("GET, HEAD", "/v1/disclosures takes GET");
    out = Disclosures(r, *who);
  } else if (StartsWith(path, "/v1/disclosures/")) {
    if (r.method != "GET")
      return NotAllowed("GET", "a disclosure takes GET (its reading is recorded)");
    out = DisclosureContent(path.substr(16), *who);
  } else if (path == "/v1/protocols") {
    if (!read) return NotAllowed("GET, HEAD", "/v1/protocols takes GET");
    out = Protocols(*in_force, r, who);
  } else if (StartsWith(path, "/v1/protocols/")) {
    if (!read) return NotAllowed("GET, HEAD", "protocols take GET");
    const std::string rest = path.substr(14);
    const size_t slash = rest.find('/');
    if (rest.empty() || slash == 0)
      return Problem(404, "NOT_FOUND",
                     "no protocol id: a protocol is /v1/protocols/{id}, and the list of them "
                     "/v1/protocols");
    if (slash == std::string::npos)
      out = Protocol(*in_force, r, rest, who);
    else if (rest.substr(slash) == "/findings")
      out = ProtocolFindings(*in_force, r, rest.substr(0, slash), who);
    else
      return Problem(404, "NOT_FOUND",
                     "a protocol is /v1/protocols/{id}, and its lint findings "
                     "/v1/protocols/{id}/findings");
  } else if (path == "/v1/audit/sth") {
    if (!read) return NotAllowed("GET, HEAD", "/v1/audit/sth takes GET");
    out = Sth();
  } else if (StartsWith(path, "/v1/audit/proof/")) {
    if (!read) return NotAllowed("GET, HEAD", "proofs take GET");
    out = Proof(r, *who, path.substr(16));
  } else if (path == "/v1/audit/consistency") {
    if (!read) return NotAllowed("GET, HEAD", "/v1/audit/consistency takes GET");
    out = Consistency(r);
  } else if (path == "/metrics") {
    if (!read) return NotAllowed("GET, HEAD", "/metrics takes GET");
    out = Metrics(*who);
  } else {
    out = Problem(404, "NOT_FOUND", "no such endpoint: " + path);
  }
  if (who) {
    out.log_user = who->id;
    out.log_org = who->organisation;
  }
  return out;
}

// For the IT team's monitoring, to users with the role `operator` (server/metrics.h says what
// it shows and what it never does).
HttpResponse Service::Metrics(const store::User& user) {
  if (std::find(user.roles.begin(), user.roles.end(), "operator") == user.roles.end())
    return Problem(403, "FORBIDDEN",
                   "/metrics is for the IT team's monitoring: it needs a user with the role "
                   "'operator' (concordat user add --org ORG --roles operator)");
  ServiceGauges g;
  const audit::GroupCommitter::Stats stats = committer_->stats();
  g.audit_tree_size = stats.tree_size;
  g.audit_batches = stats.batches;
  g.audit_entries = stats.entries;
  g.audit_batches_failed = stats.failed_batches;
  g.audit_refused = audit_failures_->refused_ever();
  g.audit_failing = audit_failures_->failing();
  g.audit_commit = &commit_durations_;
  const auto in_force = Current();
  g.protocol_versions_in_force = in_force->content_hashes.size();
  for (const auto& [provider, source] : in_force->sources) {
    g.source_failures[provider] = 0;
    g.source_failing[provider] = false;
  }
  {
    std::lock_guard<std::mutex> lock(source_failures_mu_);
    for (const auto& [provider, failures] : source_failures_) {
      g.source_failures[provider] = failures->refused_ever();
      g.source_failing[provider] = failures->failing();
    }
  }
  // The log as the store holds it (several nodes may write to one), or as this process last
  // committed it when the store does not answer.
  if (auto size = store_->Size(); size.ok()) {
    g.store_ready = true;
    g.audit_tree_size = *size;
  }
  HttpResponse out;
  out.content_type = "text/plain; version=0.0.4; charset=utf-8";
  out.body = metrics_.Render(g, CONCORDAT_VERSION);
  return out;
}

void Service::SourceNoted(const std::string& provider, const Status* error) {
  if (!error && sources_failing_.load(std::memory_order_relaxed) == 0) return;
  RepeatedFailures* failures = nullptr;
  {
    std::lock_guard<std::mutex> lock(source_failures_mu_);
    auto it = source_failures_.find(provider);
    if (it == source_failures_.end()) {
      if (!error) return;
      it = source_failures_
               .emplace(provider,
                        std::make_unique<RepeatedFailures>(
                            log_,
                            RepeatedFailures::Messages{
                                "a provider's system cannot be read; its look-ups fail",
                                "a provider's system still cannot be read; its look-ups fail",
                                "a provider's system is read again"},
                            LogLines::Fields{{"provider", provider}}))
               .first;
    }
    failures = it->second.get();  // kept until the service goes
  }
  if (error) {
    if (failures->Failed(*error)) ++sources_failing_;
  } else if (failures->Succeeded()) {
    --sources_failing_;
  }
}

Result<uint64_t> Service::Record(audit::LogEntry entry) {
  auto index = committer_->Submit(std::move(entry)).get();
  Noted(index);
  return index;
}

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

Result<uint64_t> Service::DecideAndRecord(const InForce& in_force, const HttpRequest& r,
                                          const store::User& user, decide::Request* request,
                                          decide::Decision* decision) {
  return Record(DecideNow(in_force, r, user, request, decision));
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

HttpResponse Service::Run(Plan plan) {
  if (plan.now) return std::move(*plan.now);
  auto receipts = committer_->SubmitTogether(std::move(plan.entries), std::move(plan.hooks));
  const Result<uint64_t> index = receipts.back().get();
  Noted(index);
  return plan.finish(index);
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The query string's parameters, percent-decoded; an error names a malformed or repeated one.
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
    std::string key(pair.substr(0, eq)), value;
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') {
        value += ' ';
      } else if (raw[i] == '%') {
        const int hi = i + 2 < raw.size() ? HexValue(raw[i + 1]) : -1;
        const int lo = i + 2 < raw.size() ? HexValue(raw[i + 2]) : -1;
        if (hi < 0 || lo < 0) return Status::InvalidArgument(key + ": malformed percent-encoding");
        value += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else {
        value += raw[i];
      }
    }
    // Text goes into decisions, the audit log and answers, all JSON: it must be UTF-8.
    if (!IsValidUtf8(key) || !IsValidUtf8(value))
      return Status::InvalidArgument(ToValidUtf8(key) +
                                     ": not UTF-8 text (percent-encode text as UTF-8)");
    if (!out.emplace(key, value).second)
      return Status::InvalidArgument(key + ": given more than once");
  }
  return out;
}

// A listing's parameters (list_params.h), for the caller's own organisation.
// Query parameters limited to `allowed`; an unknown one is an error naming it. (The look-up
// calls this on every request: `allowed` costs no allocation.)
Result<std::map<std::string, std::string>> OnlyParams(
    const HttpRequest& r, std::initializer_list<std::string_view> allowed) {
  auto params = QueryParams(r.target);
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

Result<store::ListQuery> ListQueryOf(const HttpRequest& r, const store::User& user, bool requests) {
  auto params = QueryParams(r.target);
  if (!params.ok()) return params.status();
  return ParseListQuery(*params, user.organisation, requests);
}

}  // namespace

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
      OnlyParams(r, {"subject", "purpose", "protocol", "justification", "audit_reference"});
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

HttpResponse Service::Disclosures(const HttpRequest& r, const store::User& user) {
  auto query = ListQueryOf(r, user, /*requests=*/false);
  if (!query.ok()) return Problem(400, "INVALID_REQUEST", query.status().message());
  auto list = store_->DisclosuresOf(*query);
  if (!list.ok()) return Problem(500, "INTERNAL", "the disclosures could not be read");
  json out = json::array();
  for (const auto& d : *list)
    out.push_back({{"id", d.id},
                   {"at", FormatMillisUtc(d.at_ms)},
                   {"at_ms", d.at_ms},
                   {"direction", d.from_org == user.organisation ? "sent" : "received"},
                   {"from", d.from_org},
                   {"to", d.to_org},
                   {"to_user", d.to_user},
                   {"protocol", d.protocol},
                   {"version", d.version},
                   {"fields", d.fields},
                   {"retain_until", TextOrNull(d.retain_until)},
                   {"audit_index", d.audit_index}});
  json next = nullptr;  // a full page may have more after it
  if (!list->empty() && list->size() == query->limit)
    next = ListCursor(list->back().at_ms, list->back().id);
  return Json(
      200, json{{"organisation", user.organisation}, {"disclosures", out}, {"next", next}}.dump());
}

HttpResponse Service::DisclosureContent(const std::string& id, const store::User& user) {
  auto d = store_->DisclosureById(id);
  if (!d.ok()) return Problem(500, "INTERNAL", "the disclosure could not be read");
  if (!d->has_value() || ((*d)->to_org != user.organisation && (*d)->from_org != user.organisation))
    return Problem(404, "NOT_FOUND", "no disclosure " + id + " sent or received by you");
  auto content = vault_->Open(id, {(*d)->nonce, (*d)->ciphertext, (*d)->wrapped_key});
  if (!content.ok()) {
    log_->Write(Level::kError, "a disclosure does not open", {{"disclosure", id}});
    return Problem(500, "INTERNAL", content.status().message());
  }
  // Reading personal data again is itself recorded.
  auto recorded = Record(Event("disclosure-read", audit::NowMillis(), user, (*d)->protocol,
                               (*d)->version, json{{"disclosure", id}}.dump()));
  if (!recorded.ok())
    return Problem(503, "AUDIT_UNAVAILABLE", "the read could not be recorded, so it is refused");
  json body = json::parse(*content);
  body["disclosure"] = id;
  body["from"] = (*d)->from_org;
  body["to"] = (*d)->to_org;
  body["protocol"] = (*d)->protocol;
  body["version"] = (*d)->version;
  body["at"] = FormatMillisUtc((*d)->at_ms);
  body["retain_until"] = TextOrNull((*d)->retain_until);
  body["audit_index"] = (*d)->audit_index;  // the disclosure's entry, as the listing gives it
  body["read_audit_index"] = *recorded;     // the entry recording this reading
  return Json(200, body.dump());
}

namespace {

// A JSON body read strictly: an object with only the keys named; errors name the field.
Result<json> JsonBody(const HttpRequest& r, const std::vector<std::string>& keys) {
  if (!r.content_type.empty() && !StartsWith(r.content_type, "application/json"))
    return Status::NotFound("the body must be application/json, not " + r.content_type);
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded())
    return Status::InvalidArgument("malformed JSON: " + DescribeJsonError(r.body));
  if (!j.is_object()) return Status::InvalidArgument("request: expected a JSON object");
  // A name given twice, at any depth, would make the body mean two things.
  if (std::string twice = FirstDuplicateKey(r.body); !twice.empty())
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

HttpResponse BodyProblem(const Status& s) {
  if (s.code() == Status::Code::kNotFound)
    return Problem(415, "UNSUPPORTED_MEDIA_TYPE", s.message());
  return Problem(400, "INVALID_REQUEST", s.message());
}

}  // namespace

HttpResponse Service::CreateRequest(const InForce& in_force, const HttpRequest& r,
                                    const store::User& user) {
  const decide::CompiledRegistry& reg = *in_force.registry;
  auto body = JsonBody(r, {"provider", "data", "purpose", "subject", "justification",
                           "audit_reference", "protocol"});
  if (!body.ok()) return BodyProblem(body.status());
  decide::Request request;
  for (auto [key, out, required] : std::vector<std::tuple<const char*, std::string*, bool>>{
           {"provider", &request.provider, true},
           {"purpose", &request.purpose, true},
           {"subject", &request.subject, true},
           {"justification", &request.justification, false},
           {"audit_reference", &request.audit_reference, false},
           {"protocol", &request.protocol, false}})
    if (Status s = StringField(*body, key, required, out); !s.ok()) return BodyProblem(s);
  auto data = body->find("data");
  if (data == body->end() || !data->is_array() || data->empty() || data->size() > decide::kMaxData)
    return Problem(400, "INVALID_REQUEST", "data: required: a list of data category ids");
  for (size_t i = 0; i < data->size(); ++i) {
    if (!(*data)[i].is_string())
      return Problem(400, "INVALID_REQUEST", "data[" + std::to_string(i) + "]: expected a string");
    request.data.push_back((*data)[i].get<std::string>());
  }
  request.format = model::Format::kRequestResponse;
  request.action = decide::Action::kRead;
  decide::Decision decision;
  auto decided = DecideAndRecord(in_force, r, user, &request, &decision);
  if (!decided.ok())
    return Problem(503, "AUDIT_UNAVAILABLE",
                   "the decision could not be recorded in the audit log, so nothing was sent");
  std::string rendered;
  decide::RenderJson(reg, request, decision, &rendered);
  if (!decision.permit) {
    return Denied("request", *decided, rendered);
  }
  const auto& protocol = *reg.protocols()[static_cast<size_t>(decision.protocol)].source;
  store::ShareRequest q;
  q.id = exchange::DisclosureVault::NewId();
  q.at_ms = audit::NowMillis();
  q.from_org = user.organisation;
  q.from_user = user.id;
  q.to_org = request.provider;
  q.protocol = protocol.id;
  q.version = protocol.version;
  q.purpose = request.purpose;
  q.audit_reference = request.audit_reference;
  q.data = request.data;
  q.allowed_fields = decide::PermittedFields(reg, request, decision);
  q.subject_tag = vault_->SubjectTag(request.subject);
  exchange::Sealed sealed = vault_->Seal(
      q.id, json{{"subject", request.subject}, {"justification", request.justification}}.dump());
  q.nonce = sealed.nonce;
  q.ciphertext = sealed.ciphertext;
  q.wrapped_key = sealed.wrapped_key;
  q.decision_index = *decided;
  if (Status put = store_->PutRequest(q); !put.ok()) {
    log_->Write(Level::kError, "storing a request failed", {{"error", put.message()}});
    return Problem(500, "INTERNAL", "the request could not be stored; nothing was sent");
  }
  HttpResponse out = Json(201, json{{"id", q.id},
                                    {"status", q.status},
                                    {"to", q.to_org},
                                    {"protocol", q.protocol},
                                    {"version", q.version},
                                    {"allowed_fields", q.allowed_fields},
                                    {"audit_index", *decided},
                                    {"decision", json::parse(rendered)}}
                                   .dump());
  out.log_outcome = "permit";
  return out;
}

namespace {
json RequestJson(const store::ShareRequest& q, const std::string& org, const json& sealed) {
  const bool closed = q.status != "open";
  return json{{"id", q.id},
              {"direction", q.from_org == org ? "sent" : "received"},
              {"at", FormatMillisUtc(q.at_ms)},
              {"at_ms", q.at_ms},
              {"audit_index", q.decision_index},
              {"from", q.from_org},
              {"from_user", q.from_user},
              {"to", q.to_org},
              {"protocol", q.protocol},
              {"version", q.version},
              {"data", q.data},
              {"purpose", q.purpose},
              {"subject", sealed.value("subject", "")},
              {"justification", sealed.value("justification", "")},
              {"audit_reference", q.audit_reference},
              {"allowed_fields", q.allowed_fields},
              {"status", q.status},
              {"closed_at", closed ? json(FormatMillisUtc(q.closed_at_ms)) : json(nullptr)},
              {"closed_by", TextOrNull(q.closed_by)},
              {"decline_reason", TextOrNull(q.decline_reason)},
              {"disclosure", TextOrNull(q.disclosure_id)}};
}
}  // namespace

HttpResponse Service::ListRequests(const HttpRequest& r, const store::User& user) {
  auto query = ListQueryOf(r, user, /*requests=*/true);
  if (!query.ok()) return Problem(400, "INVALID_REQUEST", query.status().message());
  auto list = store_->RequestsOf(*query);
  if (!list.ok()) return Problem(500, "INTERNAL", "the requests could not be read");
  json out = json::array();
  for (const auto& q : *list) {
    auto opened = vault_->Open(q.id, {q.nonce, q.ciphertext, q.wrapped_key});
    out.push_back(RequestJson(q, user.organisation,
                              opened.ok() ? json::parse(*opened, nullptr, false) : json::object()));
  }
  json next = nullptr;  // a full page may have more after it
  if (!list->empty() && list->size() == query->limit)
    next = ListCursor(list->back().at_ms, list->back().id);
  return Json(200,
              json{{"organisation", user.organisation}, {"requests", out}, {"next", next}}.dump());
}

HttpResponse Service::RequestAction(const decide::CompiledRegistry& reg, const HttpRequest& r,
                                    const store::User& user, const std::string& rest) {
  const size_t slash = rest.find('/');
  const std::string id = rest.substr(0, slash);
  const std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
  auto q = store_->RequestById(id);
  if (!q.ok()) return Problem(500, "INTERNAL", "the request could not be read");
  // Only its two organisations learn that a request exists.
  if (!q->has_value() || ((*q)->from_org != user.organisation && (*q)->to_org != user.organisation))
    return Problem(404, "NOT_FOUND", "no request " + id + " sent or received by you");
  if (action.empty()) {
    if (r.method != "GET")
      return NotAllowed("GET", "a request takes GET (its reading is recorded)");
    return ShowRequest(user, **q);
  }
  if (action != "answer" && action != "decline")
    return Problem(404, "NOT_FOUND", "a request's actions are answer and decline");
  if (r.method != "POST") return NotAllowed("POST", action + " takes POST");
  if ((*q)->to_org != user.organisation)
    return Problem(403, "NOT_PROVIDER",
                   "only " + (*q)->to_org + ", to whom the request is addressed, may " + action);
  // Checked here for a clear answer; an answer or decline racing this one on any node is
  // caught where the request closes, in the transaction that logs it (Answer, Decline).
  if ((*q)->status != "open")
    return Problem(409, "NOT_OPEN", "request " + id + " is already " + (*q)->status);
  return action == "answer" ? Answer(reg, r, user, **q) : Decline(r, user, **q);
}

Status Service::DecideAgain(const decide::CompiledRegistry& reg, const store::ShareRequest& q,
                            const std::string& subject, const std::string& justification,
                            decide::Request* request, decide::Decision* decision) {
  auto stored = store_->Entry(q.decision_index);
  if (!stored.ok()) return stored.status();
  auto entry = audit::DecodeEntry(stored->encoded);
  if (!entry.ok()) return entry.status();
  const json asked = json::parse(entry->request, nullptr, false);
  if (!asked.is_object() || !asked.contains("requester") || !asked["requester"].is_object())
    return Status::Corruption("the request's decision (entry " + std::to_string(q.decision_index) +
                              ") does not hold its requester");
  const json& who = asked["requester"];
  request->requester.org = who.value("org", "");
  request->requester.user = who.value("user", "");
  request->requester.roles = who.value("roles", std::vector<std::string>{});
  request->requester.location = who.value("location", "");
  request->requester.device = who.value("device", "");
  request->protocol = q.protocol;
  request->provider = q.to_org;
  request->data = q.data;
  request->purpose = q.purpose;
  request->format = model::Format::kRequestResponse;
  request->action = decide::Action::kRead;
  request->justification = justification;
  request->audit_reference = q.audit_reference;
  request->subject = subject;
  decide::Decide(reg, *request, Instant{audit::NowMillis() / 1000}, decision);
  return Status::Ok();
}

HttpResponse Service::Answer(const decide::CompiledRegistry& reg, const HttpRequest& r,
                             const store::User& user, const store::ShareRequest& q) {
  auto body = JsonBody(r, {"fields"});
  if (!body.ok()) return BodyProblem(body.status());
  auto fields = body->find("fields");
  if (fields == body->end() || !fields->is_object() || fields->empty())
    return Problem(400, "INVALID_REQUEST", "fields: required: an object of field -> value");
  for (auto it = fields->begin(); it != fields->end(); ++it)
    if (!it.value().is_string())
      return Problem(400, "INVALID_REQUEST", "fields." + it.key() + ": expected a string");
  auto opened = vault_->Open(q.id, {q.nonce, q.ciphertext, q.wrapped_key});
  const json sealed_request = opened.ok() ? json::parse(*opened, nullptr, false) : json::object();
  if (!sealed_request.is_object())
    return Problem(500, "INTERNAL", "request " + q.id + " could not be opened");
  // The protocol may have changed since the request was made (a new version, a partner's
  // withdrawal): the answer is decided again now, and cut to what is permitted now.
  decide::Request again;
  decide::Decision now;
  if (Status s = DecideAgain(reg, q, sealed_request.value("subject", ""),
                             sealed_request.value("justification", ""), &again, &now);
      !s.ok()) {
    log_->Write(Level::kError, "deciding an answer again failed", {{"error", s.message()}});
    return Problem(500, "INTERNAL", "the request's decision could not be read; nothing was sent");
  }
  if (!now.permit) {
    audit::LogEntry e = Event("answer-refused", audit::NowMillis(), user, q.protocol, q.version,
                              json{{"request", q.id}, {"decided_again", true}}.dump());
    e.decision = "deny";
    for (size_t i = 0; i < now.reason_count; ++i)
      e.reasons.emplace_back(decide::CodeName(now.reasons[i].code));
    auto recorded = Record(std::move(e));
    std::string rendered;
    decide::RenderJson(reg, again, now, &rendered);
    HttpResponse out = Problem(
        409, "NO_LONGER_PERMITTED",
        "request " + q.id + " was permitted when it was made, but the protocol in force now does " +
            "not permit the answer (see decision); nothing was sent, and the request stays " +
            "open to be declined");
    out.body.pop_back();
    if (recorded.ok()) out.body += ",\"audit_index\":" + std::to_string(*recorded);
    out.body += ",\"decision\":" + rendered + "}";
    return out;
  }
  const std::vector<std::string> allowed = decide::PermittedFields(reg, again, now);
  std::vector<std::string> refused;
  for (auto it = fields->begin(); it != fields->end(); ++it)
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
      refused.push_back(it.key());
  if (!refused.empty()) {
    // Not cut silently: the whole answer is refused, and the refusal is logged.
    audit::LogEntry e = Event("answer-refused", audit::NowMillis(), user, q.protocol, q.version,
                              json{{"request", q.id}, {"refused_fields", refused}}.dump());
    e.decision = "deny";
    e.reasons = {"DATA_NOT_COVERED"};
    auto recorded = Record(std::move(e));
    std::string names;
    for (const auto& f : refused) names += (names.empty() ? "" : ", ") + f;
    std::string permitted;
    for (const auto& f : allowed) permitted += (permitted.empty() ? "" : ", ") + f;
    const auto& in_force = *reg.protocols()[static_cast<size_t>(now.protocol)].source;
    HttpResponse out =
        Problem(422, "ANSWER_REFUSED",
                "fields." + refused.front() + ": not permitted by protocol " + in_force.id + " " +
                    in_force.version + " for this request (refused: " + names +
                    "; permitted: " + permitted + "); nothing was sent");
    if (recorded.ok()) {
      out.body.pop_back();
      out.body += ",\"audit_index\":" + std::to_string(*recorded) + "}";
    }
    return out;
  }
  const auto& in_force = *reg.protocols()[static_cast<size_t>(now.protocol)].source;
  store::Disclosure d;
  d.id = exchange::DisclosureVault::NewId();
  d.at_ms = audit::NowMillis();
  d.from_org = user.organisation;
  d.to_org = q.from_org;
  d.to_user = q.from_user;
  d.protocol = in_force.id;  // the version in force now, under which the answer goes
  d.version = in_force.version;
  d.subject_tag = q.subject_tag;
  if (now.has_retain_until) d.retain_until = Date{now.retain_until_days}.ToString();
  for (auto it = fields->begin(); it != fields->end(); ++it) d.fields.push_back(it.key());
  exchange::Sealed sealed = vault_->Seal(
      d.id,
      json{{"subject", sealed_request.value("subject", "")}, {"request", q.id}, {"fields", *fields}}
          .dump());
  d.nonce = sealed.nonce;
  d.ciphertext = sealed.ciphertext;
  d.wrapped_key = sealed.wrapped_key;
  // The entry carries the decision made again now, under which the answer goes.
  json event{{"disclosure", d.id},
             {"request", q.id},
             {"to", d.to_org},
             {"fields", d.fields},
             {"decided_again", true}};
  if (now.rule >= 0) event["rule"] = in_force.access[static_cast<size_t>(now.rule)].id;
  audit::LogEntry e = Event("disclosure", d.at_ms, user, d.protocol, d.version, event.dump());
  e.decision = "permit";
  e.payload_hash = "sha256:" + Sha256Hex(d.ciphertext);
  // Closing the request, the entry and the disclosure commit together: when two answers (or
  // an answer and a decline) race, on one node or several, the request closes once and only
  // the answer that closed it is logged and stored.
  store::Store* st = store_.get();
  auto recorded = committer_
                      ->Submit(
                          std::move(e),
                          [&d, st](uint64_t index) {
                            d.audit_index = index;
                            return st->PutDisclosure(d);
                          },
                          [&d, &q, &user, st] {
                            return st->CloseRequest(q.id, "answered", d.at_ms, user.id, "", d.id);
                          })
                      .get();
  Noted(recorded);
  if (recorded.status().code() == Status::Code::kAlreadyExists)
    return Problem(409, "NOT_OPEN",
                   "request " + q.id + " was answered or declined meanwhile; nothing was sent");
  if (!recorded.ok())
    return Problem(503, "AUDIT_UNAVAILABLE", "the answer could not be recorded, so it is not sent");
  HttpResponse out = Json(200, json{{"id", q.id},
                                    {"status", "answered"},
                                    {"disclosure", d.id},
                                    {"fields", d.fields},
                                    {"audit_index", d.audit_index}}
                                   .dump());
  out.log_outcome = "answered";
  return out;
}

HttpResponse Service::Decline(const HttpRequest& r, const store::User& user,
                              const store::ShareRequest& q) {
  auto body = JsonBody(r, {"reason"});
  if (!body.ok()) return BodyProblem(body.status());
  std::string reason;
  if (Status s = StringField(*body, "reason", true, &reason); !s.ok()) return BodyProblem(s);
  // The request closes in the transaction that logs the decline (see Answer).
  const int64_t at = audit::NowMillis();
  store::Store* st = store_.get();
  auto recorded = committer_
                      ->Submit(Event("decline", at, user, q.protocol, q.version,
                                     json{{"request", q.id}, {"reason", reason}}.dump()),
                               {},
                               [&q, &user, &reason, at, st] {
                                 return st->CloseRequest(q.id, "declined", at, user.id, reason, "");
                               })
                      .get();
  if (recorded.status().code() == Status::Code::kAlreadyExists)
    return Problem(409, "NOT_OPEN", "request " + q.id + " was answered or declined meanwhile");
  Noted(recorded);
  if (!recorded.ok())
    return Problem(503, "AUDIT_UNAVAILABLE", "the decline could not be recorded; try again");
  HttpResponse out = Json(
      200,
      json{{"id", q.id}, {"status", "declined"}, {"reason", reason}, {"audit_index", *recorded}}
          .dump());
  out.log_outcome = "declined";
  return out;
}

HttpResponse Service::ShowRequest(const store::User& user, const store::ShareRequest& q) {
  auto opened = vault_->Open(q.id, {q.nonce, q.ciphertext, q.wrapped_key});
  json out = RequestJson(q, user.organisation,
                         opened.ok() ? json::parse(*opened, nullptr, false) : json::object());
  if (q.status == "answered" && q.from_org == user.organisation) {
    auto d = store_->DisclosureById(q.disclosure_id);
    if (!d.ok() || !d->has_value())
      return Problem(500, "INTERNAL", "the answer's disclosure could not be read");
    auto content =
        vault_->Open(q.disclosure_id, {(*d)->nonce, (*d)->ciphertext, (*d)->wrapped_key});
    if (!content.ok()) return Problem(500, "INTERNAL", content.status().message());
    if (!Record(Event("disclosure-read", audit::NowMillis(), user, q.protocol, q.version,
                      json{{"disclosure", q.disclosure_id}, {"request", q.id}}.dump()))
             .ok())
      return Problem(503, "AUDIT_UNAVAILABLE", "the read could not be recorded, so it is refused");
    out["answer"] = json::parse(*content)["fields"];
  }
  return Json(200, out.dump());
}

namespace {

// A protocol's lint findings counted, as the listing and the findings carry them.
json CountsJson(const model::FindingCounts& c) {
  return {{"errors", c.errors}, {"warnings", c.warnings}, {"info", c.info}};
}

}  // namespace

HttpResponse Service::Protocols(const InForce& in_force, const HttpRequest& r,
                                const store::User* user) {
  const decide::CompiledRegistry& reg = *in_force.registry;
  if (auto params = OnlyParams(r, {}); !params.ok())
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
  auto params = OnlyParams(r, {"version"});
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

// The signed tree head in the form `concordat audit sth` prints and concordat-verify reads,
// with the log's public key beside it (an auditor should hold the key from the operator, not
// take it from the log it checks).
HttpResponse Service::Sth() {
  auto sth = store_->LatestSth();
  if (!sth.ok()) return Problem(500, "INTERNAL", "the signed tree head could not be read");
  // An empty log has no stored head: the empty tree's (RFC 9162: the hash of nothing), signed
  // now, so that an auditor of a new deployment holds a head to check later ones against.
  const audit::SignedTreeHead h =
      sth->has_value() ? **sth : signer_->Sign(0, audit::NowMillis(), audit::EmptyTreeHash());
  return Json(200, json{{"tree_size", h.tree_size},
                        {"timestamp", h.timestamp_ms},
                        {"root_hash", audit::ToHex(h.root)},
                        {"signature", audit::KeyToHex(h.signature.data(), h.signature.size())},
                        {"public_key", audit::KeyToHex(signer_->public_key().data(),
                                                       signer_->public_key().size())}}
                       .dump());
}

namespace {

// A tree size or entry number from the query or path: digits only.
Result<uint64_t> Number(const std::string& name, const std::string& text) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size())
    return Status::InvalidArgument(name + ": '" + text + "' is not a whole number");
  return n;
}

json HashArray(const std::vector<audit::Hash>& hashes) {
  json out = json::array();
  for (const auto& h : hashes) out.push_back(audit::ToHex(h));
  return out;
}

}  // namespace

// An inclusion proof in the form `concordat audit proof` prints and concordat-verify reads.
// The entry's own text (which the verifier hashes) is given to its own organisation only;
// anyone else gets its leaf hash.
HttpResponse Service::Proof(const HttpRequest& r, const store::User& user,
                            const std::string& index_text) {
  auto params = OnlyParams(r, {"tree_size"});
  if (!params.ok()) return Problem(400, "INVALID_REQUEST", params.status().message());
  auto index = Number("index", index_text);
  if (!index.ok()) return Problem(400, "INVALID_REQUEST", index.status().message());
  auto sth = store_->LatestSth();
  if (!sth.ok()) return Problem(500, "INTERNAL", "the signed tree head could not be read");
  const uint64_t signed_size = sth->has_value() ? (*sth)->tree_size : 0;
  uint64_t size = signed_size;
  if (auto it = params->find("tree_size"); it != params->end()) {
    auto n = Number("tree_size", it->second);
    if (!n.ok()) return Problem(400, "INVALID_REQUEST", n.status().message());
    if (*n > signed_size)
      return Problem(400, "INVALID_REQUEST",
                     "tree_size: " + it->second + " is beyond the signed log's " +
                         std::to_string(signed_size) + " entries");
    size = *n;
  }
  if (*index >= size)
    return Problem(404, "NOT_FOUND",
                   "entry " + index_text + " is not in the signed log of " + std::to_string(size) +
                       " entries");
  auto proof = audit_log_->InclusionProofFor(*index, size);
  auto root = audit_log_->RootFor(size);
  auto entry = store_->Entry(*index);
  if (!proof.ok() || !root.ok() || !entry.ok())
    return Problem(500, "INTERNAL", "the proof could not be read");
  json out = {{"index", *index},
              {"tree_size", size},
              {"leaf_hash", audit::ToHex(entry->leaf)},
              {"root_hash", audit::ToHex(*root)},
              {"proof", HashArray(*proof)}};
  auto decoded = audit::DecodeEntry(entry->encoded);
  if (decoded.ok() && decoded->organisation == user.organisation) out["entry"] = entry->encoded;
  return Json(200, out.dump());
}

// A consistency proof in the form `concordat audit consistency` prints: that the log of
// `second` entries extends the log of `first` unchanged.
HttpResponse Service::Consistency(const HttpRequest& r) {
  auto params = OnlyParams(r, {"first", "second"});
  if (!params.ok()) return Problem(400, "INVALID_REQUEST", params.status().message());
  auto sth = store_->LatestSth();
  if (!sth.ok()) return Problem(500, "INTERNAL", "the signed tree head could not be read");
  const uint64_t signed_size = sth->has_value() ? (*sth)->tree_size : 0;
  auto first_it = params->find("first");
  if (first_it == params->end())
    return Problem(400, "INVALID_REQUEST",
                   "first: required: the tree size of the earlier signed tree head you hold");
  auto first = Number("first", first_it->second);
  if (!first.ok()) return Problem(400, "INVALID_REQUEST", first.status().message());
  uint64_t second = signed_size;
  if (auto it = params->find("second"); it != params->end()) {
    auto n = Number("second", it->second);
    if (!n.ok()) return Problem(400, "INVALID_REQUEST", n.status().message());
    second = *n;
  }
  if (second > signed_size)
    return Problem(400, "INVALID_REQUEST",
                   "second: " + std::to_string(second) + " is beyond the signed log's " +
                       std::to_string(signed_size) + " entries");
  if (*first > second)
    return Problem(
        400, "INVALID_REQUEST",
        "first: " + std::to_string(*first) + " is after second (" + std::to_string(second) + ")");
  auto proof = audit_log_->ConsistencyProofFor(*first, second);
  auto first_root = audit_log_->RootFor(*first);
  auto second_root = audit_log_->RootFor(second);
  if (!proof.ok() || !first_root.ok() || !second_root.ok())
    return Problem(500, "INTERNAL", "the proof could not be read");
  return Json(200, json{{"first", *first},
                        {"second", second},
                        {"first_root", audit::ToHex(*first_root)},
                        {"second_root", audit::ToHex(*second_root)},
                        {"proof", HashArray(*proof)}}
                       .dump());
}

}  // namespace concordat::server
