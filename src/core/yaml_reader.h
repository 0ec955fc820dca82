#pragma once
// The adapter between yaml-cpp and the DAG loader: parses a YAML stream without letting an
// exception escape, turns yaml-cpp's 0-based marks into 1-based locations, and reads typed
// values out of nodes, reporting a wrong type at the value and a bad key at the key.

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dag_loader.h"
#include "sluice/operator.h"

namespace sluice {

// Collects the errors of one file; Take() returns them in file order.
class DiagnosticSink {
 public:
  // `text` is the source being read; it lets AtOffset point inside a scalar.
  DiagnosticSink(std::string file, std::string_view text);

  const std::string& file() const { return file_; }
  SourceLocation At(const YAML::Mark& mark) const;
  SourceLocation At(const YAML::Node& node) const { return At(node.Mark()); }
  // The location of byte `offset` of a scalar's value when the value is written on one line
  // exactly as it reads (plain, or quoted without escapes); else the scalar's own location.
  SourceLocation AtOffset(const SpecNode& scalar, size_t offset) const;

  void Error(const SourceLocation& where, std::string message);
  void Error(const YAML::Node& node, std::string message) { Error(At(node), std::move(message)); }
  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }

  // Sorted by line and column (stable), exact repeats dropped: `defaults` are checked once per
  // task, and the same bad default must be reported once.
  std::vector<Diagnostic> Take();

 private:
  std::string file_;
  std::vector<std::string_view> lines_;  // views into the caller's text, which outlives us
  std::vector<Diagnostic> errors_;
};

// One `key: value` of a mapping, in file order.
struct YamlEntry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// The entries of `map` in file order. A key that is not a scalar, or a key repeated (yaml-cpp
// keeps both entries when iterating), is reported at the key and left out.
std::vector<YamlEntry> MapEntries(const YAML::Node& map, DiagnosticSink& diags);

// Every document of `text`; a syntax error is reported at yaml-cpp's mark and yields nullopt.
std::optional<std::vector<YAML::Node>> ParseYamlDocuments(const std::string& text,
                                                          DiagnosticSink& diags);

// Typed readers. On a wrong value they report `'KEY' must be ...` at the value and return
// nullopt. A quoted scalar is a string, so `retries: "3"` is not an integer.
std::optional<std::string> ReadString(const YamlEntry& e, DiagnosticSink& diags);
std::optional<int> ReadInt(const YamlEntry& e, int min, DiagnosticSink& diags);
std::optional<bool> ReadBool(const YamlEntry& e, DiagnosticSink& diags);
std::optional<Duration> ReadDuration(const YamlEntry& e, DiagnosticSink& diags);
// `what` completes "'KEY' must be a list of ...", e.g. "task ids".
std::optional<std::vector<std::string>> ReadStringList(const YamlEntry& e, const char* what,
                                                       DiagnosticSink& diags);
// The items of a list of strings with their nodes (for `needs`, whose items are checked later).
std::optional<std::vector<std::pair<std::string, YAML::Node>>> ReadStringListNodes(
    const YamlEntry& e, const char* what, DiagnosticSink& diags);
// A mapping of scalar keys to scalar values (`env`).
std::optional<std::vector<std::pair<YamlEntry, std::string>>> ReadStringMap(const YamlEntry& e,
                                                                            DiagnosticSink& diags);

// A scalar's text as written; lists and maps as compact JSON (params). Fails (nullopt) on a
// structure too deep or too large, which only aliases can build from a small file.
std::optional<std::string> NodeAsText(const YAML::Node& node);

}  // namespace sluice
