#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>

#include "core/dag_generator.h"
#include "core/generator_process.h"
#include "scheduler/dag_source.h"
#include "util/log.h"
#include "util/strings.h"

namespace sluice {
namespace {

struct FileStamp {
  int64_t mtime_ns = 0;
  int64_t size = 0;
  uint64_t inode = 0;
  bool operator==(const FileStamp&) const = default;
};

class FolderDagSource final : public DagSource {
 public:
  FolderDagSource(std::string folder, GeneratorOptions options, Duration refresh, EventLoop& loop)
      : folder_(std::move(folder)), options_(options), refresh_(refresh), loop_(loop) {}

  ~FolderDagSource() override {
    for (auto& [path, gen] : running_) Forget(gen);
  }

  // Every file is read again at the next Poll, generators run again (those running now report
  // when they end).
  void Rewind() override { known_.clear(); }

  std::vector<DagFileChange> Poll() override {
    std::vector<DagFileChange> changes;
    std::map<std::string, FileStamp> seen;
    if (!Scan(&seen)) return TakeFinished();
    const TimePoint now = loop_.clock().Now();
    for (const auto& [path, stamp] : seen) {
      auto it = known_.find(path);
      const bool generator = EndsWith(path, ".dag");
      bool changed = it == known_.end() || !(it->second == stamp);
      if (!changed && generator) {
        auto last = last_run_.find(path);
        changed = last == last_run_.end() || now - last->second >= refresh_;
      }
      if (!changed) continue;
      if (!generator) {
        DagFileChange change;
        change.path = path;
        change.loaded = LoadDagFile(path);
        changes.push_back(std::move(change));
        continue;
      }
      // A generator still running reports when it ends; a change meanwhile is seen again at the
      // next poll, since its stamp is recorded only when a run starts.
      if (running_.count(path)) {
        seen[path] = it == known_.end() ? FileStamp{} : it->second;
        continue;
      }
      last_run_[path] = now;
      if (auto failed = StartGenerator(path)) changes.push_back(std::move(*failed));
    }
    for (const auto& [path, stamp] : known_) {
      if (seen.count(path)) continue;
      auto gen = running_.find(path);
      if (gen != running_.end()) {
        Forget(gen->second);
        running_.erase(gen);
      }
      finished_.erase(
          std::remove_if(finished_.begin(), finished_.end(),
                         [&gone = path](const DagFileChange& c) { return c.path == gone; }),
          finished_.end());
      DagFileChange change;
      change.path = path;
      change.deleted = true;
      change.loaded.path = path;
      changes.push_back(std::move(change));
      last_run_.erase(path);
    }
    known_ = std::move(seen);
    for (auto& c : TakeFinished()) changes.push_back(std::move(c));
    return changes;
  }

  std::vector<DagFileChange> TakeFinished() override { return std::exchange(finished_, {}); }

 private:
  struct Running {
    std::unique_ptr<GeneratorProcess> process;
    EventLoop::TimerId deadline = 0;
    std::vector<int> watched;  // descriptors registered with the loop
  };

  // Lists the folder into `seen`; false (and logged once) when it cannot be listed. Every
  // error of the walk becomes a message: none escapes as an exception.
  bool Scan(std::map<std::string, FileStamp>* seen) {
    std::error_code ec;
    std::filesystem::directory_iterator it(folder_, ec);
    for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      const std::string path = it->path().string();
      const std::string name = it->path().filename().string();
      if (StartsWith(name, ".")) continue;
      if (!EndsWith(name, ".yaml") && !EndsWith(name, ".yml") && !EndsWith(name, ".dag")) continue;
      struct stat st;
      // A dangling or looping symlink is no DAG file (dags validate names its error).
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      (*seen)[path] =
          FileStamp{static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                    static_cast<int64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)};
    }
    if (ec) {
      if (!folder_missing_) {
        if (ec == std::errc::no_such_file_or_directory) {
          SLUICE_LOG_INFO("dags: the DAGs folder {} does not exist; watching for it to appear",
                          folder_);
        } else {
          SLUICE_LOG_INFO("dags: cannot list the DAGs folder {}: {}; trying again at each poll",
                          folder_, ec.message());
        }
        folder_missing_ = true;
      }
      return false;
    }
    if (folder_missing_) {
      SLUICE_LOG_INFO("dags: the DAGs folder {} is there now", folder_);
      folder_missing_ = false;
    }
    return true;
  }

