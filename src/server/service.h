// What concordatd does with one HTTP request, independent of the transport: authenticate,
// establish site and device from the connection, route, decide, audit, answer. The HTTPS layer
// (https_server.h) fills an HttpRequest from the connection and writes the HttpResponse back.
//
// Every answer that is not a success is a JSON problem document
// {"status": N, "code": "...", "message": "..."} naming the field concerned. Handle() is safe
// to call from many threads; it blocks while an audit entry is made durable.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "audit/log.h"
#include "decide/decision.h"
#include "decide/index.h"
#include "decide/request.h"
#include "exchange/disclosure_vault.h"
#include "exchange/sql_source.h"
#include "model/protocol.h"
#include "server/config.h"
#include "server/lint_memo.h"
#include "server/log_lines.h"
#include "server/lookup_quota.h"
#include "server/metrics.h"
#include "server/registry_dirs.h"
#include "server/repeated_failures.h"
#include "server/site_networks.h"
#include "store/store.h"

namespace concordat::server {

struct HttpRequest {
  std::string method;
  std::string target;         // path and query
  std::string authorization;  // the Authorization header, as sent
  std::string content_type;
  std::string body;
  // Established by the server from the connection, never from the request.
  std::string peer_address;        // e.g. "127.0.0.2"
  std::string client_fingerprint;  // "sha256:..." of the client certificate, or ""
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // with a 405: the methods the resource takes (the Allow header)
  // For the request log line (never personal data): who and what was decided.
  std::string log_user, log_org, log_outcome;
  std::optional<uint64_t> log_audit_index;  // the last audit entry the request recorded
  int retry_after_seconds = 0;  // sent as Retry-After when above 0 (a 503 has 5 otherwise)
};

// What a request is decided with: the protocols in force, the sites and devices by which the
// server places a connection, and the providers' systems of record. Taken once when a request
// starts; a reload replaces it whole.
struct InForce {
  std::shared_ptr<const decide::CompiledRegistry> registry;
  SiteNetworks sites;
  std::unordered_map<std::string, std::string> devices;                 // fingerprint -> device
  std::map<std::string, std::shared_ptr<exchange::SqlSource>> sources;  // by provider
  std::unique_ptr<LintMemo> lint;           // the registry's findings by day (after `registry`)
  std::vector<std::string> content_hashes;  // model::ContentHash of each registry protocol

  // The device whose pinned certificate has this fingerprint; "" for none.
  std::string DeviceOf(const std::string& fingerprint) const;
};

class Service {
 public:
  // `config_path` is the file `config` was read from ("" for the defaults): Reload() reads it.
  static Result<std::unique_ptr<Service>> Open(const ServerConfig& config, LogLines* log,
                                               std::string config_path = "");
  ~Service();

  HttpResponse Handle(const HttpRequest& request);
  // Decisions and look-ups without holding a thread while their audit entries become
  // durable. Once they are, the log's writer thread calls `resume` with a function that
  // makes the response and gives it to `done`: `resume` must only hand that function on to
  // the thread that should run it (the connection's), so the single writer does no more.
  // Returns false, having done nothing, for anything else: call Handle() for it.
  using Resume = std::function<void(std::function<void()>)>;
  bool TryHandleAsync(const HttpRequest& request, const Resume& resume,
                      std::function<void(HttpResponse)> done);
  bool Ready();  // the store answers

  // SIGHUP: reads the configuration file again (when the service was opened with one) and
  // the registry directories it names. If the file loads, every site, connector and protocol
  // file is good, and no version already in force has changed its content, the new sites,
  // devices, connectors and protocols are put in force together for requests that start from
  // then on (requests under way finish with what they started with), the protocol versions
  // new to the store are recorded in the audit log first, and log_level applies. Otherwise
  // nothing changes, and the error (logged too) names the file and what is wrong. Keys that
  // take a restart (store, keys, listen, tls, limits, threads) keep their running values; a
  // change to one is named in a warning line.
  Status Reload();
  // What requests are decided with now. A request takes this once and uses it throughout, so
  // that a reload never mixes two sets in one decision.
  std::shared_ptr<const InForce> Current() const;

  // The counters GET /metrics shows; the transport adds what it answers and its gauges.
  ServerMetrics* metrics() { return &metrics_; }

