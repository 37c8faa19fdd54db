#include "server/service.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "base/date.h"
#include "base/sha256.h"
#include "model/canonical.h"
#include "model/enums.h"
#include "model/lint.h"
#include "server/answers.h"
#include "server/http_input.h"
#include "server/registry_dirs.h"
#include "server/tls_identity.h"

namespace concordat::server {

using json = nlohmann::json;

namespace {

// Liveness: GET or HEAD (what load balancers send); anything else is told so.
HttpResponse Health(const HttpRequest& r) {
  if (r.method != "GET" && r.method != "HEAD")
    return NotAllowed("GET, HEAD", "/healthz takes GET or HEAD");
  return Json(200, "{\"status\":\"ok\"}");
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
  s->lookups_per_hour_ = config.lookups_per_user_per_hour;
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
  config_.lookups_per_user_per_hour = next.lookups_per_user_per_hour;
  lookups_per_hour_ = next.lookups_per_user_per_hour;
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

int64_t Service::AccessEnds(const std::string& expires_at) {
  if (expires_at.empty()) return std::numeric_limits<int64_t>::max();
  const auto end = Instant::Parse(expires_at);
  return end ? end->seconds : std::numeric_limits<int64_t>::min();
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
  const char* whose = by_certificate ? "the user of this client certificate" : "the bearer token";
  auto usable = [whose](const CachedUser& c) -> Result<store::User> {
    if (!c.user.revoked_at.empty())
      return Status::NotFound(std::string(whose) + " was revoked at " + c.user.revoked_at);
    // Fails closed: an end of access that cannot be read (AccessEnds) has passed.
    if (c.access_ends <= std::time(nullptr))
      return Status::NotFound(std::string(whose) + " expired at " + c.user.expires_at +
                              " (the user's access ended); ask for a new token (concordat user "
                              "token --id " +
                              c.user.id + ")");
    return c.user;
  };
  auto unknown = [by_certificate] {
    return Status::NotFound(by_certificate
                                ? "the client certificate is not registered to a user; this "
                                  "needs a bearer token (Authorization: Bearer <token>)"
                                : "the bearer token is not known");
  };
  {
    std::lock_guard<std::mutex> lock(users_mu_);
    if (auto it = users_.find(hash); it != users_.end() && now - it->second.read_at < token_cache_)
      return usable(it->second);
    // A token found to be no one's is not looked for again within the cache time either, so
    // that a flood of made-up tokens costs the store one read each, not one per request.
    if (auto it = unknown_.find(hash); it != unknown_.end() && now - it->second < token_cache_)
      return unknown();
  }
  user_reads_.fetch_add(1, std::memory_order_relaxed);
  auto user = by_certificate ? store_->UserByCertificate(r.client_fingerprint)
                             : store_->UserByTokenHash(hash);
  if (!user.ok()) return user.status();
  std::lock_guard<std::mutex> lock(users_mu_);
  if (!user->has_value()) {
    users_.erase(hash);
    if (unknown_.size() >= kMaxUnknownKept) unknown_.clear();  // bounded, whatever is sent
    unknown_[hash] = now;
    return unknown();
  }
  unknown_.erase(hash);
  const int64_t ends = AccessEnds((*user)->expires_at);
  const CachedUser& cached = users_[hash] = CachedUser{std::move(**user), now, ends};
  return usable(cached);
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
  } else if (path == "/v1/me") {
    if (!read) return NotAllowed("GET, HEAD", "/v1/me takes GET");
    if (auto params = OnlyParams(r.target, {}); !params.ok())
      return Problem(400, "INVALID_REQUEST", params.status().message());
    out = Me(*in_force, r, *who);
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
  g.lookups_over_quota = lookups_over_quota_.load(std::memory_order_relaxed);
  g.user_reads = user_reads_.load(std::memory_order_relaxed);
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
  // Access that has ended or soon will: a partner's system whose token nobody renewed stops
  // working, and the IT team should hear of it first.
  if (auto users = store_->Users(); users.ok()) {
    const int64_t now = std::time(nullptr);
    const int64_t soon = now + int64_t{kAccessEndingSoonDays} * 86400;
    g.users_access_ended = g.users_access_ending_soon = 0;
    for (const store::User& u : *users) {
      if (!u.revoked_at.empty()) continue;
      const int64_t ends = AccessEnds(u.expires_at);
      if (ends <= now)
        ++g.users_access_ended;
      else if (ends <= soon)
        ++g.users_access_ending_soon;
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

HttpResponse Service::Run(Plan plan) {
  if (plan.now) return std::move(*plan.now);
  auto receipts = committer_->SubmitTogether(std::move(plan.entries), std::move(plan.hooks));
  const Result<uint64_t> index = receipts.back().get();
  Noted(index);
  return plan.finish(index);
}
}  // namespace concordat::server
