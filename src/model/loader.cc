#include "model/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>

#include "base/read_file.h"
#include "model/enums.h"

namespace concordat::model {
namespace {

// Field names inside data categories, security controls and free-text maps may use
// underscores ("date_of_birth"); identifiers (ids, roles, locations) are slugs.
bool IsFieldName(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  std::vector<LoadError> errors;

  void Error(const YAML::Mark& m, std::string msg) {
    errors.push_back(
        {file_, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, std::move(msg)});
  }
  void Error(const YAML::Node& n, std::string msg) { Error(n.Mark(), std::move(msg)); }

  // --- maps -------------------------------------------------------------------------------

  // A mapping whose keys are checked against `allowed`. Unknown and duplicate keys are
  // reported at the key's position.
  class Map {
   public:
    Map(Loader* l, const YAML::Node& node, std::string path,
        std::initializer_list<const char*> allowed)
        : l_(l), node_(node), path_(std::move(path)) {
      if (!node.IsMap()) {
        l->Error(node, Where() + "expected a mapping of keys to values, found " + Describe(node));
        valid_ = false;
        return;
      }
      std::set<std::string> allowed_set(allowed.begin(), allowed.end());
      for (auto it = node.begin(); it != node.end(); ++it) {
        // Copies: the iterator's pair is a temporary proxy.
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        if (!key.IsScalar()) {
          l->Error(key, Where() + "keys must be plain names");
          continue;
        }
        const std::string k = key.Scalar();
        if (entries_.count(k)) {
          l->Error(key, Where() + "duplicate key '" + k + "' (first at line " +
                            std::to_string(entries_[k].first.Mark().line + 1) + ")");
          continue;
        }
        if (!allowed_set.count(k)) {
          std::string expected;
          for (const char* a : allowed) expected += std::string(expected.empty() ? "" : ", ") + a;
          l->Error(key, Where() + "unknown key '" + k + "'; expected one of: " + expected);
          continue;
        }
        entries_[k] = {key, value};
      }
    }

    bool valid() const { return valid_; }
    const std::string& path() const { return path_; }
    const YAML::Node& node() const { return node_; }

    // The value under `key`, or an undefined node. A YAML null counts as absent.
    std::optional<YAML::Node> Get(const std::string& key) const {
      auto it = entries_.find(key);
      if (it == entries_.end() || it->second.second.IsNull()) return std::nullopt;
      return it->second.second;
    }
    std::optional<YAML::Node> Required(const std::string& key) const {
      auto v = Get(key);
      if (!v && valid_) l_->Error(node_, Where() + "missing required key '" + key + "'");
      return v;
    }
    std::string Sub(const std::string& key) const {
      return path_.empty() ? key : path_ + "." + key;
    }

   private:
    std::string Where() const { return path_.empty() ? "" : path_ + ": "; }
    Loader* l_;
    YAML::Node node_;
    std::string path_;
    bool valid_ = true;
    std::map<std::string, std::pair<YAML::Node, YAML::Node>> entries_;
  };

  static std::string Describe(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Null:
        return "nothing";
      case YAML::NodeType::Scalar:
        return "'" + n.Scalar() + "'";
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Map:
        return "a mapping";
      default:
        return "an undefined value";
    }
  }

  // --- scalars ----------------------------------------------------------------------------

