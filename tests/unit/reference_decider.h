// A deliberately simple second implementation of the decision rules, written straight from
// ../shared/spec/protocol-format.md ("What the file means") and decision-api.md, with no
// index, no interning and no attention to speed. The differential test checks that the
// engine and this agree on every decision, protocol, rule, reason and warning.
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "decide/request.h"
#include "model/enums.h"
#include "model/protocol.h"
#include "model/registry.h"

namespace concordat::reference {

struct RefReason {
  std::string protocol;
  std::string code;
  std::string party;  // "requester", "provider" or ""
  std::string item;   // data category concerned, or ""
  bool operator<(const RefReason& o) const {
    return std::tie(protocol, code, party, item) < std::tie(o.protocol, o.code, o.party, o.item);
  }
  bool operator==(const RefReason& o) const = default;
};

struct RefDecision {
  bool permit = false;
  std::string protocol;  // "" when none, or several were tried
  std::string version;
  std::string rule;
  std::multiset<RefReason> reasons;
  std::multiset<std::string> warnings;  // "CODE/protocol/party"
  std::vector<std::string> fields;
  std::string retain_until;  // "" when none
};

class ReferenceDecider {
 public:
  ReferenceDecider(const model::Registry& registry, bool strict_review)
      : reg_(registry), strict_(strict_review) {}

  RefDecision Decide(const decide::Request& req, Instant default_at) const {
    const int64_t t = req.at ? req.at->seconds : default_at.seconds;
    RefDecision out;
    if (!req.protocol.empty()) {
      const model::Protocol* p = Applicable(req.protocol, t);
      if (!p) {
        out.reasons.insert({"", "NO_PROTOCOL", "", ""});
        return out;
      }
      Check(*p, req, t, &out);
      return out;
    }
    // Every protocol in force with both organisations as partners, by id; first permit wins.
    std::vector<std::string> ids;
    for (const auto& p : reg_.protocols) {
      if (std::find(ids.begin(), ids.end(), p.id) != ids.end()) continue;
      // "has both organisations as partners" in some version of it
      bool joins = false;
      for (const auto& q : reg_.protocols)
        if (q.id == p.id && req.requester.org != req.provider && q.FindPartner(req.requester.org) &&
            q.FindPartner(req.provider))
          joins = true;
      if (joins) ids.push_back(p.id);
    }
    std::sort(ids.begin(), ids.end());
    if (ids.empty()) {
      out.reasons.insert({"", "NO_PROTOCOL", "", ""});
      return out;
    }
    std::vector<const model::Protocol*> tried;
    RefDecision acc;
    for (const auto& id : ids) {
      const model::Protocol* p = Applicable(id, t);
      if (!InForce(*p, t) || !p->FindPartner(req.requester.org) || !p->FindPartner(req.provider))
        continue;
      RefDecision one;
      Check(*p, req, t, &one);
      if (one.permit) return one;
      tried.push_back(p);
      acc.reasons.insert(one.reasons.begin(), one.reasons.end());
      acc.warnings.insert(one.warnings.begin(), one.warnings.end());
      acc.protocol = one.protocol;
      acc.version = one.version;
      acc.rule = one.rule;
    }
    if (tried.empty()) {
      for (const auto& id : ids) {
        const model::Protocol* p = Applicable(id, t);
        RefDecision one;
        Check(*p, req, t, &one);
        tried.push_back(p);
        acc.reasons.insert(one.reasons.begin(), one.reasons.end());
        acc.warnings.insert(one.warnings.begin(), one.warnings.end());
        acc.protocol = one.protocol;
        acc.version = one.version;
        acc.rule = one.rule;
      }
    }
    if (tried.size() != 1) {
      acc.protocol.clear();
      acc.version.clear();
      acc.rule.clear();
    }
    return acc;
  }

 private:
  static int64_t Start(const Date& d) { return int64_t{d.days} * 86400; }

  static bool InForce(const model::Protocol& p, int64_t t) {
    return p.status == model::ProtocolStatus::kApproved && p.commences && Start(*p.commences) <= t;
  }

