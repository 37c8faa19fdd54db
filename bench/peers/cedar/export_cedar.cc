// Expresses a Concordat registry and a batch of requests in Cedar, for the side-by-side
// benchmark (bench/peers/cedar/run.sh):
//
//   OUT/policies.cedar  one permit policy per protocol version that can be in force (its
//                       general terms) and one per access rule; Cedar's "permit if any
//                       policy permits" matches "the first protocol in force that permits".
//   OUT/calls.jsonl     per request: principal (requesting Org), resource (providing Org),
//                       context (the request's fields), the entities sliced to the two
//                       organisations' memberships of candidate protocol versions, and
//                       Concordat's own decision ("expect"), for the agreement check.
//
// It also times Concordat's decide() over the same requests (in memory, one core) and prints
// the rate, so the ratio is measured in one run.
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "decide/engine.h"
#include "decide/render.h"
#include "decide/request_json.h"
#include "model/enums.h"
#include "model/registry.h"

using namespace concordat;

namespace {

std::string Q(std::string_view s) {
  std::string out;
  decide::AppendJsonString(s, &out);
  return out;
}

std::string Set(const std::vector<std::string>& v) {
  std::string o = "[";
  for (size_t i = 0; i < v.size(); ++i) o += (i ? "," : "") + Q(v[i]);
  return o + "]";
}

std::string Key(const model::Protocol& p) {
  return p.id + "@" + p.version;
}

bool CriminalBasis(const model::LegalBasis& b) {
  for (const auto& c : b.dpa_part3.values)
    if (model::IsKnownDpaPart3Condition(c)) return true;
  if (b.article6.values.empty()) return false;
  for (const auto& c : b.article10.values)
    if (model::IsKnownArticle10Condition(c)) return true;
  return false;
}

// The membership record of one partner in one protocol version.
std::string Membership(const model::Protocol& p, const model::Partner& x) {
  int64_t signed_from = x.signatory && x.signatory->signed_on
                            ? x.signatory->signed_on->StartInstant()
                            : INT64_MAX / 2;
  int64_t rights_end =
      x.withdrawal_notice
          ? x.withdrawal_notice->AddDays(p.withdrawal_notice_days.value_or(0)).StartInstant()
          : INT64_MAX / 2;
  model::LegalBasis b = model::EffectiveBasis(x);
  bool art6 = b.article6.HasBasis(), art9 = b.article9.HasBasis(), crim = CriminalBasis(b);
  std::vector<std::string> receives, provides, ok, rule_keys;
  for (const auto& d : p.data) {
    bool all_to = std::count(d.recipients.begin(), d.recipients.end(), model::kAllPartners) > 0;
    if (all_to || std::count(d.recipients.begin(), d.recipients.end(), x.id))
      receives.push_back(d.id);
    if (d.provider == x.id || d.provider == model::kAllPartners) provides.push_back(d.id);
    bool good = d.kind == model::DataKind::kAggregate ||
                (d.kind == model::DataKind::kPersonal && art6) ||
                (d.kind == model::DataKind::kSpecialCategory && art6 && art9) ||
                (d.kind == model::DataKind::kCriminalOffence && crim);
    if (good) ok.push_back(d.id);
  }
  for (const auto& r : p.access)
    if (r.partner == x.id && p.FindPartner(r.provider))
      rule_keys.push_back(r.provider + "|" + std::string(model::Name(r.format)));
  std::ostringstream o;
  o << "{\"signed_from\":" << signed_from << ",\"rights_end\":" << rights_end
    << ",\"accesses\":" << (x.accesses.value_or(false) ? "true" : "false")
    << ",\"provides\":" << (x.provides.value_or(false) ? "true" : "false")
    << ",\"receives\":" << Set(receives) << ",\"provides_cats\":" << Set(provides)
    << ",\"ok\":" << Set(ok) << ",\"rule_keys\":" << Set(rule_keys) << "}";
  return o.str();
}

// The conditions every share under protocol version p must meet (general terms).
std::string General(const model::Protocol& p, const std::vector<const model::Protocol*>& higher) {
  const std::string k = Q(Key(p));
  const std::string a = "principal.m[" + k + "]", b = "resource.m[" + k + "]";
  std::ostringstream o;
  o << "(context.protocol == " << Q(p.id)
    << " || (context.protocol == \"\" && context.distinct)) &&\n"
    << "  context.at >= " << p.commences->StartInstant();
  for (const auto* h : higher) o << " && context.at < " << h->commences->StartInstant();
  o << " &&\n  principal.m has " << k << " && resource.m has " << k << " &&\n"
    << "  " << a << ".signed_from <= context.at && " << b << ".signed_from <= context.at &&\n"
    << "  " << a << ".rights_end > context.at && " << b << ".rights_end > context.at &&\n"
    << "  " << a << ".accesses && " << b << ".provides &&\n"
    << "  " << a << ".receives.containsAll(context.data) && " << b
    << ".provides_cats.containsAll(context.data) &&\n"
    << "  " << a << ".ok.containsAll(context.data) && " << b << ".ok.containsAll(context.data) &&\n"
    << "  " << Set(p.purpose.tags) << ".contains(context.purpose)";
  std::vector<std::string> formats;
  for (auto f : p.formats) formats.emplace_back(model::Name(f));
  o << " && " << Set(formats) << ".contains(context.format)";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: export_cedar REGISTRY_DIR REQUESTS.jsonl OUT_DIR\n";
    return 2;
  }
  std::vector<model::LoadError> errors;
  auto reg = model::LoadRegistry(argv[1], &errors);
  if (!reg.ok()) {
    for (const auto& e : errors) std::cerr << e.ToString() << "\n";
    return 2;
  }
  const std::string out_dir = argv[3];
  // Versions that can be in force: approved with a commencement date.
  std::map<std::string, std::vector<const model::Protocol*>> versions;
  for (const auto& p : reg->protocols)
    if (p.status == model::ProtocolStatus::kApproved && p.commences) versions[p.id].push_back(&p);

