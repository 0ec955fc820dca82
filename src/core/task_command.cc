#include "core/task_command.h"

#include <filesystem>

#include "core/operator_registry.h"

namespace sluice {
namespace {

class ContextRenderer final : public TemplateRenderer {
 public:
  explicit ContextRenderer(const TemplateContext& ctx) : ctx_(ctx) {}
  Result<std::string> Render(std::string_view text) const override {
    return RenderTemplate(text, ctx_);
  }
  Result<std::string> RenderForShell(std::string_view text) const override {
    return RenderShellTemplate(text, ctx_);
  }

 private:
  const TemplateContext& ctx_;
};

}  // namespace

Result<ProcessCommand> BuildTaskCommand(const DagSpec& dag, const TaskSpec& task,
                                        const TemplateContext& ctx,
                                        std::map<std::string, std::string> base_env) {
  const Operator* op = FindOperator(task.kind);
  if (op == nullptr) {
    return Status::Invalid("task '" + task.id + "' has unknown kind '" + task.kind + "'");
  }
  if (op->run_style(task.config) == RunStyle::kSensor) {
    return Status::Internal("kind '" + task.kind + "' does not run as a process");
  }
  ContextRenderer renderer(ctx);
  SLUICE_ASSIGN_OR_RETURN(ProcessCommand command, op->BuildCommand(task.config, renderer));
  if (command.argv.empty()) {
    return Status::Internal("kind '" + task.kind + "' gave an empty command");
  }
  ProcessCommand out;
  out.argv = std::move(command.argv);
  out.env = std::move(base_env);
  for (auto& [k, v] : command.env) out.env[k] = std::move(v);
  for (const auto& [k, v] : task.env) {
    SLUICE_ASSIGN_OR_RETURN(out.env[k], RenderTemplate(v, ctx));
  }
  // A relative cwd (and no cwd) is taken from the DAG file's folder, so DAGs can call scripts
  // that sit beside them wherever the scheduler was started.
  std::string cwd = std::move(command.cwd);
  if (!task.cwd.empty()) {
    SLUICE_ASSIGN_OR_RETURN(cwd, RenderTemplate(task.cwd, ctx));
  }
  std::filesystem::path dag_dir = std::filesystem::path(dag.file).parent_path();
  if (cwd.empty()) {
    out.cwd = dag_dir.empty() ? "." : dag_dir.string();
  } else if (cwd[0] == '/') {
    out.cwd = cwd;
  } else {
    out.cwd = (dag_dir / cwd).string();
  }
  return out;
}

}  // namespace sluice
