// `exec: [PROGRAM, ARG...]`: an argv run without a shell, each element rendered for the attempt.

#include "operators/builtin.h"
#include "util/strings.h"

namespace sluice {
namespace {

class ExecOperator final : public Operator {
 public:
  std::optional<Value> Validate(const SpecEntry& entry, SpecDiagnostics& diags) const override {
    std::optional<std::vector<std::string>> argv =
        ReadSpecStringList(entry, "strings (the argv)", diags);
    if (!argv) return std::nullopt;
    if (argv->empty()) {
      diags.Error(entry.value, "'exec' is empty (give the program and its arguments)");
      return std::nullopt;
    }
    for (const SpecNode& item : entry.value.items) diags.Template(item);
    std::vector<Value> items;
    for (std::string& arg : *argv) items.emplace_back(std::move(arg));
    return Value::FromList(std::move(items));
  }

  Result<ProcessCommand> BuildCommand(const Value& config,
                                      const TemplateRenderer& templates) const override {
    const std::vector<Value>* items = config.AsList();
    if (items == nullptr || items->empty()) {
      return Status::Invalid("an 'exec' task's config must be a list of strings, not empty");
    }
    ProcessCommand out;
    for (const Value& item : *items) {
      const std::string* arg = item.AsString();
      if (arg == nullptr)
        return Status::Invalid("an 'exec' task's config must be a list of strings");
      SLUICE_ASSIGN_OR_RETURN(std::string rendered, templates.Render(*arg));
      out.argv.push_back(std::move(rendered));
    }
    return out;
  }

  std::string Describe(const Value& config) const override {
    std::vector<std::string> argv;
    if (const std::vector<Value>* items = config.AsList()) {
      for (const Value& item : *items) {
        if (const std::string* arg = item.AsString()) argv.push_back(*arg);
      }
    }
    return Join(argv, " ");
  }
};

}  // namespace

std::unique_ptr<const Operator> MakeExecOperator() { return std::make_unique<ExecOperator>(); }

}  // namespace sluice
