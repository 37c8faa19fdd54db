#include "decide/engine.h"

#include <algorithm>

namespace concordat::decide {
namespace {

bool Contains(const std::vector<Sym>& v, Sym s) {
  if (s == kNoSym) return false;
  for (Sym x : v)
    if (x == s) return true;
  return false;
}

// The request with its strings looked up once: fixed arrays, no allocation.
struct Interned {
  Sym requester = kNoSym;
  Sym provider = kNoSym;
  Sym user = kNoSym;
  Sym location = kNoSym;
  Sym device = kNoSym;
  Sym purpose = kNoSym;
  bool has_purpose = false;
  bool justification = false;
  bool audit_reference = false;
  size_t role_count = 0;
  Sym roles[kMaxRoles];
  size_t data_count = 0;
  Sym data[kMaxData];
};

void InternRequest(const SymbolTable& syms, const Request& r, Interned* in) {
  in->requester = syms.Find(r.requester.org);
  in->provider = syms.Find(r.provider);
  in->user = r.requester.user.empty() ? kNoSym : syms.Find(r.requester.user);
  in->location = r.requester.location.empty() ? kNoSym : syms.Find(r.requester.location);
  in->device = r.requester.device.empty() ? kNoSym : syms.Find(r.requester.device);
  in->has_purpose = IsGiven(r.purpose);
  in->purpose = in->has_purpose ? syms.Find(r.purpose) : kNoSym;
  in->justification = IsGiven(r.justification);
  in->audit_reference = IsGiven(r.audit_reference);
  in->role_count = std::min(r.requester.roles.size(), kMaxRoles);
  for (size_t i = 0; i < in->role_count; ++i) in->roles[i] = syms.Find(r.requester.roles[i]);
  in->data_count = std::min(r.data.size(), kMaxData);
  for (size_t i = 0; i < in->data_count; ++i) in->data[i] = syms.Find(r.data[i]);
}

// Reasons of one access rule, counted first so the closest rule can be chosen without
// building its reasons twice.
class RuleCheck {
 public:
  RuleCheck(const CompiledProtocol& p, const CompiledRule& rule, const Request& req,
            const Interned& in)
      : p_(p), rule_(rule), req_(req), in_(in) {}

  // Calls emit(reason) for each failed check; returns how many failed.
  template <typename Emit>
  int Run(int32_t protocol_index, int32_t rule_index, Emit emit) const {
    int failed = 0;
    auto fail = [&](ReasonCode code, int32_t item = -1, DataProblem dp = DataProblem::kNone) {
      ++failed;
      Reason r;
      r.code = code;
      r.protocol = protocol_index;
      r.rule = rule_index;
      r.item = item;
      r.data_problem = dp;
      emit(r);
    };
    if (!rule_.users.empty() || !rule_.roles.empty()) {
      bool ok = Contains(rule_.users, in_.user);
      for (size_t i = 0; !ok && i < in_.role_count; ++i) ok = Contains(rule_.roles, in_.roles[i]);
      if (!ok) fail(ReasonCode::kRoleNotAuthorised);
    }
    if (!rule_.locations.empty() && !Contains(rule_.locations, in_.location))
      fail(ReasonCode::kLocationNotAllowed);
    if (!rule_.devices.empty() && !Contains(rule_.devices, in_.device))
      fail(ReasonCode::kDeviceNotAllowed);
    if (!rule_.purposes.empty() && !Contains(rule_.purposes, in_.purpose))
      fail(ReasonCode::kPurposeNotCovered);
    if (rule_.need_justification && !in_.justification) fail(ReasonCode::kJustificationRequired);
    if (rule_.need_audit_reference && !in_.audit_reference)
      fail(ReasonCode::kAuditReferenceRequired);
    if (!rule_.data.empty()) {
      for (size_t i = 0; i < in_.data_count; ++i)
        if (!Contains(rule_.data, in_.data[i]))
          fail(ReasonCode::kDataNotCovered, static_cast<int32_t>(i), DataProblem::kNotInRule);
    }
    if (req_.action == Action::kWrite && rule_.read_only) fail(ReasonCode::kReadOnly);
    (void)p_;
    return failed;
  }