  std::ofstream pol(out_dir + "/policies.cedar");
  size_t policies = 0;
  for (const auto& [id, list] : versions) {
    for (const auto* p : list) {
      std::vector<const model::Protocol*> higher;
      for (const auto* q : list)
        if (model::CompareVersions(q->version, p->version) > 0) higher.push_back(q);
      const std::string gen = General(*p, higher);
      const std::string k = Q(Key(*p));
      pol << "@id(" << Q(Key(*p) + "/general")
          << ")\npermit(principal, action == Action::\"share\", resource)\nwhen {\n  " << gen
          << " &&\n  !principal.m[" << k << "].rule_keys.contains(context.pf)\n};\n\n";
      ++policies;
      for (const auto& r : p->access) {
        if (!p->FindPartner(r.partner) || !p->FindPartner(r.provider)) continue;
        pol << "@id(" << Q(Key(*p) + "/" + r.id) << ")\npermit(principal == Org::" << Q(r.partner)
            << ", action == Action::\"share\", resource == Org::" << Q(r.provider)
            << ")\nwhen {\n  " << gen << " &&\n  context.format == " << Q(model::Name(r.format));
        if (!r.users.empty() || !r.roles.empty())
          pol << " &&\n  (" << Set(r.users)
              << ".contains(context.user) || context.roles.containsAny(" << Set(r.roles) << "))";
        if (!r.locations.empty())
          pol << " &&\n  " << Set(r.locations) << ".contains(context.location)";
        if (!r.devices.empty()) pol << " &&\n  " << Set(r.devices) << ".contains(context.device)";
        if (!r.purposes.empty())
          pol << " &&\n  " << Set(r.purposes) << ".contains(context.purpose)";
        for (auto q : r.require)
          pol << (q == model::Requirement::kJustification ? " &&\n  context.justified"
                                                          : " &&\n  context.audited");
        if (!r.data.empty()) pol << " &&\n  " << Set(r.data) << ".containsAll(context.data)";
        if (r.mode == model::AccessMode::kReadOnly) pol << " &&\n  context.action == \"read\"";
        pol << "\n};\n\n";
        ++policies;
      }
    }
  }
  pol.close();

