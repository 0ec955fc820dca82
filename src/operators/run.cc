// `run: COMMAND`: a shell command, `/bin/sh -c COMMAND` with COMMAND rendered for the attempt,
// each template value quoted for where it goes in the command (`{{ name | raw }}` opts out for
// values from the DAG file).

#include "core/template.h"
#include "operators/builtin.h"
#include "util/strings.h"

namespace sluice {
namespace {

class RunOperator final : public Operator {
 public:
  std::optional<Value> Validate(const SpecEntry& entry, SpecDiagnostics& diags) const override {
    std::optional<std::string> command = ReadSpecString(entry, diags);
    if (!command) return std::nullopt;
    if (Trim(*command).empty()) {
      diags.Error(entry.value, "'run' is empty (give the shell command to run)");
      return std::nullopt;
    }
    diags.Template(entry.value);
    // A value must be quotable where it goes (core/shell_quote.h): not in a comment, a
    // here-document, backquotes or $'...'.
    for (const TemplateProblem& p : CheckShellTemplate(*command))
      diags.Error(entry.value, p.message);
    return Value(std::move(*command));
  }

  Result<ProcessCommand> BuildCommand(const Value& config,
                                      const TemplateRenderer& templates) const override {
    const std::string* command = config.AsString();
    if (command == nullptr) return Status::Invalid("a 'run' task's config must be a string");
    SLUICE_ASSIGN_OR_RETURN(std::string rendered, templates.RenderForShell(*command));
    ProcessCommand out;
    out.argv = {"/bin/sh", "-c", std::move(rendered)};
    return out;
  }

  std::string Describe(const Value& config) const override {
    const std::string* command = config.AsString();
    return command ? *command : std::string();
  }
};

}  // namespace

std::unique_ptr<const Operator> MakeRunOperator() { return std::make_unique<RunOperator>(); }

}  // namespace sluice
