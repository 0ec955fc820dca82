// `parallelism` (DESIGN.md §3): task processes at once, across every DAG.
#include "scheduler/dispatch_limit.h"
#include "scheduler/explain_text.h"
#include "util/check.h"

namespace sluice {
namespace {

class ParallelismLimit final : public DispatchLimit {
 public:
  explicit ParallelismLimit(int slots) : slots_(slots) {}
  LimitVerdict Check(const DispatchCandidate&) const override {
    return Saturated() ? LimitVerdict::kHoldAll : LimitVerdict::kAllow;
  }
  void Acquire(const AttemptKey&, const DispatchCandidate*) override { ++used_; }
  void Release(const AttemptKey&) override {
    SLUICE_DCHECK(used_ > 0, "every release follows its acquire");
    --used_;
  }
  bool Saturated() const override { return used_ >= slots_; }
  Explanation Explain(const DispatchCandidate&,
                      const std::vector<AttemptKey>& running) const override {
    std::vector<std::string> names;
    for (const auto& key : running) names.push_back(AttemptName(key));
    return {"parallelism",
            std::to_string(used_) + " of " + std::to_string(slots_) +
                " task processes run, across all DAGs: " + JoinSome(names),
            {{"slots", slots_}, {"used", used_}, {"held_by", AttemptsJson(running)}}};
  }

 private:
  const int slots_;
  int used_ = 0;
};

}  // namespace

std::unique_ptr<DispatchLimit> MakeParallelismLimit(int slots) {
  return std::make_unique<ParallelismLimit>(slots);
}

}  // namespace sluice
