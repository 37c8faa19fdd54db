#include "model/canonical.h"

#include <algorithm>
#include <cstdio>

#include "base/sha256.h"
#include "model/enums.h"

namespace concordat::model {
namespace {

template <typename T>
void SortList(std::vector<T>* v) {
  std::sort(v->begin(), v->end());
}

template <typename T>
void SortBasis(BasisList<T>* b) {
  SortList(&b->values);
}

class Writer {
 public:
  std::string out;

  void Key(int indent, std::string_view key) {
    out.append(indent, ' ');
    out += key;
    out += ':';
  }
  void Text(int indent, std::string_view key, std::string_view value) {
    Key(indent, key);
    out += ' ';
    out += QuoteYaml(value);
    out += '\n';
  }
  void OptText(int indent, std::string_view key, const std::optional<std::string>& v) {
    if (v) Text(indent, key, *v);
  }
  void Raw(int indent, std::string_view key, std::string_view value) {
    Key(indent, key);
    out += ' ';
    out += value;
    out += '\n';
  }
  void OptInt(int indent, std::string_view key, const std::optional<int>& v) {
    if (v) Raw(indent, key, std::to_string(*v));
  }
  void OptBool(int indent, std::string_view key, const std::optional<bool>& v) {
    if (v) Raw(indent, key, *v ? "true" : "false");
  }
  void OptDate(int indent, std::string_view key, const std::optional<Date>& v) {
    if (v) Raw(indent, key, v->ToString());
  }
  // Inline list of already-rendered items.
  void Inline(int indent, std::string_view key, const std::vector<std::string>& items,
              bool keep_empty = false) {
    if (items.empty() && !keep_empty) return;
    Key(indent, key);
    out += " [";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ", ";
      out += items[i];
    }
    out += "]\n";
  }
  void TextList(int indent, std::string_view key, const std::vector<std::string>& v,
                bool keep_empty = false) {
    std::vector<std::string> q;
    for (const auto& s : v) q.push_back(QuoteYaml(s));
    Inline(indent, key, q, keep_empty);
  }
  template <typename E>
  void EnumList(int indent, std::string_view key, const std::vector<E>& v) {
    std::vector<std::string> q;
    for (const auto& e : v) q.push_back(std::string(Name(e)));
    Inline(indent, key, q);
  }
  template <typename T, typename F>
  void Basis(int indent, std::string_view key, const BasisList<T>& b, F render) {
    std::vector<std::string> q;
    for (const auto& v : b.values) q.push_back(render(v));
    if (b.unfilled) q.push_back(QuoteYaml(kChooseAnItem));
    Inline(indent, key, q);
  }
  void Pairs(int indent, std::string_view key,
             const std::vector<std::pair<std::string, std::string>>& v) {
    if (v.empty()) return;
    Key(indent, key);
    out += '\n';
    for (const auto& [k, s] : v) Text(indent + 2, QuoteYaml(k), s);
  }
};

void WriteBasis(Writer& w, int indent, const LegalBasis& b) {
  w.Basis(indent, "article6", b.article6, [](Article6 a) { return std::string(Name(a)); });
  w.Basis(indent, "article9", b.article9, [](Article9 a) { return std::string(Name(a)); });
  w.Basis(indent, "article10", b.article10, [](const std::string& s) { return s; });
  w.Basis(indent, "dpa_part3", b.dpa_part3, [](const std::string& s) { return s; });
}

bool BasisEmpty(const LegalBasis& b) {
  auto empty = [](const auto& l) { return l.values.empty() && !l.unfilled; };
  return empty(b.article6) && empty(b.article9) && empty(b.article10) && empty(b.dpa_part3);
}

void WritePartner(Writer& w, const Partner& p) {
  w.out += "  - id: " + QuoteYaml(p.id) + "\n";
  w.Text(4, "name", p.name);
  w.OptText(4, "address", p.address);
  w.OptText(4, "phone", p.phone);
  w.OptText(4, "email", p.email);
  w.OptText(4, "dpo", p.dpo);
  w.OptText(4, "ico_registration", p.ico_registration);
  if (p.controller) w.Raw(4, "controller", Name(*p.controller));
  w.OptText(4, "processor_for", p.processor_for);
  w.OptBool(4, "provides", p.provides);
  w.OptBool(4, "accesses", p.accesses);
  if (p.legal_basis.size() == 1) {
    if (BasisEmpty(p.legal_basis[0])) {
      w.Raw(4, "legal_basis", "{}");
    } else {
      w.Key(4, "legal_basis");
      w.out += '\n';
      WriteBasis(w, 6, p.legal_basis[0]);
    }
  } else if (p.legal_basis.size() > 1) {
    w.Key(4, "legal_basis");
    w.out += '\n';
    for (const auto& row : p.legal_basis) {
      if (BasisEmpty(row)) {
        w.out += "      - {}\n";
        continue;
      }
      Writer inner;
      WriteBasis(inner, 8, row);
      inner.out.replace(0, 8, "      - ");
      w.out += inner.out;
    }
  }
  w.OptInt(4, "retention_days", p.retention_days);
  if (p.signatory) {
    const Signatory& s = *p.signatory;
    if (!s.name && !s.role && !s.signed_on && !s.organisation_as_written && !s.evidence) {
      w.Raw(4, "signatory", "{}");
    } else {
      w.Key(4, "signatory");
      w.out += '\n';
      w.OptText(6, "name", s.name);
      w.OptText(6, "role", s.role);
      w.OptDate(6, "signed", s.signed_on);
      w.OptText(6, "organisation_as_written", s.organisation_as_written);
      w.OptText(6, "evidence", s.evidence);
    }
  }
  w.OptDate(4, "withdrawal_notice", p.withdrawal_notice);
  if (!p.oversight.empty()) {
    w.Key(4, "oversight");
    w.out += '\n';
    for (const auto& c : p.oversight) {
      Writer inner;
      inner.OptText(8, "role", c.role);
      inner.OptText(8, "name", c.name);
      inner.OptText(8, "email", c.email);
      inner.OptText(8, "phone", c.phone);
      if (inner.out.empty()) {
        w.out += "      - {}\n";
      } else {
        inner.out.replace(0, 8, "      - ");
        w.out += inner.out;
      }
    }
  }
}

}  // namespace

