#include "model/lint.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>

#include "model/enums.h"

namespace concordat::model {
namespace {

using S = Severity;

const std::vector<LintRule> kRules = {
    {"placeholder", S::kWarning,
     "a field still holds template text ('Choose an item.', 'TBC', '?', '[please ...]') or is "
     "empty"},
    {"lead-not-partner", S::kError, "the protocol lead organisation is not one of the partners"},
    {"partner-dpo-missing", S::kWarning, "a partner has no named Data Protection Officer"},
    {"partner-ico-missing", S::kWarning, "a partner has no ICO registration number"},
    {"partner-ico-format", S::kInfo,
     "an ICO registration number does not look like one (Z1234567 or ZA123456)"},
    {"partner-email-missing", S::kError,
     "a partner has no email address for breach and withdrawal notices"},
    {"partner-boxes-not-stated", S::kInfo,
     "the document does not say whether a partner provides or accesses data"},
    {"partner-withdrawing", S::kInfo, "a partner has given notice of withdrawal"},
    {"data-provider-not-partner", S::kError,
     "a data category is provided by an organisation that is not a partner"},
    {"data-recipient-not-partner", S::kError,
     "a data category is shared with an organisation that is not a partner"},
    {"data-provider-unsigned", S::kWarning,
     "a data category is provided by a partner who has not signed"},
    {"data-recipient-unsigned", S::kWarning,
     "a data category is shared with a named partner who has not signed"},
    {"data-provider-unspecified", S::kInfo,
     "the document does not say which partner provides a data category"},
    {"data-provider-cannot-provide", S::kError,
     "a data category's provider has the 'Provide Data' box unticked"},
    {"data-recipient-cannot-access", S::kError,
     "a data category names a recipient whose 'Access Data' box is unticked"},
    {"data-fields-missing", S::kInfo,
     "a personal data category lists no fields, so nothing can be released under it"},
    {"legal-basis-article6-missing", S::kError,
     "a party to personal or special category data has no Article 6 basis"},
    {"legal-basis-article9-missing", S::kError,
     "a party to special category data has no Article 9 condition"},
    {"legal-basis-criminal-missing", S::kError,
     "a party to criminal offence data has neither a DPA Part 3 condition nor Article 6 with an "
     "Article 10 condition"},
    {"legal-basis-unfilled", S::kWarning,
     "a legal-basis entry is the template's unfilled 'Choose an item.'"},
    {"legal-basis-duplicate-rows", S::kWarning,
     "a partner appears in more than one row of the legal-basis table"},
    {"legal-basis-contradictory", S::kWarning,
     "one legal-basis row for a partner names a basis that another row leaves unfilled"},
    {"legal-basis-unknown-condition", S::kWarning,
     "an Article 10 or DPA Part 3 entry is not a recognised condition of the DPA 2018"},
    {"status-approved-unsigned", S::kError,
     "the protocol is approved but some partners have not signed"},
    {"status-approved-no-commencement", S::kError,
     "the protocol is approved but has no commencement date, so it is never in force"},
    {"status-draft-signed", S::kWarning, "the protocol is not approved but carries signatures"},
    {"signatory-undated", S::kWarning,
     "a signature block names a signatory but gives no date, so it does not count as signed"},
    {"signatory-unnamed", S::kInfo, "a signature is recorded without the signatory's name"},
    {"signatory-organisation-mismatch", S::kInfo,
     "the signature block names the organisation differently from the summary sheet"},
    {"commences-before-signature", S::kWarning,
     "the protocol commences before a partner signed it, though it commences upon signing"},
    {"review-due-missing", S::kWarning, "there is no date for the next review"},
    {"review-overdue", S::kWarning, "the review date has passed"},
    {"review-interval-missing", S::kInfo, "the review interval is not stated"},
    {"review-interval-mismatch", S::kWarning,
     "the review date does not match commencement plus the review interval"},
    {"review-text-mismatch", S::kWarning,
     "the document states different review periods in different places"},
    {"joint-controller-no-contact", S::kError,
     "joint controllers but no single contact point for data subjects that is a partner"},
    {"processor-no-controller", S::kError,
     "a processor does not name the partner that is its controller"},
    {"access-unknown-partner", S::kError,
     "an access rule names a partner that is not in the protocol"},
    {"access-unknown-provider", S::kError,
     "an access rule names a provider that is not in the protocol"},
    {"access-unknown-data", S::kError,
     "an access rule names a data category that is not in the protocol"},
    {"access-unknown-purpose", S::kWarning,
     "an access rule names a purpose that is not among the protocol's purpose tags"},
    {"access-data-mismatch", S::kError,
     "an access rule names data its provider does not provide, or its partner does not receive"},
    {"access-format-not-allowed", S::kError,
     "an access rule uses a format the protocol does not list in 'formats'"},
    {"formats-missing", S::kWarning,
     "the protocol lists no format, so nothing can be shared under it"},
    {"breach-ico-beyond-72", S::kError,
     "the regulator's breach deadline is beyond the statutory 72 hours"},
    {"breach-partners-beyond-ico", S::kWarning,
     "partners are told of a breach later than the regulator"},
    {"breach-hours-missing", S::kWarning, "breach notification deadlines are not stated"},
    {"withdrawal-notice-missing", S::kWarning, "the withdrawal notice period is not stated"},
    {"subject-rights-not-stated", S::kWarning,
     "the document does not say whether some data subject rights apply"},
    {"purpose-tags-missing", S::kInfo,
     "no purpose tags, so requests cannot name a purpose this protocol covers"},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += i + 1 == ids.size() ? " and " : ", ";
    out += ids[i];
  }
  return out;
}

// Review periods stated in text, in months: "one year", "2 years", "six months".
std::vector<std::pair<int, std::string>> StatedPeriods(const std::string& text) {
  static const std::map<std::string, int> kWords = {
      {"one", 1},       {"two", 2},          {"three", 3},   {"four", 4},
      {"five", 5},      {"six", 6},          {"seven", 7},   {"eight", 8},
      {"nine", 9},      {"ten", 10},         {"eleven", 11}, {"twelve", 12},
      {"eighteen", 18}, {"twenty-four", 24}, {"a", 1},       {"an", 1}};
  static const std::regex kPeriod(R"(\b(\d+|[a-z]+(?:-[a-z]+)?)\s+(year|years|month|months)\b)",
                                  std::regex::icase);
  std::vector<std::pair<int, std::string>> out;
  std::string lower = Lower(text);
  for (auto it = std::sregex_iterator(lower.begin(), lower.end(), kPeriod);
       it != std::sregex_iterator(); ++it) {
    std::string num = (*it)[1].str();
    int n = 0;
    if (std::isdigit(static_cast<unsigned char>(num[0]))) {
      n = std::stoi(num);
    } else if (auto w = kWords.find(num); w != kWords.end()) {
      n = w->second;
    } else {
      continue;
    }
    int months = (*it)[2].str().rfind("year", 0) == 0 ? n * 12 : n;
    out.emplace_back(months, it->str());
  }
  return out;
}

class Linter {
 public:
  Linter(const Protocol& p, const LintOptions& o) : p_(p), o_(o) {}