 private:
  const CompiledProtocol& p_;
  const CompiledRule& rule_;
  const Request& req_;
  const Interned& in_;
};

// Evaluates one protocol version. Appends its reasons and warnings to `out`; returns true
// when it permits.
bool Evaluate(const CompiledRegistry& reg, int32_t index, const Request& req, const Interned& in,
              int64_t t, Decision* out, int32_t* chosen_rule) {
  const CompiledProtocol& p = reg.protocols()[static_cast<size_t>(index)];
  const size_t before = out->reason_count + (out->reasons_truncated ? 1 : 0);
  auto add = [&](ReasonCode code, Party party = Party::kNone, int32_t item = -1,
                 DataProblem dp = DataProblem::kNone, uint8_t detail = 0) {
    Reason r;
    r.code = code;
    r.party = party;
    r.protocol = index;
    r.item = item;
    r.data_problem = dp;
    r.detail = detail;
    out->AddReason(r);
  };

  if (!p.approved) add(ReasonCode::kNotApproved);
  if (p.commences > t) add(ReasonCode::kNotCommenced);

  const int32_t rq = p.PartnerIndex(in.requester);
  const int32_t pv = p.PartnerIndex(in.provider);
  if (rq < 0) add(ReasonCode::kRequesterNotPartner, Party::kRequester);
  if (pv < 0) add(ReasonCode::kProviderNotPartner, Party::kProvider);
  const CompiledPartner* rp = rq >= 0 ? &p.partners[static_cast<size_t>(rq)] : nullptr;
  const CompiledPartner* pp = pv >= 0 ? &p.partners[static_cast<size_t>(pv)] : nullptr;

  if (rp && rp->signed_from > t) add(ReasonCode::kNotSigned, Party::kRequester);
  if (pp && pp->signed_from > t) add(ReasonCode::kNotSigned, Party::kProvider);
  if (rp && rp->notice_given && rp->rights_end <= t)
    add(ReasonCode::kPartnerWithdrawn, Party::kRequester);
  if (pp && pp->notice_given && pp->rights_end <= t)
    add(ReasonCode::kPartnerWithdrawn, Party::kProvider);
  if (rp && !rp->accesses) add(ReasonCode::kRequesterCannotAccess, Party::kRequester);
  if (pp && !pp->provides) add(ReasonCode::kProviderCannotProvide, Party::kProvider);

  // Data categories: listed, from this provider, for this requester.
  bool need6 = false, need9 = false, need_criminal = false;
  int32_t first6 = -1, first9 = -1, first_criminal = -1;
  for (size_t i = 0; i < in.data_count; ++i) {
    const int32_t item = static_cast<int32_t>(i);
    const int32_t ci = in.data[i] == kNoSym ? -1 : p.CategoryIndex(in.data[i]);
    if (ci < 0) {
      add(ReasonCode::kDataNotCovered, Party::kNone, item, DataProblem::kNotListed);
      continue;
    }
    const CompiledCategory& c = p.data[static_cast<size_t>(ci)];
    if (c.provider != kAllPartnersIndex && (pv < 0 || c.provider != pv)) {
      add(ReasonCode::kDataNotCovered, Party::kProvider, item, DataProblem::kWrongProvider);
    } else if (c.provider == kAllPartnersIndex && pv < 0) {
      add(ReasonCode::kDataNotCovered, Party::kProvider, item, DataProblem::kWrongProvider);
    }
    bool recipient = c.all_recipients
                         ? rq >= 0
                         : rq >= 0 && std::find(c.recipients.begin(), c.recipients.end(), rq) !=
                                          c.recipients.end();
    if (!recipient)
      add(ReasonCode::kDataNotCovered, Party::kRequester, item, DataProblem::kNotRecipient);
    switch (c.kind) {
      case model::DataKind::kAggregate:
        break;
      case model::DataKind::kSpecialCategory:
        if (!need9) first9 = item;
        need9 = true;
        [[fallthrough]];
      case model::DataKind::kPersonal:
        if (!need6) first6 = item;
        need6 = true;
        break;
      case model::DataKind::kCriminalOffence:
        if (!need_criminal) first_criminal = item;
        need_criminal = true;
        break;
    }
  }

  // Purpose and format.
  if (!Contains(p.purposes, in.purpose)) add(ReasonCode::kPurposeNotCovered);
  if (!(p.formats & (1u << static_cast<unsigned>(req.format)))) add(ReasonCode::kFormatNotAllowed);

  // Legal basis, for each party that is a partner.
  const CompiledPartner* parties[2] = {rp, pp};
  const Party party_of[2] = {Party::kRequester, Party::kProvider};
  for (int k = 0; k < 2; ++k) {
    const CompiledPartner* x = parties[k];
    if (!x) continue;
    if (need6 && !x->art6)
      add(ReasonCode::kNoLegalBasis, party_of[k], first6, DataProblem::kNone, 0);
    if (need_criminal && !x->criminal)
      add(ReasonCode::kNoLegalBasis, party_of[k], first_criminal, DataProblem::kNone, 1);
    if (need9 && !x->art9) add(ReasonCode::kNoSpecialCategoryCondition, party_of[k], first9);
  }

  // Review.
  if (p.overdue_from <= t) {
    if (reg.options().strict_review) {
      add(ReasonCode::kReviewOverdue);
    } else {
      out->AddWarning({WarningCode::kReviewOverdue, Party::kNone, index});
    }
  }
  if (rp && rp->notice_given && rp->rights_end > t)
    out->AddWarning({WarningCode::kWithdrawalPending, Party::kRequester, index});
  if (pp && pp->notice_given && pp->rights_end > t)
    out->AddWarning({WarningCode::kWithdrawalPending, Party::kProvider, index});

  // Access rules for this requester, provider and format: one must be satisfied in full.
  *chosen_rule = -1;
  if (rq >= 0 && pv >= 0) {
    int best = -1, best_failed = 0;
    for (size_t i = 0; i < p.rules.size(); ++i) {
      const CompiledRule& rule = p.rules[i];
      if (rule.partner != rq || rule.provider != pv || rule.format != req.format) continue;
      int failed =
          RuleCheck(p, rule, req, in).Run(index, static_cast<int32_t>(i), [](const Reason&) {});
      if (best < 0 || failed < best_failed) {
        best = static_cast<int>(i);
        best_failed = failed;
      }
    }
    if (best >= 0) {
      *chosen_rule = best;
      RuleCheck(p, p.rules[static_cast<size_t>(best)], req, in)
          .Run(index, best, [&](const Reason& r) { out->AddReason(r); });
    }
  }
  const size_t after = out->reason_count + (out->reasons_truncated ? 1 : 0);
  return after == before;
}

void Permit(const CompiledRegistry& reg, int32_t index, int32_t rule, const Interned& in, int64_t t,
            Decision* out) {
  const CompiledProtocol& p = reg.protocols()[static_cast<size_t>(index)];
  out->permit = true;
  out->protocol = index;
  out->rule = rule;
  out->reason_count = 0;
  out->reasons_truncated = false;
  const int32_t rq = p.PartnerIndex(in.requester);
  if (rq >= 0 && p.partners[static_cast<size_t>(rq)].retention_days >= 0) {
    out->has_retain_until = true;
    out->retain_until_days =
        Instant{t}.ToDate().days + p.partners[static_cast<size_t>(rq)].retention_days;
  }
}

}  // namespace

void Decide(const CompiledRegistry& reg, const Request& req, Instant default_at, Decision* out) {
  out->Clear();
  const int64_t t = req.at ? req.at->seconds : default_at.seconds;
  out->at = t;
  Interned in;
  InternRequest(reg.symbols(), req, &in);
  int32_t rule = -1;

  if (!req.protocol.empty()) {
    Sym id = reg.symbols().Find(req.protocol);
    std::span<const int32_t> versions =
        id == kNoSym ? std::span<const int32_t>() : reg.Versions(id);
    if (versions.empty()) {
      out->AddReason({ReasonCode::kNoProtocol});
      return;
    }
    int32_t v = reg.ApplicableVersion(versions, t);
    out->protocol = v;
    if (Evaluate(reg, v, req, in, t, out, &rule)) {
      Permit(reg, v, rule, in, t, out);
    } else {
      out->rule = rule;
    }
    return;
  }

  // No protocol named: every protocol in force joining both organisations, in id order.
  const std::span<const Sym> ids = (in.requester == kNoSym || in.provider == kNoSym)
                                       ? std::span<const Sym>()
                                       : reg.ProtocolsJoining(in.requester, in.provider);
  if (ids.empty()) {
    out->AddReason({ReasonCode::kNoProtocol});
    return;
  }
  int tried = 0;
  int32_t last = -1, last_rule = -1;
  for (Sym id : ids) {
    int32_t v = reg.ApplicableVersion(reg.Versions(id), t);
    const CompiledProtocol& p = reg.protocols()[static_cast<size_t>(v)];
    if (!p.InForce(t) || p.PartnerIndex(in.requester) < 0 || p.PartnerIndex(in.provider) < 0)
      continue;
    ++tried;
    size_t warnings_before = out->warning_count;
    if (Evaluate(reg, v, req, in, t, out, &rule)) {
      // Only the permitting protocol's warnings stay.
      size_t keep = 0;
      for (size_t i = warnings_before; i < out->warning_count; ++i)
        out->warnings[keep++] = out->warnings[i];
      out->warning_count = keep;
      Permit(reg, v, rule, in, t, out);
      return;
    }
    last = v;
    last_rule = rule;
  }
  if (tried == 0) {
    // Protocols join both organisations but none is in force: report why, for each.
    for (Sym id : ids) {
      int32_t v = reg.ApplicableVersion(reg.Versions(id), t);
      ++tried;
      last = v;
      Evaluate(reg, v, req, in, t, out, &last_rule);
    }
  }
  if (tried == 1) {
    out->protocol = last;
    out->rule = last_rule;
  }
}

}  // namespace concordat::decide
