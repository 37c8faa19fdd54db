// The server's lint memo: the same findings model::Lint gives, for the day asked about, each
// protocol worked out once per day.
#include "server/lint_memo.h"

#include <gtest/gtest.h>

#include <thread>

#include "test_util.h"

namespace concordat::server {
namespace {

std::string Rules(const std::vector<model::Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += f.rule + "@" + f.place + ";";
  return out;
}

TEST(LintMemo, GivesLintsFindingsForTheDayAskedAbout) {
  model::Registry registry;
  registry.protocols.push_back(concordat::testing::LoadOrDie("tests/fixtures/clean.yaml"));
  registry.protocols.push_back(concordat::testing::LoadOrDie("tests/fixtures/clean.yaml"));
  registry.protocols[1].partners.clear();  // a second protocol with findings of its own
  ASSERT_TRUE(registry.protocols[0].review.due) << "the fixture has a review date";
  const Date due = *registry.protocols[0].review.due;
  const Date before = due.AddDays(-1), after = due.AddDays(1);
  LintMemo memo(registry);
  for (Date day : {before, after, before}) {  // a new day, then back: each day afresh
    for (size_t i = 0; i < registry.protocols.size(); ++i) {
      const auto want = model::Lint(registry.protocols[i], {.at = day});
      const auto got = memo.Findings(i, day);
      ASSERT_NE(got, nullptr);
      EXPECT_EQ(Rules(*got), Rules(want)) << "protocol " << i << " on " << day.ToString();
      const auto counts = memo.Counts(i, day), want_counts = model::CountFindings(want);
      EXPECT_EQ(counts.errors, want_counts.errors);
      EXPECT_EQ(counts.warnings, want_counts.warnings);
      EXPECT_EQ(counts.info, want_counts.info);
    }
  }
  // The day matters (review-overdue appears once the review date has passed) and the two
  // protocols are told apart.
  EXPECT_NE(Rules(*memo.Findings(0, before)), Rules(*memo.Findings(0, after)));
  EXPECT_NE(Rules(*memo.Findings(0, before)), Rules(*memo.Findings(1, before)));
  // Asked again on the same day: the same findings, not linted again.
  EXPECT_EQ(memo.Findings(0, before), memo.Findings(0, before));
  // Findings handed out stay valid after the memo moves on to another day.
  const auto kept = memo.Findings(1, before);
  const std::string kept_rules = Rules(*kept);
  memo.Findings(1, after);
  EXPECT_EQ(Rules(*kept), kept_rules);
}

TEST(LintMemo, ManyThreadsAskingAtOnceAgree) {
  model::Registry registry;
  for (int i = 0; i < 8; ++i)
    registry.protocols.push_back(concordat::testing::LoadOrDie("tests/fixtures/clean.yaml"));
  const Date day = *Date::Parse("2025-01-01");
  LintMemo memo(registry);
  std::vector<std::thread> threads;
  std::vector<std::string> seen(8);
  for (size_t t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < registry.protocols.size(); ++i)
        seen[t] += Rules(*memo.Findings(i, day));
    });
  for (auto& t : threads) t.join();
  for (size_t t = 1; t < 8; ++t) EXPECT_EQ(seen[t], seen[0]);
}

}  // namespace
}  // namespace concordat::server