  std::vector<Finding> Run() {
    Placeholders();
    Lead();
    Partners();
    Data();
    LegalBasisRows();
    Status();
    Review();
    Controllers();
    Access();
    Formats();
    BreachAndWithdrawal();
    Rights();
    return std::move(out_);
  }

 private:
  void Emit(const char* rule, std::string place, int line, std::string message) {
    Severity sev = Severity::kWarning;
    for (const auto& r : kRules)
      if (std::string_view(r.id) == rule) sev = r.severity;
    out_.push_back({rule, sev, p_.id, p_.source, line, std::move(place), std::move(message)});
  }

  bool Signed(const Partner& partner) const {
    return partner.signatory && partner.signatory->signed_on.has_value();
  }

  // Partners that take part in a data category on one side: "all" expands to every partner.
  std::vector<const Partner*> Parties(const std::string& id) const {
    std::vector<const Partner*> out;
    if (id == kAllPartners) {
      for (const auto& partner : p_.partners) out.push_back(&partner);
    } else if (const Partner* partner = p_.FindPartner(id)) {
      out.push_back(partner);
    }
    return out;
  }

  void CheckText(const std::string& place, int line, const std::string& label,
                 const std::optional<std::string>& value) {
    if (value && IsPlaceholder(*value)) {
      std::string shown = Trim(*value).empty() ? "is empty" : "still reads '" + Trim(*value) + "'";
      Emit("placeholder", place, line,
           label + " " + shown + "; fill it in from the agreed document");
    }
  }

