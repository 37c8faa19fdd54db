#include "decide/render.h"

#include <algorithm>
#include <cstdio>

#include "model/enums.h"

namespace concordat::decide {

std::string_view CodeName(ReasonCode c) {
  switch (c) {
    case ReasonCode::kNoProtocol:
      return "NO_PROTOCOL";
    case ReasonCode::kNotApproved:
      return "NOT_APPROVED";
    case ReasonCode::kNotCommenced:
      return "NOT_COMMENCED";
    case ReasonCode::kNotSigned:
      return "NOT_SIGNED";
    case ReasonCode::kRequesterNotPartner:
      return "REQUESTER_NOT_PARTNER";
    case ReasonCode::kProviderNotPartner:
      return "PROVIDER_NOT_PARTNER";
    case ReasonCode::kPartnerWithdrawn:
      return "PARTNER_WITHDRAWN";
    case ReasonCode::kRequesterCannotAccess:
      return "REQUESTER_CANNOT_ACCESS";
    case ReasonCode::kProviderCannotProvide:
      return "PROVIDER_CANNOT_PROVIDE";
    case ReasonCode::kDataNotCovered:
      return "DATA_NOT_COVERED";
    case ReasonCode::kPurposeNotCovered:
      return "PURPOSE_NOT_COVERED";
    case ReasonCode::kFormatNotAllowed:
      return "FORMAT_NOT_ALLOWED";
    case ReasonCode::kNoLegalBasis:
      return "NO_LEGAL_BASIS";
    case ReasonCode::kNoSpecialCategoryCondition:
      return "NO_SPECIAL_CATEGORY_CONDITION";
    case ReasonCode::kRoleNotAuthorised:
      return "ROLE_NOT_AUTHORISED";
    case ReasonCode::kLocationNotAllowed:
      return "LOCATION_NOT_ALLOWED";
    case ReasonCode::kDeviceNotAllowed:
      return "DEVICE_NOT_ALLOWED";
    case ReasonCode::kJustificationRequired:
      return "JUSTIFICATION_REQUIRED";
    case ReasonCode::kAuditReferenceRequired:
      return "AUDIT_REFERENCE_REQUIRED";
    case ReasonCode::kReadOnly:
      return "READ_ONLY";
    case ReasonCode::kSubjectRestricted:
      return "SUBJECT_RESTRICTED";
    case ReasonCode::kReviewOverdue:
      return "REVIEW_OVERDUE";
    case ReasonCode::kInvalidRequest:
      return "INVALID_REQUEST";
  }
  return "UNKNOWN";
}

std::string_view CodeName(WarningCode c) {
  switch (c) {
    case WarningCode::kReviewOverdue:
      return "REVIEW_OVERDUE";
    case WarningCode::kWithdrawalPending:
      return "WITHDRAWAL_PENDING";
  }
  return "UNKNOWN";
}

namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

const CompiledProtocol* ProtocolOf(const CompiledRegistry& reg, int32_t i) {
  return i >= 0 ? &reg.protocols()[static_cast<size_t>(i)] : nullptr;
}

std::string Label(const CompiledProtocol& p) {
  return p.label;
}

// Appends every piece to *o.
template <typename... Pieces>
void Cat(std::string* o, const Pieces&... pieces) {
  (o->append(std::string_view(pieces)), ...);
}

std::string_view RoleOf(Party party) {
  return party == Party::kRequester ? "the requester" : "the provider";
}

// "Name (id)" of a party, or 'id' when it is not a partner.
void AppendParty(const CompiledProtocol& p, const Request& req, Party party, std::string* o) {
  const std::string& org = party == Party::kRequester ? req.requester.org : req.provider;
  if (const model::Partner* partner = p.source->FindPartner(org))
    return Cat(o, partner->name, " (", org, ")");
  Cat(o, "'", org, "'");
}

// "a, b, c", or `empty` for an empty list.
void AppendJoined(const std::vector<std::string>& v, std::string_view empty, std::string* o) {
  if (v.empty()) return Cat(o, empty);
  for (size_t i = 0; i < v.size(); ++i) Cat(o, i ? ", " : "", v[i]);
}

void AppendRuleLabel(const CompiledProtocol& p, const model::AccessRule* rule, std::string* o) {
  if (!rule) return Cat(o, p.label);
  Cat(o, "access rule '", rule->id, "' of ", p.label);
}

void AppendData(const Request& req, int32_t item, std::string* o) {
  if (item >= 0 && static_cast<size_t>(item) < req.data.size()) {
    Cat(o, "'", req.data[static_cast<size_t>(item)], "'");
  } else {
    Cat(o, "the data");
  }
}

const model::Partner* PartnerOf(const CompiledProtocol& p, const Request& req, Party party) {
  return p.source->FindPartner(party == Party::kRequester ? req.requester.org : req.provider);
}

}  // namespace

