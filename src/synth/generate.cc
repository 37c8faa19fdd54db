#include "synth/generate.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

#include "decide/render.h"
#include "model/enums.h"

namespace concordat::synth {
namespace {

using Rng = std::mt19937_64;

int Uniform(Rng& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}
bool Chance(Rng& rng, double p) {
  return std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

std::string Name(const char* prefix, int i, int width = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%0*d", prefix, width, i);
  return buf;
}

template <typename T>
std::vector<T> Sample(Rng& rng, const std::vector<T>& pool, int n) {
  std::vector<T> copy = pool;
  std::shuffle(copy.begin(), copy.end(), rng);
  copy.resize(static_cast<size_t>(std::min<int>(n, static_cast<int>(copy.size()))));
  return copy;
}

std::vector<std::string> Pool(const char* prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(Name(prefix, i, 2));
  return out;
}

const std::vector<std::string>& Roles() {
  static const auto v = Pool("role", 20);
  return v;
}
const std::vector<std::string>& Sites() {
  static const auto v = Pool("site", 12);
  return v;
}
const std::vector<std::string>& Devices() {
  static const auto v = Pool("device", 8);
  return v;
}
const std::vector<std::string>& Purposes() {
  static const auto v = Pool("purpose", 30);
  return v;
}
const std::vector<std::string>& Users() {
  static const auto v = Pool("user", 40);
  return v;
}
const std::vector<std::string>& Fields() {
  static const std::vector<std::string> v = {
      "name",       "date_of_birth", "address",          "postcode",
      "nhs_number", "case_status",   "allocated_worker", "risk_level",
      "offence",    "sentence",      "release_date",     "contact_number",
      "school",     "diagnosis",     "care_needs",       "warning_marker"};
  return v;
}

Date RandomDate(Rng& rng, int year_from, int year_to) {
  Date a = Date::FromCivil(year_from, 1, 1), b = Date::FromCivil(year_to, 12, 31);
  return Date{Uniform(rng, a.days, b.days)};
}

model::Protocol OneProtocol(Rng& rng, int index, const RegistryParams& params, int org_pool) {
  model::Protocol p;
  p.id = Name("proto", index, 5);
  p.version = "1.0";
  p.title = "Synthetic protocol " + std::to_string(index);
  double s = std::uniform_real_distribution<double>(0, 1)(rng);
  p.status = s < 0.8   ? model::ProtocolStatus::kApproved
             : s < 0.9 ? model::ProtocolStatus::kDraft
                       : model::ProtocolStatus::kForApproval;
  if (!Chance(rng, 0.05)) p.commences = RandomDate(rng, 2019, 2025);
  int interval = Chance(rng, 0.5) ? 12 : 24;
  p.review.interval_months = interval;
  if (p.commences && !Chance(rng, 0.1)) p.review.due = p.commences->AddMonths(interval);
  p.purpose.text = "Synthetic purpose";
  p.purpose.tags = Sample(rng, Purposes(), Uniform(rng, 2, 6));
  std::vector<model::Format> all_formats = {
      model::Format::kMeeting, model::Format::kRequestResponse, model::Format::kSelfService,
      model::Format::kCentralController, model::Format::kAutomated};
  p.formats = Sample(rng, all_formats, Uniform(rng, 1, 5));
  p.withdrawal_notice_days = 28;
  p.breach.partners_within_hours = 48;
  p.breach.ico_within_hours = 72;

  // Partners from the shared organisation pool.
  std::set<int> chosen;
  while (static_cast<int>(chosen.size()) < std::min(params.partners, org_pool))
    chosen.insert(Uniform(rng, 0, org_pool - 1));
  for (int org : chosen) {
    model::Partner partner;
    partner.id = Name("org", org, 5);
    partner.name = "Organisation " + std::to_string(org);
    partner.email = partner.id + "@example.org";
    partner.controller = model::ControllerRole::kSole;
    partner.provides = Chance(rng, 0.95);
    partner.accesses = Chance(rng, 0.95);
    model::LegalBasis b;
    if (Chance(rng, 0.97))
      b.article6.values = {Chance(rng, 0.5) ? model::Article6::kPublicTask
                                            : model::Article6::kLegalObligation};
    else if (Chance(rng, 0.5))
      b.article6.unfilled = true;
    if (Chance(rng, 0.9)) b.article9.values = {model::Article9::kSubstantialPublicInterest};
    if (Chance(rng, 0.5)) b.dpa_part3.values = {"statutory_purposes"};
    if (Chance(rng, 0.6))
      b.article10.values = {Chance(rng, 0.9) ? "preventing_detecting_unlawful_acts" : "policing"};
    partner.legal_basis.push_back(b);
    if (Chance(rng, 0.8)) partner.retention_days = Uniform(rng, 30, 3650);
    if (Chance(rng, 0.95)) {
      model::Signatory sig;
      sig.name = "Signatory " + std::to_string(org);
      Date base = p.commences.value_or(Date::FromCivil(2022, 1, 1));
      sig.signed_on = base.AddDays(Chance(rng, 0.95) ? -Uniform(rng, 0, 60) : Uniform(rng, 1, 400));
      partner.signatory = sig;
    }
    if (Chance(rng, 0.03)) partner.withdrawal_notice = RandomDate(rng, 2021, 2026);
    p.partners.push_back(std::move(partner));
  }
  p.lead = p.partners.front().id;

  // Data categories.
  for (int c = 0; c < params.categories; ++c) {
    model::DataCategory d;
    d.id = Name("cat", c, 3);
    d.provider = Chance(rng, 0.05)
                     ? std::string(model::kAllPartners)
                     : p.partners[static_cast<size_t>(
                                      Uniform(rng, 0, static_cast<int>(p.partners.size()) - 1))]
                           .id;
    if (Chance(rng, 0.3)) {
      d.recipients = {model::kAllPartners};
    } else {
      for (const auto& partner : Sample(rng, p.partners, Uniform(rng, 1, 5)))
        d.recipients.push_back(partner.id);
    }
    d.description = "Synthetic category " + std::to_string(c);
    double k = std::uniform_real_distribution<double>(0, 1)(rng);
    d.kind = k < 0.4    ? model::DataKind::kPersonal
             : k < 0.65 ? model::DataKind::kSpecialCategory
             : k < 0.85 ? model::DataKind::kCriminalOffence
                        : model::DataKind::kAggregate;
    if (d.kind != model::DataKind::kAggregate) d.fields = Sample(rng, Fields(), Uniform(rng, 2, 8));
    p.data.push_back(std::move(d));
  }

  // Access rules.
  int rules = Uniform(rng, 0, 5);
  for (int i = 0; i < rules; ++i) {
    model::AccessRule r;
    r.id = Name("rule", i, 2);
    const auto& a =
        p.partners[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(p.partners.size()) - 1))];
    const auto& b =
        p.partners[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(p.partners.size()) - 1))];
    r.partner = a.id;
    r.provider = b.id;
    r.format =
        p.formats[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(p.formats.size()) - 1))];
    r.mode = Chance(rng, 0.7) ? model::AccessMode::kReadOnly : model::AccessMode::kReadWrite;
    if (Chance(rng, 0.85)) r.roles = Sample(rng, Roles(), Uniform(rng, 1, 3));
    if (Chance(rng, 0.15)) r.users = Sample(rng, Users(), Uniform(rng, 1, 2));
    if (Chance(rng, 0.5)) r.locations = Sample(rng, Sites(), Uniform(rng, 1, 2));
    if (Chance(rng, 0.4)) r.devices = Sample(rng, Devices(), 1);
    if (Chance(rng, 0.5)) r.purposes = Sample(rng, p.purpose.tags, Uniform(rng, 1, 2));
    if (Chance(rng, 0.5)) r.require.push_back(model::Requirement::kJustification);
    if (Chance(rng, 0.4)) r.require.push_back(model::Requirement::kAuditReference);
    if (Chance(rng, 0.8)) {
      std::vector<std::string> own;
      for (const auto& d : p.data)
        if (d.provider == b.id || d.provider == model::kAllPartners) own.push_back(d.id);
      r.data = Sample(rng, own, Uniform(rng, 1, 4));
    }
    p.access.push_back(std::move(r));
  }
  return p;
}

}  // namespace

