#include "executor/attempt_result.h"

#include <charconv>

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
      out += s[i] == 'n' ? '\n' : s[i];
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
  out += "start_us=" + std::to_string(r.start_us) + "\n";
  out += "end_us=" + std::to_string(r.end_us) + "\n";
  if (r.exit_code) out += "exit_code=" + std::to_string(*r.exit_code) + "\n";
  if (r.signal) out += "signal=" + std::to_string(*r.signal) + "\n";
  out += std::string("timed_out=") + (r.timed_out ? "1" : "0") + "\n";
  out += std::string("killed=") + (r.killed ? "1" : "0") + "\n";
  if (!r.error.empty()) out += "error=" + Escape(r.error) + "\n";
  out += "done=1\n";
  return out;
}

std::optional<AttemptResult> ParseAttemptResult(std::string_view text, std::string* error) {
  AttemptResult r;
  bool have_end = false;
  bool done = false;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      *error = "line " + std::to_string(line_no) + ": expected key=value";
      return std::nullopt;
    }
    std::string_view key = line.substr(0, eq);
    std::string_view value = line.substr(eq + 1);
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
    } else if (key == "timed_out" || key == "killed") {
      ok = value == "0" || value == "1";
      (key == "timed_out" ? r.timed_out : r.killed) = value == "1";
    } else if (key == "error") {
      r.error = Unescape(value);
    } else if (key == "done") {
      ok = value == "1";
      done = ok;
    }
    if (!ok) {
      *error = "line " + std::to_string(line_no) + ": bad value for " + std::string(key) +
               ": '" + std::string(value) + "'";
      return std::nullopt;
    }
  }
  if (!have_end) {
    *error = "missing end_us (a truncated result file?)";
    return std::nullopt;
  }
  if (!done) {
    *error = "missing done=1 (a truncated result file?)";
    return std::nullopt;
  }
  return r;
}

}  // namespace sluice
