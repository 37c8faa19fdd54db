#include "model/loader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "model/enums.h"
#include "test_util.h"

namespace concordat::model {
namespace {

using concordat::testing::ReadFile;
using concordat::testing::Replace;
using concordat::testing::SourcePath;

const std::string& CleanText() {
  static const std::string text = ReadFile(SourcePath("tests/fixtures/clean.yaml"));
  return text;
}

TEST(Loader, EveryFieldOfTheFormatLoads) {
  std::vector<LoadError> errors;
  auto loaded = LoadProtocolText(CleanText(), "clean.yaml", &errors);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Protocol& p = *loaded;
  EXPECT_EQ(p.format_version, 1);
  EXPECT_EQ(p.id, "clean-protocol");
  EXPECT_EQ(p.version, "2.1");
  EXPECT_EQ(p.title, "Clean Test Protocol");
  EXPECT_EQ(p.status, ProtocolStatus::kApproved);
  EXPECT_EQ(p.lead, "alpha-council");
  EXPECT_EQ(p.authors, std::vector<std::string>{"Ada Example, Information Governance Officer"});
  EXPECT_EQ(p.commences->ToString(), "2024-03-01");
  EXPECT_EQ(p.review.due->ToString(), "2025-03-01");
  EXPECT_EQ(p.review.interval_months, 12);
  ASSERT_EQ(p.review.statements.size(), 1u);
  ASSERT_EQ(p.documents.size(), 1u);
  EXPECT_EQ(p.documents[0].kind, DocumentKind::kDpia);
  EXPECT_EQ(p.documents[0].reference, "DPIA-77");
  EXPECT_EQ(p.documents[0].authority, "alpha-council");
  EXPECT_EQ(p.documents[0].title, "Data Protection Impact Assessment");
  EXPECT_EQ(p.purpose.tags, (std::vector<std::string>{"adult-safeguarding", "missing-persons"}));
  EXPECT_NE(p.purpose.text.find("Safeguarding"), std::string::npos);

  ASSERT_EQ(p.partners.size(), 2u);
  const Partner& a = p.partners[0];
  EXPECT_EQ(a.id, "alpha-council");
  EXPECT_EQ(a.name, "Alpha Council");
  EXPECT_EQ(a.address, "1 High Street, Alphatown, AA1 1AA");
  EXPECT_EQ(a.phone, "01234 567890");
  EXPECT_EQ(a.email, "dpo@alpha.example");
  EXPECT_EQ(a.dpo, "Alice Officer");
  EXPECT_EQ(a.ico_registration, "Z1234567");
  EXPECT_EQ(a.controller, ControllerRole::kSole);
  EXPECT_EQ(a.provides, true);
  EXPECT_EQ(a.accesses, true);
  ASSERT_EQ(a.legal_basis.size(), 1u);
  EXPECT_EQ(a.legal_basis[0].article6.values, std::vector<Article6>{Article6::kPublicTask});
  EXPECT_EQ(a.legal_basis[0].article9.values,
            std::vector<Article9>{Article9::kSubstantialPublicInterest});
  EXPECT_EQ(a.legal_basis[0].article10.values,
            std::vector<std::string>{"safeguarding_children_individuals_at_risk"});
  EXPECT_TRUE(a.legal_basis[0].dpa_part3.values.empty());
  EXPECT_FALSE(a.legal_basis[0].article6.unfilled);
  EXPECT_EQ(a.retention_days, 365);
  ASSERT_TRUE(a.signatory);
  EXPECT_EQ(a.signatory->name, "Carol Signer");
  EXPECT_EQ(a.signatory->role, "SIRO");
  EXPECT_EQ(a.signatory->signed_on->ToString(), "2024-02-20");
  EXPECT_FALSE(a.withdrawal_notice);
  ASSERT_EQ(a.oversight.size(), 1u);
  EXPECT_EQ(a.oversight[0].name, "Dan Manager");
  EXPECT_EQ(a.mark.line, 24);
  EXPECT_EQ(p.partners[1].legal_basis[0].dpa_part3.values,
            std::vector<std::string>{"safeguarding_children_individuals_at_risk"});

  EXPECT_FALSE(p.joint_controller_contact);  // written as null
  EXPECT_EQ(p.legislation, std::vector<std::string>{"Care Act 2014"});
  ASSERT_EQ(p.data.size(), 4u);
  EXPECT_EQ(p.data[0].id, "adult-case");
  EXPECT_EQ(p.data[0].provider, "alpha-council");
  EXPECT_EQ(p.data[0].recipients, std::vector<std::string>{"beta-police"});
  EXPECT_EQ(p.data[0].kind, DataKind::kPersonal);
  EXPECT_EQ(p.data[0].fields.size(), 4u);
  EXPECT_EQ(p.data[1].kind, DataKind::kSpecialCategory);
  EXPECT_EQ(p.data[2].kind, DataKind::kCriminalOffence);
  EXPECT_EQ(p.data[2].recipients, std::vector<std::string>{"all"});
  EXPECT_EQ(p.data[3].kind, DataKind::kAggregate);
  EXPECT_TRUE(p.data[3].fields.empty());

  EXPECT_EQ(p.subject_rights.informed, true);
  EXPECT_EQ(p.subject_rights.erasure, false);
  EXPECT_EQ(p.subject_rights.automated_decision, false);
  EXPECT_EQ(p.subject_rights.response_days, 30);
  ASSERT_EQ(p.security.controls.size(), 2u);
  EXPECT_EQ(p.security.controls[0], (std::pair<std::string, bool>{"encryption_at_rest", true}));
  EXPECT_TRUE(p.security.transit);
  EXPECT_TRUE(p.security.text);
  EXPECT_EQ(p.international_transfers, "none");
  EXPECT_EQ(p.formats, (std::vector<Format>{Format::kRequestResponse, Format::kSelfService}));
  EXPECT_EQ(p.frequency, "case by case");

  ASSERT_EQ(p.access.size(), 1u);
  const AccessRule& r = p.access[0];
  EXPECT_EQ(r.id, "case-lookup");
  EXPECT_EQ(r.partner, "beta-police");
  EXPECT_EQ(r.provider, "alpha-council");
  EXPECT_EQ(r.format, Format::kSelfService);
  EXPECT_EQ(r.mode, AccessMode::kReadOnly);
  EXPECT_EQ(r.roles, std::vector<std::string>{"safeguarding-officer"});
  EXPECT_EQ(r.users, std::vector<std::string>{"u-1001"});
  EXPECT_EQ(r.locations, std::vector<std::string>{"beta-hq"});
  EXPECT_EQ(r.devices, std::vector<std::string>{"alpha-laptop"});
  EXPECT_EQ(r.purposes, std::vector<std::string>{"adult-safeguarding"});
  EXPECT_EQ(r.require,
            (std::vector<Requirement>{Requirement::kJustification, Requirement::kAuditReference}));
  EXPECT_EQ(r.data, std::vector<std::string>{"adult-case"});

  EXPECT_EQ(p.breach.partners_within_hours, 48);
  EXPECT_EQ(p.breach.ico_within_hours, 72);
  EXPECT_EQ(p.withdrawal_notice_days, 28);
  ASSERT_EQ(p.as_written.size(), 1u);
  EXPECT_EQ(p.as_written[0].second, "1 March 2024");
  ASSERT_EQ(p.clauses.size(), 1u);
  EXPECT_EQ(p.clauses[0].first, "complaints");
  EXPECT_EQ(p.source, "clean.yaml");
  EXPECT_TRUE(errors.empty());
}

TEST(Loader, LegalBasisAcceptsRowsAndTheUnfilledDropDown) {
  std::string text =
      Replace(CleanText(),
              "    legal_basis:\n      article6: [public_task]\n      article9: "
              "[substantial_public_interest]\n      article10: "
              "[safeguarding_children_individuals_at_risk]\n      dpa_part3: []\n",
              "    legal_basis:\n      - article6: [public_task]\n        dpa_part3: Choose an "
              "item.\n      - article6: [\"Choose an item.\", consent]\n");
  auto r = LoadProtocolText(text, "rows.yaml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Partner& a = r->partners[0];
  ASSERT_EQ(a.legal_basis.size(), 2u);
  EXPECT_TRUE(a.legal_basis[0].dpa_part3.unfilled);
  EXPECT_FALSE(a.legal_basis[0].dpa_part3.HasBasis());
  EXPECT_TRUE(a.legal_basis[1].article6.unfilled);
  EXPECT_EQ(a.legal_basis[1].article6.values, std::vector<Article6>{Article6::kConsent});
  LegalBasis eff = EffectiveBasis(a);
  EXPECT_EQ(eff.article6.values,
            (std::vector<Article6>{Article6::kPublicTask, Article6::kConsent}));
  EXPECT_TRUE(eff.article6.unfilled);
}

struct BadCase {
  const char* name;
  const char* from;     // text in the clean fixture
  const char* to;       // what it becomes
  const char* locate;   // first occurrence in the mutated text marks the expected line/column
  int column_offset;    // added to the located column (0 = the located text itself)
  const char* message;  // expected substring of the message
};

// Every error path: each names the file, the line and column, the field and the expected form.
const BadCase kBadCases[] = {
    {"unknown top-level key", "frequency: case by case", "frequncy: case by case", "frequncy", 0,
     "unknown key 'frequncy'; expected one of: concordat, id"},
    {"unknown partner key", "    dpo: Bob Officer", "    dpo_name: Bob Officer", "dpo_name", 0,
     "partners[1]: unknown key 'dpo_name'"},
    {"bad status", "status: approved", "status: approvedd", "approvedd", 0,
     "status: 'approvedd' is not allowed; expected one of draft | for_approval | approved"},
    {"bad controller",
     "    controller: sole\n    provides: true\n    accesses: true\n    legal_basis:\n      "
     "article6: [legal_obligation]",
     "    controller: co-controller\n    provides: true\n    accesses: true\n    legal_basis:\n    "
     "  article6: [legal_obligation]",
     "co-controller", 0,
     "partners[1].controller: 'co-controller' is not allowed; expected one of sole | joint | "
     "processor"},
    {"bad data kind", "    kind: special_category", "    kind: sensitive", "sensitive", 0,
     "data[1].kind: 'sensitive' is not allowed; expected one of aggregate | personal | "
     "special_category | criminal_offence"},
    {"bad format", "formats: [request_response, self_service]",
     "formats: [request_response, email]", "email]", 0,
     "formats[1]: 'email' is not allowed; expected one of meeting"},
    {"bad article 6", "article6: [public_task]", "article6: [public_taskk]", "public_taskk", 0,
     "partners[0].legal_basis.article6[0]: 'public_taskk' is not allowed; expected one of consent"},
    {"bad article 9", "      article9: [substantial_public_interest]\n      article10",
     "      article9: [public_interest]\n      article10", "public_interest]", 0,
     "article9[0]: 'public_interest' is not allowed"},
    {"bad requirement", "require: [justification, audit_reference]",
     "require: [justification, badge]", "badge", 0,
     "access[0].require[1]: 'badge' is not allowed; expected one of justification | "
     "audit_reference"},
    {"bad mode", "mode: read_only", "mode: readonly", "readonly", 0,
     "access[0].mode: 'readonly' is not allowed; expected one of read_only | read_write"},
    {"bad document kind", "  - kind: dpia", "  - kind: pia", "pia", 0,
     "documents[0].kind: 'pia' is not allowed; expected one of dpia"},
    {"impossible date", "commences: 2024-03-01", "commences: 2024-02-30", "2024-02-30", 0,
     "commences: '2024-02-30' is not a date; expected an ISO 8601 day such as 2024-07-03"},
    {"date in words", "      signed: 2024-02-20", "      signed: 20/02/2024", "20/02/2024", 0,
     "partners[0].signatory.signed: '20/02/2024' is not a date"},
    {"bad slug id", "id: clean-protocol", "id: Clean_Protocol", "Clean_Protocol", 0,
     "id: 'Clean_Protocol' is not a valid identifier; expected a lower-case slug"},
    {"bad slug in list", "roles: [safeguarding-officer]", "roles: [Safeguarding Officer]",
     "Safeguarding Officer", 0,
     "access[0].roles[0]: 'Safeguarding Officer' is not a valid identifier"},
    {"duplicate partner id", "  - id: beta-police", "  - id: alpha-council",
     "alpha-council\n    name: Beta", -4, "partners[1]: duplicate partner id 'alpha-council'"},
    {"duplicate data id", "  - id: adult-health", "  - id: adult-case",
     "adult-case\n    provider: alpha-council\n    recipients: [beta-police]\n    description: "
     "Care",
     -4, "data[1]: duplicate data category id 'adult-case'"},
    {"duplicate key", "title: Clean Test Protocol", "title: Clean Test Protocol\ntitle: Again",
     "title: Again", 0, "duplicate key 'title' (first at line"},
    {"duplicate list entry", "tags: [adult-safeguarding, missing-persons]",
     "tags: [adult-safeguarding, adult-safeguarding]", "adult-safeguarding]", 0,
     "purpose.tags[1]: duplicate entry 'adult-safeguarding'"},
    {"wrong type: list for text", "title: Clean Test Protocol", "title: [Clean]", "[Clean]", 0,
     "title: expected text, found a list"},
    {"wrong type: text for list", "formats: [request_response, self_service]",
     "formats: self_service", "self_service\nfrequency", 0,
     "formats: expected a list, found 'self_service'"},
    {"wrong type: quoted bool",
     "    provides: true\n    accesses: true\n    legal_basis:\n      article6: [public_task]",
     "    provides: \"true\"\n    accesses: true\n    legal_basis:\n      article6: [public_task]",
     "\"true\"", 0, "partners[0].provides: expected true or false"},
    {"wrong type: yes for bool", "  informed: true", "  informed: yes", "yes", 0,
     "subject_rights.informed: expected true or false, found 'yes'"},
    {"not a number", "withdrawal_notice_days: 28", "withdrawal_notice_days: four weeks",
     "four weeks", 0, "withdrawal_notice_days: 'four weeks' is not a whole number"},
    {"negative number", "    retention_days: 365", "    retention_days: -5", "-5", 0,
     "partners[0].retention_days: -5 is out of range"},
    {"missing required key", "title: Clean Test Protocol\n", "", "concordat", 0,
     "missing required key 'title'"},
    {"missing partner name", "    name: Beta Police\n", "", "id: beta-police", 0,
     "partners[1]: missing required key 'name'"},
    {"mapping expected", "breach:\n  partners_within_hours: 48\n  ico_within_hours: 72",
     "breach: 48 hours", "48 hours", 0,
     "breach: expected a mapping of keys to values, found '48 hours'"},
    {"unsupported format version", "concordat: 1", "concordat: 2", "2\nid: clean", 0,
     "concordat: format version '2' is not supported; this build reads format 1"},
    {"yaml syntax error", "title: Clean Test Protocol", "title: [unclosed", "[unclosed", 0,
     "YAML syntax error"},
};

int LineOf(const std::string& text, size_t pos) {
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}
int ColumnOf(const std::string& text, size_t pos) {
  size_t nl = text.rfind('\n', pos == 0 ? 0 : pos - 1);
  return static_cast<int>(nl == std::string::npos ? pos + 1 : pos - nl);
}

class LoaderErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(LoaderErrors, NamesFileLineColumnAndExpectedForm) {
  const BadCase& c = GetParam();
  std::string text = Replace(CleanText(), c.from, c.to);
  std::vector<LoadError> errors;
  auto r = LoadProtocolText(text, "fixture.yaml", &errors);
  ASSERT_FALSE(r.ok()) << c.name << ": a bad file must yield no protocol";
  ASSERT_FALSE(errors.empty());
  const LoadError* match = nullptr;
  for (const auto& e : errors)
    if (e.message.find(c.message) != std::string::npos) match = &e;
  ASSERT_NE(match, nullptr) << c.name << ": no error containing \"" << c.message
                            << "\"; first was: " << errors[0].ToString();
  EXPECT_EQ(match->file, "fixture.yaml");
  if (std::string(c.name) == "yaml syntax error") {
    EXPECT_GT(match->line, 0);
    EXPECT_GT(match->column, 0);
  } else if (std::string(c.name).rfind("missing", 0) == 0) {
    // Reported at the start of the mapping that lacks the key.
    size_t pos = text.find(c.locate);
    ASSERT_NE(pos, std::string::npos);
    EXPECT_EQ(match->line, LineOf(text, pos)) << match->ToString();
  } else {
    size_t pos = text.find(c.locate);
    ASSERT_NE(pos, std::string::npos) << c.locate;
    pos = static_cast<size_t>(static_cast<long>(pos) + c.column_offset);
    EXPECT_EQ(match->line, LineOf(text, pos)) << match->ToString();
    EXPECT_EQ(match->column, ColumnOf(text, pos)) << match->ToString();
  }
  EXPECT_NE(r.status().message().find("fixture.yaml:"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(AllPaths, LoaderErrors, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           std::string n = info.param.name;
                           for (auto& ch : n)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(Loader, ReportsEveryErrorInOneRun) {
  std::string text = Replace(CleanText(), "status: approved", "status: final");
  text = Replace(text, "commences: 2024-03-01", "commences: March 2024");
  text = Replace(text, "mode: read_only", "mode: peek");
  std::vector<LoadError> errors;
  auto r = LoadProtocolText(text, "many.yaml", &errors);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(errors.size(), 3u);
  EXPECT_NE(r.status().message().find("and 2 more"), std::string::npos);
}

TEST(Loader, EmptyAndMissingFilesAreErrors) {
  std::vector<LoadError> errors;
  EXPECT_FALSE(LoadProtocolText("", "empty.yaml", &errors).ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("empty"), std::string::npos);
  EXPECT_FALSE(LoadProtocolText("- just\n- a list\n", "list.yaml", &errors).ok());
  EXPECT_NE(errors[0].message.find("expected a mapping"), std::string::npos);
  auto r = LoadProtocolFile("/nonexistent/dir/x.yaml", &errors);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(), "/nonexistent/dir/x.yaml: no such file");
  const std::string dir = std::filesystem::temp_directory_path().string();
  EXPECT_FALSE(LoadProtocolFile(dir, &errors).ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(), dir + ": is a directory, not a file");
}

TEST(Loader, SlugRule) {
  EXPECT_TRUE(IsSlug("essex-cc"));
  EXPECT_TRUE(IsSlug("0day"));
  EXPECT_FALSE(IsSlug("-lead"));
  EXPECT_FALSE(IsSlug("Essex"));
  EXPECT_FALSE(IsSlug("a_b"));
  EXPECT_FALSE(IsSlug(""));
}

}  // namespace
}  // namespace concordat::model