  void Placeholders() {
    CheckText("title", 0, "The title", p_.title);
    for (const auto& a : p_.authors) CheckText("authors", 0, "An author", a);
    CheckText("purpose", 0, "The purpose", p_.purpose.text);
    for (const auto& d : p_.documents) {
      std::string place = "documents." + std::string(Name(d.kind));
      CheckText(place, 0,
                "The reference of supporting document '" + std::string(Name(d.kind)) + "'",
                d.reference);
    }
    for (const auto& partner : p_.partners) {
      std::string place = "partner " + partner.id;
      int line = partner.mark.line;
      CheckText(place, line, "The name of " + partner.id, partner.name);
      CheckText(place, line, "The address of " + partner.name, partner.address);
      CheckText(place, line, "The phone number of " + partner.name, partner.phone);
      CheckText(place, line, "The email address of " + partner.name, partner.email);
      CheckText(place, line, "The Data Protection Officer of " + partner.name, partner.dpo);
      CheckText(place, line, "The ICO registration of " + partner.name, partner.ico_registration);
      if (partner.signatory) {
        CheckText(place, line, "The signatory's name for " + partner.name, partner.signatory->name);
        CheckText(place, line, "The signatory's role for " + partner.name, partner.signatory->role);
      }
    }
    for (const auto& d : p_.data)
      CheckText("data " + d.id, d.mark.line, "The description of data category " + d.id,
                d.description);
    CheckText("security.transit", 0, "Security in transit", p_.security.transit);
    CheckText("international_transfers", 0, "International transfers", p_.international_transfers);
    CheckText("frequency", 0, "The frequency of sharing", p_.frequency);
    for (const auto& l : p_.legislation) CheckText("legislation", 0, "A legislation entry", l);
    for (const auto& [k, v] : p_.as_written) {
      if (IsPlaceholder(v))
        Emit("placeholder", k, 0,
             "The document gives '" + Trim(v) + "' for " + k + " instead of a value");
    }
    for (const auto& [k, v] : p_.clauses) CheckText("clauses." + k, 0, "Clause " + k, v);
  }

  void Lead() {
    if (!p_.lead.empty() && !p_.FindPartner(p_.lead))
      Emit("lead-not-partner", "lead", 0,
           "The protocol lead '" + p_.lead +
               "' is not one of the partners, so breach and "
               "withdrawal decisions that rest with the lead have no one to rest with");
  }

  void Partners() {
    static const std::regex kIco(R"(^Z[0-9]{7}$|^Z[A-Z][0-9]{6}$)");
    for (const auto& partner : p_.partners) {
      std::string place = "partner " + partner.id;
      int line = partner.mark.line;
      if (!partner.dpo || IsPlaceholder(*partner.dpo))
        Emit("partner-dpo-missing", place, line,
             partner.name + " has no named Data Protection Officer");
      if (!partner.ico_registration || IsPlaceholder(*partner.ico_registration))
        Emit("partner-ico-missing", place, line, partner.name + " has no ICO registration number");
      else if (!std::regex_match(*partner.ico_registration, kIco))
        Emit("partner-ico-format", place, line,
             partner.name + "'s ICO registration '" + *partner.ico_registration +
                 "' does not look like one (Z followed by 7 digits, or Z, a letter and 6 digits)");
      if (!partner.email || IsPlaceholder(*partner.email))
        Emit("partner-email-missing", place, line,
             partner.name +
                 " has no email address, so breach and withdrawal notices cannot reach it");
      if (!partner.provides || !partner.accesses)
        Emit("partner-boxes-not-stated", place, line,
             "The document does not say whether " + partner.name + " " +
                 (!partner.provides && !partner.accesses ? "provides or accesses"
                  : !partner.provides                    ? "provides"
                                                         : "accesses") +
                 " data");
      if (partner.withdrawal_notice) {
        std::string end =
            p_.withdrawal_notice_days
                ? partner.withdrawal_notice->AddDays(*p_.withdrawal_notice_days).ToString()
                : std::string("an unstated date");
        Emit("partner-withdrawing", place, line,
             partner.name + " gave notice of withdrawal on " +
                 partner.withdrawal_notice->ToString() + "; its rights end on " + end);
      }
      if (partner.signatory) {
        const Signatory& s = *partner.signatory;
        if (!s.signed_on && (s.name || s.role))
          Emit("signatory-undated", place, line,
               "The signature block for " + partner.name + " names " +
                   (s.name ? *s.name : "a " + *s.role) + " but gives no date, so it is not signed");
        if (s.signed_on && !s.name)
          Emit("signatory-unnamed", place, line,
               partner.name + "'s approval on " + s.signed_on->ToString() +
                   " is recorded without the name of the person who gave it");
        if (s.organisation_as_written && *s.organisation_as_written != partner.name)
          Emit("signatory-organisation-mismatch", place, line,
               "The signature block names '" + *s.organisation_as_written +
                   "' but the summary sheet names '" + partner.name + "'");
        if (s.signed_on && p_.commences && *p_.commences < *s.signed_on)
          Emit("commences-before-signature", place, line,
               "The protocol commences on " + p_.commences->ToString() + " but " + partner.name +
                   " signed on " + s.signed_on->ToString());
      }
    }
  }

