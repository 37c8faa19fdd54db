#include "decide/index.h"

#include <absl/strings/string_view.h>

#include <algorithm>

#include "model/enums.h"

namespace concordat::decide {

Sym SymbolTable::Intern(std::string_view s) {
  auto it = map_.find(absl::string_view(s.data(), s.size()));
  if (it != map_.end()) return it->second;
  Sym id = static_cast<Sym>(names_.size());
  names_.push_back(std::make_unique<std::string>(s));
  map_.emplace(*names_.back(), id);
  return id;
}

Sym SymbolTable::Find(std::string_view s) const {
  auto it = map_.find(absl::string_view(s.data(), s.size()));
  return it == map_.end() ? kNoSym : it->second;
}

namespace {

std::vector<Sym> InternAll(SymbolTable& t, const std::vector<std::string>& v) {
  std::vector<Sym> out;
  for (const auto& s : v) out.push_back(t.Intern(s));
  return out;
}

CompiledProtocol CompileOne(const model::Protocol& p, SymbolTable& syms) {
  CompiledProtocol c;
  c.source = &p;
  c.id = syms.Intern(p.id);
  c.approved = p.status == model::ProtocolStatus::kApproved;
  if (p.commences) c.commences = p.commences->StartInstant();
  if (p.review.due) c.overdue_from = p.review.due->AddDays(1).StartInstant();
  for (auto f : p.formats) c.formats |= 1u << static_cast<unsigned>(f);
  c.purposes = InternAll(syms, p.purpose.tags);
  for (const auto& partner : p.partners) {
    CompiledPartner cp;
    cp.org = syms.Intern(partner.id);
    if (partner.signatory && partner.signatory->signed_on)
      cp.signed_from = partner.signatory->signed_on->StartInstant();
    if (partner.withdrawal_notice) {
      cp.notice_given = true;
      cp.rights_end =
          partner.withdrawal_notice->AddDays(p.withdrawal_notice_days.value_or(0)).StartInstant();
    }
    cp.provides = partner.provides.value_or(false);
    cp.accesses = partner.accesses.value_or(false);
    bool art10 = false, part3 = false;
    for (const auto& row : partner.legal_basis) {
      cp.art6 = cp.art6 || row.article6.HasBasis();
      cp.art9 = cp.art9 || row.article9.HasBasis();
      for (const auto& c : row.article10.values)
        art10 = art10 || model::IsKnownArticle10Condition(c);
      for (const auto& c : row.dpa_part3.values)
        part3 = part3 || model::IsKnownDpaPart3Condition(c);
    }
    cp.criminal = part3 || (cp.art6 && art10);
    cp.retention_days = partner.retention_days.value_or(-1);
    c.partners.push_back(cp);
  }
  for (const auto& d : p.data) {
    CompiledCategory cc;
    cc.id = syms.Intern(d.id);
    cc.provider = d.provider == model::kAllPartners ? kAllPartnersIndex
                                                    : c.PartnerIndex(syms.Intern(d.provider));
    for (const auto& r : d.recipients) {
      if (r == model::kAllPartners) {
        cc.all_recipients = true;
      } else if (int32_t idx = c.PartnerIndex(syms.Intern(r)); idx >= 0) {
        cc.recipients.push_back(idx);
      }
    }
    cc.kind = d.kind;
    c.data.push_back(std::move(cc));
  }
  for (const auto& r : p.access) {
    CompiledRule cr;
    cr.partner = c.PartnerIndex(syms.Intern(r.partner));
    cr.provider = c.PartnerIndex(syms.Intern(r.provider));
    cr.format = r.format;
    cr.read_only = r.mode == model::AccessMode::kReadOnly;
    cr.roles = InternAll(syms, r.roles);
    cr.users = InternAll(syms, r.users);
    cr.locations = InternAll(syms, r.locations);
    cr.devices = InternAll(syms, r.devices);
    cr.purposes = InternAll(syms, r.purposes);
    for (auto req : r.require) {
      if (req == model::Requirement::kJustification) cr.need_justification = true;
      if (req == model::Requirement::kAuditReference) cr.need_audit_reference = true;
    }
    cr.data = InternAll(syms, r.data);
    c.rules.push_back(std::move(cr));
  }
  c.label = "protocol " + p.id + " " + p.version;
  return c;
}

uint64_t PairKey(Sym a, Sym b) {
  return (uint64_t{a} << 32) | b;
}

}  // namespace

std::shared_ptr<const CompiledRegistry> CompiledRegistry::Compile(model::Registry registry,
                                                                  CompileOptions options) {
  std::shared_ptr<CompiledRegistry> r(new CompiledRegistry());
  r->registry_ = std::move(registry);
  r->options_ = options;
  // The registry is sorted by id, then version ascending (model/registry.h); keep that order.
  std::sort(r->registry_.protocols.begin(), r->registry_.protocols.end(),
            [](const model::Protocol& a, const model::Protocol& b) {
              if (a.id != b.id) return a.id < b.id;
              return model::CompareVersions(a.version, b.version) < 0;
            });
  r->protocols_.reserve(r->registry_.protocols.size());
  for (const auto& p : r->registry_.protocols) r->protocols_.push_back(CompileOne(p, r->symbols_));
  // Versions of one id are adjacent (sorted by id, then version).
  r->versions_.assign(r->symbols_.size(), Range{});
  r->version_index_.resize(r->protocols_.size());
  for (size_t i = 0; i < r->protocols_.size(); ++i) r->version_index_[i] = static_cast<int32_t>(i);
  for (size_t i = 0; i < r->protocols_.size(); ++i) {
    Range& v = r->versions_[r->protocols_[i].id];
    if (v.count == 0) v.begin = static_cast<uint32_t>(i);
    ++v.count;
  }
  // Pairs: for every organisation, the protocols it is a partner of (in id order, as
  // protocols_ is); then, organisation by organisation, the protocols it shares with each
  // other organisation. Small per-organisation sorts instead of one sort of every pair.
  absl::flat_hash_map<Sym, std::vector<int32_t>> by_org;
  for (size_t i = 0; i < r->protocols_.size(); ++i)
    for (const auto& a : r->protocols_[i].partners)
      by_org[a.org].push_back(static_cast<int32_t>(i));
  std::vector<std::pair<Sym, int32_t>> others;
  r->pairs_.reserve(by_org.size() * 16);
  for (const auto& [org, list] : by_org) {
    others.clear();
    for (int32_t pi : list)
      for (const auto& b : r->protocols_[static_cast<size_t>(pi)].partners)
        if (b.org != org) others.emplace_back(b.org, pi);
    std::sort(others.begin(), others.end());
    for (size_t i = 0; i < others.size();) {
      size_t j = i;
      Range range{static_cast<uint32_t>(r->pair_ids_.size()), 0};
      for (; j < others.size() && others[j].first == others[i].first; ++j) {
        Sym id = r->protocols_[static_cast<size_t>(others[j].second)].id;
        if (range.count == 0 || r->pair_ids_.back() != id) {
          r->pair_ids_.push_back(id);
          ++range.count;
        }
      }
      r->pairs_.emplace(PairKey(org, others[i].first), range);
      i = j;
    }
  }
  return r;
}

std::span<const int32_t> CompiledRegistry::Versions(Sym id) const {
  if (id >= versions_.size() || versions_[id].count == 0) return {};
  return {version_index_.data() + versions_[id].begin, versions_[id].count};
}

std::span<const Sym> CompiledRegistry::ProtocolsJoining(Sym requester_org, Sym provider_org) const {
  auto it = pairs_.find(PairKey(requester_org, provider_org));
  if (it == pairs_.end()) return {};
  return {pair_ids_.data() + it->second.begin, it->second.count};
}

int32_t CompiledRegistry::ApplicableVersion(std::span<const int32_t> versions, int64_t t) const {
  for (auto it = versions.rbegin(); it != versions.rend(); ++it)
    if (protocols_[static_cast<size_t>(*it)].InForce(t)) return *it;
  return versions.back();
}

}  // namespace concordat::decide
