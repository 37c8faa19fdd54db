#include "model/lint.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "test_util.h"

namespace concordat::model {
namespace {

const Date kAt = *Date::Parse("2025-01-01");

Protocol Clean() {
  static const Protocol p = concordat::testing::LoadOrDie("tests/fixtures/clean.yaml");
  return p;
}

std::vector<Finding> LintAt(const Protocol& p, Date at = kAt) {
  return Lint(p, LintOptions{at});
}

bool Has(const std::vector<Finding>& f, const std::string& rule) {
  return std::any_of(f.begin(), f.end(), [&](const Finding& x) { return x.rule == rule; });
}

std::string Dump(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += "  [" + f.rule + "] " + f.place + ": " + f.message + "\n";
  return out;
}

Partner& P(Protocol& p, int i) {
  return p.partners[static_cast<size_t>(i)];
}

TEST(Lint, CleanFixtureHasNoFindings) {
  auto f = LintAt(Clean());
  EXPECT_TRUE(f.empty()) << Dump(f);
}

struct Trigger {
  const char* rule;
  std::function<void(Protocol&)> mutate;
  const char* message;  // expected substring of the finding's message
};

const std::vector<Trigger>& Triggers() {
  static const std::vector<Trigger> kTriggers = {
      {"placeholder", [](Protocol& p) { P(p, 0).dpo = "Choose an item."; },
       "still reads 'Choose an item.'"},
      {"placeholder", [](Protocol& p) { p.documents[0].reference = "TBC"; }, "still reads 'TBC'"},
      {"placeholder", [](Protocol& p) { P(p, 1).ico_registration = "?"; }, "still reads '?'"},
      {"placeholder", [](Protocol& p) { p.frequency = "[please complete]"; }, "[please complete]"},
      {"placeholder", [](Protocol& p) { p.security.transit = "  "; }, "is empty"},
      {"placeholder", [](Protocol& p) { p.as_written.emplace_back("commences", "TBC"); },
       "gives 'TBC' for commences"},
      {"lead-not-partner", [](Protocol& p) { p.lead = "gamma-csp"; },
       "'gamma-csp' is not one of the partners"},
      {"partner-dpo-missing", [](Protocol& p) { P(p, 1).dpo.reset(); },
       "Beta Police has no named Data Protection Officer"},
      {"partner-ico-missing", [](Protocol& p) { P(p, 1).ico_registration.reset(); },
       "Beta Police has no ICO registration"},
      {"partner-ico-format", [](Protocol& p) { P(p, 1).ico_registration = "Z588703X"; },
       "'Z588703X' does not look like one"},
      {"partner-email-missing", [](Protocol& p) { P(p, 0).email.reset(); },
       "Alpha Council has no email address"},
      {"partner-boxes-not-stated", [](Protocol& p) { P(p, 0).provides.reset(); },
       "whether Alpha Council provides data"},
      {"partner-withdrawing",
       [](Protocol& p) { P(p, 1).withdrawal_notice = Date::Parse("2024-12-01"); },
       "its rights end on 2024-12-29"},
      {"data-provider-not-partner",
       [](Protocol& p) { p.data[0].provider = "registered-social-landlords"; },
       "'registered-social-landlords', which is not a partner"},
      {"data-recipient-not-partner", [](Protocol& p) { p.data[0].recipients = {"dwp"}; },
       "shared with 'dwp', which is not a partner"},
      {"data-provider-unsigned",
       [](Protocol& p) {
         P(p, 0).signatory.reset();
         p.status = ProtocolStatus::kDraft;
       },
       "provided by Alpha Council, which has not signed"},
      {"data-recipient-unsigned", [](Protocol& p) { P(p, 1).signatory->signed_on.reset(); },
       "shared with Beta Police, which has not signed"},
      {"data-provider-unspecified", [](Protocol& p) { p.data[0].provider = "all"; },
       "does not say which partner provides 'adult-case'"},
      {"data-provider-cannot-provide", [](Protocol& p) { P(p, 0).provides = false; },
       "'Provide Data' box is not ticked"},
      {"data-recipient-cannot-access", [](Protocol& p) { P(p, 1).accesses = false; },
       "'Access Data' box is not ticked"},
      {"data-fields-missing", [](Protocol& p) { p.data[0].fields.clear(); }, "lists no fields"},
      {"legal-basis-article6-missing", [](Protocol& p) { P(p, 1).legal_basis[0].article6 = {}; },
       "Beta Police shares personal data (adult-case and adult-health) but has no Article 6"},
      {"legal-basis-article6-missing",
       [](Protocol& p) {
         P(p, 1).legal_basis[0].article6 = {{}, true};
       },
       "no Article 6"},
      {"legal-basis-article9-missing", [](Protocol& p) { P(p, 0).legal_basis[0].article9 = {}; },
       "special category data (adult-health) but has no Article 9"},
      {"legal-basis-criminal-missing", [](Protocol& p) { P(p, 1).legal_basis[0].dpa_part3 = {}; },
       "Beta Police shares criminal offence data (police-warnings)"},
      {"legal-basis-criminal-missing",
       [](Protocol& p) {
         P(p, 0).legal_basis[0].article10 = {{"substantial_public_interest"}, false};
       },
       "Alpha Council shares criminal offence data"},
      {"legal-basis-unfilled",
       [](Protocol& p) { P(p, 0).legal_basis[0].dpa_part3.unfilled = true; },
       "still reads 'Choose an item.' for DPA Part 3"},
      {"legal-basis-duplicate-rows",
       [](Protocol& p) { P(p, 0).legal_basis.push_back(P(p, 0).legal_basis[0]); },
       "appears in 2 rows"},
      {"legal-basis-contradictory",
       [](Protocol& p) {
         LegalBasis row;
         row.article6.unfilled = true;
         P(p, 0).legal_basis.push_back(row);
       },
       "another leaves it unfilled"},
      {"legal-basis-unknown-condition",
       [](Protocol& p) {
         P(p, 1).legal_basis[0].dpa_part3.values.push_back("substantial_public_interest");
       },
       "'substantial_public_interest' is not a condition of section 35 or Schedule 8"},
      {"legal-basis-unknown-condition",
       [](Protocol& p) { P(p, 0).legal_basis[0].article10.values.push_back("policing"); },
       "'policing' is not a DPA 2018 Schedule 1 condition"},
      {"status-approved-unsigned", [](Protocol& p) { P(p, 1).signatory.reset(); },
       "1 of 2 partners have not signed: Beta Police"},
      {"status-approved-no-commencement",
       [](Protocol& p) {
         p.commences.reset();
         p.review.due.reset();
       },
       "no commencement date"},
      {"status-draft-signed", [](Protocol& p) { p.status = ProtocolStatus::kDraft; },
       "still 'draft' but Alpha Council and Beta Police signed"},
      {"signatory-undated", [](Protocol& p) { P(p, 1).signatory->signed_on.reset(); },
       "names Eve Chief but gives no date"},
      {"signatory-unnamed", [](Protocol& p) { P(p, 1).signatory->name.reset(); },
       "recorded without the name"},
      {"signatory-organisation-mismatch",
       [](Protocol& p) { P(p, 1).signatory->organisation_as_written = "Beta Constabulary"; },
       "names 'Beta Constabulary' but the summary sheet names 'Beta Police'"},
      {"commences-before-signature",
       [](Protocol& p) { P(p, 1).signatory->signed_on = Date::Parse("2024-04-01"); },
       "commences on 2024-03-01 but Beta Police signed on 2024-04-01"},
      {"review-due-missing", [](Protocol& p) { p.review.due.reset(); },
       "no date for the next review"},
      {"review-overdue",
       [](Protocol& p) {
         p.review.due = Date::Parse("2024-12-31");
         p.review.interval_months.reset();
       },
       "was due on 2024-12-31 and is overdue as of 2025-01-01"},
      {"review-interval-missing",
       [](Protocol& p) {
         p.review.interval_months.reset();
         p.review.statements.clear();
       },
       "interval is not stated"},
      {"review-interval-mismatch", [](Protocol& p) { p.review.due = Date::Parse("2025-06-01"); },
       "plus 12 months gives 2025-03-01"},
      {"review-text-mismatch",
       [](Protocol& p) { p.review.statements.push_back("Reviewed every three years."); },
       "'one year', 'three years'"},
      {"joint-controller-no-contact",
       [](Protocol& p) { P(p, 0).controller = ControllerRole::kJoint; }, "no single contact point"},
      {"joint-controller-no-contact",
       [](Protocol& p) {
         P(p, 0).controller = ControllerRole::kJoint;
         p.joint_controller_contact = "nobody";
       },
       "'nobody' is not a partner"},
      {"processor-no-controller",
       [](Protocol& p) { P(p, 1).controller = ControllerRole::kProcessor; },
       "is a processor but no controller"},
      {"access-unknown-partner", [](Protocol& p) { p.access[0].partner = "gamma"; },
       "is for 'gamma', which is not a partner"},
      {"access-unknown-provider", [](Protocol& p) { p.access[0].provider = "gamma"; },
       "reads from 'gamma'"},
      {"access-unknown-data", [](Protocol& p) { p.access[0].data.push_back("nhs-records"); },
       "'nhs-records', which is not listed"},
      {"access-unknown-purpose", [](Protocol& p) { p.access[0].purposes.push_back("marketing"); },
       "purpose 'marketing'"},
      {"access-data-mismatch", [](Protocol& p) { p.access[0].data.push_back("monthly-counts"); },
       "provided by beta-police, not alpha-council"},
      {"access-format-not-allowed", [](Protocol& p) { p.access[0].format = Format::kAutomated; },
       "format automated"},
      {"formats-missing",
       [](Protocol& p) {
         p.formats.clear();
         p.access.clear();
       },
       "No format of sharing"},
      {"breach-ico-beyond-72",
       [](Protocol& p) {
         p.breach.ico_within_hours = 96;
         p.breach.partners_within_hours = 24;
       },
       "within 96 hours; UK GDPR Article 33 requires 72 hours at most"},
      {"breach-partners-beyond-ico", [](Protocol& p) { p.breach.partners_within_hours = 96; },
       "later than the regulator"},
      {"breach-hours-missing", [](Protocol& p) { p.breach.ico_within_hours.reset(); },
       "telling the regulator of a breach is not stated"},
      {"withdrawal-notice-missing", [](Protocol& p) { p.withdrawal_notice_days.reset(); },
       "notice a partner must give to withdraw"},
      {"subject-rights-not-stated",
       [](Protocol& p) {
         p.subject_rights.erasure.reset();
         p.subject_rights.objection.reset();
       },
       "erasure and objection"},
      {"purpose-tags-missing",
       [](Protocol& p) {
         p.purpose.tags.clear();
         p.access[0].purposes.clear();
       },
       "no tags"},
  };
  return kTriggers;
}

TEST(Lint, EveryRuleHasATriggeringFixture) {
  for (const auto& t : Triggers()) {
    Protocol p = Clean();
    t.mutate(p);
    auto findings = LintAt(p);
    const Finding* hit = nullptr;
    for (const auto& f : findings)
      if (f.rule == t.rule && f.message.find(t.message) != std::string::npos) hit = &f;
    EXPECT_NE(hit, nullptr) << "rule " << t.rule << " did not fire with \"" << t.message
                            << "\"; got:\n"
                            << Dump(findings);
    if (hit) {
      EXPECT_EQ(hit->protocol, "clean-protocol");
      EXPECT_FALSE(hit->place.empty());
    }
  }
}

TEST(Lint, EveryRuleIsCoveredByTheTriggerTable) {
  std::set<std::string> covered;
  for (const auto& t : Triggers()) covered.insert(t.rule);
  for (const auto& r : AllLintRules())
    EXPECT_TRUE(covered.count(r.id)) << "no fixture triggers " << r.id;
}

TEST(Lint, SeverityComesFromTheRuleTable) {
  Protocol p = Clean();
  p.lead = "nobody";
  P(p, 1).dpo.reset();
  P(p, 1).ico_registration = "Z12";
  for (const auto& f : LintAt(p)) {
    if (f.rule == "lead-not-partner") {
      EXPECT_EQ(f.severity, Severity::kError);
    }
    if (f.rule == "partner-dpo-missing") {
      EXPECT_EQ(f.severity, Severity::kWarning);
    }
    if (f.rule == "partner-ico-format") {
      EXPECT_EQ(f.severity, Severity::kInfo);
    }
  }
}

TEST(Lint, FindingsCarryTheLineOfThePlace) {
  Protocol p = Clean();
  P(p, 1).dpo.reset();
  auto f = LintAt(p);
  ASSERT_EQ(f.size(), 1u) << Dump(f);
  EXPECT_EQ(f[0].place, "partner beta-police");
  EXPECT_EQ(f[0].line, P(p, 1).mark.line);
  EXPECT_GT(f[0].line, 0);
}

// Near misses: situations close to a rule that must not trigger it.
TEST(Lint, NearMissesDoNotTrigger) {
  struct Miss {
    const char* rule;
    std::function<void(Protocol&)> mutate;
    Date at;
  };
  const std::vector<Miss> misses = {
      // Due today is not overdue; overdue starts the day after.
      {"review-overdue", [](Protocol&) {}, *Date::Parse("2025-03-01")},
      {"breach-ico-beyond-72", [](Protocol& p) { p.breach.ico_within_hours = 72; }, kAt},
      // Aggregate data needs no basis at all.
      {"legal-basis-article6-missing",
       [](Protocol& p) {
         p.data.erase(p.data.begin(), p.data.begin() + 3);
         P(p, 0).legal_basis.clear();
         P(p, 1).legal_basis.clear();
         p.access.clear();
       },
       kAt},
      // A DPA Part 3 condition alone covers criminal offence data (Beta Police has no Article 10).
      {"legal-basis-criminal-missing",
       [](Protocol& p) {
         P(p, 1).legal_basis[0].article6 = {};
         p.data.resize(3);
         p.access.clear();
       },
       kAt},
      // "all" recipients are partners.
      {"data-recipient-not-partner", [](Protocol& p) { p.data[0].recipients = {"all"}; }, kAt},
      // A draft without signatures is fine.
      {"status-draft-signed",
       [](Protocol& p) {
         p.status = ProtocolStatus::kDraft;
         P(p, 0).signatory.reset();
         P(p, 1).signatory.reset();
       },
       kAt},
      // Review text agreeing with the interval in other words.
      {"review-text-mismatch",
       [](Protocol& p) { p.review.statements.push_back("A review every 12 months."); }, kAt},
      // Several rows that agree are only a duplicate, not a contradiction.
      {"legal-basis-contradictory",
       [](Protocol& p) { P(p, 0).legal_basis.push_back(P(p, 0).legal_basis[0]); }, kAt},
      // A withdrawn partner's notice in the past is reported only as info, never an error.
      {"status-approved-unsigned",
       [](Protocol& p) { P(p, 1).withdrawal_notice = Date::Parse("2024-06-01"); }, kAt},
  };
  for (const auto& m : misses) {
    Protocol p = Clean();
    m.mutate(p);
    auto f = Lint(p, LintOptions{m.at});
    EXPECT_FALSE(Has(f, m.rule)) << m.rule << " fired on a near miss:\n" << Dump(f);
  }
}

TEST(Lint, PlaceholderDetection) {
  for (const char* p :
       {"", "  ", "TBC", "tbc", "?", "Choose an item.", "[please click and select]",
        "[please complete]: [please click and select]", "Click here to enter text."})
    EXPECT_TRUE(IsPlaceholder(p)) << p;
  for (const char* p : {"Paul Turner", "Not applicable", "none", "TBC Ltd Holdings", "Z6034810"})
    EXPECT_FALSE(IsPlaceholder(p)) << p;
}

}  // namespace
}  // namespace concordat::model

namespace concordat::model {
namespace {

TEST(Lint, EveryRuleIsDocumented) {
  std::string doc =
      concordat::testing::ReadFile(concordat::testing::SourcePath("docs/lint-rules.md"));
  for (const auto& r : AllLintRules())
    EXPECT_NE(doc.find(std::string("| `") + r.id + "` | " + std::string(SeverityName(r.severity))),
              std::string::npos)
        << r.id << " is missing from docs/lint-rules.md or has the wrong severity there";
}

}  // namespace
}  // namespace concordat::model
