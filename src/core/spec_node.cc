#include "core/spec_node.h"

#include <algorithm>
#include <charconv>

#include "time/duration.h"

namespace sluice {
namespace {

// The bounds NodeAsText puts on params: aliases let a few lines describe a huge or cyclic tree.
constexpr int kMaxDepth = 64;
constexpr size_t kMaxNodes = 100000;

void SetPosition(const YAML::Node& node, SpecNode& out) {
  // yaml-cpp marks are 0-based, and -1 where it has none.
  const YAML::Mark mark = node.Mark();
  if (mark.line >= 0 && mark.column >= 0) {
    out.line = mark.line + 1;
    out.column = mark.column + 1;
  }
}

bool Copy(const YAML::Node& node, int depth, size_t& budget, DiagnosticSink& diags, SpecNode& out) {
  if (depth > kMaxDepth || budget == 0) return false;
  --budget;
  SetPosition(node, out);
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      out = ScalarSpecNode(node);
      return true;
    case YAML::NodeType::Sequence:
      out.type = SpecNode::Type::kList;
      for (const auto& item : node) {
        SpecNode copy;
        if (!Copy(item, depth + 1, budget, diags, copy)) return false;
        out.items.push_back(std::move(copy));
      }
      return true;
    case YAML::NodeType::Map:
      out.type = SpecNode::Type::kMap;
      for (const YamlEntry& e : MapEntries(node, diags)) {
        SpecEntry copy;
        copy.key = ScalarSpecNode(e.key_node);
        if (!Copy(e.value, depth + 1, budget, diags, copy.value)) return false;
        out.entries.push_back(std::move(copy));
      }
      return true;
    default:
      out.type = SpecNode::Type::kNull;
      return true;
  }
}

// Where an error goes: the node, or the kind key when YAML gave the node no position.
const SpecNode& Positioned(const SpecNode& node, const SpecEntry& entry) {
  return node.line > 0 ? node : entry.key;
}

std::string MustBe(const SpecEntry& e, std::string_view what) {
  return "'" + e.key.text + "' must be " + std::string(what);
}

}  // namespace

std::optional<SpecEntry> ToSpecEntry(const YamlEntry& e, DiagnosticSink& diags) {
  SpecEntry out;
  out.key = ScalarSpecNode(e.key_node);
  size_t budget = kMaxNodes;
  if (!Copy(e.value, 0, budget, diags, out.value)) {
    diags.Error(e.value, "'" + e.key + "' is nested too deeply or too large");
    return std::nullopt;
  }
  return out;
}

SpecNode ScalarSpecNode(const YAML::Node& scalar) {
  SpecNode out;
  out.type = SpecNode::Type::kScalar;
  out.text = scalar.Scalar();
  // yaml-cpp gives quoted scalars the tag "!" and plain ones "?".
  out.quoted = scalar.Tag() == "!";
  SetPosition(scalar, out);
  return out;
}

void SinkSpecDiagnostics::Error(const SpecNode& node, std::string message) {
  const SpecNode& at = Positioned(node, entry_);
  diags_.Error(SourceLocation{diags_.file(), std::max(at.line, 1), std::max(at.column, 1)},
               std::move(message));
  ++errors_;
}

void SinkSpecDiagnostics::Template(const SpecNode& node) {
  if (node.type == SpecNode::Type::kScalar) templates_.push_back(node);
}

std::optional<std::string> ReadSpecString(const SpecEntry& entry, SpecDiagnostics& diags) {
  const SpecNode& v = entry.value;
  if (v.type != SpecNode::Type::kScalar) {
    diags.Error(v.type == SpecNode::Type::kNull ? entry.key : v, MustBe(entry, "a string"));
    return std::nullopt;
  }
  return v.text;
}

std::optional<std::vector<std::string>> ReadSpecStringList(const SpecEntry& entry,
                                                           std::string_view what,
                                                           SpecDiagnostics& diags) {
  const SpecNode& v = entry.value;
  std::string message = MustBe(entry, "a list of " + std::string(what));
  if (v.type != SpecNode::Type::kList) {
    diags.Error(v.type == SpecNode::Type::kNull ? entry.key : v, message);
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const SpecNode& item : v.items) {
    if (item.type != SpecNode::Type::kScalar) {
      diags.Error(item, message);
      ok = false;
      continue;
    }
    out.push_back(item.text);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<Duration> ReadSpecDuration(const SpecEntry& entry, SpecDiagnostics& diags) {
  const SpecNode& v = entry.value;
  if (v.type != SpecNode::Type::kScalar) {
    diags.Error(v.type == SpecNode::Type::kNull ? entry.key : v,
                MustBe(entry, "a duration such as 45s, 5m, 2h, 1d or 1h30m"));
    return std::nullopt;
  }
  Result<Duration> d = ParseDuration(v.text);
  if (!d.ok()) {
    diags.Error(v, d.status().message());
    return std::nullopt;
  }
  return *d;
}

std::optional<bool> ReadSpecBool(const SpecEntry& entry, SpecDiagnostics& diags) {
  const SpecNode& v = entry.value;
  if (v.type == SpecNode::Type::kScalar && !v.quoted) {
    // YAML 1.2 core schema booleans, as the common keys read them.
    if (v.text == "true" || v.text == "True" || v.text == "TRUE") return true;
    if (v.text == "false" || v.text == "False" || v.text == "FALSE") return false;
  }
  diags.Error(v.type == SpecNode::Type::kNull ? entry.key : v, MustBe(entry, "true or false"));
  return std::nullopt;
}

std::optional<int64_t> ReadSpecInt(const SpecEntry& entry, int64_t min, SpecDiagnostics& diags) {
  const SpecNode& v = entry.value;
  int64_t value = 0;
  bool ok = false;
  if (v.type == SpecNode::Type::kScalar && !v.quoted) {
    const std::string& s = v.text;
    const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
    auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), value);
    ok = ec == std::errc() && ptr == s.data() + s.size() && begin != ptr;
  }
  if (!ok) {
    diags.Error(v.type == SpecNode::Type::kNull ? entry.key : v, MustBe(entry, "an integer"));
    return std::nullopt;
  }
  if (value < min) {
    diags.Error(v, MustBe(entry, "at least " + std::to_string(min)));
    return std::nullopt;
  }
  return value;
}

}  // namespace sluice
