#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "scheduler/dag_source.h"
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
  FolderDagSource(std::string folder, GeneratorOptions options, Duration refresh)
      : folder_(std::move(folder)), options_(options), refresh_(refresh) {}

  // Every file is read again at the next Poll, generators run again.
  void Rewind() override { known_.clear(); }

  std::vector<DagFileChange> Poll() override {
    std::vector<DagFileChange> changes;
    std::map<std::string, FileStamp> seen;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder_, ec)) {
      const std::string path = entry.path().string();
      const std::string name = entry.path().filename().string();
      if (StartsWith(name, ".")) continue;
      if (!EndsWith(name, ".yaml") && !EndsWith(name, ".yml") && !EndsWith(name, ".dag")) continue;
      struct stat st;
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      FileStamp stamp{static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                      static_cast<int64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)};
      seen[path] = stamp;
    }
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [path, stamp] : seen) {
      auto it = known_.find(path);
      const bool generator = EndsWith(path, ".dag");
      bool changed = it == known_.end() || !(it->second == stamp);
      if (!changed && generator && now - last_run_[path] >= refresh_) changed = true;
      if (!changed) continue;
      DagFileChange change;
      change.path = path;
      if (generator) {
        change.loaded = LoadGeneratedDags(path, options_);
        last_run_[path] = now;
      } else {
        change.loaded = LoadDagFile(path);
      }
      changes.push_back(std::move(change));
    }
    for (const auto& [path, stamp] : known_) {
      if (!seen.count(path)) {
        DagFileChange change;
        change.path = path;
        change.deleted = true;
        change.loaded.path = path;
        changes.push_back(std::move(change));
        last_run_.erase(path);
      }
    }
    known_ = std::move(seen);
    return changes;
  }

 private:
  std::string folder_;
  GeneratorOptions options_;
  Duration refresh_;
  std::map<std::string, FileStamp> known_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_run_;
};

}  // namespace

std::unique_ptr<DagSource> CreateFolderDagSource(const std::string& folder,
                                                 GeneratorOptions options,
                                                 Duration generator_refresh) {
  return std::make_unique<FolderDagSource>(folder, options, generator_refresh);
}

}  // namespace sluice
