#include "core/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "time/duration.h"

namespace sluice {
namespace {

// yaml-cpp gives quoted scalars the tag "!" and plain ones "?".
bool IsQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::string MustBe(const YamlEntry& e, const char* what) {
  return "'" + e.key + "' must be " + what;
}

// Aliases let a few lines describe a huge or cyclic tree; params expand it, so bound both.
constexpr int kMaxDepth = 64;
constexpr size_t kMaxNodes = 100000;

bool ToJson(const YAML::Node& node, int depth, size_t& budget, nlohmann::json& out) {
  if (depth > kMaxDepth || budget == 0) return false;
  --budget;
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      out = nlohmann::json::array();
      for (const auto& item : node) {
        nlohmann::json j;
        if (!ToJson(item, depth + 1, budget, j)) return false;
        out.push_back(std::move(j));
      }
      return true;
    case YAML::NodeType::Map:
      out = nlohmann::json::object();
      // By value: yaml-cpp's iterators hand out temporaries that die with the expression.
      for (const auto kv : node) {
        if (!kv.first.IsScalar()) return false;
        nlohmann::json j;
        if (!ToJson(kv.second, depth + 1, budget, j)) return false;
        out[kv.first.Scalar()] = std::move(j);
      }
      return true;
    case YAML::NodeType::Scalar:
      // Scalars keep their text: a param is a string to templates and environments.
      out = node.Scalar();
      return true;
    default:
      out = nullptr;
      return true;
  }
}

}  // namespace

DiagnosticSink::DiagnosticSink(std::string file, std::string_view text) : file_(std::move(file)) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines_.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

SourceLocation DiagnosticSink::At(const YAML::Mark& mark) const {
  // yaml-cpp marks are 0-based; a null node's mark is -1.
  return SourceLocation{file_, std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1};
}

SourceLocation DiagnosticSink::AtOffset(const SpecNode& scalar, size_t offset) const {
  SourceLocation loc{file_, std::max(scalar.line, 1), std::max(scalar.column, 1)};
  if (scalar.type != SpecNode::Type::kScalar || scalar.line < 1 ||
      static_cast<size_t>(scalar.line) > lines_.size()) {
    return loc;
  }
  std::string_view line = lines_[static_cast<size_t>(scalar.line - 1)];
  const std::string& value = scalar.text;
  // The value's bytes start at the node (plain) or one past the opening quote (quoted).
  size_t begin = static_cast<size_t>(scalar.column - 1) + (scalar.quoted ? 1 : 0);
  if (begin <= line.size() && line.substr(begin, value.size()) == value) {
    loc.column = static_cast<int>(begin + offset) + 1;
  }
  return loc;
}

void DiagnosticSink::Error(const SourceLocation& where, std::string message) {
  errors_.push_back(Diagnostic{where, std::move(message)});
}

std::vector<Diagnostic> DiagnosticSink::Take() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.location.line != b.location.line) return a.location.line < b.location.line;
    return a.location.column < b.location.column;
  });
  std::vector<Diagnostic> out;
  for (auto& d : errors_) {
    bool repeat = std::any_of(out.begin(), out.end(), [&](const Diagnostic& o) {
      return o.location == d.location && o.message == d.message;
    });
    if (!repeat) out.push_back(std::move(d));
  }
  errors_.clear();
  return out;
}

std::vector<YamlEntry> MapEntries(const YAML::Node& map, DiagnosticSink& diags) {
  std::vector<YamlEntry> entries;
  std::unordered_map<std::string, size_t> index;  // key -> entry, so 10,000 tasks stay linear
  // By value: yaml-cpp's iterators hand out temporaries that die with the expression.
  for (const auto kv : map) {
    const YAML::Node key = kv.first;
    if (!key.IsScalar()) {
      diags.Error(key, "a key must be a plain name, not a list or mapping");
      continue;
    }
    auto first = index.find(key.Scalar());
    if (first != index.end()) {
      diags.Error(key, "duplicate key '" + key.Scalar() + "' (first defined at line " +
                           std::to_string(diags.At(entries[first->second].key_node).line) + ")");
      continue;
    }
    index.emplace(key.Scalar(), entries.size());
    entries.push_back(YamlEntry{key.Scalar(), key, kv.second});
  }
  return entries;
}

namespace {

// yaml-cpp 0.7's YAML::LoadAll never returns on some bad input (a stream starting with ',':
// the parser yields empty documents forever without consuming anything). This event handler
// runs the parser once first and notices a document that starts where the previous one did.
class ProgressCheck final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = started_ && mark.pos == last_.pos;
    started_ = true;
    last_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  bool stuck() const { return stuck_; }
  const YAML::Mark& mark() const { return last_; }

 private:
  bool started_ = false;
  bool stuck_ = false;
  YAML::Mark last_;
};

// Whether `text` has the shape of a plain block mapping: its first line with content starts a
// key at column 0, and so does every other line with something at column 0 (or it is a
// comment). Then the top-level mapping runs to the end of the text (or yaml-cpp throws), so no
// document can start on a token the parser does not consume (',', ']', '}', '?', '%', '-',
// a second document after '---' or '...'), and ProgressCheck's pass is not needed. Its cost
// is a whole second parse: a third of loading a large DAG. Anything else takes that pass.
bool IsPlainBlockMapping(std::string_view text) {
  auto key_start = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '"' || c == '\'';
  };
  bool seen_key = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] == ' ' || line[0] == '#' || line == "\r") {
      // Indented, comment or blank: part of the mapping, unless nothing has started it yet.
      const size_t first = line.find_first_not_of(" \r");
      if (!seen_key && first != std::string_view::npos && line[first] != '#') return false;
      continue;
    }
    if (!key_start(line[0])) return false;
    seen_key = true;
  }
  return seen_key;
}

}  // namespace

