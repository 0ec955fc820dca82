#include "scheduler/driver.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "core/dag_json.h"
#include "scheduler/abandoned_run.h"
#include "scheduler/command_args.h"
#include "scheduler/decision_log.h"
#include "scheduler/run_builder.h"
#include "util/log.h"
#include "util/memory.h"
#include "util/strings.h"

namespace sluice {

Driver::Driver(DriverOptions options, Store& store, Executor& executor, EventLoop& loop,
               DagSource& dags)
    : options_(std::move(options)),
      store_(store),
      executor_(executor),
      loop_(loop),
      clock_(loop.clock()),
      source_(dags),
      planner_(std::make_unique<Planner>(options_.planner)),
      poker_(std::make_unique<Poker>(loop, options_.connections,
                                     options_.sensor_store  ? options_.sensor_store
                                     : options_.poke_inline ? &store
                                                            : nullptr,
                                     options_.poke_inline)) {
  if (options_.log_retention) {
    log_retention_ = std::make_unique<LogRetention>(
        LogRetentionOptions{options_.planner.logs_dir, *options_.log_retention,
                            options_.log_retention_interval},
        store_);
  }
  if (!options_.pid_gone) {
    options_.pid_gone = [](int64_t pid) {
      return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    };
  }
}

Driver::~Driver() {
  for (EventLoop::TimerId id :
       {dag_poll_timer_, command_poll_timer_, planner_timer_, lease_timer_}) {
    if (id != 0) loop_.CancelTimer(id);
  }
}

void Driver::RequestStop() {
  stop_.store(true);
  loop_.Wake();
}

Status Driver::KillAll() {
  planner_->KillAll();
  return Commit();
}

Status Driver::Start() {
  SLUICE_ASSIGN_OR_RETURN(auto dag_records, store_.ListDags());
  for (const auto& rec : dag_records) planner_->LoadDag(rec);

  TimePoint now = clock_.Now();
  if (options_.recover_open_runs) {
    EndAbandonedTestRuns(now);
    next_abandoned_check_ = now + options_.abandoned_check_interval;
    RunFilter open;
    open.states = {RunState::kQueued, RunState::kRunning};
    SLUICE_ASSIGN_OR_RETURN(auto runs, store_.ListRuns(open));
    std::reverse(runs.begin(), runs.end());  // oldest first, so admission keeps date order
    RunListings listings;  // each DAG's runs listed once, however many of its runs are open
    std::set<std::pair<std::string, std::string>> tests_runs;  // left to a live `dags test`
    for (const auto& run : runs) {
      SLUICE_ASSIGN_OR_RETURN(StoredRun stored, ReadRun(run, &listings));
      // A live `dags test` drives its own run; if it dies, EndAbandonedTestRuns ends the run.
      if (DagsTestOwnerOf(stored.task_instances)) {
        tests_runs.emplace(run.dag_id, run.run_id);
        continue;
      }
      planner_->LoadRun(std::move(stored));
    }
    SLUICE_ASSIGN_OR_RETURN(auto running, store_.ListRunningAttempts());
    for (const auto& rec : running) {
      if (tests_runs.count({rec.dag_id, rec.run_id})) continue;  // the test's own attempts
      if (planner_->HeldElsewhere(rec)) continue;  // not ours to adopt: its executor reports it
      AttemptKey key{rec.dag_id, rec.run_id, rec.task_id, rec.try_number, rec.map_index};
      Status adopted = executor_.Adopt(AdoptRequest{key, AttemptPath(planner_->logs_dir(), key)});
      if (!adopted.ok() && adopted.code() != StatusCode::kNotFound) {
        SLUICE_LOG_WARN("cannot adopt {}/{}/{} try {}: {}", rec.dag_id, rec.run_id, rec.task_id,
                        rec.try_number, adopted.message());
      }
      planner_->RecoverAttempt(rec, adopted, now);
    }
    planner_->RequeueUnattended(now);
  }

  // The DAG folder is read before anything is scheduled, so new versions apply at once.
  now = clock_.Now();
  PollDags(now);
  next_dag_poll_ = now + options_.dag_poll_interval;
  next_command_poll_ = options_.handle_commands ? now : TimePoint::max();
  Arm(&dag_poll_timer_, next_dag_poll_);
  Arm(&command_poll_timer_, next_command_poll_);
  planner_->ResumeRuns(now);
  if (!stop_error_.ok()) return stop_error_;
  SLUICE_RETURN_IF_ERROR(Commit());
  if (options_.stats) options_.stats->Publish(Figures());
  if (log_retention_) log_retention_->Step(now);
  return Status::Ok();
}

Status Driver::Turn(Duration max_wait) {
  // Work that needs no waiting: a task became ready and a slot is free, or a launch failed.
  const bool busy = planner_->HasReadyWork() || !launch_failures_.empty() || poker_->HasDone();
  const Duration wait = busy ? Duration::zero() : max_wait;
  // Nothing to do until a task ends or a timer fires: the store's upkeep goes here, not into
  // a busy turn's commit.
  if (wait > Duration::zero() && loop_.NextTimer() > clock_.Now()) {
    SLUICE_RETURN_IF_ERROR(store_.Housekeep().WithContext("store"));
  }
  loop_.RunOnce(wait);
  const TimePoint now = clock_.Now();

  // Commands first, each committed on its own: a command reads from the store what the planner
  // does not hold, which must include the previous command's writes, and it must find a run
  // either held or stored, never ended in memory and not yet written.
  if (now >= next_command_poll_) {
    SLUICE_RETURN_IF_ERROR(PollCommands(now));
    next_command_poll_ =
        options_.handle_commands ? now + options_.command_poll_interval : TimePoint::max();
    Arm(&command_poll_timer_, next_command_poll_);
  }
  for (const auto& o : executor_.TakeEnded()) planner_->OnAttemptEnded(o, now);
  std::vector<AttemptOutcome> failed = std::move(launch_failures_);
  launch_failures_.clear();
  for (const auto& o : failed) planner_->OnAttemptEnded(o, now);
  for (const auto& o : poker_->TakeDone()) planner_->OnPokeResult(o, now);
  // Generators run beside the loop; what they printed is handed over as soon as they end.
  HandleDagChanges(source_.TakeFinished(), now);
  if (now >= next_dag_poll_) {
    PollDags(now);
    next_dag_poll_ = now + options_.dag_poll_interval;
    Arm(&dag_poll_timer_, next_dag_poll_);
    if (options_.recover_open_runs && now >= next_abandoned_check_) {
      EndAbandonedTestRuns(now);
      next_abandoned_check_ = now + options_.abandoned_check_interval;
    }
  }
  RetryClosedRuns();
  if (!history_to_read_.empty()) ReadSuccessHistory({});
  // Leases are checked only while something holds one, so an idle scheduler (or a simulated
  // year) does not turn for them.
  if (!planner_->HoldsClaims()) {
    next_lease_check_ = now + options_.planner.lease / 3;
    Arm(&lease_timer_, TimePoint::max());
  } else if (now >= next_lease_check_ || lease_timer_ == 0) {
    if (now >= next_lease_check_) {
      CheckLeases(now);
      next_lease_check_ = now + options_.planner.lease / 3;
    }
    Arm(&lease_timer_, next_lease_check_);
  }
  planner_->OnTick(now);
  if (!stop_error_.ok()) return stop_error_;
  SLUICE_RETURN_IF_ERROR(Commit());
  // From the moment the loop woke with this turn's events to their commit done.
  if (options_.stats) options_.stats->RecordTurn(clock_.Now() - now, Figures());
  // After the commit, so a run that just ended is in the store as the sweep reads it.
  if (log_retention_) log_retention_->Step(now);
  return Status::Ok();
}

Status Driver::Run() {
  while (!stop_.load()) {
    SLUICE_RETURN_IF_ERROR(Turn(std::chrono::seconds(1)));
  }
  return Commit();
}

// Claims are leases: the scheduler's own executor renews its claims, and a claim of another
// executor whose lease ran out means that executor is gone (its attempt is lost). A failure
// here is logged and tried again at the next check: a missed renewal only risks another
// scheduler finding the lease expired, which the lease's length (3 checks) covers.
void Driver::CheckLeases(TimePoint now) {
  planner_->PruneHeldElsewhere();
  auto renewed = store_.RenewLeases(options_.planner.executor, now + options_.planner.lease);
  if (!renewed.ok() && !NoteStop(renewed.status())) {
    SLUICE_LOG_WARN("renewing leases: {}", renewed.status().message());
  }
  auto expired = store_.ListExpiredLeases(now);
  if (!expired.ok()) {
    if (NoteStop(expired.status())) return;
    SLUICE_LOG_WARN("reading expired leases: {}", expired.status().message());
    return;
  }
  for (const auto& ti : *expired) {
    if (ti.owner == options_.planner.executor) continue;  // ours: adopted by its log's lock
    std::optional<AttemptRecord> attempt;
    auto attempts = store_.ListAttempts(ti.dag_id, ti.run_id, ti.task_id, ti.map_index);
    if (attempts.ok() && !attempts->empty()) attempt = attempts->back();
    SLUICE_LOG_WARN("{}/{}/{}: the lease of {} ended; its attempt is lost", ti.dag_id, ti.run_id,
                    ti.task_id, ti.owner);
    planner_->OnLeaseExpired(ti, attempt, now);
  }
}

void Driver::EndAbandonedTestRuns(TimePoint now) {
  RunFilter open;
  open.states = {RunState::kQueued, RunState::kRunning};
  auto runs = store_.ListRuns(open);
  if (!runs.ok()) {
    if (NoteStop(runs.status())) return;
    SLUICE_LOG_WARN("looking for runs of a dead dags test: {}", runs.status().message());
    return;
  }
  for (const auto& run : *runs) {
    if (planner_->HoldsRun(run.dag_id, run.run_id)) continue;
    auto tis = store_.ListTaskInstances(run.dag_id, run.run_id);
    if (!tis.ok()) continue;  // tried again at the next check
    const std::optional<std::string> owner = DagsTestOwnerOf(*tis);
    if (!owner) continue;
    const std::optional<DagsTestOwner> test = ParseDagsTestOwner(*owner);
    const bool gone = test->host == options_.planner.hostname && options_.pid_gone(test->pid);
    const std::optional<std::string> reason =
        AbandonedBecause(*owner, *tis, options_.planner.hostname, gone, now);
    if (!reason) continue;
    auto attempts = store_.ListAttempts(run.dag_id, run.run_id, "");
    if (!attempts.ok()) continue;
    const WriteBatch batch = AbandonRun(run, *tis, *attempts, *reason, now);
    // A conflict means the test moved the run meanwhile: it was alive after all, or ended it.
    Status st = store_.Apply(batch);
    if (NoteStop(st)) return;
    if (!st.ok()) {
      SLUICE_LOG_WARN("ending run {}/{} of a dead dags test: {}", run.dag_id, run.run_id,
                      st.message());
      continue;
    }
    if (options_.log_progress) {
      for (const std::string& line : DecisionLogLines(batch)) SLUICE_LOG_INFO("{}", line);
    }
  }
}

Status Driver::Commit() {
  Decision decision = planner_->TakeDecision();
  if (options_.alerts) AddAlertDeliveries(&decision.writes, AlertLookupFor(decision.writes));
  if (!decision.writes.empty()) {
    // Nothing is acted on until this commit succeeds; a failed commit stops the loop.
    Status st = store_.Apply(decision.writes);
    if (st.code() == StatusCode::kConflict) return Reload(st);
    SLUICE_RETURN_IF_ERROR(st.WithContext("store"));
    ++commits_;
    // Said once committed, from what was written: the log never reports an uncommitted change.
    if (options_.log_progress) {
      for (const std::string& line : DecisionLogLines(decision.writes)) {
        SLUICE_LOG_INFO("{}", line);
      }
      for (const std::string& line : DecisionWarnings(decision.writes)) {
        SLUICE_LOG_WARN("{}", line);
      }
    }
  }
  for (auto& action : decision.actions) {
    if (auto* launch = std::get_if<LaunchAction>(&action)) {
      auto launched = executor_.Launch(launch->request);
      if (launched.ok()) {
        planner_->NoteLaunched(launch->request.key, launched->pid);
        continue;
      }
      AttemptOutcome o;
      o.key = launch->request.key;
      o.error = launched.status().message();
      o.start = o.end = clock_.Now();
      launch_failures_.push_back(std::move(o));
    } else if (auto* kill = std::get_if<KillAction>(&action)) {
      executor_.Kill(kill->key);
    } else if (auto* arm = std::get_if<ArmTimerAction>(&action)) {
      Arm(&planner_timer_, arm->when);
    } else if (auto* poke = std::get_if<PokeAction>(&action)) {
      poker_->Submit(std::move(poke->request));
    }
  }
  if (dags_loaded_) {
    // Parsing DAG files and writing their new versions leave much of the heap free between the
    // specs that stay; handed back now, the scheduler's RSS does not stay at the load's peak.
    dags_loaded_ = false;
    decision = Decision();
    ReturnFreeMemoryToOs();
  }
  return Status::Ok();
}

AlertLookup Driver::AlertLookupFor(const WriteBatch& writes) {
  AlertLookup lookup;
  lookup.dag = [this](const std::string& dag_id) -> const DagSpec* {
    // The planner keeps the graph alive past this commit.
    DagGraphPtr graph = planner_->CurrentGraph(dag_id);
    return graph ? &graph->spec() : nullptr;
  };
  lookup.logical_date = [this, &writes](const std::string& dag_id,
                                        const std::string& run_id) -> std::optional<TimePoint> {
    // A run that ended in this batch has left the planner: its record is in the batch.
    for (const RunTransition& t : writes.run_transitions) {
      if (t.to.dag_id == dag_id && t.to.run_id == run_id) return t.to.logical_date;
    }
    for (const RunRecord& r : writes.runs) {
      if (r.dag_id == dag_id && r.run_id == run_id) return r.logical_date;
    }
    return planner_->LogicalDateOf(dag_id, run_id);
  };
  return lookup;
}

Status Driver::Reload(const Status& conflict) {
  // A conflict while reloading would repeat for ever: it is reported instead.
  if (reloading_ || !options_.recover_open_runs) return conflict.WithContext("store");
  SLUICE_LOG_WARN("{}: another process changed it meanwhile; reading the store again",
                  conflict.message());
  reloading_ = true;
  planner_ = std::make_unique<Planner>(options_.planner);
  launch_failures_.clear();
  poker_->Forget();
  closed_runs_to_read_.clear();
  history_to_read_.clear();
  Arm(&planner_timer_, TimePoint::max());
  source_.Rewind();
  Status st = Start();
  reloading_ = false;
  return st;
}

bool Driver::NoteStop(const Status& st) {
  if (st.code() != StatusCode::kNoSpace && st.code() != StatusCode::kCorrupt) return false;
  if (stop_error_.ok()) stop_error_ = st;
  return true;
}

SchedulerFigures Driver::Figures() const {
  SchedulerFigures f;
  f.queued_tasks = static_cast<int64_t>(planner_->ready_tasks());
  f.running_attempts = static_cast<int64_t>(planner_->running_attempts());
  f.parallelism = options_.planner.parallelism;
  // Every file the planner has seen has an entry; a good one's is empty.
  for (const auto& [file, errors] : planner_->file_errors()) {
    if (!errors.empty()) ++f.dag_file_errors;
  }
  f.active_runs = static_cast<int64_t>(planner_->active_runs());
  f.commits = commits_;
  return f;
}

// The loop's timers only wake it; a timer that fires after it was re-armed does no harm.
void Driver::Arm(EventLoop::TimerId* timer, TimePoint when) {
  if (*timer != 0) loop_.CancelTimer(*timer);
  *timer = 0;
  if (when == TimePoint::max()) return;
  *timer = loop_.AddTimer(when, [timer] { *timer = 0; });
}

void Driver::PollDags(TimePoint now) { HandleDagChanges(source_.Poll(), now); }

void Driver::HandleDagChanges(std::vector<DagFileChange> changes, TimePoint now) {
  if (changes.empty()) return;
  std::vector<bool> known;
  std::set<std::string> stored;
  for (auto& change : changes) {
    known.push_back(planner_->file_errors().count(change.path) > 0);
    for (const auto& spec : change.loaded.dags) {
      DagGraphPtr current = planner_->CurrentGraph(spec.id);
      if (current && current->spec().hash == spec.hash) continue;
      auto version = store_.GetDagVersion(spec.id, spec.hash);
      if (version.ok() && *version) stored.insert(spec.id + "@" + spec.hash);
      // A DAG that gains a schedule may get runs older than closed runs ClosedRuns let go.
      if (current && !current->timetable() && spec.schedule) {
        planner_->UntrackClosedRuns(spec.id);
      }
      const bool depends_on_past = std::any_of(spec.tasks.begin(), spec.tasks.end(),
                                               [](const TaskSpec& t) { return t.depends_on_past; });
      if (depends_on_past) TrackClosedRunsOrRetry(spec.id, spec.schedule.has_value());
    }
  }
  // One poll's changes together: a DAG id defined in two files is seen whichever comes first.
  planner_->OnDagFilesChanged(changes, stored, now);
  std::vector<const DagSpec*> loaded;
  for (const auto& change : changes) {
    for (const auto& spec : change.loaded.dags) loaded.push_back(&spec);
  }
  ReadSuccessHistory(loaded);
  for (const auto& [dag_id, hash] : planner_->TakeWantedVersions()) {
    auto graph = GraphFor(dag_id, hash);
    if (graph.ok()) {
      planner_->RestoreLastGood(dag_id, *graph, now);
    } else if (!NoteStop(graph.status())) {
      SLUICE_LOG_WARN("dags: {}: cannot read its last good version: {}", dag_id,
                      graph.status().message());
    }
  }
  for (size_t i = 0; i < changes.size(); ++i) LogDagFileChange(changes[i], known[i]);
  dags_loaded_ = true;
}

// One line per file that changed: loaded, changed, broken (its first error), removed.
void Driver::LogDagFileChange(const DagFileChange& change, bool known) {
  if (change.deleted) {
    SLUICE_LOG_INFO("dags: {} removed", change.path);
    return;
  }
  auto errors = planner_->file_errors().find(change.path);
  if (errors != planner_->file_errors().end() && !errors->second.empty()) {
    SLUICE_LOG_INFO("dags: {} is broken ({} error(s); its DAGs keep their last good version): {}",
                    change.path, errors->second.size(), errors->second.front());
    return;
  }
  std::vector<std::string> ids;
  for (const auto& d : change.loaded.dags) ids.push_back(d.id);
  SLUICE_LOG_INFO("dags: {} {}: {}", change.path, known ? "changed" : "loaded",
                  ids.empty() ? std::string("no DAG") : Join(ids, ", "));
}

Status Driver::PollCommands(TimePoint now) {
  auto pending = store_.PendingCommands();
  if (!pending.ok()) {
    if (NoteStop(pending.status())) return pending.status();
    SLUICE_LOG_ERROR("reading commands: {}", pending.status().message());
    return Status::Ok();  // tried again at the next poll
  }
  for (const auto& command : *pending) {
    planner_->OnCommand(command, ReadCommandInput(command), now);
    SLUICE_RETURN_IF_ERROR(Commit());
  }
  return Status::Ok();
}

// What the planner cannot know by itself: a DAG's pause flag, or a run it does not hold.
CommandInput Driver::ReadCommandInput(const CommandRecord& command) {
  CommandInput input;
  const CommandArgs args = CommandArgs::Parse(command.args_json);
  const std::string& dag_id = args.dag;
  const std::string& run_id = args.run;
  if (command.kind == "pause" || command.kind == "unpause") {
    auto rec = store_.GetDag(dag_id);
    if (!rec.ok()) {
      NoteStop(rec.status());
      input.error = rec.status().message();
    } else if (*rec) {
      input.dag = **rec;
    }
  } else if ((command.kind == "trigger" || command.kind == "clear" || command.kind == "mark" ||
              command.kind == "cancel") &&
             !planner_->HoldsRun(dag_id, run_id)) {
    auto run = store_.GetRun(dag_id, run_id);
    if (!run.ok()) {
      NoteStop(run.status());
      input.error = run.status().message();
    } else if (*run && !(command.kind == "trigger" && IsTerminal((*run)->state))) {
      auto stored = ReadRun(**run);
      if (stored.ok()) {
        input.run = std::move(stored).value();
      } else {
        NoteStop(stored.status());
        input.error = stored.status().message();
      }
    }
  }
  return input;
}

Result<StoredRun> Driver::ReadRun(const RunRecord& run, RunListings* listings) {
  StoredRun stored;
  stored.run = run;
  SLUICE_ASSIGN_OR_RETURN(stored.graph, GraphFor(run.dag_id, run.dag_hash));
  SLUICE_ASSIGN_OR_RETURN(stored.task_instances, store_.ListTaskInstances(run.dag_id, run.run_id));
  if (stored.graph->has_depends_on_past()) {
    RunListings own;
    RunListings& cache = listings ? *listings : own;
    auto listed = cache.find(run.dag_id);
    if (listed == cache.end()) {
      RunFilter filter;
      filter.dag_id = run.dag_id;
      SLUICE_ASSIGN_OR_RETURN(auto all, store_.ListRuns(filter));
      listed = cache.emplace(run.dag_id, std::move(all)).first;
    }
    const std::vector<RunRecord>& runs = listed->second;
    // Newest first: the first one dated before this run is its previous run.
    for (const auto& r : runs) {
      if (r.logical_date < run.logical_date) {
        SLUICE_ASSIGN_OR_RETURN(stored.previous, ReadOutcomes(r));
        break;
      }
    }
  }
  return stored;
}

Result<DagGraphPtr> Driver::GraphFor(const std::string& dag_id, const std::string& hash) {
  if (DagGraphPtr known = planner_->FindVersion(dag_id, hash)) return known;
  const std::string key = dag_id + "@" + hash;
  auto it = versions_.find(key);
  if (it != versions_.end()) return it->second;
  SLUICE_ASSIGN_OR_RETURN(auto version, store_.GetDagVersion(dag_id, hash));
  if (!version) {
    return Status::Internal("dag '" + dag_id + "' version " + hash + " is not in the store");
  }
  SLUICE_ASSIGN_OR_RETURN(DagSpec spec, DagFromJson(version->spec_json));
  SLUICE_ASSIGN_OR_RETURN(DagGraphPtr graph, DagGraph::Build(std::move(spec)));
  versions_[key] = graph;
  return graph;
}

Result<RunOutcomes> Driver::ReadOutcomes(const RunRecord& run) {
  RunOutcomes out{run.run_id, run.logical_date, {}};
  SLUICE_ASSIGN_OR_RETURN(auto tis, store_.ListTaskInstances(run.dag_id, run.run_id));
  for (const auto& ti : tis) out.states[ti.task_id] = ti.state;
  return out;
}

// The closed runs a later run of the DAG may follow: every one after the newest scheduled
// logical date, and the newest at or before it (ClosedRuns). Read once per DAG per process.
Status Driver::TrackClosedRuns(const std::string& dag_id, bool scheduled) {
  if (planner_->TracksClosedRuns(dag_id)) return Status::Ok();
  const std::optional<TimePoint> floor = planner_->ClosedRunsFloor(dag_id, scheduled);
  RunFilter filter;
  filter.dag_id = dag_id;
  filter.states = {RunState::kSuccess, RunState::kFailed};
  SLUICE_ASSIGN_OR_RETURN(auto runs, store_.ListRuns(filter));
  std::vector<RunOutcomes> kept;
  for (const auto& run : runs) {  // newest first
    SLUICE_ASSIGN_OR_RETURN(RunOutcomes outcomes, ReadOutcomes(run));
    kept.push_back(std::move(outcomes));
    if (floor && run.logical_date <= *floor) break;
  }
  planner_->TrackClosedRuns(dag_id, std::move(kept), floor, clock_.Now());
  return Status::Ok();
}

// A store error leaves the DAG's depends_on_past tasks waiting (never running on a guess),
// and the read is tried again each turn.
void Driver::TrackClosedRunsOrRetry(const std::string& dag_id, bool scheduled) {
  Status st = TrackClosedRuns(dag_id, scheduled);
  if (st.ok()) {
    closed_runs_to_read_.erase(dag_id);
    return;
  }
  if (NoteStop(st)) return;
  SLUICE_LOG_ERROR("{}: reading its runs for depends_on_past: {}", dag_id, st.message());
  planner_->ClosedRunsUnreadable(dag_id);
  closed_runs_to_read_[dag_id] = scheduled;
}

void Driver::ReadSuccessHistory(const std::vector<const DagSpec*>& dags) {
  for (const DagSpec* dag : dags) {
    for (const TaskSpec& task : dag->tasks) {
      if (task.expected_duration || planner_->TracksSuccesses(dag->id, task.id)) continue;
      if (task.on_long_running.empty() && dag->on_long_running.empty()) continue;
      history_to_read_.emplace(dag->id, task.id);
    }
  }
  if (history_to_read_.empty()) return;
  const std::vector<std::pair<std::string, std::string>> tasks(history_to_read_.begin(),
                                                               history_to_read_.end());
  auto successes = store_.RecentSuccesses(tasks, static_cast<int>(kLongRunningHistory));
  if (!successes.ok()) {
    if (NoteStop(successes.status())) return;
    SLUICE_LOG_ERROR("reading recent successes for on_long_running: {}",
                     successes.status().message());
    return;
  }
  std::map<std::pair<std::string, std::string>, std::vector<Duration>> by_task;
  for (const auto& task : tasks) by_task[task];
  for (const AttemptRecord& a : *successes) {  // newest first within each task
    if (a.end) by_task[{a.dag_id, a.task_id}].push_back(*a.end - a.start);
  }
  for (auto& [task, durations] : by_task) {
    planner_->TrackSuccesses(task.first, task.second, std::move(durations));
  }
  history_to_read_.clear();
}

void Driver::RetryClosedRuns() {
  if (closed_runs_to_read_.empty()) return;
  auto to_read = closed_runs_to_read_;
  for (const auto& [dag_id, scheduled] : to_read) TrackClosedRunsOrRetry(dag_id, scheduled);
}

Result<std::string> Driver::TriggerRun(const std::string& dag_id, const std::string& params_json,
                                       std::optional<TimePoint> logical_date) {
  const TimePoint now = clock_.Now();
  std::optional<RunOutcomes> previous;
  DagGraphPtr graph = planner_->CurrentGraph(dag_id);
  if (graph && graph->has_depends_on_past() && logical_date) {
    // A run dated in the past may follow a run older than those kept in memory.
    RunFilter filter;
    filter.dag_id = dag_id;
    SLUICE_ASSIGN_OR_RETURN(auto runs, store_.ListRuns(filter));
    for (const auto& r : runs) {
      if (r.logical_date < *logical_date) {
        SLUICE_ASSIGN_OR_RETURN(previous, ReadOutcomes(r));
        break;
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(
      auto existing,
      store_.GetRun(dag_id, MakeRunId(RunType::kManual, logical_date.value_or(now))));
  SLUICE_ASSIGN_OR_RETURN(std::string run_id,
                          planner_->Trigger(dag_id, params_json, logical_date, now,
                                            existing.has_value(), std::move(previous)));
  SLUICE_RETURN_IF_ERROR(Commit());
  return run_id;
}

Result<RunState> Driver::GetRunState(const std::string& dag_id, const std::string& run_id) {
  if (auto held = planner_->RunStateOf(dag_id, run_id)) return *held;
  SLUICE_ASSIGN_OR_RETURN(auto run, store_.GetRun(dag_id, run_id));
  if (!run) return Status::NotFound("no run '" + run_id + "' of dag '" + dag_id + "'");
  return run->state;
}

}  // namespace sluice
