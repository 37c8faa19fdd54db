// Disclosures: GET /v1/disclosures (what an organisation sent and received) and
// GET /v1/disclosures/{id} (one's content, the reading recorded).

#include <nlohmann/json.hpp>

#include "base/date.h"
#include "server/answers.h"
#include "server/http_input.h"
#include "server/list_params.h"
#include "server/log_records.h"
#include "server/service.h"

namespace concordat::server {

using json = nlohmann::json;

Result<store::ListQuery> Service::ListQueryOf(const HttpRequest& r, const store::User& user,
                                              bool requests) {
  return ParseListTarget(r.target, user.organisation, requests,
                         [this](const std::string& s) { return vault_->SubjectTag(s); });
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

}  // namespace concordat::server