std::optional<std::vector<YAML::Node>> ParseYamlDocuments(const std::string& text,
                                                          DiagnosticSink& diags) {
  try {
    if (!IsPlainBlockMapping(text)) {
      std::istringstream in(text);
      YAML::Parser parser(in);
      ProgressCheck check;
      while (parser.HandleNextDocument(check)) {
        if (check.stuck()) {
          diags.Error(diags.At(check.mark()),
                      "invalid YAML: unexpected character where a document should start");
          return std::nullopt;
        }
      }
    }
    return YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    diags.Error(diags.At(e.mark), e.msg.empty() ? std::string("invalid YAML") : e.msg);
  } catch (const std::exception& e) {
    // yaml-cpp can also throw std exceptions (e.g. bad_alloc on absurd input).
    diags.Error(SourceLocation{diags.file(), 1, 1}, std::string("cannot parse YAML: ") + e.what());
  }
  return std::nullopt;
}

std::optional<std::string> ReadString(const YamlEntry& e, DiagnosticSink& diags) {
  if (!e.value.IsScalar()) {
    diags.Error(e.value.IsNull() ? e.key_node : e.value, MustBe(e, "a string"));
    return std::nullopt;
  }
  return e.value.Scalar();
}

std::optional<int> ReadInt(const YamlEntry& e, int min, DiagnosticSink& diags) {
  int value = 0;
  bool ok = false;
  if (e.value.IsScalar() && !IsQuoted(e.value)) {
    const std::string& s = e.value.Scalar();
    const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
    auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), value);
    ok = ec == std::errc() && ptr == s.data() + s.size() && begin != ptr;
  }
  if (!ok) {
    diags.Error(e.value.IsNull() ? e.key_node : e.value, MustBe(e, "an integer"));
    return std::nullopt;
  }
  if (value < min) {
    diags.Error(e.value, MustBe(e, ("at least " + std::to_string(min)).c_str()));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> ReadBool(const YamlEntry& e, DiagnosticSink& diags) {
  if (e.value.IsScalar() && !IsQuoted(e.value)) {
    const std::string& s = e.value.Scalar();
    // YAML 1.2 core schema booleans.
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  diags.Error(e.value.IsNull() ? e.key_node : e.value, MustBe(e, "true or false"));
  return std::nullopt;
}

std::optional<Duration> ReadDuration(const YamlEntry& e, DiagnosticSink& diags) {
  if (!e.value.IsScalar()) {
    diags.Error(e.value.IsNull() ? e.key_node : e.value,
                MustBe(e, "a duration such as 45s, 5m, 2h, 1d or 1h30m"));
    return std::nullopt;
  }
  Result<Duration> d = ParseDuration(e.value.Scalar());
  if (!d.ok()) {
    diags.Error(e.value, d.status().message());
    return std::nullopt;
  }
  return *d;
}

std::optional<std::vector<std::pair<std::string, YAML::Node>>> ReadStringListNodes(
    const YamlEntry& e, const char* what, DiagnosticSink& diags) {
  std::string message = MustBe(e, (std::string("a list of ") + what).c_str());
  if (!e.value.IsSequence()) {
    diags.Error(e.value.IsNull() ? e.key_node : e.value, message);
    return std::nullopt;
  }
  std::vector<std::pair<std::string, YAML::Node>> out;
  bool ok = true;
  for (const auto& item : e.value) {
    if (!item.IsScalar()) {
      diags.Error(item, message);
      ok = false;
      continue;
    }
    out.emplace_back(item.Scalar(), item);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> ReadStringList(const YamlEntry& e, const char* what,
                                                       DiagnosticSink& diags) {
  auto nodes = ReadStringListNodes(e, what, diags);
  if (!nodes) return std::nullopt;
  std::vector<std::string> out;
  for (auto& [text, node] : *nodes) out.push_back(std::move(text));
  return out;
}

std::optional<std::vector<std::pair<YamlEntry, std::string>>> ReadStringMap(const YamlEntry& e,
                                                                            DiagnosticSink& diags) {
  if (!e.value.IsMap()) {
    diags.Error(e.value.IsNull() ? e.key_node : e.value,
                MustBe(e, "a mapping of names to strings"));
    return std::nullopt;
  }
  std::vector<std::pair<YamlEntry, std::string>> out;
  bool ok = true;
  for (YamlEntry& item : MapEntries(e.value, diags)) {
    if (!item.value.IsScalar()) {
      diags.Error(item.value.IsNull() ? item.key_node : item.value,
                  "'" + e.key + "." + item.key + "' must be a string");
      ok = false;
      continue;
    }
    std::string text = item.value.Scalar();
    out.emplace_back(std::move(item), std::move(text));
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> NodeAsText(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsNull()) return std::string();
  size_t budget = kMaxNodes;
  nlohmann::json j;
  if (!ToJson(node, 0, budget, j)) return std::nullopt;
  return j.dump();
}

}  // namespace sluice
