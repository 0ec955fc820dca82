#include "scheduler/poker.h"

#include "core/sensor_registry.h"
#include "scheduler/external_waits.h"

namespace sluice {

Poker::Poker(EventLoop& loop, const std::map<std::string, std::string>& connections, Store* store,
             bool run_inline)
    : loop_(loop), connections_(connections), store_(store), inline_(run_inline) {
  if (!inline_) thread_ = std::thread([this] { Loop(); });
}

Poker::~Poker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Poker::Submit(PokeRequest request) {
  if (inline_) {
    PokeOutcome done = RunOne(request);
    std::lock_guard lock(mu_);
    done_.push_back(std::move(done));
    loop_.Wake();
    return;
  }
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(request));
  }
  cv_.notify_one();
}

std::vector<PokeOutcome> Poker::TakeDone() {
  std::lock_guard lock(mu_);
  std::vector<PokeOutcome> out = std::move(done_);
  done_.clear();
  return out;
}

bool Poker::HasDone() const {
  std::lock_guard lock(mu_);
  return !done_.empty();
}

void Poker::Forget() {
  std::lock_guard lock(mu_);
  queue_.clear();
  done_.clear();
  ++epoch_;
}

PokeOutcome Poker::RunOne(const PokeRequest& request) const {
  PokeOutcome out;
  out.dag_id = request.dag_id;
  out.run_id = request.run_id;
  out.task_id = request.task_id;
  out.id = request.id;
  if (request.type == kExternalSensorType) {  // one read of the store, not a poke
    if (store_ != nullptr) {
      out.result = ReadExternalRun(*store_, request.config);
    } else {
      out.result.outcome = PokeResult::Outcome::kError;
      out.result.detail = "no store connection to read other DAGs' runs from";
    }
    return out;
  }
  const SensorType* type = FindSensorType(request.type);
  if (type == nullptr) {
    out.result.outcome = PokeResult::Outcome::kError;
    out.result.detail = "unknown sensor '" + request.type + "' (not in this program)";
    return out;
  }
  PokeContext ctx;
  ctx.connections = &connections_;
  ctx.base_dir = request.base_dir;
  ctx.now = request.now;
  ctx.memo = request.memo;
  out.result = type->Poke(request.config, ctx);
  return out;
}

void Poker::Loop() {
  for (;;) {
    PokeRequest request;
    uint64_t epoch = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      request = std::move(queue_.front());
      queue_.pop_front();
      epoch = epoch_;
    }
    PokeOutcome done = RunOne(request);
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      if (epoch != epoch_) continue;
      done_.push_back(std::move(done));
    }
    loop_.Wake();
  }
}

}  // namespace sluice
