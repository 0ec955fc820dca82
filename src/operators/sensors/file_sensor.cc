// `sensor: file`: met when `path` (a glob, a template, relative to the task's cwd or the DAG
// file's folder) matches at least one regular file of at least `min_size` bytes, and, with
// `stable_for`, the matched files' count, sizes and modification times have not changed for
// that long. A poke is one glob(3) and a stat per match: no open files, no watches.

#include <glob.h>
#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "operators/builtin.h"
#include "time/duration.h"

namespace sluice {
namespace {

const std::vector<std::string>& FileKeys() {
  static const std::vector<std::string> kKeys = {"path", "min_size", "stable_for"};
  return kKeys;
}

std::string Bytes(int64_t n) {
  if (n < 1000) return std::to_string(n) + " B";
  const char* units[] = {"kB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int u = -1;
  while (v >= 1000 && u < 3) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

class FileSensor final : public SensorType {
 public:
  std::optional<Value> Validate(const std::vector<SpecEntry>& keys,
                                SpecDiagnostics& diags) const override {
    bool ok = true;
    std::optional<std::string> path;
    int64_t min_size = 0;
    std::optional<Duration> stable_for;
    for (const SpecEntry& e : keys) {
      const std::string& k = e.key.text;
      if (k == "path") {
        path = ReadSpecString(e, diags);
        if (path && path->empty()) {
          diags.Error(e.value, "'path' is empty (give a file or a glob such as in/*.csv)");
          path.reset();
        }
        if (path) diags.Template(e.value);
        ok = ok && path.has_value();
      } else if (k == "min_size") {
        auto v = ReadSpecInt(e, 0, diags);
        if (v) min_size = *v;
        ok = ok && v.has_value();
      } else if (k == "stable_for") {
        stable_for = ReadSpecDuration(e, diags);
        ok = ok && stable_for.has_value();
      } else {
        diags.Error(e.key, UnknownSensorKeyMessage(k, "file", FileKeys()));
        ok = false;
      }
    }
    if (!path && ok) {
      // Reported at the `sensor` key (a node without a position).
      diags.Error(SpecNode{}, "a 'file' sensor needs 'path' (a file or a glob such as in/*.csv)");
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
    Value::Entries e;
    e.emplace_back("path", Value(*path));
    if (min_size > 0) e.emplace_back("min_size", Value(min_size));
    if (stable_for) {
      e.emplace_back(
          "stable_for_ms",
          Value(static_cast<int64_t>(
              std::chrono::duration_cast<std::chrono::milliseconds>(*stable_for).count())));
    }
    return Value::FromMap(std::move(e));
  }

  PokeResult Poke(const Value& config, const PokeContext& ctx) const override {
    PokeResult out;
    const Value* path_v = config.Find("path");
    if (path_v == nullptr || path_v->AsString() == nullptr) {
      out.outcome = PokeResult::Outcome::kError;
      out.detail = "a 'file' sensor's config has no path";
      return out;
    }
    const std::string& path = *path_v->AsString();
    int64_t min_size = 0;
    if (const Value* v = config.Find("min_size"); v && v->AsInt()) min_size = *v->AsInt();
    std::optional<Duration> stable_for;
    if (const Value* v = config.Find("stable_for_ms"); v && v->AsInt()) {
      stable_for = std::chrono::milliseconds(*v->AsInt());
    }
    const std::string pattern =
        path[0] == '/' || ctx.base_dir.empty() ? path : ctx.base_dir + "/" + path;

    glob_t g{};
    const int rc = glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
    int64_t files = 0;
    int64_t total = 0;
    int64_t too_small = 0;
    int64_t newest_mtime_ns = 0;
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        struct stat st {};
        if (stat(g.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (st.st_size < min_size) {
          ++too_small;
          continue;
        }
        ++files;
        total += st.st_size;
        const int64_t mtime_ns =
            static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        newest_mtime_ns = std::max(newest_mtime_ns, mtime_ns);
      }
    }
    globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
      out.outcome = PokeResult::Outcome::kError;
      out.detail = "cannot read " + path + (rc == GLOB_ABORTED ? ": a folder is unreadable" : "");
      return out;
    }
    if (files == 0) {
      out.detail = too_small > 0
                       ? std::to_string(too_small) + " file" + (too_small == 1 ? "" : "s") +
                             " under min_size " + std::to_string(min_size) + " B match " + path
                       : "no file matches " + path;
      return out;
    }
    std::string found =
        std::to_string(files) + " file" + (files == 1 ? "" : "s") + ", " + Bytes(total);
    if (!stable_for) {
      out.outcome = PokeResult::Outcome::kMet;
      out.detail = found;
      return out;
    }
    // Stable: the same files, sizes and newest modification time as the poke that first saw
    // them, for stable_for (the memo keeps that poke's view and time).
    const std::string seen =
        std::to_string(files) + ":" + std::to_string(total) + ":" + std::to_string(newest_mtime_ns);
    const int64_t now_us = ctx.now.time_since_epoch().count();
    int64_t since_us = now_us;
    const Value* memo_seen = ctx.memo.Find("seen");
    const Value* memo_since = ctx.memo.Find("since_us");
    if (memo_seen && memo_seen->AsString() && *memo_seen->AsString() == seen && memo_since &&
        memo_since->AsInt()) {
      since_us = *memo_since->AsInt();
    }
    const Duration unchanged{now_us - since_us};
    Value::Entries memo;
    memo.emplace_back("seen", Value(seen));
    memo.emplace_back("since_us", Value(since_us));
    out.memo = Value::FromMap(std::move(memo));
    out.detail = found + ", unchanged for " + FormatDuration(unchanged) + " of " +
                 FormatDuration(*stable_for);
    out.outcome =
        unchanged >= *stable_for ? PokeResult::Outcome::kMet : PokeResult::Outcome::kNotMet;
    return out;
  }

  std::string Describe(const Value& config) const override {
    const Value* path = config.Find("path");
    return path && path->AsString() ? *path->AsString() : "";
  }
};

}  // namespace

std::unique_ptr<const SensorType> MakeFileSensor() { return std::make_unique<FileSensor>(); }

}  // namespace sluice
