// concordat show FILE: a readable summary of one protocol.
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/summary.h"
#include "model/canonical.h"
#include "model/enums.h"
#include "model/loader.h"

namespace concordat::cli {
namespace {

std::string Join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

template <typename E>
std::string JoinEnums(const std::vector<E>& v) {
  std::vector<std::string> names;
  for (auto e : v) names.emplace_back(model::Name(e));
  return Join(names);
}

template <typename T, typename F>
std::string Basis(const model::BasisList<T>& b, F name) {
  std::vector<std::string> out;
  for (const auto& v : b.values) out.push_back(name(v));
  if (b.unfilled) out.push_back("\"Choose an item.\" (unfilled)");
  return out.empty() ? "none" : Join(out);
}

std::string Tick(const std::optional<bool>& b) {
  return !b ? "not stated" : *b ? "yes" : "no";
}

std::string PartnerName(const model::Protocol& p, const std::string& id) {
  if (id == model::kAllPartners) return "all partners";
  if (const auto* partner = p.FindPartner(id)) return partner->name;
  return id + " (not a partner)";
}

}  // namespace

std::string RenderSummary(const model::Protocol& p) {
  std::ostringstream o;
  o << p.title << "\n" << std::string(p.title.size(), '=') << "\n";
  o << "Protocol   " << p.id << " version " << p.version << " (" << model::Name(p.status) << ")\n";
  o << "Lead       " << PartnerName(p, p.lead) << "\n";
  if (!p.authors.empty()) o << "Authors    " << Join(p.authors, "; ") << "\n";
  o << "Commences  " << (p.commences ? p.commences->ToString() : "not set (never in force)")
    << "\n";
  o << "Review     " << (p.review.due ? "due " + p.review.due->ToString() : std::string("no date"))
    << (p.review.interval_months
            ? ", every " + std::to_string(*p.review.interval_months) + " months"
            : "")
    << "\n";
  o << "Hash       " << model::ContentHash(p) << "\n";
  for (const auto& [k, v] : p.as_written) o << "As written " << k << ": " << v << "\n";

  o << "\nPartners (" << p.partners.size() << ")\n";
  for (const auto& partner : p.partners) {
    o << "  " << partner.name << " [" << partner.id << "]";
    if (partner.controller) o << ", " << model::Name(*partner.controller) << " controller";
    o << "\n";
    o << "    DPO " << partner.dpo.value_or("none named") << "; ICO "
      << partner.ico_registration.value_or("none") << "; email " << partner.email.value_or("none")
      << "\n";
    o << "    provides: " << Tick(partner.provides) << "; accesses: " << Tick(partner.accesses)
      << "\n";
    auto b = model::EffectiveBasis(partner);
    o << "    legal basis: Art 6 "
      << Basis(b.article6, [](auto a) { return std::string(model::Name(a)); }) << "; Art 9 "
      << Basis(b.article9, [](auto a) { return std::string(model::Name(a)); }) << "; Art 10 "
      << Basis(b.article10, [](const std::string& s) { return s; }) << "; DPA Part 3 "
      << Basis(b.dpa_part3, [](const std::string& s) { return s; });
    if (partner.legal_basis.size() > 1) o << " (from " << partner.legal_basis.size() << " rows)";
    o << "\n";
    if (partner.signatory && partner.signatory->signed_on) {
      o << "    signed " << partner.signatory->signed_on->ToString();
      if (partner.signatory->name) o << " by " << *partner.signatory->name;
      if (partner.signatory->role) o << ", " << *partner.signatory->role;
      o << "\n";
    } else {
      o << "    NOT SIGNED\n";
    }
    if (partner.withdrawal_notice)
      o << "    notice of withdrawal given " << partner.withdrawal_notice->ToString() << "\n";
    if (partner.retention_days)
      o << "    keeps received data " << *partner.retention_days << " days\n";
  }

  o << "\nWho provides what to whom\n";
  for (const auto& d : p.data) {
    std::vector<std::string> to;
    for (const auto& r : d.recipients) to.push_back(PartnerName(p, r));
    o << "  " << d.id << " (" << model::Name(d.kind) << "): " << PartnerName(p, d.provider)
      << " -> " << Join(to) << "\n    " << d.description << "\n";
    if (!d.fields.empty()) o << "    fields: " << Join(d.fields) << "\n";
  }

  o << "\nFormats    " << (p.formats.empty() ? "none" : JoinEnums(p.formats)) << "\n";
  if (p.frequency) o << "Frequency  " << *p.frequency << "\n";
  for (const auto& r : p.access) {
    o << "Access rule " << r.id << ": " << PartnerName(p, r.partner) << " reads "
      << PartnerName(p, r.provider) << " by " << model::Name(r.format) << ", "
      << model::Name(r.mode) << "\n";
    if (!r.roles.empty()) o << "    roles: " << Join(r.roles) << "\n";
    if (!r.users.empty()) o << "    users: " << Join(r.users) << "\n";
    if (!r.locations.empty()) o << "    only at: " << Join(r.locations) << "\n";
    if (!r.devices.empty()) o << "    only on: " << Join(r.devices) << "\n";
    if (!r.purposes.empty()) o << "    purposes: " << Join(r.purposes) << "\n";
    if (!r.require.empty()) o << "    requires: " << JoinEnums(r.require) << "\n";
    if (!r.data.empty()) o << "    data: " << Join(r.data) << "\n";
  }

  const auto& s = p.subject_rights;
  o << "\nData subject rights\n"
    << "  informed " << Tick(s.informed) << "; access " << Tick(s.access) << "; rectification "
    << Tick(s.rectification) << "; erasure " << Tick(s.erasure) << "\n  restriction "
    << Tick(s.restriction) << "; notification " << Tick(s.notification) << "; objection "
    << Tick(s.objection) << "; automated decisions " << Tick(s.automated_decision) << "\n"
    << "  respond within " << s.response_days.value_or(30) << " days\n";
  o << "\nBreach     partners within "
    << (p.breach.partners_within_hours ? std::to_string(*p.breach.partners_within_hours) + " hours"
                                       : "(not stated)")
    << ", ICO within "
    << (p.breach.ico_within_hours ? std::to_string(*p.breach.ico_within_hours) + " hours"
                                  : "(not stated)")
    << "\n";
  o << "Withdrawal "
    << (p.withdrawal_notice_days ? std::to_string(*p.withdrawal_notice_days) + " days' notice"
                                 : "notice not stated")
    << "\n";
  if (p.international_transfers)
    o << "International transfers: " << *p.international_transfers << "\n";
  if (!p.legislation.empty()) o << "Legislation: " << Join(p.legislation, "; ") << "\n";
  return o.str();
}

void RegisterShow(CLI::App& app, int* exit_code) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("show", "Print a readable summary of one protocol file.");
  cmd->add_option("file", *file, "Protocol file (YAML)")->required();
  cmd->callback([file, exit_code] {
    std::vector<model::LoadError> errors;
    auto p = model::LoadProtocolFile(*file, &errors);
    if (!p.ok()) {
      for (const auto& e : errors) std::cerr << e.ToString() << "\n";
      *exit_code = kExitBadInput;
      return;
    }
    std::cout << RenderSummary(*p);
    *exit_code = kExitOk;
  });
}

}  // namespace concordat::cli
