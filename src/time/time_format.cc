#include "time/time_format.h"

#include <cstdio>

#include "time/local_time.h"
#include "util/strings.h"

namespace sluice {
namespace {

Status BadTime(std::string_view text) {
  return Status::Invalid("invalid date or time '" + std::string(text) +
                         "' (use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or ISO-8601 with Z)");
}

// A cursor over the text that reads fixed-width numbers and literal characters.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool Done() const { return i_ == s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[i_]; }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  // Exactly `width` digits.
  bool Number(int width, int* out) {
    int value = 0;
    for (int k = 0; k < width; ++k) {
      char c = Peek();
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
      ++i_;
    }
    *out = value;
    return true;
  }
  // One or more digits of a fraction of a second, as microseconds; digits past the sixth are
  // dropped (truncation, like every other sub-microsecond part of Sluice's clock).
  bool Fraction(int64_t* micros) {
    int digits = 0;
    int64_t value = 0;
    while (Peek() >= '0' && Peek() <= '9') {
      if (digits < 6) value = value * 10 + (Peek() - '0');
      ++digits;
      ++i_;
    }
    if (digits == 0 || digits > 9) return false;
    for (int k = digits; k < 6; ++k) value *= 10;
    *micros = value;
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// Appends `value` as printf's "%0<width>lld" would: a '-' if negative, then at least
// `width` characters in all, zero-padded.
void AppendPadded(std::string* out, int64_t value, int width) {
  if (value < 0) {
    out->push_back('-');
    --width;
  }
  char digits[20];
  int n = 0;
  // Digits from the lowest; negated one at a time, so the most negative value works too.
  do {
    digits[n++] = static_cast<char>('0' + (value < 0 ? -(value % 10) : value % 10));
    value /= 10;
  } while (value != 0);
  for (int pad = n; pad < width; ++pad) out->push_back('0');
  while (n > 0) out->push_back(digits[--n]);
}

}  // namespace

std::string FormatIsoUtc(TimePoint t) {
  // Built by hand, not with snprintf: the scheduler formats four instants for every attempt it
  // starts (the template variables), and snprintf was most of that cost.
  auto day = date::floor<date::days>(t);
  date::year_month_day ymd(day);
  date::hh_mm_ss<Duration> tod(t - day);
  std::string out;
  out.reserve(32);
  AppendPadded(&out, int(ymd.year()), 4);
  out.push_back('-');
  AppendPadded(&out, unsigned(ymd.month()), 2);
  out.push_back('-');
  AppendPadded(&out, unsigned(ymd.day()), 2);
  out.push_back('T');
  AppendPadded(&out, tod.hours().count(), 2);
  out.push_back(':');
  AppendPadded(&out, tod.minutes().count(), 2);
  out.push_back(':');
  AppendPadded(&out, tod.seconds().count(), 2);
  if (int64_t frac = tod.subseconds().count(); frac != 0) {
    out.push_back('.');
    AppendPadded(&out, frac, 6);
  }
  out.push_back('Z');
  return out;
}

Result<TimePoint> ParseTimePoint(std::string_view text, const TimeZone& zone) {
  std::string_view s = Trim(text);
  Reader r(s);
  int y = 0, mo = 0, d = 0;
  if (!r.Number(4, &y) || !r.Eat('-') || !r.Number(2, &mo) || !r.Eat('-') || !r.Number(2, &d)) {
    return BadTime(text);
  }
  date::year_month_day ymd{date::year(y), date::month(unsigned(mo)), date::day(unsigned(d))};
  if (!ymd.ok()) return BadTime(text);
  if (r.Done()) return ResolveLocal(zone, date::local_days(ymd));

  int h = 0, mi = 0, sec = 0;
  int64_t micros = 0;
  if (!(r.Eat('T') || r.Eat(' ')) || !r.Number(2, &h) || !r.Eat(':') || !r.Number(2, &mi)) {
    return BadTime(text);
  }
  if (r.Eat(':')) {
    if (!r.Number(2, &sec)) return BadTime(text);
    if (r.Eat('.') && !r.Fraction(&micros)) return BadTime(text);
  }
  if (h > 23 || mi > 59 || sec > 59) return BadTime(text);
  date::local_time<Duration> local = date::local_days(ymd) + std::chrono::hours(h) +
                                     std::chrono::minutes(mi) + std::chrono::seconds(sec) +
                                     Duration(micros);
  if (r.Done()) return ResolveLocal(zone, local);

  // An explicit offset: the wall time is taken as given, whatever `zone` says.
  auto as_utc = TimePoint(local.time_since_epoch());
  if (r.Eat('Z') || r.Eat('z')) {
    if (!r.Done()) return BadTime(text);
    return as_utc;
  }
  int sign = r.Eat('+') ? 1 : (r.Eat('-') ? -1 : 0);
  int oh = 0, om = 0;
  if (sign == 0 || !r.Number(2, &oh)) return BadTime(text);
  r.Eat(':');
  if (!r.Number(2, &om) || !r.Done() || oh > 23 || om > 59) return BadTime(text);
  return as_utc - sign * (std::chrono::hours(oh) + std::chrono::minutes(om));
}

std::string FormatLocalDate(TimePoint t, const TimeZone& zone) {
  date::year_month_day ymd(date::floor<date::days>(ToLocal(zone, t)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()));
  return buf;
}

}  // namespace sluice