  // Highest approved version in force; when none is, the highest version.
  const model::Protocol* Applicable(const std::string& id, int64_t t) const {
    const model::Protocol* best_in_force = nullptr;
    const model::Protocol* highest = nullptr;
    for (const auto& p : reg_.protocols) {
      if (p.id != id) continue;
      if (!highest || model::CompareVersions(p.version, highest->version) > 0) highest = &p;
      if (InForce(p, t) &&
          (!best_in_force || model::CompareVersions(p.version, best_in_force->version) > 0))
        best_in_force = &p;
    }
    return best_in_force ? best_in_force : highest;
  }

  static bool Given(const std::string& s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return !isspace(static_cast<unsigned char>(c)); });
  }

  static bool Signed(const model::Partner& x, int64_t t) {
    return x.signatory && x.signatory->signed_on && Start(*x.signatory->signed_on) <= t;
  }

  static bool Withdrawn(const model::Protocol& p, const model::Partner& x, int64_t t) {
    return x.withdrawal_notice &&
           Start(x.withdrawal_notice->AddDays(p.withdrawal_notice_days.value_or(0))) <= t;
  }

  static bool HasCriminalBasis(const model::LegalBasis& b) {
    for (const auto& c : b.dpa_part3.values)
      if (model::IsKnownDpaPart3Condition(c)) return true;
    if (b.article6.values.empty()) return false;
    for (const auto& c : b.article10.values)
      if (model::IsKnownArticle10Condition(c)) return true;
    return false;
  }

  void Check(const model::Protocol& p, const decide::Request& req, int64_t t,
             RefDecision* out) const {
    out->protocol = p.id;
    out->version = p.version;
    auto reason = [&](const std::string& code, const std::string& party = "",
                      const std::string& item = "") {
      out->reasons.insert({p.id, code, party, item});
    };
    if (p.status != model::ProtocolStatus::kApproved) reason("NOT_APPROVED");
    if (!p.commences || Start(*p.commences) > t) reason("NOT_COMMENCED");
    const model::Partner* rq = p.FindPartner(req.requester.org);
    const model::Partner* pv = p.FindPartner(req.provider);
    if (!rq) reason("REQUESTER_NOT_PARTNER", "requester");
    if (!pv) reason("PROVIDER_NOT_PARTNER", "provider");
    if (rq && !Signed(*rq, t)) reason("NOT_SIGNED", "requester");
    if (pv && !Signed(*pv, t)) reason("NOT_SIGNED", "provider");
    if (rq && Withdrawn(p, *rq, t)) reason("PARTNER_WITHDRAWN", "requester");
    if (pv && Withdrawn(p, *pv, t)) reason("PARTNER_WITHDRAWN", "provider");
    if (rq && rq->accesses != true) reason("REQUESTER_CANNOT_ACCESS", "requester");
    if (pv && pv->provides != true) reason("PROVIDER_CANNOT_PROVIDE", "provider");

    bool personal = false, special = false, criminal = false;
    std::string first_personal, first_special, first_criminal;
    for (const auto& id : req.data) {
      const model::DataCategory* d = p.FindData(id);
      if (!d) {
        reason("DATA_NOT_COVERED", "", id);
        continue;
      }
      if (!pv || (d->provider != model::kAllPartners && d->provider != req.provider))
        reason("DATA_NOT_COVERED", "provider", id);
      bool to_requester =
          rq && (std::count(d->recipients.begin(), d->recipients.end(), model::kAllPartners) ||
                 std::count(d->recipients.begin(), d->recipients.end(), req.requester.org));
      if (!to_requester) reason("DATA_NOT_COVERED", "requester", id);
      if (d->kind == model::DataKind::kPersonal || d->kind == model::DataKind::kSpecialCategory) {
        if (!personal) first_personal = id;
        personal = true;
      }
      if (d->kind == model::DataKind::kSpecialCategory) {
        if (!special) first_special = id;
        special = true;
      }
      if (d->kind == model::DataKind::kCriminalOffence) {
        if (!criminal) first_criminal = id;
        criminal = true;
      }
    }
    if (!Given(req.purpose) || std::find(p.purpose.tags.begin(), p.purpose.tags.end(),
                                         req.purpose) == p.purpose.tags.end())
      reason("PURPOSE_NOT_COVERED");
    if (std::find(p.formats.begin(), p.formats.end(), req.format) == p.formats.end())
      reason("FORMAT_NOT_ALLOWED");
    for (auto [x, party] : {std::pair{rq, "requester"}, std::pair{pv, "provider"}}) {
      if (!x) continue;
      model::LegalBasis b = model::EffectiveBasis(*x);
      if (personal && b.article6.values.empty()) reason("NO_LEGAL_BASIS", party, first_personal);
      if (criminal && !HasCriminalBasis(b)) reason("NO_LEGAL_BASIS", party, first_criminal);
      if (special && b.article9.values.empty())
        reason("NO_SPECIAL_CATEGORY_CONDITION", party, first_special);
    }
    if (p.review.due && Start(p.review.due->AddDays(1)) <= t) {
      if (strict_)
        reason("REVIEW_OVERDUE");
      else
        out->warnings.insert("REVIEW_OVERDUE/" + p.id + "/");
    }
    if (rq && rq->withdrawal_notice && !Withdrawn(p, *rq, t))
      out->warnings.insert("WITHDRAWAL_PENDING/" + p.id + "/requester");
    if (pv && pv->withdrawal_notice && !Withdrawn(p, *pv, t))
      out->warnings.insert("WITHDRAWAL_PENDING/" + p.id + "/provider");

    // Access rules for this requester, provider and format.
    const model::AccessRule* best = nullptr;
    std::multiset<RefReason> best_reasons;
    if (rq && pv) {
      for (const auto& r : p.access) {
        if (r.partner != rq->id || r.provider != pv->id || r.format != req.format) continue;
        std::multiset<RefReason> rr;
        auto fail = [&](const std::string& code, const std::string& item = "") {
          rr.insert({p.id, code, "", item});
        };
        bool named = std::count(r.users.begin(), r.users.end(), req.requester.user) > 0 &&
                     !req.requester.user.empty();
        bool role = false;
        for (const auto& x : req.requester.roles)
          role = role || std::count(r.roles.begin(), r.roles.end(), x) > 0;
        if (!(r.users.empty() && r.roles.empty()) && !named && !role) fail("ROLE_NOT_AUTHORISED");
        if (!r.locations.empty() &&
            std::count(r.locations.begin(), r.locations.end(), req.requester.location) == 0)
          fail("LOCATION_NOT_ALLOWED");
        if (!r.devices.empty() &&
            std::count(r.devices.begin(), r.devices.end(), req.requester.device) == 0)
          fail("DEVICE_NOT_ALLOWED");
        if (!r.purposes.empty() &&
            (!Given(req.purpose) ||
             std::count(r.purposes.begin(), r.purposes.end(), req.purpose) == 0))
          fail("PURPOSE_NOT_COVERED");
        bool need_j =
            std::count(r.require.begin(), r.require.end(), model::Requirement::kJustification) > 0;
        bool need_a =
            std::count(r.require.begin(), r.require.end(), model::Requirement::kAuditReference) > 0;
        if (need_j && !Given(req.justification)) fail("JUSTIFICATION_REQUIRED");
        if (need_a && !Given(req.audit_reference)) fail("AUDIT_REFERENCE_REQUIRED");
        if (!r.data.empty())
          for (const auto& id : req.data)
            if (std::count(r.data.begin(), r.data.end(), id) == 0) fail("DATA_NOT_COVERED", id);
        if (req.action == decide::Action::kWrite && r.mode == model::AccessMode::kReadOnly)
          fail("READ_ONLY");
        if (!best || rr.size() < best_reasons.size()) {
          best = &r;
          best_reasons = rr;
        }
      }
    }
    if (best) {
      out->rule = best->id;
      out->reasons.insert(best_reasons.begin(), best_reasons.end());
    }
    out->permit = out->reasons.empty();
    if (out->permit) {
      for (const auto& id : req.data)
        if (const model::DataCategory* d = p.FindData(id))
          for (const auto& f : d->fields)
            if (std::find(out->fields.begin(), out->fields.end(), f) == out->fields.end())
              out->fields.push_back(f);
      if (rq->retention_days)
        out->retain_until = Instant{t}.ToDate().AddDays(*rq->retention_days).ToString();
    } else {
      out->fields.clear();
    }
  }

  const model::Registry& reg_;
  bool strict_;
};

}  // namespace concordat::reference
