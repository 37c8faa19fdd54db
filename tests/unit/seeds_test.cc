// The three seed documents, encoded in protocols/, must produce the findings a careful reader
// of the documents would list. Each expectation below names the defect in the source text.
#include <gtest/gtest.h>

#include <set>

#include "model/lint.h"
#include "test_util.h"

namespace concordat::model {
namespace {

const Date kToday = *Date::Parse("2026-11-24");

struct Expect {
  const char* rule;
  const char* place;    // exact place
  const char* message;  // substring of the message
};

std::vector<Finding> LintSeed(const std::string& file) {
  Protocol p = concordat::testing::LoadOrDie("protocols/" + file);
  return Lint(p, LintOptions{kToday});
}

void ExpectFindings(const std::vector<Finding>& findings, const std::vector<Expect>& expected) {
  for (const auto& e : expected) {
    bool found = std::any_of(findings.begin(), findings.end(), [&](const Finding& f) {
      return f.rule == e.rule && f.place == e.place &&
             f.message.find(e.message) != std::string::npos;
    });
    EXPECT_TRUE(found) << "missing finding [" << e.rule << "] at " << e.place << ": " << e.message;
  }
}

// Every error the linter reports on a seed must be one the reader's list expects: errors are
// never noise.
void ExpectOnlyTheseErrors(const std::vector<Finding>& findings,
                           const std::set<std::string>& rules) {
  for (const auto& f : findings) {
    if (f.severity == Severity::kError) {
      EXPECT_TRUE(rules.count(f.rule))
          << "unexpected error [" << f.rule << "] " << f.place << ": " << f.message;
    }
  }
}

TEST(Seeds, MosaicProtocolFindings) {
  auto f = LintSeed("essex-police-mosaic.yaml");
  ExpectFindings(f, {
                        // Version control: next review 03 July 2025, long past.
                        {"review-overdue", "review.due", "was due on 2025-07-03"},
                        // Section 3: Essex County Council appears on two rows, one "Public Task",
                        // one "Choose an item.".
                        {"legal-basis-duplicate-rows", "partner essex-cc", "appears in 2 rows"},
                        {"legal-basis-contradictory", "partner essex-cc", "Article 6"},
                        {"legal-basis-unfilled", "partner essex-cc", "Article 6 and DPA Part 3"},
                        // Section 3: Essex Police's DPA Part 3 column says "Substantial Public
                        // Interest", an Article 9 heading.
                        {"legal-basis-unknown-condition", "partner essex-police",
                         "'substantial_public_interest' is not a condition"},
                        // Section 4: processors "Not applicable", DPIA completed "Choose an item.".
                        {"placeholder", "processors", "Choose an item."},
                        // Section 15 records approval by each organisation but names nobody.
                        {"signatory-unnamed", "partner essex-cc", "without the name"},
                        {"signatory-unnamed", "partner essex-police", "without the name"},
                        // The documents table: only the DPIA (1403) is filled in.
                        {"placeholder", "documents.sop", "is empty"},
                        {"placeholder", "documents.contract", "is empty"},
                    });
  ExpectOnlyTheseErrors(f, {});
}

TEST(Seeds, BasildonProtocolFindings) {
  auto f = LintSeed("basildon-csp.yaml");
  std::vector<Expect> expected = {
      // Summary sheet: owner is the Partnership itself, not an organisation on the sheet.
      {"lead-not-partner", "lead", "'basildon-csp' is not one of the partners"},
      // APPROVED, but only Essex County Council's approval (26/10/2018) is recorded.
      {"status-approved-unsigned", "status", "6 of 7 partners have not signed"},
      // "Date Agreement comes into force: November 2017" is not a day; "Date of review: November
      // 2018".
      {"status-approved-no-commencement", "commences", "November 2017"},
      {"review-due-missing", "review.due", "November 2018"},
      // Section 3: "[please click and select]" left in; Article 9 list ends in "Choose an item.".
      {"placeholder", "legal_basis_article6", "[please click and select]"},
      {"legal-basis-unfilled", "partner basildon-bc", "Article 9"},
      // Crime and disorder data, but no Article 10 / DPA Part 3 condition anywhere.
      {"legal-basis-criminal-missing", "partner essex-police", "criminal offence data"},
      {"legal-basis-criminal-missing", "partner basildon-bc", "criminal offence data"},
      // Summary sheet: no partner names a Data Protection Officer; NPS has no ICO number.
      {"partner-dpo-missing", "partner basildon-bc", "no named Data Protection Officer"},
      {"partner-dpo-missing", "partner bb-ccg", "no named Data Protection Officer"},
      {"partner-ico-missing", "partner nps", "no ICO registration"},
      // Section 2 lists providers that are not on the summary sheet and never signed.
      {"data-provider-not-partner", "data rsl-problem-premises", "'registered-social-landlords'"},
      {"data-provider-not-partner", "data btuh-ae-assaults", "'btuh'"},
      {"data-provider-not-partner", "data yos-young-offender-links", "'essex-yos'"},
      {"data-provider-not-partner", "data family-solutions-links", "'family-solutions'"},
      {"data-provider-not-partner", "data dwp-links", "'dwp'"},
      {"data-provider-not-partner", "data ambulance-assault-callouts", "'eeast'"},
      {"data-provider-not-partner", "data victim-support-aggregate", "'victim-support'"},
      // ...and partners on the sheet who provide data but never signed.
      {"data-provider-unsigned", "data police-incidents", "Essex Police, which has not signed"},
      {"data-provider-unsigned", "data fire-deliberate-fires", "Essex Fire and Rescue Service"},
      // The document does not say whether most data subject rights apply.
      {"subject-rights-not-stated", "subject_rights", "rectification"},
      // Supporting documents table left blank.
      {"placeholder", "documents.dpia", "is empty"},
  };
  ExpectFindings(f, expected);
  ExpectOnlyTheseErrors(
      f, {"lead-not-partner", "status-approved-unsigned", "status-approved-no-commencement",
          "legal-basis-criminal-missing", "data-provider-not-partner"});
  // Exactly the seven organisations of section 2 that are not partners.
  std::set<std::string> outsiders;
  for (const auto& x : f)
    if (x.rule == "data-provider-not-partner")
      outsiders.insert(x.message.substr(x.message.find("provided by '") + 13));
  EXPECT_EQ(outsiders.size(), 7u);
}

TEST(Seeds, PrisonReleaseProtocolFindings) {
  auto f = LintSeed("essex-prison-release-housing.yaml");
  ExpectFindings(
      f, {
             // "Date of next Protocol review: Every 2 years." versus "reviewed three years after".
             {"review-text-mismatch", "review", "'2 years', 'three years'"},
             {"review-due-missing", "review.due", "Every 2 years."},
             // "Date Protocol comes into force: TBC"; supporting documents all "TBC".
             {"placeholder", "commences", "TBC"},
             {"placeholder", "documents.dpia", "TBC"},
             {"placeholder", "documents_responsible_authority", "TBC"},
             // DRAFT, yet Tendring signed on 01/07/24; the lead's signature block has a name but no
             // date.
             {"status-draft-signed", "status", "Tendring District Council signed"},
             {"signatory-undated", "partner essex-cc", "names Nicole Wood but gives no date"},
             // Signature blocks name organisations differently from the summary sheet.
             {"signatory-organisation-mismatch", "partner harlow-council",
              "'Harlow District Council'"},
             {"signatory-organisation-mismatch", "partner southend-ccc",
              "'Southend on Sea District Council'"},
             {"signatory-organisation-mismatch", "partner thurrock-council",
              "'Thurrock District Council'"},
             {"signatory-organisation-mismatch", "partner nps", "'The Probation Service'"},
             // "?" left for DPOs and ICO numbers.
             {"placeholder", "partner colchester-cc",
              "Data Protection Officer of Colchester City Council still reads '?'"},
             {"placeholder", "partner harlow-council",
              "Data Protection Officer of Harlow Council still reads '?'"},
             {"partner-ico-missing", "partner nps", "no ICO registration"},
             {"partner-ico-missing", "partner hmp-chelmsford", "no ICO registration"},
             {"partner-ico-format", "partner castle-point-dc", "'Z588703X'"},
             // Criminal history is shared with only Article 6 Public Task and Article 9 given.
             {"legal-basis-criminal-missing", "partner hmp-chelmsford",
              "criminal-history and prison-release"},
             {"legal-basis-criminal-missing", "partner essex-cc", "criminal offence data"},
             // Section 2 does not say who provides what.
             {"data-provider-unspecified", "data criminal-history",
              "does not say which partner provides"},
             // No Provide/Access boxes in section 4.
             {"partner-boxes-not-stated", "partner tendring-dc", "provides or accesses"},
         });
  ExpectOnlyTheseErrors(f, {"legal-basis-criminal-missing"});
  int criminal = 0;
  for (const auto& x : f) criminal += x.rule == "legal-basis-criminal-missing";
  EXPECT_EQ(criminal, 17) << "every one of the 17 partners shares criminal history";
}

}  // namespace
}  // namespace concordat::model