void AppendReasonMessage(const CompiledRegistry& reg, const Request& req, const Reason& r,
                         std::string* o) {
  const CompiledProtocol* p = ProtocolOf(reg, r.protocol);
  if (r.code == ReasonCode::kNoProtocol) {
    if (!req.protocol.empty())
      return Cat(o, "there is no protocol '", req.protocol, "' in the registry");
    return Cat(o, "no protocol has both '", req.requester.org, "' and '", req.provider,
               "' as partners");
  }
  if (!p) return Cat(o, CodeName(r.code));
  const model::Protocol& src = *p->source;
  const std::string& label = p->label;
  const model::AccessRule* rule = r.rule >= 0 ? &src.access[static_cast<size_t>(r.rule)] : nullptr;
  static const std::vector<std::string> kNone;
  switch (r.code) {
    case ReasonCode::kNotApproved:
      return Cat(o, label, " is '", model::Name(src.status), "', not approved");
    case ReasonCode::kNotCommenced:
      if (!src.commences) return Cat(o, label, " has no commencement date, so it is not in force");
      return Cat(o, label, " commences on ", src.commences->ToString(),
                 ", after the date of this request");
    case ReasonCode::kNotSigned: {
      const model::Partner* partner = PartnerOf(*p, req, r.party);
      AppendParty(*p, req, r.party, o);
      Cat(o, ", ", RoleOf(r.party), ",");
      if (partner && partner->signatory && partner->signatory->signed_on)
        return Cat(o, " signed ", label, " on ", partner->signatory->signed_on->ToString(),
                   ", after the date of this request");
      return Cat(o, " has not signed ", label);
    }
    case ReasonCode::kRequesterNotPartner:
      return Cat(o, "'", req.requester.org, "', the requester, is not a partner of ", label);
    case ReasonCode::kProviderNotPartner:
      return Cat(o, "'", req.provider, "', the provider, is not a partner of ", label);
    case ReasonCode::kPartnerWithdrawn: {
      const model::Partner* partner = PartnerOf(*p, req, r.party);
      std::string notice =
          partner && partner->withdrawal_notice ? partner->withdrawal_notice->ToString() : "?";
      std::string end =
          partner && partner->withdrawal_notice
              ? partner->withdrawal_notice->AddDays(src.withdrawal_notice_days.value_or(0))
                    .ToString()
              : "?";
      AppendParty(*p, req, r.party, o);
      return Cat(o, ", ", RoleOf(r.party), ", gave notice of withdrawal from ", label, " on ",
                 notice, "; its rights ended on ", end);
    }
    case ReasonCode::kRequesterCannotAccess:
      Cat(o, "the 'Access Data' box is not ticked for ");
      AppendParty(*p, req, Party::kRequester, o);
      return Cat(o, " in ", label);
    case ReasonCode::kProviderCannotProvide:
      Cat(o, "the 'Provide Data' box is not ticked for ");
      AppendParty(*p, req, Party::kProvider, o);
      return Cat(o, " in ", label);
    case ReasonCode::kDataNotCovered:
      Cat(o, "data category ");
      AppendData(req, r.item, o);
      switch (r.data_problem) {
        case DataProblem::kNotListed:
          return Cat(o, " is not listed in ", label);
        case DataProblem::kWrongProvider: {
          const model::DataCategory* d = src.FindData(req.data[static_cast<size_t>(r.item)]);
          return Cat(o, " of ", label, " is provided by '", d ? d->provider : std::string("?"),
                     "', not by '", req.provider, "'");
        }
        case DataProblem::kNotRecipient:
          return Cat(o, " of ", label, " is not shared with '", req.requester.org, "'");
        case DataProblem::kNotInRule:
          Cat(o, " is not among the data of ");
          AppendRuleLabel(*p, rule, o);
          Cat(o, " (");
          AppendJoined(rule ? rule->data : kNone, "", o);
          return Cat(o, ")");
        case DataProblem::kNone:
          break;
      }
      return Cat(o, " is not covered by ", label);
    case ReasonCode::kPurposeNotCovered:
      if (IsGiven(req.purpose)) {
        Cat(o, "the purpose '", req.purpose, "' is");
      } else {
        Cat(o, "no purpose was given; it must be");
      }
      Cat(o, " not among the purposes of ");
      AppendRuleLabel(*p, rule, o);
      Cat(o, " (");
      AppendJoined(rule ? rule->purposes : src.purpose.tags, "none", o);
      return Cat(o, ")");
    case ReasonCode::kFormatNotAllowed:
      Cat(o, label, " does not allow sharing by ", model::Name(req.format), " (it allows: ");
      if (src.formats.empty()) Cat(o, "none");
      for (size_t i = 0; i < src.formats.size(); ++i)
        Cat(o, i ? ", " : "", model::Name(src.formats[i]));
      return Cat(o, ")");
    case ReasonCode::kNoLegalBasis:
      AppendParty(*p, req, r.party, o);
      if (r.detail == 1) {
        Cat(o, ", ", RoleOf(r.party),
            ", has neither a DPA 2018 Part 3 condition nor an Article 6 basis with an Article 10 "
            "condition in ",
            label, " for criminal offence data ");
      } else {
        Cat(o, ", ", RoleOf(r.party), ", has no Article 6 lawful basis in ", label,
            " for personal data ");
      }
      return AppendData(req, r.item, o);
    case ReasonCode::kNoSpecialCategoryCondition:
      AppendParty(*p, req, r.party, o);
      Cat(o, ", ", RoleOf(r.party), ", has no Article 9 condition in ", label,
          " for special category data ");
      return AppendData(req, r.item, o);
    case ReasonCode::kRoleNotAuthorised:
      AppendRuleLabel(*p, rule, o);
      Cat(o, " admits only ");
      if (rule && !rule->roles.empty()) {
        Cat(o, "roles ");
        AppendJoined(rule->roles, "", o);
      }
      if (rule && !rule->users.empty()) {
        Cat(o, rule->roles.empty() ? "users " : " or users ");
        AppendJoined(rule->users, "", o);
      }
      Cat(o, "; user '", req.requester.user, "' has ");
      if (req.requester.roles.empty()) return Cat(o, "no role");
      Cat(o, "roles ");
      for (size_t i = 0; i < req.requester.roles.size(); ++i)
        Cat(o, i ? ", " : "", req.requester.roles[i]);
      return;
    case ReasonCode::kLocationNotAllowed:
      AppendRuleLabel(*p, rule, o);
      Cat(o, " allows access only from ");
      AppendJoined(rule ? rule->locations : kNone, "", o);
      Cat(o, "; ");
      if (req.requester.location.empty())
        return Cat(o, "no known site was established for this request");
      return Cat(o, "this request came from '", req.requester.location, "'");
    case ReasonCode::kDeviceNotAllowed:
      AppendRuleLabel(*p, rule, o);
      Cat(o, " allows access only on ");
      AppendJoined(rule ? rule->devices : kNone, "", o);
      Cat(o, "; ");
      if (req.requester.device.empty())
        return Cat(o, "no known device was established for this request");
      return Cat(o, "this request came from device '", req.requester.device, "'");
    case ReasonCode::kJustificationRequired:
      AppendRuleLabel(*p, rule, o);
      return Cat(o, " requires a justification, and none was given");
    case ReasonCode::kAuditReferenceRequired:
      AppendRuleLabel(*p, rule, o);
      return Cat(o, " requires an audit reference, and none was given");
    case ReasonCode::kReadOnly:
      AppendRuleLabel(*p, rule, o);
      return Cat(o, " is read-only; a write is not permitted");
    case ReasonCode::kSubjectRestricted:
      return Cat(o, "the data subject has an active restriction or objection under ", label);
    case ReasonCode::kReviewOverdue:
      return Cat(o, "the review of ", label, " was due on ",
                 src.review.due ? src.review.due->ToString() : std::string("?"),
                 " (strict review mode)");
    case ReasonCode::kNoProtocol:
    case ReasonCode::kInvalidRequest:
      break;
  }
  Cat(o, CodeName(r.code));
}