  std::optional<std::string> String(const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) {
      Error(n, path + ": expected text, found " + Describe(n));
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<std::string> Slug(const YAML::Node& n, const std::string& path) {
    auto s = String(n, path);
    if (s && !IsSlug(*s)) {
      Error(n, path + ": '" + *s + "' is not a valid identifier; expected a lower-case slug " +
                   "such as 'essex-cc' ([a-z0-9][a-z0-9-]*)");
      return std::nullopt;
    }
    return s;
  }

  std::optional<std::string> FieldName(const YAML::Node& n, const std::string& path) {
    auto s = String(n, path);
    if (s && !IsFieldName(*s)) {
      Error(n, path + ": '" + *s + "' is not a valid name; expected lower-case letters, digits, " +
                   "'_' or '-', such as 'date_of_birth'");
      return std::nullopt;
    }
    return s;
  }

  std::optional<Date> DateValue(const YAML::Node& n, const std::string& path) {
    auto s = String(n, path);
    if (!s) return std::nullopt;
    auto d = Date::Parse(*s);
    if (!d)
      Error(n, path + ": '" + *s + "' is not a date; expected an ISO 8601 day such as 2024-07-03");
    return d;
  }

  std::optional<int> Int(const YAML::Node& n, const std::string& path, int min, int max) {
    if (!n.IsScalar() || n.Tag() == "!") {
      Error(n, path + ": expected a whole number, found " + Describe(n));
      return std::nullopt;
    }
    const std::string& s = n.Scalar();
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
      Error(n, path + ": '" + s + "' is not a whole number");
      return std::nullopt;
    }
    if (v < min || v > max) {
      Error(n, path + ": " + s + " is out of range; expected " + std::to_string(min) + " to " +
                   std::to_string(max));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> Bool(const YAML::Node& n, const std::string& path) {
    if (n.IsScalar() && n.Tag() != "!") {
      if (n.Scalar() == "true") return true;
      if (n.Scalar() == "false") return false;
    }
    Error(n, path + ": expected true or false, found " + Describe(n));
    return std::nullopt;
  }

  template <typename E>
  std::optional<E> Enum(const YAML::Node& n, const std::string& path) {
    auto s = String(n, path);
    if (!s) return std::nullopt;
    auto e = Parse<E>(*s);
    if (!e) Error(n, path + ": '" + *s + "' is not allowed; expected one of " + Choices<E>());
    return e;
  }

  // --- lists ------------------------------------------------------------------------------

  // Calls `each(item, item_path)` for each element of a list. A null is an empty list.
  template <typename F>
  void List(const std::optional<YAML::Node>& n, const std::string& path, F each) {
    if (!n) return;
    if (!n->IsSequence()) {
      Error(*n, path + ": expected a list, found " + Describe(*n));
      return;
    }
    for (size_t i = 0; i < n->size(); ++i) each((*n)[i], path + "[" + std::to_string(i) + "]");
  }

  // A list of distinct values read by `read`.
  template <typename T, typename R>
  std::vector<T> SetList(const std::optional<YAML::Node>& n, const std::string& path, R read) {
    std::vector<T> out;
    List(n, path, [&](const YAML::Node& item, const std::string& p) {
      auto v = read(item, p);
      if (!v) return;
      if (std::find(out.begin(), out.end(), *v) != out.end()) {
        Error(item, p + ": duplicate entry '" + item.Scalar() + "'");
        return;
      }
      out.push_back(*v);
    });
    return out;
  }

  std::vector<std::string> Slugs(const std::optional<YAML::Node>& n, const std::string& path) {
    return SetList<std::string>(n, path, [&](auto& i, auto& p) { return Slug(i, p); });
  }
  std::vector<std::string> FieldNames(const std::optional<YAML::Node>& n, const std::string& path) {
    return SetList<std::string>(n, path, [&](auto& i, auto& p) { return FieldName(i, p); });
  }
  std::vector<std::string> Texts(const std::optional<YAML::Node>& n, const std::string& path) {
    std::vector<std::string> out;
    List(n, path, [&](const YAML::Node& i, const std::string& p) {
      if (auto s = String(i, p)) out.push_back(*s);
    });
    return out;
  }
  template <typename E>
  std::vector<E> Enums(const std::optional<YAML::Node>& n, const std::string& path) {
    return SetList<E>(n, path, [&](auto& i, auto& p) { return Enum<E>(i, p); });
  }

  // A legal-basis list: enumerated values, or the template's "Choose an item.", either as
  // the whole value or as an entry.
  template <typename T, typename R>
  BasisList<T> Basis(const std::optional<YAML::Node>& n, const std::string& path, R read) {
    BasisList<T> out;
    if (!n) return out;
    if (n->IsScalar() && n->Scalar() == kChooseAnItem) {
      out.unfilled = true;
      return out;
    }
    List(n, path, [&](const YAML::Node& item, const std::string& p) {
      if (item.IsScalar() && item.Scalar() == kChooseAnItem) {
        if (out.unfilled) Error(item, p + ": duplicate entry '" + item.Scalar() + "'");
        out.unfilled = true;
        return;
      }
      auto v = read(item, p);
      if (!v) return;
      if (std::find(out.values.begin(), out.values.end(), *v) != out.values.end()) {
        Error(item, p + ": duplicate entry '" + item.Scalar() + "'");
        return;
      }
      out.values.push_back(*v);
    });
    return out;
  }

  // A mapping of names to text, in document order.
  std::vector<std::pair<std::string, std::string>> TextMap(const std::optional<YAML::Node>& n,
                                                           const std::string& path) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!n) return out;
    if (!n->IsMap()) {
      Error(*n, path + ": expected a mapping of names to text, found " + Describe(*n));
      return out;
    }
    std::set<std::string> seen;
    for (auto it = n->begin(); it != n->end(); ++it) {
      auto key = FieldName(it->first, path);
      if (!key) continue;
      if (!seen.insert(*key).second) {
        Error(it->first, path + ": duplicate key '" + *key + "'");
        continue;
      }
      if (auto v = String(it->second, path + "." + *key)) out.emplace_back(*key, *v);
    }
    return out;
  }

