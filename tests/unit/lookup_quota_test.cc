#include "server/lookup_quota.h"

#include <gtest/gtest.h>

namespace concordat::server {
namespace {

using std::chrono::seconds;

TEST(LookupQuota, AUserHasTheHoursAllowanceAtOnceThenItRefillsSteadily) {
  LookupQuota q;
  const auto t0 = LookupQuota::Clock::now();
  for (int i = 0; i < 60; ++i) EXPECT_TRUE(q.Take("u-1", 60, t0).allowed) << i;
  LookupQuota::Outcome refused = q.Take("u-1", 60, t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_TRUE(refused.newly_refused);
  EXPECT_EQ(refused.retry_after_seconds, 60) << "60 an hour: one a minute";
  LookupQuota::Outcome again = q.Take("u-1", 60, t0 + seconds(30));
  EXPECT_FALSE(again.allowed);
  EXPECT_FALSE(again.newly_refused) << "said once, not on every refusal";
  EXPECT_EQ(again.retry_after_seconds, 30);
  // Another user is not affected; a minute later u-1 has one more, and then none.
  EXPECT_TRUE(q.Take("u-2", 60, t0).allowed);
  EXPECT_TRUE(q.Take("u-1", 60, t0 + seconds(61)).allowed);
  EXPECT_FALSE(q.Take("u-1", 60, t0 + seconds(61)).allowed);
  // After a refusal and an allowed one, the next refusal is news again.
  EXPECT_TRUE(q.Take("u-1", 60, t0 + seconds(125)).allowed);
  LookupQuota::Outcome news = q.Take("u-1", 60, t0 + seconds(125));
  EXPECT_FALSE(news.allowed);
  EXPECT_TRUE(news.newly_refused);
}

TEST(LookupQuota, ItNeverHoldsMoreThanAnHoursAllowanceAndZeroIsNoLimit) {
  LookupQuota q;
  const auto t0 = LookupQuota::Clock::now();
  EXPECT_TRUE(q.Take("u-1", 5, t0).allowed);
  // A day idle refills to 5, not to 120.
  int allowed = 0;
  while (q.Take("u-1", 5, t0 + std::chrono::hours(24)).allowed) ++allowed;
  EXPECT_EQ(allowed, 5);
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(q.Take("u-2", 0, t0).allowed);
  // A smaller allowance after a reload caps what is held.
  LookupQuota r;
  EXPECT_TRUE(r.Take("u-3", 100, t0).allowed);
  int after_reload = 0;
  while (r.Take("u-3", 2, t0).allowed) ++after_reload;
  EXPECT_EQ(after_reload, 2);
}

}  // namespace
}  // namespace concordat::server
