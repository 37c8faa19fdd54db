// Calendar dates and instants in UTC, as the protocol format uses them.
//
// A Date is a whole day (ISO 8601 "2024-07-03"); it takes effect at 00:00 UTC on that
// day. An Instant is seconds since the Unix epoch (RFC 3339 "2024-07-03T09:00:00Z" or with
// a numeric offset). Parsing is strict: the text must be exactly of the form and a real
// calendar day; anything else yields nullopt.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace concordat {

struct Date {
  int32_t days = 0;  // days since 1970-01-01

  static std::optional<Date> Parse(std::string_view text);
  static Date FromCivil(int year, unsigned month, unsigned day);
  static Date Today();
  void ToCivil(int* year, unsigned* month, unsigned* day) const;
  std::string ToString() const;
  Date AddDays(int32_t n) const { return Date{days + n}; }
  // Adds calendar months, clamping the day to the end of the target month.
  Date AddMonths(int months) const;
  int64_t StartInstant() const { return int64_t{days} * 86400; }

  auto operator<=>(const Date&) const = default;
};

struct Instant {
  int64_t seconds = 0;  // since 1970-01-01T00:00:00Z

  static std::optional<Instant> Parse(std::string_view text);
  static Instant Now();
  std::string ToString() const;  // always "YYYY-MM-DDTHH:MM:SSZ"
  Date ToDate() const;

  auto operator<=>(const Instant&) const = default;
};

// Milliseconds since the epoch as RFC 3339 in UTC with milliseconds,
// "YYYY-MM-DDTHH:MM:SS.mmmZ": how the server shows the times it keeps in milliseconds.
std::string FormatMillisUtc(int64_t ms);

}  // namespace concordat
