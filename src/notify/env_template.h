#pragma once
// `{{ env.NAME }}` in a notifier's URL, headers and credentials: resolved from the scheduler's
// environment when an alert is sent, so secrets live in the environment, not in sluice.yaml or
// the store. Nothing else may appear between `{{` and `}}`.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sluice/status.h"

namespace sluice::notify {

// An environment variable's value, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The process's environment (getenv).
EnvLookup ProcessEnvLookup();

// The names `text` refers to, in order; an error (kInvalidArgument) for a `{{ ... }}` that is
// not `{{ env.NAME }}` or an unclosed `{{`: "'{{ ds }}': only {{ env.NAME }} may appear here".
Result<std::vector<std::string>> EnvTemplateNames(const std::string& text);

// `text` with each `{{ env.NAME }}` replaced by its value. Each value substituted is appended
// to `secrets` (for Redact). Errors: those of EnvTemplateNames, and an unset variable:
// "{{ env.HOOK_TOKEN }}: HOOK_TOKEN is not set in the scheduler's environment".
Result<std::string> ResolveEnvTemplate(const std::string& text, const EnvLookup& env,
                                       std::vector<std::string>* secrets);

// `message` with every non-empty secret replaced by "***", for errors and logs.
std::string Redact(std::string message, const std::vector<std::string>& secrets);

}  // namespace sluice::notify
