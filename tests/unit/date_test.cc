#include "base/date.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace concordat {
namespace {

TEST(Date, ParsesRealDays) {
  auto d = Date::Parse("2024-07-03");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->ToString(), "2024-07-03");
  EXPECT_EQ(Date::Parse("1970-01-01")->days, 0);
  EXPECT_EQ(Date::Parse("2024-02-29")->ToString(), "2024-02-29");
}

TEST(Date, RefusesMalformedOrImpossibleDays) {
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "24-07-03",
                          "2024-7-3", "2024/07/03", "03/07/2024", "November 2017", "TBC", "",
                          "2024-07-03 ", "2024-07-03T00:00:00Z"}) {
    EXPECT_FALSE(Date::Parse(bad)) << bad;
  }
}

TEST(Date, AddsMonthsClampingToMonthEnd) {
  EXPECT_EQ(Date::Parse("2024-07-03")->AddMonths(12).ToString(), "2025-07-03");
  EXPECT_EQ(Date::Parse("2024-01-31")->AddMonths(1).ToString(), "2024-02-29");
  EXPECT_EQ(Date::Parse("2024-11-15")->AddMonths(3).ToString(), "2025-02-15");
  EXPECT_EQ(Date::Parse("2024-03-01")->AddDays(28).ToString(), "2024-03-29");
}

TEST(Instant, ParsesRfc3339WithOffsets) {
  auto z = Instant::Parse("2024-09-01T10:00:00Z");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->ToString(), "2024-09-01T10:00:00Z");
  auto plus = Instant::Parse("2024-09-01T11:00:00+01:00");
  ASSERT_TRUE(plus);
  EXPECT_EQ(plus->seconds, z->seconds);
  auto frac = Instant::Parse("2024-09-01T10:00:00.250Z");
  ASSERT_TRUE(frac);
  EXPECT_EQ(frac->seconds, z->seconds);
  EXPECT_EQ(Instant::Parse("2024-09-01T00:30:00+01:00")->ToDate().ToString(), "2024-08-31");
}

TEST(Instant, RefusesMalformed) {
  for (const char* bad : {"2024-09-01", "2024-09-01T10:00:00", "2024-09-01T25:00:00Z",
                          "2024-09-01 10:00:00Z", "2024-09-01T10:00:00+1:00", "yesterday"}) {
    EXPECT_FALSE(Instant::Parse(bad)) << bad;
  }
}

// Every audit entry's "at" is this text, hashed as written: it must stay what snprintf wrote,
// across the years (including before 1970 and beyond 9999) and every second of a day.
TEST(Instant, TextIsWhatItAlwaysWasAndParsesBack) {
  auto reference = [](int64_t seconds) {
    int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    int64_t rem = seconds - days * 86400;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ",
                  Date{static_cast<int32_t>(days)}.ToString().c_str(), static_cast<int>(rem / 3600),
                  static_cast<int>(rem % 3600 / 60), static_cast<int>(rem % 60));
    return std::string(buf);
  };
  EXPECT_EQ(Instant{0}.ToString(), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Instant{1795562622}.ToString(), "2026-11-24T23:23:42Z");
  EXPECT_EQ(Instant{-1}.ToString(), "1969-12-31T23:59:59Z");
  EXPECT_EQ(Instant{-62167219200}.ToString(), "0000-01-01T00:00:00Z");
  EXPECT_EQ(Instant{253402300799}.ToString(), "9999-12-31T23:59:59Z");
  EXPECT_EQ(Instant{253402300800}.ToString(), reference(253402300800)) << "year 10000";
  EXPECT_EQ(Instant{-62167219201}.ToString(), reference(-62167219201)) << "year -1";
  for (int64_t s = -86400LL * 800; s < 86400LL * 800; s += 7919)
    ASSERT_EQ(Instant{s}.ToString(), reference(s)) << s;
  for (int64_t s = 1795500000; s < 1795500000 + 86400 * 2; s += 61) {
    const std::string text = Instant{s}.ToString();
    ASSERT_EQ(text, reference(s)) << s;
    ASSERT_EQ(Instant::Parse(text)->seconds, s) << text;
  }
}

TEST(FormatMillisUtc, ShowsMillisecondsInUtc) {
  EXPECT_EQ(FormatMillisUtc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatMillisUtc(1795562622848), "2026-11-24T23:23:42.848Z");
  EXPECT_EQ(FormatMillisUtc(1795562622007), "2026-11-24T23:23:42.007Z");
  EXPECT_EQ(FormatMillisUtc(-1), "1969-12-31T23:59:59.999Z") << "floored, not truncated";
  // The seconds agree with Instant's text for the same moment.
  EXPECT_EQ(FormatMillisUtc(1720000000999).substr(0, 19),
            Instant{1720000000}.ToString().substr(0, 19));
}

}  // namespace
}  // namespace concordat
