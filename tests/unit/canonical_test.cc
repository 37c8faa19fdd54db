#include "model/canonical.h"

#include <gtest/gtest.h>

#include "base/sha256.h"
#include "test_util.h"

namespace concordat::model {
namespace {

using concordat::testing::ReadFile;
using concordat::testing::Replace;
using concordat::testing::SourcePath;

const char* kFiles[] = {"protocols/basildon-csp.yaml",
                        "protocols/essex-prison-release-housing.yaml",
                        "protocols/essex-police-mosaic.yaml", "tests/fixtures/clean.yaml"};

class RoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(RoundTrip, LoadSaveLoadIsTheIdentity) {
  Protocol p1 = concordat::testing::LoadOrDie(GetParam());
  ASSERT_FALSE(p1.id.empty());
  std::string s1 = ToCanonicalYaml(p1);
  std::vector<LoadError> errors;
  auto p2 = LoadProtocolText(s1, "canonical.yaml", &errors);
  ASSERT_TRUE(p2.ok()) << p2.status().ToString() << "\n" << s1;
  EXPECT_TRUE(*p2 == Canonicalize(p1))
      << "the canonical text does not load back to the same protocol";
  EXPECT_EQ(ToCanonicalYaml(*p2), s1) << "saving twice must give the same bytes";
  EXPECT_EQ(ContentHash(*p2), ContentHash(p1));
  // Canonicalize keeps every partner, category and rule.
  EXPECT_EQ(p2->partners.size(), p1.partners.size());
  EXPECT_EQ(p2->data.size(), p1.data.size());
  EXPECT_EQ(p2->access.size(), p1.access.size());
  EXPECT_EQ(p2->clauses.size(), p1.clauses.size());
}

INSTANTIATE_TEST_SUITE_P(SeedsAndFixtures, RoundTrip, ::testing::ValuesIn(kFiles));

TEST(Canonical, HashIsSha256OfTheCanonicalText) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Protocol p = concordat::testing::LoadOrDie("tests/fixtures/clean.yaml");
  std::string h = ContentHash(p);
  EXPECT_EQ(h, "sha256:" + Sha256Hex(ToCanonicalYaml(p)));
  EXPECT_EQ(h.size(), 7u + 64u);
}

TEST(Canonical, OrderOfSetsAndMapsDoesNotChangeTheHash) {
  std::string text = ReadFile(SourcePath("tests/fixtures/clean.yaml"));
  auto a = LoadProtocolText(text, "a.yaml");
  std::string reordered = Replace(text, "tags: [adult-safeguarding, missing-persons]",
                                  "tags: [missing-persons, adult-safeguarding]");
  reordered = Replace(reordered, "require: [justification, audit_reference]",
                      "require: [audit_reference, justification]");
  reordered = Replace(reordered, "    encryption_at_rest: true\n    access_control: true",
                      "    access_control: true\n    encryption_at_rest: true");
  auto b = LoadProtocolText(reordered, "b.yaml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(ContentHash(*a), ContentHash(*b));
  // Comments and layout are not content either.
  auto c = LoadProtocolText("# a comment\n" + text + "\n\n", "c.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(ContentHash(*a), ContentHash(*c));
}

TEST(Canonical, AnyContentChangeChangesTheHash) {
  Protocol p = concordat::testing::LoadOrDie("tests/fixtures/clean.yaml");
  const std::string base = ContentHash(p);
  std::vector<std::function<void(Protocol&)>> edits = {
      [](Protocol& x) { x.partners[1].dpo = "Someone Else"; },
      [](Protocol& x) { x.version = "2.2"; },
      [](Protocol& x) { x.data[0].fields.push_back("nhs_number"); },
      [](Protocol& x) { x.access[0].mode = AccessMode::kReadWrite; },
      [](Protocol& x) { x.partners[0].legal_basis[0].article6.unfilled = true; },
      [](Protocol& x) { x.partners[0].signatory->signed_on = Date::Parse("2024-02-21"); },
      [](Protocol& x) { std::swap(x.partners[0], x.partners[1]); },
      [](Protocol& x) { x.subject_rights.erasure = true; },
      [](Protocol& x) { x.clauses.emplace_back("retention", "Six years."); },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    Protocol q = p;
    edits[i](q);
    EXPECT_NE(ContentHash(q), base) << "edit " << i;
  }
}

TEST(Canonical, AwkwardTextSurvives) {
  Protocol p = concordat::testing::LoadOrDie("tests/fixtures/clean.yaml");
  p.title =
      "Quotes \" and \\ backslashes: colons # hashes\nnew lines\ttabs \x01 control, UTF-8 – "
      "‘quoted’ £";
  p.partners[0].name = "- looks like a list";
  p.clauses.emplace_back("null", "yes");
  p.as_written.emplace_back("true", "~");
  std::string s = ToCanonicalYaml(p);
  auto back = LoadProtocolText(s, "awkward.yaml");
  ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << s;
  EXPECT_EQ(back->title, p.title);
  EXPECT_EQ(back->partners[0].name, p.partners[0].name);
  EXPECT_TRUE(*back == Canonicalize(p));
}

TEST(Canonical, QuoteYamlEscapes) {
  EXPECT_EQ(QuoteYaml("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(QuoteYaml("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(QuoteYaml(std::string("\x02", 1)), "\"\\u0002\"");
  EXPECT_EQ(QuoteYaml("£"), "\"£\"");
}

}  // namespace
}  // namespace concordat::model