  // Starts the generator `path` beside the loop; a file that cannot be started is returned as
  // a broken file at once.
  std::optional<DagFileChange> StartGenerator(const std::string& path) {
    auto fail = [&](std::string message) {
      DagFileChange change;
      change.path = path;
      change.loaded.path = path;
      change.loaded.errors.push_back(Diagnostic{SourceLocation{path, 1, 1}, std::move(message)});
      return change;
    };
    if (::access(path.c_str(), X_OK) != 0) return fail("not executable: chmod +x it");
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::absolute(path, ec);
    if (ec) return fail("cannot resolve path: " + ec.message());
    auto process = GeneratorProcess::Start(abs.string(), abs.parent_path().string());
    if (!process.ok()) return fail(process.status().message());
    Running& gen = running_[path];
    gen.process = std::move(process).value();
    for (int fd : {gen.process->stdout_fd(), gen.process->stderr_fd(), gen.process->exit_fd()}) {
      gen.watched.push_back(fd);
      loop_.WatchReadable(fd, [this, path, fd] { OnReady(path, fd); });
    }
    gen.deadline = loop_.AddTimer(loop_.clock().Now() + options_.time_limit,
                                  [this, path] { OnDeadline(path); });
    return std::nullopt;
  }

  void OnReady(const std::string& path, int fd) {
    auto it = running_.find(path);
    if (it == running_.end()) return;
    GeneratorProcess& p = *it->second.process;
    Status st = Status::Ok();
    if (fd == p.exit_fd()) {
      p.Reap();
    } else {
      st = p.Read(fd);
    }
    if (!st.ok()) return Finish(it, st);
    // Closed descriptors leave the loop before their numbers can be reused.
    auto& watched = it->second.watched;
    for (auto w = watched.begin(); w != watched.end();) {
      if (*w != p.stdout_fd() && *w != p.stderr_fd() && *w != p.exit_fd()) {
        loop_.Unwatch(*w);
        w = watched.erase(w);
      } else {
        ++w;
      }
    }
    if (p.done()) Finish(it, Status::Ok());
  }

  void OnDeadline(const std::string& path) {
    auto it = running_.find(path);
    if (it == running_.end()) return;
    it->second.deadline = 0;
    it->second.process->Kill();
    Finish(it, Status::Ok());
  }

  void Finish(std::map<std::string, Running>::iterator it, const Status& error) {
    const std::string path = it->first;
    Result<GeneratorRun> run = error.ok() ? Result<GeneratorRun>(it->second.process->result())
                                          : Result<GeneratorRun>(error);
    Forget(it->second);
    running_.erase(it);
    DagFileChange change;
    change.path = path;
    change.loaded = GeneratedSpecs(path, run, options_.time_limit).file;
    finished_.push_back(std::move(change));
  }

  // Stops watching a generator (killing it if it still runs).
  void Forget(Running& gen) {
    for (int fd : gen.watched) loop_.Unwatch(fd);
    gen.watched.clear();
    if (gen.deadline != 0) loop_.CancelTimer(gen.deadline);
    gen.deadline = 0;
    gen.process.reset();
  }

  std::string folder_;
  GeneratorOptions options_;
  Duration refresh_;
  EventLoop& loop_;
  bool folder_missing_ = false;
  std::map<std::string, FileStamp> known_;
  std::map<std::string, TimePoint> last_run_;
  std::map<std::string, Running> running_;
  std::vector<DagFileChange> finished_;
};

}  // namespace

std::unique_ptr<DagSource> CreateFolderDagSource(const std::string& folder,
                                                 GeneratorOptions options,
                                                 Duration generator_refresh, EventLoop& loop) {
  return std::make_unique<FolderDagSource>(folder, options, generator_refresh, loop);
}

}  // namespace sluice