  // --- the protocol -----------------------------------------------------------------------

  std::optional<Protocol> LoadRoot(const YAML::Node& root) {
    Protocol p;
    Map m(this, root, "",
          {"concordat",
           "id",
           "version",
           "title",
           "status",
           "lead",
           "authors",
           "commences",
           "review",
           "documents",
           "purpose",
           "partners",
           "joint_controller_contact",
           "legislation",
           "data",
           "subject_rights",
           "security",
           "international_transfers",
           "formats",
           "frequency",
           "access",
           "breach",
           "withdrawal_notice_days",
           "as_written",
           "clauses"});
    if (!m.valid()) return std::nullopt;

    if (auto n = m.Required("concordat")) {
      if (n->IsScalar() && n->Scalar() == "1") {
        p.format_version = 1;
      } else {
        Error(*n, "concordat: format version " + Describe(*n) +
                      " is not supported; this build reads format 1 (write 'concordat: 1')");
        return std::nullopt;  // nothing else can be trusted
      }
    }
    if (auto n = m.Required("id"))
      if (auto v = Slug(*n, "id")) p.id = *v;
    if (auto n = m.Required("version")) {
      if (auto v = String(*n, "version")) {
        if (v->empty()) Error(*n, "version: must not be empty");
        p.version = *v;
      }
    }
    if (auto n = m.Required("title"))
      if (auto v = String(*n, "title")) p.title = *v;
    if (auto n = m.Required("status"))
      if (auto v = Enum<ProtocolStatus>(*n, "status")) p.status = *v;
    if (auto n = m.Required("lead"))
      if (auto v = Slug(*n, "lead")) p.lead = *v;
    p.authors = Texts(m.Get("authors"), "authors");
    if (auto n = m.Get("commences")) p.commences = DateValue(*n, "commences");
    if (auto n = m.Get("review")) p.review = LoadReview(*n);
    List(m.Get("documents"), "documents", [&](const YAML::Node& n, const std::string& path) {
      if (auto d = LoadDocument(n, path)) p.documents.push_back(std::move(*d));
    });
    if (auto n = m.Required("purpose")) p.purpose = LoadPurpose(*n);

    std::set<std::string> partner_ids;
    if (auto n = m.Required("partners")) {
      if (n->IsSequence() && n->size() == 0)
        Error(*n, "partners: a protocol needs at least one partner");
      List(n, "partners", [&](const YAML::Node& item, const std::string& path) {
        auto partner = LoadPartner(item, path);
        if (!partner) return;
        if (!partner_ids.insert(partner->id).second) {
          Error(item, path + ": duplicate partner id '" + partner->id + "'");
          return;
        }
        p.partners.push_back(std::move(*partner));
      });
    }
    if (auto n = m.Get("joint_controller_contact"))
      p.joint_controller_contact = Slug(*n, "joint_controller_contact");
    p.legislation = Texts(m.Get("legislation"), "legislation");

    std::set<std::string> data_ids;
    List(m.Get("data"), "data", [&](const YAML::Node& item, const std::string& path) {
      auto d = LoadData(item, path);
      if (!d) return;
      if (!data_ids.insert(d->id).second) {
        Error(item, path + ": duplicate data category id '" + d->id + "'");
        return;
      }
      p.data.push_back(std::move(*d));
    });
    if (auto n = m.Get("subject_rights")) p.subject_rights = LoadRights(*n);
    if (auto n = m.Get("security")) p.security = LoadSecurity(*n);
    if (auto n = m.Get("international_transfers"))
      p.international_transfers = String(*n, "international_transfers");
    p.formats = Enums<Format>(m.Get("formats"), "formats");
    if (auto n = m.Get("frequency")) p.frequency = String(*n, "frequency");

    std::set<std::string> rule_ids;
    List(m.Get("access"), "access", [&](const YAML::Node& item, const std::string& path) {
      auto r = LoadAccess(item, path);
      if (!r) return;
      if (!rule_ids.insert(r->id).second) {
        Error(item, path + ": duplicate access rule id '" + r->id + "'");
        return;
      }
      p.access.push_back(std::move(*r));
    });
    if (auto n = m.Get("breach")) {
      Map b(this, *n, "breach", {"partners_within_hours", "ico_within_hours"});
      if (b.valid()) {
        if (auto v = b.Get("partners_within_hours"))
          p.breach.partners_within_hours = Int(*v, b.Sub("partners_within_hours"), 0, 100000);
        if (auto v = b.Get("ico_within_hours"))
          p.breach.ico_within_hours = Int(*v, b.Sub("ico_within_hours"), 0, 100000);
      }
    }
    if (auto n = m.Get("withdrawal_notice_days"))
      p.withdrawal_notice_days = Int(*n, "withdrawal_notice_days", 0, 36500);
    p.as_written = TextMap(m.Get("as_written"), "as_written");
    p.clauses = TextMap(m.Get("clauses"), "clauses");
    return p;
  }

