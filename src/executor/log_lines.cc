#include "executor/log_lines.h"

#include <chrono>
#include <cstdio>

namespace sluice {

std::string FormatLogTimestamp(int64_t t_us) {
  // std::chrono's calendar rather than gmtime_r: glibc's gmtime_r reads /etc/localtime on
  // first use, a cost on every supervisor start for nothing.
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds(t_us)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buf;
}

void AppendLogLine(int64_t t_us, std::string_view tag, std::string_view text, std::string* out) {
  *out += FormatLogTimestamp(t_us);
  *out += ' ';
  *out += tag;
  *out += "| ";
  *out += text;
  *out += '\n';
}

std::optional<LogLine> ParseLogLine(std::string_view line) {
  // The timestamp has a fixed width (27 characters, FormatLogTimestamp), then " TAG| ".
  constexpr size_t kTimeSize = 27;
  if (line.size() < kTimeSize + 3 || line[kTimeSize - 1] != 'Z' || line[kTimeSize] != ' ') {
    return std::nullopt;
  }
  const size_t bar = line.find("| ", kTimeSize + 1);
  if (bar == std::string_view::npos) return std::nullopt;
  const std::string_view tag = line.substr(kTimeSize + 1, bar - kTimeSize - 1);
  if (tag.empty() || tag.find(' ') != std::string_view::npos) return std::nullopt;
  return LogLine{line.substr(0, kTimeSize), tag, line.substr(bar + 2)};
}

void LogLineSplitter::Feed(std::string_view data, int64_t t_us, std::string* out) {
  while (!data.empty()) {
    size_t nl = data.find('\n');
    partial_.append(data.substr(0, nl));
    data = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
    // Emit whole pieces of an over-long line now; the last piece waits for its newline.
    size_t emitted = 0;
    while (partial_.size() - emitted > max_line_) {
      AppendLogLine(t_us, tag_, std::string_view(partial_).substr(emitted, max_line_), out);
      emitted += max_line_;
    }
    partial_.erase(0, emitted);
    if (nl != std::string_view::npos) {
      AppendLogLine(t_us, tag_, partial_, out);
      partial_.clear();
    }
  }
}

void LogLineSplitter::Finish(int64_t t_us, std::string* out) {
  if (partial_.empty()) return;
  AppendLogLine(t_us, tag_, partial_, out);
  partial_.clear();
}

}  // namespace sluice
