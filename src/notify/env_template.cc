#include "notify/env_template.h"

#include <cstdlib>

#include "util/strings.h"

namespace sluice::notify {
namespace {

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// One `{{ ... }}` of `text`, from `open` (at its "{{") to `close` (after its "}}").
struct Placeholder {
  size_t open = 0;
  size_t close = 0;
  std::string name;
};

Result<std::vector<Placeholder>> Scan(const std::string& text) {
  std::vector<Placeholder> out;
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string::npos) {
    const size_t end = text.find("}}", pos + 2);
    if (end == std::string::npos) {
      return Status::Invalid("unclosed '{{' (write {{ env.NAME }})");
    }
    const std::string inner(Trim(std::string_view(text).substr(pos + 2, end - pos - 2)));
    const std::string name = StartsWith(inner, "env.") ? inner.substr(4) : "";
    bool valid = !name.empty();
    for (char c : name) valid = valid && IsNameChar(c);
    if (!valid) {
      return Status::Invalid("'" + text.substr(pos, end + 2 - pos) +
                             "': only {{ env.NAME }} may appear here");
    }
    out.push_back({pos, end + 2, name});
    pos = end + 2;
  }
  return out;
}

}  // namespace

EnvLookup ProcessEnvLookup() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): env is fixed
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<std::vector<std::string>> EnvTemplateNames(const std::string& text) {
  SLUICE_ASSIGN_OR_RETURN(auto found, Scan(text));
  std::vector<std::string> names;
  for (const auto& p : found) names.push_back(p.name);
  return names;
}

Result<std::string> ResolveEnvTemplate(const std::string& text, const EnvLookup& env,
                                       std::vector<std::string>* secrets) {
  SLUICE_ASSIGN_OR_RETURN(auto found, Scan(text));
  std::string out;
  size_t pos = 0;
  for (const auto& p : found) {
    std::optional<std::string> value = env(p.name);
    if (!value) {
      return Status::Invalid("{{ env." + p.name + " }}: " + p.name +
                             " is not set in the scheduler's environment");
    }
    out += text.substr(pos, p.open - pos);
    out += *value;
    if (secrets != nullptr) secrets->push_back(*value);
    pos = p.close;
  }
  out += text.substr(pos);
  return out;
}

std::string Redact(std::string message, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = 0; (pos = message.find(secret, pos)) != std::string::npos;) {
      message.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return message;
}

}  // namespace sluice::notify