  void Data() {
    for (const auto& d : p_.data) {
      std::string place = "data " + d.id;
      int line = d.mark.line;
      const Partner* provider = p_.FindPartner(d.provider);
      if (d.provider == kAllPartners) {
        Emit("data-provider-unspecified", place, line,
             "The document does not say which partner provides '" + d.id +
                 "'; every partner is treated as a provider");
      } else if (!provider) {
        Emit("data-provider-not-partner", place, line,
             "'" + d.id + "' is provided by '" + d.provider +
                 "', which is not a partner: it is not on the summary sheet and cannot sign");
      } else {
        if (!Signed(*provider))
          Emit("data-provider-unsigned", place, line,
               "'" + d.id + "' is provided by " + provider->name +
                   ", which has not signed this protocol");
        if (provider->provides == false)
          Emit(
              "data-provider-cannot-provide", place, line,
              provider->name + " provides '" + d.id + "' but its 'Provide Data' box is not ticked");
      }
      for (const auto& r : d.recipients) {
        if (r == kAllPartners) continue;
        const Partner* rp = p_.FindPartner(r);
        if (!rp) {
          Emit("data-recipient-not-partner", place, line,
               "'" + d.id + "' is shared with '" + r + "', which is not a partner");
        } else {
          if (!Signed(*rp))
            Emit("data-recipient-unsigned", place, line,
                 "'" + d.id + "' is shared with " + rp->name +
                     ", which has not signed this protocol");
          if (rp->accesses == false)
            Emit("data-recipient-cannot-access", place, line,
                 "'" + d.id + "' is shared with " + rp->name +
                     " but its 'Access Data' box is not ticked");
        }
      }
      if (d.kind != DataKind::kAggregate && d.fields.empty())
        Emit("data-fields-missing", place, line,
             "Data category '" + d.id + "' holds " + std::string(Name(d.kind)) +
                 " data but lists no fields, so no field can be released under it");
    }
    LegalBasisNeeds();
  }

  // For every partner that provides or receives data of a kind, check the basis it needs.
  void LegalBasisNeeds() {
    struct Need {
      std::vector<std::string> personal, special, criminal;
    };
    std::map<std::string, Need> needs;
    auto add = [&](const Partner* partner, const DataCategory& d) {
      Need& n = needs[partner->id];
      auto push = [&](std::vector<std::string>& v) {
        if (std::find(v.begin(), v.end(), d.id) == v.end()) v.push_back(d.id);
      };
      if (d.kind == DataKind::kPersonal || d.kind == DataKind::kSpecialCategory) push(n.personal);
      if (d.kind == DataKind::kSpecialCategory) push(n.special);
      if (d.kind == DataKind::kCriminalOffence) push(n.criminal);
    };
    for (const auto& d : p_.data) {
      if (d.kind == DataKind::kAggregate) continue;
      for (const Partner* partner : Parties(d.provider)) add(partner, d);
      for (const auto& r : d.recipients)
        for (const Partner* partner : Parties(r)) add(partner, d);
    }
    for (const auto& partner : p_.partners) {
      auto it = needs.find(partner.id);
      if (it == needs.end()) continue;
      const Need& n = it->second;
      LegalBasis b = EffectiveBasis(partner);
      std::string place = "partner " + partner.id;
      int line = partner.mark.line;
      if (!n.personal.empty() && !b.article6.HasBasis())
        Emit("legal-basis-article6-missing", place, line,
             partner.name + " shares personal data (" + JoinIds(n.personal) +
                 ") but has no Article 6 lawful basis");
      if (!n.special.empty() && !b.article9.HasBasis())
        Emit("legal-basis-article9-missing", place, line,
             partner.name + " shares special category data (" + JoinIds(n.special) +
                 ") but has no Article 9 condition");
      if (!n.criminal.empty()) {
        bool part3 = std::any_of(b.dpa_part3.values.begin(), b.dpa_part3.values.end(),
                                 [](const std::string& s) { return IsKnownDpaPart3Condition(s); });
        bool art10 = std::any_of(b.article10.values.begin(), b.article10.values.end(),
                                 [](const std::string& s) { return IsKnownArticle10Condition(s); });
        if (!part3 && !(b.article6.HasBasis() && art10))
          Emit("legal-basis-criminal-missing", place, line,
               partner.name + " shares criminal offence data (" + JoinIds(n.criminal) +
                   ") but has neither a DPA 2018 Part 3 condition nor an Article 6 basis with an "
                   "Article 10 (Schedule 1) condition");
      }
    }
  }