  Review LoadReview(const YAML::Node& n) {
    Review r;
    Map m(this, n, "review", {"due", "interval_months", "statements"});
    if (!m.valid()) return r;
    if (auto v = m.Get("due")) r.due = DateValue(*v, "review.due");
    if (auto v = m.Get("interval_months"))
      r.interval_months = Int(*v, "review.interval_months", 1, 1200);
    r.statements = Texts(m.Get("statements"), "review.statements");
    return r;
  }

  std::optional<Document> LoadDocument(const YAML::Node& n, const std::string& path) {
    Map m(this, n, path, {"kind", "title", "reference", "authority"});
    if (!m.valid()) return std::nullopt;
    Document d;
    if (auto v = m.Required("kind"))
      if (auto k = Enum<DocumentKind>(*v, m.Sub("kind"))) d.kind = *k;
    if (auto v = m.Get("title")) d.title = String(*v, m.Sub("title"));
    if (auto v = m.Get("reference"))
      if (auto s = String(*v, m.Sub("reference"))) d.reference = *s;
    if (auto v = m.Get("authority")) d.authority = Slug(*v, m.Sub("authority"));
    return d;
  }

  Purpose LoadPurpose(const YAML::Node& n) {
    Purpose p;
    Map m(this, n, "purpose", {"text", "tags"});
    if (!m.valid()) return p;
    if (auto v = m.Required("text"))
      if (auto s = String(*v, "purpose.text")) p.text = *s;
    p.tags = Slugs(m.Get("tags"), "purpose.tags");
    return p;
  }

