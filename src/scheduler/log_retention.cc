#include "scheduler/log_retention.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "time/duration.h"
#include "time/time_format.h"
#include "util/log.h"
#include "util/strings.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

// The names of the sub-folders of `dir`, sorted descending so the caller pops them in order.
std::vector<std::string> SubFolders(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec) && !it->is_symlink(type_ec)) {
      names.push_back(it->path().filename().string());
    }
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    SLUICE_LOG_WARN("log_retention: listing {}: {}", dir, ec.message());
  }
  std::sort(names.rbegin(), names.rend());
  return names;
}

}  // namespace

LogRetention::LogRetention(LogRetentionOptions options, Store& store)
    : options_(std::move(options)), store_(store) {}

void LogRetention::Step(TimePoint now) {
  if (!sweeping_) {
    if (now < next_sweep_) return;
    sweeping_ = true;
    cutoff_ = now - options_.retention;
    dags_ = SubFolders(options_.logs_dir);
    runs_.clear();
    removed_ = 0;
    runs_emptied_ = 0;
  }
  for (size_t done = 0; done < options_.batch;) {
    if (runs_.empty()) {
      if (dags_.empty()) break;
      dag_ = std::move(dags_.back());
      dags_.pop_back();
      runs_ = SubFolders(options_.logs_dir + "/" + dag_);
      continue;
    }
    const std::string run = std::move(runs_.back());
    runs_.pop_back();
    SweepRun(dag_, run, cutoff_);
    ++done;
  }
  if (!runs_.empty() || !dags_.empty()) return;
  sweeping_ = false;
  next_sweep_ = now + options_.interval;
  removed_total_ += removed_;
  SLUICE_LOG_INFO(
      "log_retention ({}): removed {} log(s) and {} run folder(s) of runs that ended "
      "before {}",
      FormatDuration(options_.retention), removed_, runs_emptied_, FormatIsoUtc(cutoff_));
}

void LogRetention::SweepRun(const std::string& dag_id, const std::string& run_id,
                            TimePoint cutoff) {
  auto run = store_.GetRun(dag_id, run_id);
  if (!run.ok()) {
    SLUICE_LOG_WARN("log_retention: reading run {}/{}: {}", dag_id, run_id, run.status().message());
    return;
  }
  // A folder of no run the store knows is not ours to judge; a queued or running run (or one
  // cleared to run again) keeps everything.
  if (!*run || !IsTerminal((*run)->state) || !(*run)->end || *(*run)->end > cutoff) return;
  const std::string dir = options_.logs_dir + "/" + dag_id + "/" + run_id;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (!EndsWith(name, ".log") || !it->is_regular_file(type_ec)) continue;
    if (::unlink(it->path().c_str()) == 0) {
      ++removed_;
    } else {
      SLUICE_LOG_WARN("log_retention: unlink(\"{}\"): {}", it->path().string(),
                      std::error_code(errno, std::generic_category()).message());
    }
  }
  // Fails, as it should, if anything but logs is left.
  if (::rmdir(dir.c_str()) == 0) ++runs_emptied_;
}

}  // namespace sluice
