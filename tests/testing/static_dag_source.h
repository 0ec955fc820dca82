#pragma once
// A DagSource fed by the test: Set() a file's YAML text, Remove() it; Poll() reports changes.

#include <map>
#include <string>

#include "scheduler/dag_source.h"

namespace sluice {

class StaticDagSource final : public DagSource {
 public:
  void Set(const std::string& path, const std::string& yaml) {
    files_[path] = yaml;
    changed_[path] = true;
  }
  void Remove(const std::string& path) {
    files_.erase(path);
    changed_[path] = true;
  }
  void Rewind() override {
    for (const auto& [path, text] : files_) changed_[path] = true;
  }
  std::vector<DagFileChange> Poll() override {
    std::vector<DagFileChange> out;
    for (const auto& [path, flag] : changed_) {
      DagFileChange c;
      c.path = path;
      auto it = files_.find(path);
      c.deleted = it == files_.end();
      if (!c.deleted) c.loaded = LoadDagText(path, it->second);
      out.push_back(std::move(c));
    }
    changed_.clear();
    return out;
  }

 private:
  std::map<std::string, std::string> files_;
  std::map<std::string, bool> changed_;
};

}  // namespace sluice