  std::optional<Partner> LoadPartner(const YAML::Node& n, const std::string& path) {
    Map m(this, n, path,
          {"id", "name", "address", "phone", "email", "dpo", "ico_registration", "controller",
           "processor_for", "provides", "accesses", "legal_basis", "retention_days", "signatory",
           "withdrawal_notice", "oversight"});
    if (!m.valid()) return std::nullopt;
    Partner p;
    p.mark = {n.Mark().line + 1, n.Mark().column + 1};
    size_t before = errors.size();
    if (auto v = m.Required("id"))
      if (auto s = Slug(*v, m.Sub("id"))) p.id = *s;
    if (auto v = m.Required("name"))
      if (auto s = String(*v, m.Sub("name"))) p.name = *s;
    if (auto v = m.Get("address")) p.address = String(*v, m.Sub("address"));
    if (auto v = m.Get("phone")) p.phone = String(*v, m.Sub("phone"));
    if (auto v = m.Get("email")) p.email = String(*v, m.Sub("email"));
    if (auto v = m.Get("dpo")) p.dpo = String(*v, m.Sub("dpo"));
    if (auto v = m.Get("ico_registration"))
      p.ico_registration = String(*v, m.Sub("ico_registration"));
    if (auto v = m.Get("controller")) p.controller = Enum<ControllerRole>(*v, m.Sub("controller"));
    if (auto v = m.Get("processor_for")) p.processor_for = Slug(*v, m.Sub("processor_for"));
    if (auto v = m.Get("provides")) p.provides = Bool(*v, m.Sub("provides"));
    if (auto v = m.Get("accesses")) p.accesses = Bool(*v, m.Sub("accesses"));
    if (auto v = m.Get("legal_basis")) {
      // One mapping, or (where the document gives several rows for this partner) a list.
      if (v->IsSequence()) {
        List(v, m.Sub("legal_basis"), [&](const YAML::Node& row, const std::string& rp) {
          p.legal_basis.push_back(LoadBasis(row, rp));
        });
      } else {
        p.legal_basis.push_back(LoadBasis(*v, m.Sub("legal_basis")));
      }
    }
    if (auto v = m.Get("retention_days"))
      p.retention_days = Int(*v, m.Sub("retention_days"), 0, 365000);
    if (auto v = m.Get("signatory")) p.signatory = LoadSignatory(*v, m.Sub("signatory"));
    if (auto v = m.Get("withdrawal_notice"))
      p.withdrawal_notice = DateValue(*v, m.Sub("withdrawal_notice"));
    List(m.Get("oversight"), m.Sub("oversight"), [&](const YAML::Node& c, const std::string& cp) {
      Map cm(this, c, cp, {"role", "name", "email", "phone"});
      if (!cm.valid()) return;
      Contact contact;
      if (auto x = cm.Get("role")) contact.role = String(*x, cm.Sub("role"));
      if (auto x = cm.Get("name")) contact.name = String(*x, cm.Sub("name"));
      if (auto x = cm.Get("email")) contact.email = String(*x, cm.Sub("email"));
      if (auto x = cm.Get("phone")) contact.phone = String(*x, cm.Sub("phone"));
      p.oversight.push_back(std::move(contact));
    });
    if (errors.size() != before && p.id.empty()) return std::nullopt;
    return p;
  }