model::Registry GenerateRegistry(const RegistryParams& params) {
  Rng rng(params.seed);
  model::Registry reg;
  const int org_pool = params.organisations > 0 ? std::max(params.organisations, params.partners)
                                                : std::max(params.partners * 3, 300);
  for (int i = 0; i < params.protocols; ++i) {
    model::Protocol p = OneProtocol(rng, i, params, org_pool);
    p.source = p.id + ".yaml";
    if (Chance(rng, 0.1)) {
      // A second version side by side, later and sometimes not yet in force.
      model::Protocol v2 = p;
      v2.version = "2.0";
      if (v2.commences) v2.commences = v2.commences->AddDays(Uniform(rng, 100, 900));
      if (Chance(rng, 0.3)) v2.status = model::ProtocolStatus::kDraft;
      v2.source = p.id + "-v2.yaml";
      reg.protocols.push_back(std::move(p));
      reg.protocols.push_back(std::move(v2));
    } else {
      reg.protocols.push_back(std::move(p));
    }
  }
  return reg;
}

std::vector<decide::Request> GenerateRequests(const model::Registry& registry,
                                              const RequestParams& params) {
  Rng rng(params.seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<decide::Request> out;
  out.reserve(static_cast<size_t>(params.count));
  const auto& protocols = registry.protocols;
  for (int i = 0; i < params.count; ++i) {
    decide::Request r;
    const model::Protocol& p =
        protocols[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(protocols.size()) - 1))];
    r.at = Instant{RandomDate(rng, Chance(rng, 0.8) ? 2025 : 2019, 2026).StartInstant() +
                   Uniform(rng, 0, 86399)};
    if (Chance(rng, 0.2)) {
      // On or just before a date that changes the answer: boundaries are where bugs live.
      std::vector<Date> key;
      if (p.commences) key.push_back(*p.commences);
      if (p.review.due) key.push_back(p.review.due->AddDays(1));
      for (const auto& partner : p.partners) {
        if (partner.signatory && partner.signatory->signed_on)
          key.push_back(*partner.signatory->signed_on);
        if (partner.withdrawal_notice)
          key.push_back(partner.withdrawal_notice->AddDays(p.withdrawal_notice_days.value_or(0)));
      }
      if (!key.empty()) {
        Date d = key[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(key.size()) - 1))];
        r.at = Instant{d.StartInstant() - (Chance(rng, 0.5) ? 1 : 0)};
      }
    }
    if (Chance(rng, 0.6)) r.protocol = Chance(rng, 0.97) ? p.id : "proto-missing";
    // Aim at an access rule half the time, else at a random pair of partners.
    const model::AccessRule* rule = nullptr;
    if (!p.access.empty() && Chance(rng, 0.5))
      rule = &p.access[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(p.access.size()) - 1))];
    auto random_partner = [&]() -> std::string {
      if (Chance(rng, 0.05)) return Name("org", Uniform(rng, 0, 999), 5);
      return p
          .partners[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(p.partners.size()) - 1))]
          .id;
    };
    r.requester.org = rule && Chance(rng, 0.95) ? rule->partner : random_partner();
    r.provider = rule && Chance(rng, 0.95) ? rule->provider : random_partner();
    r.requester.user =
        Users()[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(Users().size()) - 1))];
    if (rule && !rule->users.empty() && Chance(rng, 0.3)) r.requester.user = rule->users[0];
    if (rule && !rule->roles.empty() && Chance(rng, 0.8))
      r.requester.roles.push_back(rule->roles[0]);
    if (Chance(rng, 0.5))
      r.requester.roles.push_back(
          Roles()[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(Roles().size()) - 1))]);
    if (rule && !rule->locations.empty() && Chance(rng, 0.8))
      r.requester.location = rule->locations[0];
    else if (Chance(rng, 0.5))
      r.requester.location =
          Sites()[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(Sites().size()) - 1))];
    if (rule && !rule->devices.empty() && Chance(rng, 0.8))
      r.requester.device = rule->devices[0];
    else if (Chance(rng, 0.4))
      r.requester.device =
          Devices()[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(Devices().size()) - 1))];
    // Data: from the rule, from the provider's categories, or anything.
    std::vector<std::string> fitting;  // categories this provider shares with this requester
    for (const auto& d : p.data) {
      bool from = d.provider == r.provider || d.provider == model::kAllPartners;
      bool to = std::find(d.recipients.begin(), d.recipients.end(), r.requester.org) !=
                    d.recipients.end() ||
                std::find(d.recipients.begin(), d.recipients.end(), model::kAllPartners) !=
                    d.recipients.end();
      if (from && to &&
          (!rule || rule->data.empty() ||
           std::find(rule->data.begin(), rule->data.end(), d.id) != rule->data.end()))
        fitting.push_back(d.id);
    }
    int n = Uniform(rng, 1, 2);
    for (int k = 0; k < n; ++k) {
      if (!fitting.empty() && Chance(rng, 0.8)) {
        r.data.push_back(
            fitting[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(fitting.size()) - 1))]);
      } else if (rule && !rule->data.empty() && Chance(rng, 0.7)) {
        r.data.push_back(rule->data[static_cast<size_t>(
            Uniform(rng, 0, static_cast<int>(rule->data.size()) - 1))]);
      } else if (Chance(rng, 0.93)) {
        r.data.push_back(
            p.data[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(p.data.size()) - 1))].id);
      } else {
        r.data.push_back("cat-999");
      }
    }
    std::sort(r.data.begin(), r.data.end());
    r.data.erase(std::unique(r.data.begin(), r.data.end()), r.data.end());
    if (rule && !rule->purposes.empty() && Chance(rng, 0.8))
      r.purpose = rule->purposes[0];
    else if (Chance(rng, 0.9))
      r.purpose = p.purpose.tags[static_cast<size_t>(
          Uniform(rng, 0, static_cast<int>(p.purpose.tags.size()) - 1))];
    if (rule && Chance(rng, 0.9))
      r.format = rule->format;
    else if (Chance(rng, 0.85))
      r.format =
          p.formats[static_cast<size_t>(Uniform(rng, 0, static_cast<int>(p.formats.size()) - 1))];
    else
      r.format = static_cast<model::Format>(Uniform(rng, 0, 4));
    r.action = Chance(rng, 0.1) ? decide::Action::kWrite : decide::Action::kRead;
    if (Chance(rng, 0.8))
      r.justification = "Synthetic justification " + std::to_string(i);
    else if (Chance(rng, 0.3))
      r.justification = "   ";
    if (Chance(rng, 0.75)) r.audit_reference = "AR-" + std::to_string(i);
    if (Chance(rng, 0.5)) r.subject = "subject-" + std::to_string(Uniform(rng, 0, 100000));
    out.push_back(std::move(r));
  }
  return out;
}

