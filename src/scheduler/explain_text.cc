#include "scheduler/explain_text.h"

#include "time/duration.h"

namespace sluice {

std::string JoinSome(const std::vector<std::string>& items, size_t most) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < most; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > most) out += " and " + std::to_string(items.size() - most) + " more";
  return out;
}

std::string AttemptName(const AttemptKey& key) {
  std::string name = key.dag_id + "/" + key.run_id + "/" + key.task_id;
  if (key.map_index) name += "@" + std::to_string(*key.map_index);
  return name + " try " + std::to_string(key.try_number);
}

nlohmann::json AttemptsJson(const std::vector<AttemptKey>& keys) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& k : keys) {
    out.push_back({{"dag", k.dag_id},
                   {"run_id", k.run_id},
                   {"task", k.task_id},
                   {"map_index", k.map_index ? nlohmann::json(*k.map_index) : nlohmann::json()},
                   {"try", k.try_number}});
  }
  return out;
}

std::string FromNow(TimePoint when, TimePoint now) {
  if (when <= now) return "now";
  // Whole seconds: a person reads "in 4m30s", not the microseconds.
  return "in " + FormatDuration(std::chrono::ceil<std::chrono::seconds>(when - now));
}

}  // namespace sluice