std::string ReasonMessage(const CompiledRegistry& reg, const Request& req, const Reason& r) {
  std::string out;
  AppendReasonMessage(reg, req, r, &out);
  return out;
}

std::string WarningMessage(const CompiledRegistry& reg, const Warning& w) {
  const CompiledProtocol* p = ProtocolOf(reg, w.protocol);
  if (!p) return std::string(CodeName(w.code));
  switch (w.code) {
    case WarningCode::kReviewOverdue:
      return "the review of " + Label(*p) + " was due on " +
             (p->source->review.due ? p->source->review.due->ToString() : "?");
    case WarningCode::kWithdrawalPending:
      return std::string(w.party == Party::kRequester ? "the requester" : "the provider") +
             " has given notice of withdrawal from " + Label(*p) +
             "; its rights end when the notice period does";
  }
  return "";
}

std::string ReasonRemedy(const CompiledRegistry& reg, [[maybe_unused]] const Request& req,
                         const Reason& r) {
  const CompiledProtocol* p = ProtocolOf(reg, r.protocol);
  std::string lead = p ? "the protocol lead (" + p->source->lead + ")" : "the protocol lead";
  switch (r.code) {
    case ReasonCode::kNoProtocol:
      return "Agree and approve a protocol between the two organisations, or name the right "
             "protocol.";
    case ReasonCode::kNotApproved:
      return "The protocol must be approved by every partner's responsible person before anything "
             "is shared under it.";
    case ReasonCode::kNotCommenced:
      return "Record the commencement date once all partners have signed; nothing is shared before "
             "it.";
    case ReasonCode::kNotSigned:
      return "The organisation's responsible person (DPO, SIRO or Caldicott Guardian) must sign "
             "the protocol; send the signed copy to " +
             lead + ".";
    case ReasonCode::kRequesterNotPartner:
    case ReasonCode::kProviderNotPartner:
      return "Only partners of the protocol may share under it; ask " + lead +
             " to add the organisation in a new version.";
    case ReasonCode::kPartnerWithdrawn:
      return "The organisation has left the protocol; it must not receive or provide data under "
             "it.";
    case ReasonCode::kRequesterCannotAccess:
    case ReasonCode::kProviderCannotProvide:
      return "The responsibilities table (section 4) must tick the box for this organisation in a "
             "new version.";
    case ReasonCode::kDataNotCovered:
      return "Request only categories the protocol lists for this provider and recipient, or agree "
             "a new version that adds them.";
    case ReasonCode::kPurposeNotCovered:
      return "Name one of the purposes the protocol (or rule) lists; information may only be "
             "processed for those.";
    case ReasonCode::kFormatNotAllowed:
      return "Share in a format the protocol lists (section 7), or agree a new version.";
    case ReasonCode::kNoLegalBasis:
    case ReasonCode::kNoSpecialCategoryCondition:
      return "Both parties need the lawful basis the data requires in section 3; ask " + lead +
             " to complete it.";
    case ReasonCode::kRoleNotAuthorised:
      return "Ask a user who holds one of the rule's roles, or is named in it, to make the "
             "request.";
    case ReasonCode::kLocationNotAllowed:
      return "Make the request from one of the sites the rule permits, on the site's network; "
             "other places (home included) are refused.";
    case ReasonCode::kDeviceNotAllowed:
      return "Use the issued device the rule names.";
    case ReasonCode::kJustificationRequired:
      return "Give the reason the check is necessary and proportionate.";
    case ReasonCode::kAuditReferenceRequired:
      return "Give the audit reference of the case (for example the referral number).";
    case ReasonCode::kReadOnly:
      return "The access is read-only: read, do not change records.";
    case ReasonCode::kSubjectRestricted:
      return "Wait until the restriction or objection is resolved.";
    case ReasonCode::kReviewOverdue:
      return "Complete the protocol's review and record the next review date.";
    case ReasonCode::kInvalidRequest:
      return "Correct the request.";
  }
  return "";
}

