#include "core/spec_node.h"

#include <algorithm>

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

}  // namespace sluice
