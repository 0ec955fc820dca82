// CheckTemplate and RenderTemplate on arbitrary bytes: no crash, and they agree: a template
// with no problems renders, one with problems does not (for a shell command: no problem of
// CheckTemplate nor of CheckShellTemplate).

#include <cstdint>
#include <string>

#include "core/template.h"
#include "util/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::DagSpec dag;
  dag.id = "fuzz";
  dag.params = {{"root", "/data"}};
  auto problems = sluice::CheckTemplate(text, dag);
  for (const auto& p : problems) {
    SLUICE_CHECK(p.offset < size, "a problem is at an offset inside the text");
  }
  sluice::TemplateContext ctx;
  for (const auto& name : sluice::BuiltinTemplateVariables()) ctx.values[name] = "v";
  ctx.values["params.root"] = "/data";
  auto rendered = sluice::RenderTemplate(text, ctx);
  SLUICE_CHECK(rendered.ok() == problems.empty(), "checking and rendering agree");
  // A shell command has one more kind of problem: a value where no quoting makes it safe
  // (backquotes, a comment, ...). CheckShellTemplate finds those once CheckTemplate passed.
  auto for_shell = sluice::RenderShellTemplate(text, ctx);
  const bool shell_ok = problems.empty() && sluice::CheckShellTemplate(text).empty();
  SLUICE_CHECK(for_shell.ok() == shell_ok, "checking and shell rendering agree");
  return 0;
}