namespace {

// Calls fn(field) for each field PermittedFields() lists, in its order, without copying any:
// a field is skipped when a category requested before it, or its own list before it, has it.
template <typename Fn>
void ForEachPermittedField(const CompiledRegistry& reg, const Request& req, const Decision& d,
                           Fn fn) {
  const CompiledProtocol* p = ProtocolOf(reg, d.protocol);
  if (!d.permit || !p) return;
  for (size_t k = 0; k < req.data.size(); ++k) {
    const model::DataCategory* c = p->source->FindData(req.data[k]);
    if (!c) continue;
    for (auto f = c->fields.begin(); f != c->fields.end(); ++f) {
      bool seen = std::find(c->fields.begin(), f, *f) != f;
      for (size_t j = 0; j < k && !seen; ++j) {
        const model::DataCategory* earlier = p->source->FindData(req.data[j]);
        seen =
            earlier && earlier != c &&
            std::find(earlier->fields.begin(), earlier->fields.end(), *f) != earlier->fields.end();
        seen = seen || earlier == c;  // the same category named twice: all seen already
      }
      if (!seen) fn(*f);
    }
  }
}

}  // namespace

std::vector<std::string> PermittedFields(const CompiledRegistry& reg, const Request& req,
                                         const Decision& d) {
  std::vector<std::string> fields;
  ForEachPermittedField(reg, req, d, [&fields](const std::string& f) { fields.push_back(f); });
  return fields;
}