std::string RequestToJson(const decide::Request& r) {
  std::string o = "{";
  auto key = [&](const char* k) {
    if (o.size() > 1) o += ',';
    o += '"';
    o += k;
    o += "\":";
  };
  auto str = [&](const char* k, const std::string& v) {
    key(k);
    decide::AppendJsonString(v, &o);
  };
  if (r.at) str("at", r.at->ToString());
  if (!r.protocol.empty()) str("protocol", r.protocol);
  key("requester");
  o += "{\"org\":";
  decide::AppendJsonString(r.requester.org, &o);
  if (!r.requester.user.empty()) {
    o += ",\"user\":";
    decide::AppendJsonString(r.requester.user, &o);
  }
  o += ",\"roles\":[";
  for (size_t i = 0; i < r.requester.roles.size(); ++i) {
    if (i) o += ',';
    decide::AppendJsonString(r.requester.roles[i], &o);
  }
  o += ']';
  if (!r.requester.location.empty()) {
    o += ",\"location\":";
    decide::AppendJsonString(r.requester.location, &o);
  }
  if (!r.requester.device.empty()) {
    o += ",\"device\":";
    decide::AppendJsonString(r.requester.device, &o);
  }
  o += '}';
  str("provider", r.provider);
  key("data");
  o += '[';
  for (size_t i = 0; i < r.data.size(); ++i) {
    if (i) o += ',';
    decide::AppendJsonString(r.data[i], &o);
  }
  o += ']';
  if (!r.purpose.empty()) str("purpose", r.purpose);
  str("format", std::string(model::Name(r.format)));
  str("action", r.action == decide::Action::kWrite ? "write" : "read");
  if (!r.justification.empty()) str("justification", r.justification);
  if (!r.audit_reference.empty()) str("audit_reference", r.audit_reference);
  if (!r.subject.empty()) str("subject", r.subject);
  o += '}';
  return o;
}

}  // namespace concordat::synth
