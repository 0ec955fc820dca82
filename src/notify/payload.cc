#include "notify/payload.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "executor/log_lines.h"
#include "time/time_format.h"

namespace sluice::notify {
namespace {

std::string Subject(const DeliveryRecord& d) {
  std::string s = d.dag_id + "/" + d.run_id;
  if (d.task_id.empty()) return s + " run";
  s += " task " + d.task_id;
  if (d.map_index) s += "[" + std::to_string(*d.map_index) + "]";
  return s;
}

std::string TryText(const DeliveryRecord& d) {
  if (d.task_id.empty() || d.try_number <= 0) return "";
  std::string s = " (try " + std::to_string(d.try_number);
  if (d.max_tries > 0) s += " of " + std::to_string(d.max_tries);
  return s + ")";
}

}  // namespace

std::string AlertText(const DeliveryRecord& d) {
  const std::string subject = Subject(d);
  if (d.event == "failure") return "✗ " + subject + " failed" + TryText(d);
  if (d.event == "retry") return "↻ " + subject + " failed, will retry" + TryText(d);
  if (d.event == "success") return "✓ " + subject + " succeeded" + TryText(d);
  // The detail says by how much: "not done 2h after it was due at ...", "running 1h 5m, ...".
  if (d.event == "sla_miss") {
    return "⏰ " + subject + " missed its SLA" +
           (d.detail.empty() ? " (not done in time)" : ": " + d.detail);
  }
  if (d.event == "long_running") {
    return "⌛ " + subject + " is running long" + TryText(d) +
           (d.detail.empty() ? "" : ": " + d.detail);
  }
  return subject + ": " + d.event;
}

std::string AlertJson(const DeliveryRecord& d, const std::vector<std::string>& log) {
  using nlohmann::json;
  const bool task = !d.task_id.empty();
  json j = {
      {"event", d.event},
      {"dag", d.dag_id},
      {"run", d.run_id},
      {"task", task ? json(d.task_id) : json(nullptr)},
      {"map_index", d.map_index ? json(*d.map_index) : json(nullptr)},
      {"state", d.subject_state},
      {"try", task && d.try_number > 0 ? json(d.try_number) : json(nullptr)},
      {"max_tries", task && d.max_tries > 0 ? json(d.max_tries) : json(nullptr)},
      {"logical_date", d.logical_date ? json(FormatIsoUtc(*d.logical_date)) : json(nullptr)},
      {"log", log},
      {"text", AlertText(d)},
      {"url", nullptr},
      {"notifier", d.notifier},
      {"delivery", d.id},
      {"detail", d.detail.empty() ? json(nullptr) : json(d.detail)},
  };
  // A log line that is not UTF-8 is replaced, not a reason to send nothing.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string AlertMailBody(const DeliveryRecord& d, const std::vector<std::string>& log) {
  std::string body = AlertText(d) + "\n\n";
  body += "event: " + d.event + "\n";
  body += "dag: " + d.dag_id + "\n";
  body += "run: " + d.run_id + "\n";
  if (!d.task_id.empty()) body += "task: " + d.task_id + "\n";
  body += "state: " + d.subject_state + "\n";
  if (!d.detail.empty()) body += "detail: " + d.detail + "\n";
  if (!d.task_id.empty() && d.try_number > 0) {
    body += "try: " + std::to_string(d.try_number) +
            (d.max_tries > 0 ? " of " + std::to_string(d.max_tries) : "") + "\n";
  }
  if (d.logical_date) body += "logical date: " + FormatIsoUtc(*d.logical_date) + "\n";
  if (!log.empty()) {
    body += "\nlast " + std::to_string(log.size()) + " line(s) of its log:\n";
    for (const auto& line : log) body += line + "\n";
  }
  return body;
}

std::vector<std::string> LastLines(const std::string& path, int n) {
  std::vector<std::string> lines;
  if (path.empty() || n <= 0) return lines;
  std::ifstream in(path, std::ios::binary);
  if (!in) return lines;
  constexpr std::streamoff kTail = std::streamoff{64} * 1024;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > kTail ? size - kTail : 0;
  in.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  tail.resize(static_cast<size_t>(in.gcount()));
  size_t pos = 0;
  // A cut first line is dropped: it is not a whole line of the log.
  if (start > 0) {
    size_t nl = tail.find('\n');
    pos = nl == std::string::npos ? tail.size() : nl + 1;
  }
  while (pos < tail.size()) {
    size_t nl = tail.find('\n', pos);
    if (nl == std::string::npos) nl = tail.size();
    std::string line = tail.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // An attempt log's line is "TIMESTAMP TAG| text" (executor/log_lines.h): the alert shows
    // the task's output (out, err) as it printed it, not the supervisor's notes.
    if (const std::optional<LogLine> parsed = ParseLogLine(line)) {
      if (parsed->tag == "sluice") {
        pos = nl + 1;
        continue;
      }
      if (parsed->tag == "out" || parsed->tag == "err") line = std::string(parsed->text);
    }
    lines.push_back(std::move(line));
    pos = nl + 1;
  }
  if (lines.size() > static_cast<size_t>(n)) {
    lines.erase(lines.begin(), lines.end() - n);
  }
  return lines;
}

}  // namespace sluice::notify