  void LegalBasisRows() {
    for (const auto& partner : p_.partners) {
      std::string place = "partner " + partner.id;
      int line = partner.mark.line;
      for (const auto& row : partner.legal_basis) {
        std::vector<std::string> unfilled;
        if (row.article6.unfilled) unfilled.push_back("Article 6");
        if (row.article9.unfilled) unfilled.push_back("Article 9");
        if (row.article10.unfilled) unfilled.push_back("Article 10");
        if (row.dpa_part3.unfilled) unfilled.push_back("DPA Part 3");
        if (!unfilled.empty())
          Emit("legal-basis-unfilled", place, row.mark.line,
               "The legal basis of " + partner.name + " still reads 'Choose an item.' for " +
                   JoinIds(unfilled));
        for (const auto& c : row.article10.values)
          if (!IsKnownArticle10Condition(c))
            Emit("legal-basis-unknown-condition", place, row.mark.line,
                 partner.name + "'s Article 10 entry '" + c +
                     "' is not a DPA 2018 Schedule 1 condition");
        for (const auto& c : row.dpa_part3.values)
          if (!IsKnownDpaPart3Condition(c))
            Emit("legal-basis-unknown-condition", place, row.mark.line,
                 partner.name + "'s DPA Part 3 entry '" + c +
                     "' is not a condition of section 35 or Schedule 8 of the DPA 2018");
      }
      if (partner.legal_basis.size() > 1) {
        Emit("legal-basis-duplicate-rows", place, line,
             partner.name + " appears in " + std::to_string(partner.legal_basis.size()) +
                 " rows of the legal-basis table; agree one row per partner");
        auto contradict = [&](const char* article, auto member) {
          bool some_named = false, some_unfilled = false;
          for (const auto& row : partner.legal_basis) {
            const auto& list = row.*member;
            if (list.HasBasis()) some_named = true;
            if (!list.HasBasis()) some_unfilled = true;
          }
          if (some_named && some_unfilled)
            Emit("legal-basis-contradictory", place, line,
                 "One row gives " + partner.name + " an " + article +
                     " basis and another leaves it unfilled; it is unclear which applies");
        };
        contradict("Article 6", &LegalBasis::article6);
        contradict("Article 9", &LegalBasis::article9);
      }
    }
  }

  void Status() {
    std::vector<std::string> unsigned_ids, signed_ids;
    for (const auto& partner : p_.partners)
      (Signed(partner) ? signed_ids : unsigned_ids).push_back(partner.name);
    if (p_.status == ProtocolStatus::kApproved) {
      if (!unsigned_ids.empty())
        Emit("status-approved-unsigned", "status", 0,
             "The protocol is marked approved but " + std::to_string(unsigned_ids.size()) + " of " +
                 std::to_string(p_.partners.size()) + " partners have not signed: " +
                 JoinIds(unsigned_ids) + "; they cannot share under it");
      if (!p_.commences)
        Emit("status-approved-no-commencement", "commences", 0,
             "The protocol is marked approved but has no commencement date" +
                 AsWritten("commences") + ", so it is never in force");
    } else if (!signed_ids.empty()) {
      Emit("status-draft-signed", "status", 0,
           "The protocol is still '" + std::string(Name(p_.status)) + "' but " +
               JoinIds(signed_ids) +
               " signed it; a signature should follow approval of the final text");
    }
  }

