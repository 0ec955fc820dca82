#pragma once
// The attempt log format, one line per output line: `2026-11-23T07:38:18.123456Z out| text`,
// with tags `out` (stdout), `err` (stderr) and `sluice` (the supervisor's own notes).
// Dependency-free: part of sluice-supervisor.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// `t_us` (microseconds since the epoch) as UTC ISO-8601 with exactly six fraction digits.
std::string FormatLogTimestamp(int64_t t_us);

// Appends "TIMESTAMP TAG| text\n" to *out.
void AppendLogLine(int64_t t_us, std::string_view tag, std::string_view text, std::string* out);

// One line as AppendLogLine wrote it (without its newline), cut into its parts; views into it.
struct LogLine {
  std::string_view time;  // "2026-11-23T07:38:18.123456Z"
  std::string_view tag;   // "out", "err" or "sluice"
  std::string_view text;
};
// Nullopt for a line not in the format (a log written by something else, a torn last line).
std::optional<LogLine> ParseLogLine(std::string_view line);

// Cuts one output stream into log lines. A line longer than `max_line` bytes is written in
// pieces of that size, so a task that never prints a newline cannot grow the buffer unbounded.
class LogLineSplitter {
 public:
  explicit LogLineSplitter(std::string tag, size_t max_line = size_t{64} * 1024)
      : tag_(std::move(tag)), max_line_(max_line) {}
  // Appends the lines completed by `data` to *out, stamped `t_us`; keeps the unfinished tail.
  void Feed(std::string_view data, int64_t t_us, std::string* out);
  // At end of stream: writes the unfinished tail, if any, as a last line.
  void Finish(int64_t t_us, std::string* out);

 private:
  std::string tag_;
  size_t max_line_;
  std::string partial_;
};

}  // namespace sluice