std::string QuoteYaml(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

Protocol Canonicalize(Protocol p) {
  SortList(&p.purpose.tags);
  for (auto& partner : p.partners) {
    for (auto& row : partner.legal_basis) {
      SortBasis(&row.article6);
      SortBasis(&row.article9);
      SortBasis(&row.article10);
      SortBasis(&row.dpa_part3);
    }
  }
  for (auto& d : p.data) {
    SortList(&d.recipients);
    SortList(&d.fields);
  }
  SortList(&p.formats);
  std::sort(p.security.controls.begin(), p.security.controls.end());
  for (auto& r : p.access) {
    SortList(&r.roles);
    SortList(&r.users);
    SortList(&r.locations);
    SortList(&r.devices);
    SortList(&r.purposes);
    SortList(&r.require);
    SortList(&r.data);
  }
  std::sort(p.as_written.begin(), p.as_written.end());
  std::sort(p.clauses.begin(), p.clauses.end());
  return p;
}

std::string ToCanonicalYaml(const Protocol& in) {
  const Protocol p = Canonicalize(in);
  Writer w;
  w.Raw(0, "concordat", std::to_string(p.format_version));
  w.Text(0, "id", p.id);
  w.Text(0, "version", p.version);
  w.Text(0, "title", p.title);
  w.Raw(0, "status", Name(p.status));
  w.Text(0, "lead", p.lead);
  w.TextList(0, "authors", p.authors);
  w.OptDate(0, "commences", p.commences);
  if (p.review.due || p.review.interval_months || !p.review.statements.empty()) {
    w.Key(0, "review");
    w.out += '\n';
    w.OptDate(2, "due", p.review.due);
    w.OptInt(2, "interval_months", p.review.interval_months);
    if (!p.review.statements.empty()) {
      w.Key(2, "statements");
      w.out += '\n';
      for (const auto& s : p.review.statements) w.out += "    - " + QuoteYaml(s) + "\n";
    }
  }
  if (!p.documents.empty()) {
    w.Key(0, "documents");
    w.out += '\n';
    for (const auto& d : p.documents) {
      w.out += "  - kind: " + std::string(Name(d.kind)) + "\n";
      w.OptText(4, "title", d.title);
      w.Text(4, "reference", d.reference);
      w.OptText(4, "authority", d.authority);
    }
  }
  w.Key(0, "purpose");
  w.out += '\n';
  w.Text(2, "text", p.purpose.text);
  w.TextList(2, "tags", p.purpose.tags);
  w.Key(0, "partners");
  w.out += '\n';
  for (const auto& partner : p.partners) WritePartner(w, partner);
  w.OptText(0, "joint_controller_contact", p.joint_controller_contact);
  w.TextList(0, "legislation", p.legislation);
  if (!p.data.empty()) {
    w.Key(0, "data");
    w.out += '\n';
    for (const auto& d : p.data) {
      w.out += "  - id: " + QuoteYaml(d.id) + "\n";
      w.Text(4, "provider", d.provider);
      w.TextList(4, "recipients", d.recipients, /*keep_empty=*/true);
      w.Text(4, "description", d.description);
      w.Raw(4, "kind", Name(d.kind));
      w.TextList(4, "fields", d.fields);
    }
  }
  {
    const SubjectRights& r = p.subject_rights;
    Writer inner;
    inner.OptBool(2, "informed", r.informed);
    inner.OptBool(2, "access", r.access);
    inner.OptBool(2, "rectification", r.rectification);
    inner.OptBool(2, "erasure", r.erasure);
    inner.OptBool(2, "restriction", r.restriction);
    inner.OptBool(2, "notification", r.notification);
    inner.OptBool(2, "objection", r.objection);
    inner.OptBool(2, "automated_decision", r.automated_decision);
    inner.OptInt(2, "response_days", r.response_days);
    if (!inner.out.empty()) w.out += "subject_rights:\n" + inner.out;
  }
  {
    const Security& s = p.security;
    Writer inner;
    if (!s.controls.empty()) {
      inner.Key(2, "controls");
      inner.out += '\n';
      for (const auto& [k, v] : s.controls) inner.Raw(4, QuoteYaml(k), v ? "true" : "false");
    }
    inner.OptText(2, "transit", s.transit);
    inner.OptText(2, "text", s.text);
    if (!inner.out.empty()) w.out += "security:\n" + inner.out;
  }
  w.OptText(0, "international_transfers", p.international_transfers);
  w.EnumList(0, "formats", p.formats);
  w.OptText(0, "frequency", p.frequency);
  if (!p.access.empty()) {
    w.Key(0, "access");
    w.out += '\n';
    for (const auto& r : p.access) {
      w.out += "  - id: " + QuoteYaml(r.id) + "\n";
      w.Text(4, "partner", r.partner);
      w.Text(4, "provider", r.provider);
      w.Raw(4, "format", Name(r.format));
      w.Raw(4, "mode", Name(r.mode));
      w.TextList(4, "roles", r.roles);
      w.TextList(4, "users", r.users);
      w.TextList(4, "locations", r.locations);
      w.TextList(4, "devices", r.devices);
      w.TextList(4, "purposes", r.purposes);
      w.EnumList(4, "require", r.require);
      w.TextList(4, "data", r.data);
    }
  }
  if (p.breach.partners_within_hours || p.breach.ico_within_hours) {
    w.Key(0, "breach");
    w.out += '\n';
    w.OptInt(2, "partners_within_hours", p.breach.partners_within_hours);
    w.OptInt(2, "ico_within_hours", p.breach.ico_within_hours);
  }
  w.OptInt(0, "withdrawal_notice_days", p.withdrawal_notice_days);
  w.Pairs(0, "as_written", p.as_written);
  w.Pairs(0, "clauses", p.clauses);
  return w.out;
}

std::string ContentHash(const Protocol& p) {
  return "sha256:" + Sha256Hex(ToCanonicalYaml(p));
}

}  // namespace concordat::model