  std::string AsWritten(const char* key) const {
    for (const auto& [k, v] : p_.as_written)
      if (k == key && !Trim(v).empty())
        return " (the document says '" + Trim(v) + "', which is not a day)";
    return "";
  }

  void Review() {
    const auto& r = p_.review;
    if (!r.due) {
      Emit("review-due-missing", "review.due", 0,
           "There is no date for the next review" + AsWritten("review_due"));
    } else if (o_.at > *r.due) {
      Emit("review-overdue", "review.due", 0,
           "The review was due on " + r.due->ToString() + " and is overdue as of " +
               o_.at.ToString());
    }
    if (!r.interval_months) {
      Emit("review-interval-missing", "review.interval_months", 0,
           "The review interval is not stated");
    } else if (r.due && p_.commences) {
      Date expected = p_.commences->AddMonths(*r.interval_months);
      if (expected != *r.due)
        Emit("review-interval-mismatch", "review.due", 0,
             "The review is due on " + r.due->ToString() + " but commencement (" +
                 p_.commences->ToString() + ") plus " + std::to_string(*r.interval_months) +
                 " months gives " + expected.ToString());
    }
    // Every period the text states, and the interval, should agree.
    std::vector<std::pair<int, std::string>> periods;
    for (const auto& s : r.statements)
      for (auto& pr : StatedPeriods(s)) periods.push_back(pr);
    std::set<int> distinct;
    for (const auto& [m, t] : periods) distinct.insert(m);
    if (r.interval_months) distinct.insert(*r.interval_months);
    if (distinct.size() > 1) {
      std::string said;
      for (const auto& [m, t] : periods)
        said += std::string(said.empty() ? "" : ", ") + "'" + t + "'";
      Emit("review-text-mismatch", "review", 0,
           "The document states different review periods (" + said +
               (r.interval_months ? "; interval " + std::to_string(*r.interval_months) + " months"
                                  : "") +
               "); agree one");
    }
  }

  void Controllers() {
    bool joint = std::any_of(p_.partners.begin(), p_.partners.end(), [](const Partner& x) {
      return x.controller == ControllerRole::kJoint;
    });
    if (joint) {
      if (!p_.joint_controller_contact)
        Emit("joint-controller-no-contact", "joint_controller_contact", 0,
             "Partners are joint controllers but no single contact point for data subjects is "
             "named");
      else if (!p_.FindPartner(*p_.joint_controller_contact))
        Emit("joint-controller-no-contact", "joint_controller_contact", 0,
             "The joint controllers' contact point '" + *p_.joint_controller_contact +
                 "' is not a partner");
    }
    for (const auto& partner : p_.partners) {
      if (partner.controller != ControllerRole::kProcessor) continue;
      if (!partner.processor_for)
        Emit("processor-no-controller", "partner " + partner.id, partner.mark.line,
             partner.name + " is a processor but no controller managing its contract is named");
      else if (!p_.FindPartner(*partner.processor_for))
        Emit("processor-no-controller", "partner " + partner.id, partner.mark.line,
             partner.name + " is a processor for '" + *partner.processor_for +
                 "', which is not a partner");
    }
  }

  void Access() {
    for (const auto& r : p_.access) {
      std::string place = "access " + r.id;
      int line = r.mark.line;
      if (!p_.FindPartner(r.partner))
        Emit("access-unknown-partner", place, line,
             "Access rule '" + r.id + "' is for '" + r.partner + "', which is not a partner");
      if (!p_.FindPartner(r.provider))
        Emit("access-unknown-provider", place, line,
             "Access rule '" + r.id + "' reads from '" + r.provider + "', which is not a partner");
      if (std::find(p_.formats.begin(), p_.formats.end(), r.format) == p_.formats.end())
        Emit("access-format-not-allowed", place, line,
             "Access rule '" + r.id + "' uses the format " + std::string(Name(r.format)) +
                 ", which the protocol's formats do not include");
      for (const auto& id : r.data) {
        const DataCategory* d = p_.FindData(id);
        if (!d) {
          Emit("access-unknown-data", place, line,
               "Access rule '" + r.id + "' names data category '" + id + "', which is not listed");
          continue;
        }
        bool from_provider = d->provider == r.provider || d->provider == kAllPartners;
        bool to_partner = std::find(d->recipients.begin(), d->recipients.end(), r.partner) !=
                              d->recipients.end() ||
                          std::find(d->recipients.begin(), d->recipients.end(), kAllPartners) !=
                              d->recipients.end();
        if (!from_provider || !to_partner)
          Emit("access-data-mismatch", place, line,
               "Access rule '" + r.id + "' names '" + id + "', which " +
                   (!from_provider ? "is provided by " + d->provider + ", not " + r.provider
                                   : "is not shared with " + r.partner));
      }
      for (const auto& purpose : r.purposes)
        if (std::find(p_.purpose.tags.begin(), p_.purpose.tags.end(), purpose) ==
            p_.purpose.tags.end())
          Emit("access-unknown-purpose", place, line,
               "Access rule '" + r.id + "' names the purpose '" + purpose +
                   "', which is not among the protocol's purpose tags");
    }
  }

