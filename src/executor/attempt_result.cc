#include "executor/attempt_result.h"

#include <charconv>

#include "executor/log_lines.h"

namespace sluice {
namespace {

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == ' ') {
      out += "\\s";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      out += s[i] == 'n' ? '\n' : s[i] == 's' ? ' ' : s[i];
    } else {
      out += s[i];
    }
  }
  return out;
}

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::string FormatAttemptResult(const AttemptResult& r) {
  std::string out;
  out += "start_us=" + std::to_string(r.start_us);
  out += " end_us=" + std::to_string(r.end_us);
  if (r.exit_code) out += " exit_code=" + std::to_string(*r.exit_code);
  if (r.signal) out += " signal=" + std::to_string(*r.signal);
  out += std::string(" timed_out=") + (r.timed_out ? "1" : "0");
  out += std::string(" killed=") + (r.killed ? "1" : "0");
  if (!r.error.empty()) out += " error=" + Escape(r.error);
  if (r.log_dropped > 0 || r.log_capped || !r.log_error.empty()) {
    out += " log_dropped=" + std::to_string(r.log_dropped);
    out += std::string(" log_capped=") + (r.log_capped ? "1" : "0");
    if (!r.log_error.empty()) out += " log_error=" + Escape(r.log_error);
  }
  out += " done=1";
  return out;
}

std::optional<AttemptResult> ParseAttemptResult(std::string_view text, std::string* error) {
  AttemptResult r;
  bool have_end = false;
  bool done = false;
  int field = 0;
  while (!text.empty()) {
    size_t sp = text.find(' ');
    std::string_view item = text.substr(0, sp);
    text = sp == std::string_view::npos ? std::string_view() : text.substr(sp + 1);
    if (item.empty()) continue;
    ++field;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      *error = "field " + std::to_string(field) + ": expected key=value";
      return std::nullopt;
    }
    std::string_view key = item.substr(0, eq);
    std::string_view value = item.substr(eq + 1);
    bool ok = true;
    if (key == "start_us") {
      ok = ParseNumber(value, &r.start_us);
    } else if (key == "end_us") {
      ok = ParseNumber(value, &r.end_us);
      have_end = ok;
    } else if (key == "exit_code" || key == "signal") {
      int n = 0;
      ok = ParseNumber(value, &n);
      (key == "exit_code" ? r.exit_code : r.signal) = n;
    } else if (key == "timed_out" || key == "killed" || key == "log_capped") {
      ok = value == "0" || value == "1";
      (key == "timed_out" ? r.timed_out : key == "killed" ? r.killed : r.log_capped) = value == "1";
    } else if (key == "log_dropped") {
      ok = ParseNumber(value, &r.log_dropped) && r.log_dropped >= 0;
    } else if (key == "error" || key == "log_error") {
      (key == "error" ? r.error : r.log_error) = Unescape(value);
    } else if (key == "done") {
      ok = value == "1";
      done = ok;
    }
    if (!ok) {
      *error = "field " + std::to_string(field) + ": bad value for " + std::string(key) + ": '" +
               std::string(value) + "'";
      return std::nullopt;
    }
  }
  if (!have_end) {
    *error = "missing end_us";
    return std::nullopt;
  }
  if (!done) {
    *error = "missing done=1";
    return std::nullopt;
  }
  return r;
}

std::optional<AttemptResult> ResultFromLogTail(std::string_view tail, std::string* error) {
  error->clear();
  if (tail.empty() || tail.back() != '\n') return std::nullopt;
  tail.remove_suffix(1);
  const size_t nl = tail.rfind('\n');
  std::string_view line = nl == std::string_view::npos ? tail : tail.substr(nl + 1);
  // TIMESTAMP " sluice| result: " FIELDS. Task output is always tagged out| or err|, so a task
  // cannot forge this line.
  const std::optional<LogLine> parsed = ParseLogLine(line);
  if (!parsed || parsed->tag != "sluice" ||
      parsed->text.substr(0, kResultNotePrefix.size()) != kResultNotePrefix) {
    return std::nullopt;
  }
  return ParseAttemptResult(parsed->text.substr(kResultNotePrefix.size()), error);
}

}  // namespace sluice