 private:
  Service() = default;
  struct Caller;
  Result<store::User> Authenticate(const HttpRequest& r);
  HttpResponse Route(const HttpRequest& r);  // Handle() without its log line's bookkeeping
  // What a request needs: an answer now, or entries to log and the answer once they are.
  struct Plan {
    std::optional<HttpResponse> now;
    std::vector<audit::LogEntry> entries;
    std::vector<audit::Log::WithEntry> hooks;
    std::function<HttpResponse(const Result<uint64_t>&)> finish;  // the last entry's index
  };
  Plan DecidePlan(const InForce& in_force, const HttpRequest& r, const store::User& user);
  // A look-up: LookupPlan() does it all, blocking on the source; on a network thread it is done
  // in two halves. StartLookup() decides it, and when the decision permits it and a source is
  // connected, sets `fetch`: then the record is read from `source` and FinishLookup() makes the
  // rest of the plan with it. Otherwise `plan` is complete.
  struct LookupStart {
    Plan plan;  // the decision's entry, and `now` or `finish` when nothing is to be fetched
    bool fetch = false;
    std::shared_ptr<exchange::SqlSource> source;
    std::string provider, category;
    decide::Request request;
    decide::Decision decision;
    std::string subject_tag;
    std::shared_ptr<std::string> rendered;  // the decision as JSON
  };
  Plan LookupPlan(const InForce& in_force, const HttpRequest& r, const store::User& user,
                  const std::string& rest);
  LookupStart StartLookup(const InForce& in_force, const HttpRequest& r, const store::User& user,
                          const std::string& rest);
  Plan FinishLookup(const InForce& in_force, const store::User& user, LookupStart start,
                    Result<std::optional<exchange::Record>> record);
  // A look-up on a network thread waiting for its record. It waits only until the thread's
  // queue has run what was in it when the look-up came (FlushLookups, posted through
  // `resume`): then every look-up waiting on that thread is read from its source, one read of
  // each source for all of them, and each goes on to the log. All of them had arrived before
  // the read began, so each sees everything the source had committed when it arrived.
  struct PendingLookup {
    Service* service;
    std::shared_ptr<const InForce> in_force;
    store::User user;
    LookupStart start;
    Resume resume;
    std::function<void(HttpResponse)> done;
  };
  static std::vector<PendingLookup>& PendingLookups();  // this thread's
  static void FlushLookups();
  // Hands a plan's entries to the log's writer and, once they are durable (or have failed),
  // the response to `done` on the thread `resume` names; a plan answered now, to `done` now.
  void SubmitPlan(Plan plan, const Resume& resume, std::function<void(HttpResponse)> done);
  HttpResponse Run(Plan plan);  // blocking
  // A listing's parameters (server/list_params.h) for the caller's organisation, a subject
  // found by its keyed hash.
  Result<store::ListQuery> ListQueryOf(const HttpRequest& r, const store::User& user,
                                       bool requests);
  HttpResponse Disclosures(const HttpRequest& r, const store::User& user);
  HttpResponse CreateRequest(const InForce& in_force, const HttpRequest& r,
                             const store::User& user);
  HttpResponse ListRequests(const HttpRequest& r, const store::User& user);
  HttpResponse RequestAction(const decide::CompiledRegistry& reg, const HttpRequest& r,
                             const store::User& user, const std::string& rest);
  HttpResponse Answer(const decide::CompiledRegistry& reg, const HttpRequest& r,
                      const store::User& user, const store::ShareRequest& q);
  // The request decided again as of now, with the requester as its own decision recorded them
  // (organisation, user, roles, site, device when they asked): an answer goes only where the
  // protocol in force still permits it. `subject` and `justification` come from the sealed
  // request.
  Status DecideAgain(const decide::CompiledRegistry& reg, const store::ShareRequest& q,
                     const std::string& subject, const std::string& justification,
                     decide::Request* request, decide::Decision* decision);
  // Closes an open request without an answer, with the body's reason, logged as `kind`: the
  // provider's "decline" (status "declined") or the requester's "cancel" ("cancelled").
  HttpResponse Close(const HttpRequest& r, const store::User& user, const store::ShareRequest& q,
                     const char* kind, const char* status);
  HttpResponse ShowRequest(const store::User& user, const store::ShareRequest& q);
  HttpResponse DisclosureContent(const std::string& id, const store::User& user);
  // Fills the requester from the caller and the connection, decides now, and returns the
  // decision's log entry, not yet recorded; `subject_tag`, when given, receives the subject's
  // keyed hash (as the entry holds it).
  audit::LogEntry DecideNow(const InForce& in_force, const HttpRequest& r, const store::User& user,
                            decide::Request* request, decide::Decision* decision,
                            std::string* subject_tag = nullptr);
  Result<uint64_t> Record(audit::LogEntry entry);
  // The index of the last entry recorded on this thread (Noted), which Handle() clears when a
  // request begins and puts in its answer's log line when it ends: a request handled by
  // Handle() runs on one worker thread from start to end.
  static std::optional<uint64_t>& LastRecordedHere() {
    thread_local std::optional<uint64_t> last;
    return last;
  }
  // Tells the operators' log that an entry could not be recorded, or was again after failures
  // (RepeatedFailures). A precondition that left the entry out (kAlreadyExists) is neither.
  // Also keeps the index as the last this thread recorded (for the request's log line).
  void Noted(const Result<uint64_t>& index) {
    if (index.ok()) {
      audit_failures_->Succeeded();
      LastRecordedHere() = *index;
    } else if (index.status().code() != Status::Code::kAlreadyExists)
      audit_failures_->Failed(index.status());
  }
  // The same for a provider's system of record: `error` when a look-up could not read it,
  // nullptr when one did. Costs one atomic load while no source is failing.
  void SourceNoted(const std::string& provider, const Status* error);
  // Each protocol version new to the store becomes a "lifecycle" entry of the log and its
  // canonical text in the store, together, before any decision can use it. How many were
  // recorded (one another node recorded meanwhile is left out).
  Result<size_t> RecordNewVersions(const std::vector<NewVersion>& fresh);
  HttpResponse Protocols(const InForce& in_force, const HttpRequest& r, const store::User* user);
  HttpResponse Protocol(const InForce& in_force, const HttpRequest& r, const std::string& id,
                        const store::User* user);
  HttpResponse ProtocolFindings(const InForce& in_force, const HttpRequest& r,
                                const std::string& id, const store::User* user);
  HttpResponse Sth();
  HttpResponse Proof(const HttpRequest& r, const store::User& user, const std::string& index_text);
  HttpResponse Consistency(const HttpRequest& r);
  HttpResponse Metrics(const store::User& user);
  // GET /v1/me: who, where and on what device the server takes the caller to be.
  HttpResponse Me(const InForce& in_force, const HttpRequest& r, const store::User& user);