void RenderJson(const CompiledRegistry& reg, const Request& req, const Decision& d,
                std::string* out) {
  const CompiledProtocol* p = ProtocolOf(reg, d.protocol);
  out->append(d.permit ? "{\"decision\":\"permit\",\"protocol\":"
                       : "{\"decision\":\"deny\",\"protocol\":");
  if (p) {
    AppendJsonString(p->source->id, out);
    out->append(",\"version\":");
    AppendJsonString(p->source->version, out);
  } else {
    out->append("null,\"version\":null");
  }
  out->append(",\"rule\":");
  if (p && d.rule >= 0) {
    AppendJsonString(p->source->access[static_cast<size_t>(d.rule)].id, out);
  } else {
    out->append("null");
  }
  out->append(",\"reasons\":[");
  for (size_t i = 0; i < d.reason_count; ++i) {
    const Reason& r = d.reasons[i];
    if (i) out->push_back(',');
    out->append("{\"code\":\"");
    out->append(CodeName(r.code));
    out->append("\",\"message\":");
    thread_local std::string scratch;
    scratch.clear();
    AppendReasonMessage(reg, req, r, &scratch);
    AppendJsonString(scratch, out);
    if (const CompiledProtocol* rp = ProtocolOf(reg, r.protocol)) {
      out->append(",\"protocol\":");
      AppendJsonString(rp->source->id, out);
    }
    out->push_back('}');
  }
  if (d.reasons_truncated) {
    if (d.reason_count) out->push_back(',');
    out->append(
        "{\"code\":\"TRUNCATED\",\"message\":\"more checks failed than one decision reports\"}");
  }
  out->append("],\"warnings\":[");
  for (size_t i = 0; i < d.warning_count; ++i) {
    const Warning& w = d.warnings[i];
    if (i) out->push_back(',');
    out->append("{\"code\":\"");
    out->append(CodeName(w.code));
    out->append("\",\"message\":");
    AppendJsonString(WarningMessage(reg, w), out);
    if (const CompiledProtocol* wp = ProtocolOf(reg, w.protocol)) {
      out->append(",\"protocol\":");
      AppendJsonString(wp->source->id, out);
    }
    out->push_back('}');
  }
  out->append("],\"obligations\":");
  if (!d.permit) {
    out->append("null}");
    return;
  }
  out->append("{\"fields\":[");
  bool first = true;
  ForEachPermittedField(reg, req, d, [&first, out](const std::string& f) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(f, out);
  });
  out->append("],\"mode\":");
  if (p && d.rule >= 0) {
    out->append(p->rules[static_cast<size_t>(d.rule)].read_only ? "\"read_only\""
                                                                : "\"read_write\"");
  } else {
    out->append("null");
  }
  out->append(",\"retain_until\":");
  if (d.has_retain_until) {
    out->push_back('"');
    out->append(Date{d.retain_until_days}.ToString());
    out->push_back('"');
  } else {
    out->append("null");
  }
  out->append("}}");
}

