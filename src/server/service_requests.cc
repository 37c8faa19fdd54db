// Request and response: POST /v1/requests, GET /v1/requests, GET /v1/requests/{id}, the
// provider's answer and decline, and the requester's cancelling.

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "base/date.h"
#include "base/sha256.h"
#include "decide/engine.h"
#include "decide/render.h"
#include "server/answers.h"
#include "server/http_input.h"
#include "server/list_params.h"
#include "server/log_records.h"
#include "server/service.h"

namespace concordat::server {

using json = nlohmann::json;

HttpResponse Service::CreateRequest(const InForce& in_force, const HttpRequest& r,
                                    const store::User& user) {
  const decide::CompiledRegistry& reg = *in_force.registry;
  auto body = JsonBody(
      r.content_type, r.body,
      {"provider", "data", "purpose", "subject", "justification", "audit_reference", "protocol"});
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
  audit::LogEntry entry = DecideNow(in_force, r, user, &request, &decision);
  std::string rendered;
  decide::RenderJson(reg, request, decision, &rendered);
  if (!decision.permit) {
    auto denied = Record(std::move(entry));
    if (!denied.ok())
      return Problem(503, "AUDIT_UNAVAILABLE",
                     "the decision could not be recorded in the audit log, so nothing was sent");
    return Denied("request", *denied, rendered);
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
  // The permit and the request it opens commit together, in one transaction: the log never
  // holds a permitted request the provider cannot see, nor the store a request without its
  // decision.
  store::Store* st = store_.get();
  auto decided = committer_
                     ->Submit(std::move(entry),
                              [&q, st](uint64_t index) {
                                q.decision_index = index;
                                return st->PutRequest(q);
                              })
                     .get();
  Noted(decided);
  if (!decided.ok())
    return Problem(503, "AUDIT_UNAVAILABLE",
                   "the request and its decision could not be recorded, so nothing was sent");
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

// A request's sealed part (its subject and justification), or null when it does not open (an
// altered row, a master key that is not the one it was sealed with): said in the operators'
// log, never passed over as an empty subject.
json SealedPart(const exchange::DisclosureVault& vault, LogLines* log,
                const store::ShareRequest& q) {
  auto opened = vault.Open(q.id, {q.nonce, q.ciphertext, q.wrapped_key});
  json j = opened.ok() ? json::parse(*opened, nullptr, false) : json();
  if (j.is_object()) return j;
  log->Write(Level::kError, "a request's sealed subject and justification do not open",
             {{"request", q.id},
              {"error", opened.ok() ? std::string("not JSON") : opened.status().message()}});
  return nullptr;
}

// A request as its two organisations see it; `sealed` is SealedPart (null: shown as null).
json RequestJson(const store::ShareRequest& q, const std::string& org, const json& sealed) {
  const bool closed = q.status != "open";
  return json{
      {"id", q.id},
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
      {"subject", sealed.is_object() ? sealed.value("subject", json()) : json()},
      {"justification", sealed.is_object() ? sealed.value("justification", json()) : json()},
      {"audit_reference", q.audit_reference},
      {"allowed_fields", q.allowed_fields},
      {"status", q.status},
      {"closed_at", closed ? json(FormatMillisUtc(q.closed_at_ms)) : json(nullptr)},
      {"closed_by", TextOrNull(q.closed_by)},
      // The store keeps one reason for closing without an answer: the provider's for a
      // decline, the requester's for a cancelling.
      {"decline_reason", TextOrNull(q.status == "declined" ? q.decline_reason : "")},
      {"cancel_reason", TextOrNull(q.status == "cancelled" ? q.decline_reason : "")},
      {"disclosure", TextOrNull(q.disclosure_id)}};
}
}  // namespace

HttpResponse Service::ListRequests(const HttpRequest& r, const store::User& user) {
  auto query = ListQueryOf(r, user, /*requests=*/true);
  if (!query.ok()) return Problem(400, "INVALID_REQUEST", query.status().message());
  auto list = store_->RequestsOf(*query);
  if (!list.ok()) return Problem(500, "INTERNAL", "the requests could not be read");
  json out = json::array();
  for (const auto& q : *list)
    out.push_back(RequestJson(q, user.organisation, SealedPart(*vault_, log_, q)));
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
  if (action != "answer" && action != "decline" && action != "cancel")
    return Problem(404, "NOT_FOUND", "a request's actions are answer, decline and cancel");
  if (r.method != "POST") return NotAllowed("POST", action + " takes POST");
  if (action == "cancel" && (*q)->from_org != user.organisation)
    return Problem(403, "NOT_REQUESTER",
                   "only " + (*q)->from_org + ", who made the request, may cancel it");
  if (action != "cancel" && (*q)->to_org != user.organisation)
    return Problem(403, "NOT_PROVIDER",
                   "only " + (*q)->to_org + ", to whom the request is addressed, may " + action);
  // Checked here for a clear answer; an answer, decline or cancelling racing this one on any
  // node is caught where the request closes, in the transaction that logs it (Answer, Close).
  if ((*q)->status != "open")
    return Problem(409, "NOT_OPEN", "request " + id + " is already " + (*q)->status);
  if (action == "answer") return Answer(reg, r, user, **q);
  return action == "decline" ? Close(r, user, **q, "decline", "declined")
                             : Close(r, user, **q, "cancel", "cancelled");
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
  auto body = JsonBody(r.content_type, r.body, {"fields"});
  if (!body.ok()) return BodyProblem(body.status());
  auto fields = body->find("fields");
  if (fields == body->end() || !fields->is_object() || fields->empty())
    return Problem(400, "INVALID_REQUEST", "fields: required: an object of field -> value");
  for (auto it = fields->begin(); it != fields->end(); ++it)
    if (!it.value().is_string())
      return Problem(400, "INVALID_REQUEST", "fields." + it.key() + ": expected a string");
  const json sealed_request = SealedPart(*vault_, log_, q);
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
    return Problem(
        409, "NOT_OPEN",
        "request " + q.id + " was answered, declined or cancelled meanwhile; nothing was sent");
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

HttpResponse Service::Close(const HttpRequest& r, const store::User& user,
                            const store::ShareRequest& q, const char* kind, const char* status) {
  auto body = JsonBody(r.content_type, r.body, {"reason"});
  if (!body.ok()) return BodyProblem(body.status());
  std::string reason;
  if (Status s = StringField(*body, "reason", true, &reason); !s.ok()) return BodyProblem(s);
  // The request closes in the transaction that logs it (see Answer).
  const int64_t at = audit::NowMillis();
  store::Store* st = store_.get();
  auto recorded = committer_
                      ->Submit(Event(kind, at, user, q.protocol, q.version,
                                     json{{"request", q.id}, {"reason", reason}}.dump()),
                               {},
                               [&q, &user, &reason, at, st, status] {
                                 return st->CloseRequest(q.id, status, at, user.id, reason, "");
                               })
                      .get();
  if (recorded.status().code() == Status::Code::kAlreadyExists)
    return Problem(409, "NOT_OPEN",
                   "request " + q.id + " was answered, declined or cancelled meanwhile");
  Noted(recorded);
  if (!recorded.ok())
    return Problem(503, "AUDIT_UNAVAILABLE",
                   std::string("the ") + kind + " could not be recorded; try again");
  HttpResponse out = Json(
      200, json{{"id", q.id}, {"status", status}, {"reason", reason}, {"audit_index", *recorded}}
               .dump());
  out.log_outcome = status;
  return out;
}

HttpResponse Service::ShowRequest(const store::User& user, const store::ShareRequest& q) {
  json out = RequestJson(q, user.organisation, SealedPart(*vault_, log_, q));
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

}  // namespace concordat::server
