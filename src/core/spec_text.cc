#include "core/spec_text.h"

#include "core/dag_json.h"
#include "core/dag_parser.h"
#include "core/dag_validator.h"
#include "core/yaml_reader.h"

namespace sluice {
namespace {

// The offset of the first byte that is not valid UTF-8, or npos. YAML text is Unicode; checking
// here keeps every string in a spec valid for JSON, so DagToJson round-trips exactly.
size_t InvalidUtf8At(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) return i;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return i;
    i += len;
  }
  return std::string::npos;
}

SourceLocation LocationOfOffset(const std::string& path, const std::string& text, size_t offset) {
  SourceLocation loc{path, 1, 1};
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

}  // namespace

LoadedSpecText LoadSpecText(const std::string& path, const std::string& text,
                            const SpecTextOptions& options) {
  LoadedSpecText out;
  out.file.path = path;
  DiagnosticSink diags(path, text);
  size_t bad = InvalidUtf8At(text);
  if (bad != std::string::npos) {
    diags.Error(LocationOfOffset(path, text, bad), "the file is not valid UTF-8");
    out.file.errors = diags.Take();
    return out;
  }
  auto docs = ParseYamlDocuments(text, diags);
  if (!docs) {
    out.file.errors = diags.Take();
    return out;
  }
  std::vector<YAML::Node> specs;
  for (const YAML::Node& doc : *docs) {
    if (doc.IsNull()) continue;  // an empty document, e.g. after a trailing `---`
    if (options.allow_list && doc.IsSequence()) {
      for (const YAML::Node& item : doc) specs.push_back(item);
    } else {
      specs.push_back(doc);
    }
  }
  if (specs.empty()) {
    diags.Error(SourceLocation{path, 1, 1}, options.empty_message);
  }
  try {
    for (const YAML::Node& doc : specs) {
      auto parsed = ParseDagDocument(doc, diags);
      if (!parsed) continue;
      ValidateDag(*parsed, diags);
      for (size_t i = 0; i < out.file.dags.size(); ++i) {
        if (out.file.dags[i].id == parsed->spec.id && parsed->source.id) {
          diags.Error(*parsed->source.id, "dag '" + parsed->spec.id +
                                              "' is already defined at line " +
                                              std::to_string(out.id_locations[i].line));
        }
      }
      out.id_locations.push_back(parsed->source.id ? diags.At(*parsed->source.id) : diags.At(doc));
      out.file.dags.push_back(std::move(parsed->spec));
    }
  } catch (const YAML::Exception& e) {
    // Reading a well-formed tree should not throw; if yaml-cpp does, the file is still just bad.
    diags.Error(diags.At(e.mark), "cannot read YAML: " + e.msg);
  }
  out.file.errors = diags.Take();
  if (!out.file.errors.empty()) {
    out.file.dags.clear();
    out.id_locations.clear();
    return out;
  }
  for (DagSpec& dag : out.file.dags) dag.hash = DagHash(dag);
  out.file.id_locations = out.id_locations;
  return out;
}

}  // namespace sluice