  LegalBasis LoadBasis(const YAML::Node& n, const std::string& path) {
    LegalBasis b;
    b.mark = {n.Mark().line + 1, n.Mark().column + 1};
    Map m(this, n, path, {"article6", "article9", "article10", "dpa_part3"});
    if (!m.valid()) return b;
    b.article6 = Basis<Article6>(m.Get("article6"), m.Sub("article6"),
                                 [&](auto& i, auto& p) { return Enum<Article6>(i, p); });
    b.article9 = Basis<Article9>(m.Get("article9"), m.Sub("article9"),
                                 [&](auto& i, auto& p) { return Enum<Article9>(i, p); });
    b.article10 = Basis<std::string>(m.Get("article10"), m.Sub("article10"),
                                     [&](auto& i, auto& p) { return FieldName(i, p); });
    b.dpa_part3 = Basis<std::string>(m.Get("dpa_part3"), m.Sub("dpa_part3"),
                                     [&](auto& i, auto& p) { return FieldName(i, p); });
    return b;
  }

  std::optional<Signatory> LoadSignatory(const YAML::Node& n, const std::string& path) {
    Map m(this, n, path, {"name", "role", "signed", "organisation_as_written", "evidence"});
    if (!m.valid()) return std::nullopt;
    Signatory s;
    if (auto v = m.Get("name")) s.name = String(*v, m.Sub("name"));
    if (auto v = m.Get("role")) s.role = String(*v, m.Sub("role"));
    if (auto v = m.Get("signed")) s.signed_on = DateValue(*v, m.Sub("signed"));
    if (auto v = m.Get("organisation_as_written"))
      s.organisation_as_written = String(*v, m.Sub("organisation_as_written"));
    if (auto v = m.Get("evidence")) s.evidence = String(*v, m.Sub("evidence"));
    return s;
  }

  std::optional<DataCategory> LoadData(const YAML::Node& n, const std::string& path) {
    Map m(this, n, path, {"id", "provider", "recipients", "description", "kind", "fields"});
    if (!m.valid()) return std::nullopt;
    DataCategory d;
    d.mark = {n.Mark().line + 1, n.Mark().column + 1};
    if (auto v = m.Required("id"))
      if (auto s = Slug(*v, m.Sub("id"))) d.id = *s;
    if (auto v = m.Required("provider"))
      if (auto s = Slug(*v, m.Sub("provider"))) d.provider = *s;
    if (auto v = m.Required("recipients")) d.recipients = Slugs(v, m.Sub("recipients"));
    if (auto v = m.Required("description"))
      if (auto s = String(*v, m.Sub("description"))) d.description = *s;
    if (auto v = m.Required("kind"))
      if (auto k = Enum<DataKind>(*v, m.Sub("kind"))) d.kind = *k;
    d.fields = FieldNames(m.Get("fields"), m.Sub("fields"));
    if (d.id.empty()) return std::nullopt;
    return d;
  }

  SubjectRights LoadRights(const YAML::Node& n) {
    SubjectRights r;
    Map m(this, n, "subject_rights",
          {"informed", "access", "rectification", "erasure", "restriction", "notification",
           "objection", "automated_decision", "response_days"});
    if (!m.valid()) return r;
    auto b = [&](const char* key, std::optional<bool>* out) {
      if (auto v = m.Get(key)) *out = Bool(*v, m.Sub(key));
    };
    b("informed", &r.informed);
    b("access", &r.access);
    b("rectification", &r.rectification);
    b("erasure", &r.erasure);
    b("restriction", &r.restriction);
    b("notification", &r.notification);
    b("objection", &r.objection);
    b("automated_decision", &r.automated_decision);
    if (auto v = m.Get("response_days")) r.response_days = Int(*v, m.Sub("response_days"), 1, 365);
    return r;
  }

  Security LoadSecurity(const YAML::Node& n) {
    Security s;
    Map m(this, n, "security", {"controls", "transit", "text"});
    if (!m.valid()) return s;
    if (auto c = m.Get("controls")) {
      if (!c->IsMap()) {
        Error(*c, "security.controls: expected a mapping of control names to true/false, found " +
                      Describe(*c));
      } else {
        std::set<std::string> seen;
        for (auto it = c->begin(); it != c->end(); ++it) {
          auto key = FieldName(it->first, "security.controls");
          if (!key) continue;
          if (!seen.insert(*key).second) {
            Error(it->first, "security.controls: duplicate key '" + *key + "'");
            continue;
          }
          if (auto v = Bool(it->second, "security.controls." + *key))
            s.controls.emplace_back(*key, *v);
        }
      }
    }
    if (auto v = m.Get("transit")) s.transit = String(*v, "security.transit");
    if (auto v = m.Get("text")) s.text = String(*v, "security.text");
    return s;
  }