  void Formats() {
    if (p_.formats.empty())
      Emit("formats-missing", "formats", 0,
           "No format of sharing is listed, so nothing can be shared");
    if (p_.purpose.tags.empty())
      Emit("purpose-tags-missing", "purpose.tags", 0,
           "The purpose has no tags, so no request can name a purpose this protocol covers");
  }

  void BreachAndWithdrawal() {
    const auto& b = p_.breach;
    if (b.ico_within_hours && *b.ico_within_hours > 72)
      Emit("breach-ico-beyond-72", "breach.ico_within_hours", 0,
           "The regulator is to be told within " + std::to_string(*b.ico_within_hours) +
               " hours; UK GDPR Article 33 requires 72 hours at most");
    if (b.ico_within_hours && b.partners_within_hours &&
        *b.partners_within_hours > *b.ico_within_hours)
      Emit("breach-partners-beyond-ico", "breach.partners_within_hours", 0,
           "Partners are told of a breach within " + std::to_string(*b.partners_within_hours) +
               " hours, later than the regulator (" + std::to_string(*b.ico_within_hours) +
               " hours), so they cannot be consulted first");
    if (!b.ico_within_hours || !b.partners_within_hours)
      Emit("breach-hours-missing", "breach", 0,
           std::string("The deadline for telling ") +
               (!b.ico_within_hours && !b.partners_within_hours ? "partners and the regulator"
                : !b.ico_within_hours                           ? "the regulator"
                                                                : "partners") +
               " of a breach is not stated");
    if (!p_.withdrawal_notice_days)
      Emit("withdrawal-notice-missing", "withdrawal_notice_days", 0,
           "The notice a partner must give to withdraw is not stated");
  }

  void Rights() {
    const auto& r = p_.subject_rights;
    std::vector<std::string> missing;
    if (!r.informed) missing.push_back("informed");
    if (!r.access) missing.push_back("access");
    if (!r.rectification) missing.push_back("rectification");
    if (!r.erasure) missing.push_back("erasure");
    if (!r.restriction) missing.push_back("restriction");
    if (!r.notification) missing.push_back("notification");
    if (!r.objection) missing.push_back("objection");
    if (!r.automated_decision) missing.push_back("automated decision-making");
    if (!missing.empty())
      Emit(
          "subject-rights-not-stated", "subject_rights", 0,
          "The document does not say whether these data subject rights apply: " + JoinIds(missing));
  }

  const Protocol& p_;
  const LintOptions& o_;
  std::vector<Finding> out_;
};

}  // namespace

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "info";
  }
  return "?";
}

bool IsPlaceholder(std::string_view text) {
  std::string t = Lower(Trim(text));
  if (t.empty()) return true;
  static const char* kExact[] = {"tbc", "tba", "tbd", "?", "??", "???", "-", "n/k", "xxx"};
  for (const char* e : kExact)
    if (t == e) return true;
  if (t.find("choose an item") != std::string::npos) return true;
  if (t.find("click here to enter") != std::string::npos) return true;
  if (t.find("[please") != std::string::npos) return true;
  return false;
}

const std::vector<LintRule>& AllLintRules() {
  return kRules;
}

FindingCounts CountFindings(const std::vector<Finding>& findings) {
  FindingCounts c;
  for (const auto& f : findings)
    ++(f.severity == Severity::kError     ? c.errors
       : f.severity == Severity::kWarning ? c.warnings
                                          : c.info);
  return c;
}

std::vector<Finding> Lint(const Protocol& p, const LintOptions& options) {
  return Linter(p, options).Run();
}

}  // namespace concordat::model