  // Requests: decide with Concordat, write Cedar calls.
  auto compiled = decide::CompiledRegistry::Compile(*reg);
  std::ifstream in(argv[2]);
  std::ofstream calls(out_dir + "/calls.jsonl");
  decide::RequestParser parser;
  std::vector<decide::Request> requests;
  std::string line;
  decide::Decision d;
  const Instant now{1764000000};
  while (std::getline(in, line)) {
    decide::Request r;
    if (!parser.Parse(line, &r).ok()) continue;
    decide::Decide(*compiled, r, now, &d);
    const int64_t at = r.at ? r.at->seconds : now.seconds;
    // Slice the entities: both organisations' memberships of candidate versions.
    std::string ma, mb;
    for (const auto& [id, list] : versions) {
      if (!r.protocol.empty() && r.protocol != id) continue;
      for (const auto* p : list) {
        const model::Partner* a = p->FindPartner(r.requester.org);
        const model::Partner* b = p->FindPartner(r.provider);
        if (!a || !b) continue;
        ma += (ma.empty() ? "" : ",") + Q(Key(*p)) + ":" + Membership(*p, *a);
        if (r.requester.org != r.provider)
          mb += (mb.empty() ? "" : ",") + Q(Key(*p)) + ":" + Membership(*p, *b);
      }
    }
    std::string entities = "[{\"uid\":{\"type\":\"Org\",\"id\":" + Q(r.requester.org) +
                           "},\"attrs\":{\"m\":{" + ma + "}},\"parents\":[]}";
    if (r.requester.org != r.provider)
      entities += ",{\"uid\":{\"type\":\"Org\",\"id\":" + Q(r.provider) + "},\"attrs\":{\"m\":{" +
                  mb + "}},\"parents\":[]}";
    entities += "]";
    std::ostringstream c;
    c << "{\"principal\":{\"type\":\"Org\",\"id\":" << Q(r.requester.org)
      << "},\"action\":{\"type\":\"Action\",\"id\":\"share\"},"
      << "\"resource\":{\"type\":\"Org\",\"id\":" << Q(r.provider) << "},\"context\":{"
      << "\"protocol\":" << Q(r.protocol)
      << ",\"distinct\":" << (r.requester.org != r.provider ? "true" : "false") << ",\"at\":" << at
      << ",\"user\":" << Q(r.requester.user) << ",\"roles\":" << Set(r.requester.roles)
      << ",\"location\":" << Q(r.requester.location) << ",\"device\":" << Q(r.requester.device)
      << ",\"data\":" << Set(r.data)
      << ",\"purpose\":" << Q(decide::IsGiven(r.purpose) ? r.purpose : "")
      << ",\"format\":" << Q(model::Name(r.format))
      << ",\"pf\":" << Q(r.provider + "|" + std::string(model::Name(r.format)))
      << ",\"action\":" << (r.action == decide::Action::kWrite ? "\"write\"" : "\"read\"")
      << ",\"justified\":" << (decide::IsGiven(r.justification) ? "true" : "false")
      << ",\"audited\":" << (decide::IsGiven(r.audit_reference) ? "true" : "false") << "},"
      << "\"entities\":" << entities << ",\"expect\":\"" << (d.permit ? "permit" : "deny") << "\"}";
    calls << c.str() << "\n";
    requests.push_back(std::move(r));
  }
  calls.close();

  // Concordat's rate on the same requests, one core, in memory.
  size_t n = 0, permits = 0;
  auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    for (const auto& r : requests) {
      decide::Decide(*compiled, r, now, &d);
      permits += d.permit;
      ++n;
    }
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (elapsed < 2.0);
  std::cout << "{\"policies\":" << policies << ",\"requests\":" << requests.size()
            << ",\"concordat_decisions_per_second\":" << static_cast<double>(n) / elapsed << "}\n";
  return 0;
}