void RenderInvalid(std::string_view message, std::string* out) {
  out->append(
      "{\"decision\":\"deny\",\"protocol\":null,\"version\":null,\"rule\":null,\"reasons\":[{"
      "\"code\":"
      "\"INVALID_REQUEST\",\"message\":");
  AppendJsonString(message, out);
  out->append("}],\"warnings\":[],\"obligations\":null}");
}

std::string Explain(const CompiledRegistry& reg, const Request& req, const Decision& d) {
  std::string o;
  const CompiledProtocol* p = ProtocolOf(reg, d.protocol);
  o += d.permit ? "PERMIT" : "DENY";
  o += ": " + req.requester.org +
       (req.requester.user.empty() ? "" : " (user " + req.requester.user + ")") + " asks " +
       req.provider + " for " + (req.data.empty() ? std::string("no named data") : Join(req.data)) +
       " by " + std::string(model::Name(req.format)) +
       (req.action == Action::kWrite ? " (write)" : "") + " on " + Instant{d.at}.ToString() + "\n";
  if (p) {
    o += "Protocol:  " + p->source->title + " (" + p->source->id + " version " +
         p->source->version + ")\n";
    if (d.rule >= 0) {
      const auto& rule = p->source->access[static_cast<size_t>(d.rule)];
      o += std::string(d.permit ? "Rule:      " : "Closest rule: ") + rule.id + " (" +
           std::string(model::Name(rule.mode)) + ")\n";
    } else if (d.permit) {
      o += "Rule:      none applies to this requester, provider and format; the protocol's general "
           "terms decide\n";
    }
  } else if (!req.protocol.empty() || d.reason_count == 0) {
    o += "Protocol:  " + (req.protocol.empty() ? std::string("none") : req.protocol) + "\n";
  } else {
    o += "Protocol:  none named; every protocol joining the two organisations was tried\n";
  }
  if (d.permit) {
    auto fields = PermittedFields(reg, req, d);
    o += "May receive: " + (fields.empty() ? std::string("no personal fields") : Join(fields)) +
         "\n";
    if (d.has_retain_until)
      o += "Keep until: " + Date{d.retain_until_days}.ToString() + ", then destroy securely\n";
  } else {
    o += "Why not (" + std::to_string(d.reason_count) + " check" +
         (d.reason_count == 1 ? "" : "s") + " failed):\n";
    for (size_t i = 0; i < d.reason_count; ++i) {
      const Reason& r = d.reasons[i];
      o += "  - " + std::string(CodeName(r.code)) + ": " + ReasonMessage(reg, req, r) + "\n";
      o += "    To fix: " + ReasonRemedy(reg, req, r) + "\n";
    }
  }
  for (size_t i = 0; i < d.warning_count; ++i)
    o += "Warning: " + std::string(CodeName(d.warnings[i].code)) + ": " +
         WarningMessage(reg, d.warnings[i]) + "\n";
  return o;
}

}  // namespace concordat::decide
