#include "time/duration.h"

#include <cstdint>
#include <limits>

#include "util/strings.h"

namespace sluice {
namespace {

Status BadDuration(std::string_view text) {
  return Status::Invalid("invalid duration '" + std::string(text) +
                         "' (use e.g. 45s, 5m, 2h, 1d, 1h30m or a number of seconds)");
}

struct Unit {
  std::string_view suffix;
  int64_t micros;
};

// Largest first: a duration names each unit at most once, in this order ("1h30m", not "30m1h").
// "ms" precedes "m" so that the longer suffix wins.
constexpr Unit kUnits[] = {
    {"d", 86'400'000'000}, {"h", 3'600'000'000}, {"ms", 1'000},
    {"m", 60'000'000},     {"s", 1'000'000},     {"us", 1},
};

// The order units must appear in; kUnits lists "ms" early only for suffix matching.
int Rank(std::string_view suffix) {
  if (suffix == "d") return 0;
  if (suffix == "h") return 1;
  if (suffix == "m") return 2;
  if (suffix == "s") return 3;
  if (suffix == "ms") return 4;
  return 5;  // us
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  std::string_view s = Trim(text);
  if (s.empty()) return BadDuration(text);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t total = 0;
  int last_rank = -1;
  size_t i = 0;
  while (i < s.size()) {
    if (!IsDigit(s[i])) return BadDuration(text);
    int64_t number = 0;
    while (i < s.size() && IsDigit(s[i])) {
      int digit = s[i] - '0';
      if (number > (kMax - digit) / 10) return BadDuration(text);
      number = number * 10 + digit;
      ++i;
    }
    int64_t scale = 0;
    if (i == s.size()) {
      // A bare number is seconds, but only on its own: "1h30" is more likely a typo than 1h30s.
      if (last_rank != -1) return BadDuration(text);
      scale = 1'000'000;
    } else {
      for (const Unit& unit : kUnits) {
        if (s.substr(i, unit.suffix.size()) == unit.suffix) {
          int rank = Rank(unit.suffix);
          if (rank <= last_rank) return BadDuration(text);
          last_rank = rank;
          scale = unit.micros;
          i += unit.suffix.size();
          break;
        }
      }
      if (scale == 0) return BadDuration(text);
    }
    if (number > (kMax - total) / scale) return BadDuration(text);
    total += number * scale;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  int64_t us = d.count();
  if (us < 0) {
    // Not readable by ParseDuration, but a negative duration is a bug worth printing plainly.
    if (us == std::numeric_limits<int64_t>::min()) return "-" + std::to_string(us) + "us";
    return "-" + FormatDuration(Duration(-us));
  }
  if (us == 0) return "0s";
  if (us < 1'000'000) {
    if (us % 1'000 == 0) return std::to_string(us / 1'000) + "ms";
    return std::to_string(us) + "us";
  }
  int64_t seconds = us / 1'000'000;
  std::string out;
  const std::pair<int64_t, const char*> parts[] = {
      {86'400, "d"}, {3'600, "h"}, {60, "m"}, {1, "s"}};
  for (const auto& [size, suffix] : parts) {
    if (seconds >= size) {
      out += std::to_string(seconds / size) + suffix;
      seconds %= size;
    }
  }
  return out;
}

}  // namespace sluice
