#pragma once
// The loader's side of operator validation: yaml-cpp nodes copied into the neutral SpecNode that
// operators read (include/sluice/operator.h), and the SpecDiagnostics that turns what they report
// into the file's diagnostics and template checks.

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "core/yaml_reader.h"
#include "sluice/operator.h"

namespace sluice {

// A copy of `e`. Reports (and leaves out) what MapEntries reports inside it, such as duplicate
// keys; returns nullopt after reporting "'KEY' is nested too deeply or too large" when the value
// is deeper or larger than a hand-written file gets (only aliases build such a value from a
// small file).
std::optional<SpecEntry> ToSpecEntry(const YamlEntry& e, DiagnosticSink& diags);

// A scalar node alone, for templates written under common keys (`env`, `cwd`).
SpecNode ScalarSpecNode(const YAML::Node& scalar);

// Reports an operator's errors into `diags` (at the kind key when a node has no position) and
// adds the strings it declares templates to `templates`, for the validator to check.
class SinkSpecDiagnostics final : public SpecDiagnostics {
 public:
  SinkSpecDiagnostics(DiagnosticSink& diags, const SpecEntry& entry,
                      std::vector<SpecNode>& templates)
      : diags_(diags), entry_(entry), templates_(templates) {}
  void Error(const SpecNode& node, std::string message) override;
  void Template(const SpecNode& node) override;
  size_t errors() const { return errors_; }

 private:
  DiagnosticSink& diags_;
  const SpecEntry& entry_;
  std::vector<SpecNode>& templates_;
  size_t errors_ = 0;
};

}  // namespace sluice
