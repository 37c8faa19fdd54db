#include "base/date.h"

#include <chrono>
#include <cstdio>

namespace concordat {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yy + (*m <= 2));
}

bool IsLeap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned DaysInMonth(int y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::optional<Date> Date::Parse(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d)) return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > DaysInMonth(y, m)) return std::nullopt;
  return FromCivil(y, m, d);
}

Date Date::FromCivil(int year, unsigned month, unsigned day) {
  return Date{static_cast<int32_t>(DaysFromCivil(year, month, day))};
}

Date Date::Today() {
  return Instant::Now().ToDate();
}

void Date::ToCivil(int* year, unsigned* month, unsigned* day) const {
  CivilFromDays(days, year, month, day);
}

std::string Date::ToString() const {
  int y;
  unsigned m, d;
  ToCivil(&y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return buf;
}

Date Date::AddMonths(int months) const {
  int y;
  unsigned m, d;
  ToCivil(&y, &m, &d);
  int total = y * 12 + static_cast<int>(m) - 1 + months;
  int ny = total / 12;
  unsigned nm = static_cast<unsigned>(total % 12) + 1;
  unsigned nd = std::min(d, DaysInMonth(ny, nm));
  return FromCivil(ny, nm, nd);
}

std::optional<Instant> Instant::Parse(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  if (s.size() < 20) return std::nullopt;
  auto date = Date::Parse(s.substr(0, 10));
  if (!date) return std::nullopt;
  if (s[10] != 'T' && s[10] != 't') return std::nullopt;
  int hh, mm, ss;
  if (!Digits(s, 11, 2, &hh) || s[13] != ':' || !Digits(s, 14, 2, &mm) || s[16] != ':' ||
      !Digits(s, 17, 2, &ss))
    return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  int offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59)
      return std::nullopt;
    offset = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  if (ss == 60) ss = 59;  // leap second: clamp
  return Instant{date->StartInstant() + hh * 3600 + mm * 60 + ss - offset};
}

Instant Instant::Now() {
  auto now = std::chrono::system_clock::now();
  return Instant{std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()};
}

// Written digit by digit: every audit entry carries one, and snprintf cost more than the
// rest of the entry's encoding. Years outside 0000..9999 take the general path.
std::string Instant::ToString() const {
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  int64_t rem = seconds - days * 86400;
  Date d{static_cast<int32_t>(days)};
  const int hh = static_cast<int>(rem / 3600), mm = static_cast<int>(rem % 3600 / 60),
            ss = static_cast<int>(rem % 60);
  int y;
  unsigned m, day;
  d.ToCivil(&y, &m, &day);
  if (y < 0 || y > 9999) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", d.ToString().c_str(), hh, mm, ss);
    return buf;
  }
  std::string out = "0000-00-00T00:00:00Z";
  auto two = [&out](size_t at, unsigned v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(0, static_cast<unsigned>(y) / 100);
  two(2, static_cast<unsigned>(y) % 100);
  two(5, m);
  two(8, day);
  two(11, static_cast<unsigned>(hh));
  two(14, static_cast<unsigned>(mm));
  two(17, static_cast<unsigned>(ss));
  return out;
}

std::string FormatMillisUtc(int64_t ms) {
  const int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;  // floor, before 1970 too
  std::string text = Instant{seconds}.ToString();
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms - seconds * 1000));
  text.replace(text.size() - 1, 1, frac);
  return text;
}

Date Instant::ToDate() const {
  int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  return Date{static_cast<int32_t>(days)};
}

}  // namespace concordat