  ServerConfig config_;
  LogLines* log_ = nullptr;
  ServerMetrics metrics_;
  Histogram commit_durations_;  // each audit batch's append, by the log's writer
  std::unique_ptr<RepeatedFailures> audit_failures_;  // says when the log cannot be written
  // Says when a provider's system cannot be read, per provider; made at its first failure.
  std::atomic<int> sources_failing_{0};
  std::mutex source_failures_mu_;
  std::map<std::string, std::unique_ptr<RepeatedFailures>> source_failures_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<audit::Signer> signer_;
  std::unique_ptr<audit::Log> audit_log_;
  std::unique_ptr<audit::GroupCommitter> committer_;
  std::string config_path_;
  mutable std::mutex in_force_mu_;  // guards in_force_ (the pointer, not what it points to)
  std::shared_ptr<const InForce> in_force_;
  std::mutex reload_mu_;  // one reload at a time
  std::optional<exchange::DisclosureVault> vault_;
  // Users by token hash, as the store last said, and when: a cached user is read again after
  // token_cache_seconds, so that a revoked token stops working within that time.
  struct CachedUser {
    store::User user;
    std::chrono::steady_clock::time_point read_at;
    int64_t access_ends = 0;  // AccessEnds(user.expires_at), worked out once
  };
  // When access given until `expires_at` ends, in seconds since the epoch: never (the largest
  // value) for "", and already (the smallest) for text that is not a time, so that a damaged
  // row refuses rather than admits.
  static int64_t AccessEnds(const std::string& expires_at);
  std::chrono::seconds token_cache_{30};
  // Each user's look-ups this hour (lookups_per_user_per_hour, which a reload may change), and
  // how many were refused for it since start.
  LookupQuota lookup_quota_;
  std::atomic<int> lookups_per_hour_{600};
  std::atomic<uint64_t> lookups_over_quota_{0};
  std::mutex users_mu_;
  std::unordered_map<std::string, CachedUser> users_;
  // Token hashes (and certificate fingerprints) the store knew no user for, and when it said so;
  // at most kMaxUnknownKept (then forgotten all at once). Guarded by users_mu_.
  static constexpr size_t kMaxUnknownKept = 65536;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> unknown_;
  std::atomic<uint64_t> user_reads_{0};  // users read from the store (not from the cache)
};

// A JSON problem document.
HttpResponse Problem(int status, const std::string& code, const std::string& message);

}  // namespace concordat::server
