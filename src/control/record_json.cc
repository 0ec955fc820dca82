#include "control/record_json.h"

#include "time/time_format.h"

namespace sluice::control {

nlohmann::json JsonTime(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(FormatIsoUtc(*t)) : nlohmann::json(nullptr);
}

nlohmann::json JsonDuration(const std::optional<TimePoint>& start,
                            const std::optional<TimePoint>& end, TimePoint now) {
  if (!start) return nullptr;
  return std::chrono::duration<double>(end.value_or(now) - *start).count();
}

nlohmann::json JsonExplanations(const std::vector<Explanation>& explanations) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : explanations) {
    nlohmann::json item = e.fields;
    item["rule"] = e.rule;
    item["text"] = e.text;
    out.push_back(std::move(item));
  }
  return out;
}

nlohmann::json RunJson(const RunRecord& r, TimePoint now) {
  return {{"dag", r.dag_id},
          {"run_id", r.run_id},
          {"state", RunStateName(r.state)},
          {"logical_date", JsonTime(r.logical_date)},
          {"start", JsonTime(r.start)},
          {"end", JsonTime(r.end)},
          {"duration", JsonDuration(r.start, r.end, now)},
          {"sla_missed", r.sla_missed_at.has_value()},
          {"sla_missed_at", JsonTime(r.sla_missed_at)}};
}

nlohmann::json RunDetailJson(const RunRecord& r, TimePoint now) {
  nlohmann::json j = RunJson(r, now);
  j["type"] = RunTypeName(r.type);
  j["data_interval_start"] = JsonTime(r.data_interval_start);
  j["data_interval_end"] = JsonTime(r.data_interval_end);
  j["queued_at"] = JsonTime(r.queued_at);
  auto params = nlohmann::json::parse(r.params_json, nullptr, /*allow_exceptions=*/false);
  j["params"] = params.is_object() ? params : nlohmann::json::object();
  return j;
}

nlohmann::json TaskJson(const TaskWhy& why, const AttemptRecord* newest, TimePoint now) {
  const TaskInstanceRecord& t = why.task;
  const std::string failed = newest ? FailureReason(*newest) : std::string();
  const std::string note = newest ? newest->log_note : std::string();
  return {{"task", t.task_id},
          {"map_index", t.map_index ? nlohmann::json(*t.map_index) : nlohmann::json()},
          {"state", TaskStateName(t.state)},
          {"tries", t.try_number},
          {"start", JsonTime(t.start)},
          {"end", JsonTime(t.end)},
          {"duration", JsonDuration(t.start, t.end, now)},
          {"failure", failed.empty() ? nlohmann::json() : nlohmann::json(failed)},
          {"log_note", note.empty() ? nlohmann::json() : nlohmann::json(note)},
          {"pokes", t.pokes},
          {"last_poke", t.last_poke_at ? nlohmann::json(t.last_poke) : nlohmann::json()},
          {"last_poke_at", JsonTime(t.last_poke_at)},
          {"next_try_at", JsonTime(t.next_try_at)},
          {"summary", why.summary},
          {"blocked_by", JsonExplanations(why.blocked_by)}};
}

nlohmann::json AttemptJson(const AttemptRecord& a, TimePoint now) {
  const std::string reason = FailureReason(a);
  return {{"try", a.try_number},
          {"state", AttemptStateName(a.state)},
          {"start", JsonTime(a.start)},
          {"end", JsonTime(a.end)},
          {"duration", JsonDuration(a.start, a.end, now)},
          {"exit_code", a.exit_code ? nlohmann::json(*a.exit_code) : nlohmann::json()},
          {"signal", a.signal ? nlohmann::json(*a.signal) : nlohmann::json()},
          {"timed_out", a.timed_out},
          {"host", a.host},
          {"reason", reason.empty() ? nlohmann::json() : nlohmann::json(reason)},
          {"log_note", a.log_note.empty() ? nlohmann::json() : nlohmann::json(a.log_note)}};
}

const AttemptRecord* NewestAttempt(const std::vector<AttemptRecord>& attempts,
                                   const TaskInstanceRecord& t) {
  const AttemptRecord* last = nullptr;
  for (const auto& a : attempts) {
    if (a.task_id == t.task_id && a.map_index == t.map_index &&
        (!last || a.try_number > last->try_number)) {
      last = &a;
    }
  }
  return last;
}

}  // namespace sluice::control