  std::optional<AccessRule> LoadAccess(const YAML::Node& n, const std::string& path) {
    Map m(this, n, path,
          {"id", "partner", "provider", "format", "mode", "roles", "users", "locations", "devices",
           "purposes", "require", "data"});
    if (!m.valid()) return std::nullopt;
    AccessRule r;
    r.mark = {n.Mark().line + 1, n.Mark().column + 1};
    if (auto v = m.Required("id"))
      if (auto s = Slug(*v, m.Sub("id"))) r.id = *s;
    if (auto v = m.Required("partner"))
      if (auto s = Slug(*v, m.Sub("partner"))) r.partner = *s;
    if (auto v = m.Required("provider"))
      if (auto s = Slug(*v, m.Sub("provider"))) r.provider = *s;
    if (auto v = m.Required("format"))
      if (auto f = Enum<Format>(*v, m.Sub("format"))) r.format = *f;
    if (auto v = m.Get("mode"))
      if (auto f = Enum<AccessMode>(*v, m.Sub("mode"))) r.mode = *f;
    r.roles = Slugs(m.Get("roles"), m.Sub("roles"));
    r.users = Slugs(m.Get("users"), m.Sub("users"));
    r.locations = Slugs(m.Get("locations"), m.Sub("locations"));
    r.devices = Slugs(m.Get("devices"), m.Sub("devices"));
    r.purposes = Slugs(m.Get("purposes"), m.Sub("purposes"));
    r.require = Enums<Requirement>(m.Get("require"), m.Sub("require"));
    r.data = Slugs(m.Get("data"), m.Sub("data"));
    if (r.id.empty()) return std::nullopt;
    return r;
  }

 private:
  std::string file_;
};

}  // namespace

std::string LoadError::ToString() const {
  std::ostringstream out;
  out << file;
  if (line > 0) out << ":" << line << ":" << column;
  out << ": " << message;
  return out.str();
}

bool IsSlug(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<Protocol> LoadProtocolText(std::string_view text, std::string_view file,
                                  std::vector<LoadError>* errors) {
  Loader loader{std::string(file)};
  std::optional<Protocol> protocol;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsDefined() || root.IsNull()) {
      loader.errors.push_back(
          {std::string(file), 1, 1,
           "the file is empty; expected a protocol mapping starting with 'concordat: 1'"});
    } else {
      protocol = loader.LoadRoot(root);
    }
  } catch (const YAML::Exception& e) {
    loader.errors.push_back(
        {std::string(file), e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg});
  }
  if (!loader.errors.empty() || !protocol) {
    if (loader.errors.empty())
      loader.errors.push_back({std::string(file), 0, 0, "no protocol could be read"});
    std::string summary = loader.errors.front().ToString();
    if (loader.errors.size() > 1)
      summary += " (and " + std::to_string(loader.errors.size() - 1) + " more)";
    if (errors) *errors = std::move(loader.errors);
    return Status::InvalidArgument(summary);
  }
  protocol->source = std::string(file);
  return std::move(*protocol);
}

Result<Protocol> LoadProtocolFile(const std::string& path, std::vector<LoadError>* errors) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) {
    // The reason without the path, which the error carries already.
    std::string why = text.status().message();
    if (why.rfind(path + ": ", 0) == 0) why.erase(0, path.size() + 2);
    LoadError e{path, 0, 0, why};
    if (errors) *errors = {e};
    return Status::IoError(e.ToString());
  }
  return LoadProtocolText(*text, path, errors);
}

}  // namespace concordat::model
