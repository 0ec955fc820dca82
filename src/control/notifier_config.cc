#include "control/notifier_config.h"

#include <filesystem>

#include "notify/env_template.h"
#include "time/duration.h"
#include "util/strings.h"

namespace sluice::control {
namespace {

std::string Where(const std::string& path, const YAML::Node& node) {
  const auto mark = node.Mark();
  return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
         ": error: ";
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 200) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Reads the notifiers one by one; the first error ends the read (as the rest of sluice.yaml).
class Reader {
 public:
  Reader(std::string path, std::string home) : path_(std::move(path)), home_(std::move(home)) {}

  Result<notify::Notifiers> Read(const YAML::Node& node) {
    if (!node.IsMap()) {
      return Status::Invalid(Where(path_, node) +
                             "'notifiers' must be a mapping of names to notifiers");
    }
    notify::Notifiers out;
    for (const auto& kv : node) {
      const std::string name = kv.first.as<std::string>();
      if (!ValidName(name)) {
        return Status::Invalid(Where(path_, kv.first) + "notifier name '" + name +
                               "' must be letters, digits, '_', '.' or '-'");
      }
      what_ = "notifier '" + name + "': ";
      SLUICE_ASSIGN_OR_RETURN(notify::NotifierSpec spec, ReadOne(kv.second));
      spec.name = name;
      out[name] = std::move(spec);
    }
    return out;
  }

 private:
  Status Error(const YAML::Node& at, const std::string& msg) {
    return Status::Invalid(Where(path_, at) + what_ + msg);
  }

  Result<std::string> Text(const YAML::Node& v, const std::string& key, bool env_allowed) {
    if (!v.IsScalar()) return Error(v, "'" + key + "' must be a string");
    const std::string& s = v.Scalar();
    auto names = notify::EnvTemplateNames(s);
    if (!names.ok()) return Error(v, "'" + key + "': " + names.status().message());
    if (!env_allowed && !names->empty()) {
      return Error(v, "'" + key + "' cannot use {{ env.NAME }}");
    }
    return s;
  }

  Result<std::vector<std::string>> List(const YAML::Node& v, const std::string& key) {
    std::vector<std::string> out;
    if (v.IsScalar()) return std::vector<std::string>{v.Scalar()};
    if (!v.IsSequence()) return Error(v, "'" + key + "' must be a list of strings");
    for (const auto& item : v) {
      if (!item.IsScalar()) return Error(item, "'" + key + "' must be a list of strings");
      out.push_back(item.Scalar());
    }
    return out;
  }

  Status UnknownKey(const YAML::Node& key_node, const std::string& key,
                    const std::vector<std::string>& known) {
    const std::string hint = ClosestMatch(key, known);
    return Error(key_node, "unknown key '" + key + "'" +
                               (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
  }

  Result<notify::NotifierSpec> ReadOne(const YAML::Node& node) {
    if (!node.IsMap()) {
      return Error(node, "expected a mapping with one of webhook, email or command");
    }
    notify::NotifierSpec spec;
    spec.cwd = home_;
    int kinds = 0;
    const std::vector<std::string> known = {"webhook", "email",   "command",
                                            "headers", "timeout", "ca_file"};
    std::optional<YAML::Node> headers;
    std::optional<YAML::Node> ca_file;
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "webhook") {
        ++kinds;
        spec.kind = notify::NotifierKind::kWebhook;
        SLUICE_ASSIGN_OR_RETURN(spec.url, Text(v, key, true));
        if (!StartsWith(spec.url, "http://") && !StartsWith(spec.url, "https://") &&
            !StartsWith(spec.url, "{{")) {
          return Error(v, "'webhook' must be an http:// or https:// URL");
        }
      } else if (key == "email") {
        ++kinds;
        spec.kind = notify::NotifierKind::kEmail;
        SLUICE_RETURN_IF_ERROR(ReadEmail(v, &spec));
      } else if (key == "command") {
        ++kinds;
        spec.kind = notify::NotifierKind::kCommand;
        SLUICE_ASSIGN_OR_RETURN(spec.argv, List(v, key));
        if (spec.argv.empty() || spec.argv[0].empty()) {
          return Error(v, "'command' must be a non-empty list: [PROGRAM, ARG...]");
        }
      } else if (key == "headers") {
        headers = v;
      } else if (key == "ca_file") {
        ca_file = v;
      } else if (key == "timeout") {
        auto d = v.IsScalar() ? ParseDuration(v.Scalar())
                              : Result<Duration>(Status::Invalid("expected a duration"));
        if (!d.ok()) return Error(v, "timeout: " + d.status().message());
        if (*d <= Duration::zero()) return Error(v, "timeout: must be more than 0s");
        spec.timeout = *d;
      } else {
        return UnknownKey(kv.first, key, known);
      }
    }
    if (kinds != 1) {
      return Error(node, kinds == 0 ? "needs one of webhook, email or command"
                                    : "has more than one of webhook, email and command");
    }
    if (ca_file) SLUICE_RETURN_IF_ERROR(ReadCaFile(*ca_file, &spec));
    if (headers) {
      if (spec.kind != notify::NotifierKind::kWebhook) {
        return Error(*headers, "'headers' is for a webhook");
      }
      if (!headers->IsMap()) return Error(*headers, "'headers' must be a mapping");
      for (const auto& h : *headers) {
        const std::string name = h.first.as<std::string>();
        SLUICE_ASSIGN_OR_RETURN(spec.headers[name], Text(h.second, "headers." + name, true));
      }
    }
    return spec;
  }

  // A file checked now, so a typo is an error at its place rather than a failed send later.
  Status ReadCaFile(const YAML::Node& v, notify::NotifierSpec* spec) {
    if (spec->kind == notify::NotifierKind::kCommand) {
      return Error(v, "'ca_file' is for a webhook or an email notifier");
    }
    SLUICE_ASSIGN_OR_RETURN(std::string path, Text(v, "ca_file", false));
    std::filesystem::path full(path);
    if (full.is_relative()) full = std::filesystem::path(home_) / full;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(full, ec)) {
      return Error(v, "'ca_file': " + full.string() + " is not a file");
    }
    spec->ca_file = full.string();
    return Status::Ok();
  }

  Status ReadEmail(const YAML::Node& node, notify::NotifierSpec* spec) {
    if (!node.IsMap()) return Error(node, "'email' must be a mapping (to, from, smtp, ...)");
    const std::vector<std::string> known = {"to",       "from",     "smtp",
                                            "starttls", "username", "password"};
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "to") {
        SLUICE_ASSIGN_OR_RETURN(spec->to, List(v, "email.to"));
      } else if (key == "from") {
        SLUICE_ASSIGN_OR_RETURN(spec->from, Text(v, "email.from", false));
      } else if (key == "smtp") {
        SLUICE_ASSIGN_OR_RETURN(spec->smtp, Text(v, "email.smtp", true));
        if (!StartsWith(spec->smtp, "smtp://") && !StartsWith(spec->smtp, "smtps://") &&
            !StartsWith(spec->smtp, "{{")) {
          return Error(v, "'email.smtp' must be an smtp:// or smtps:// URL");
        }
      } else if (key == "starttls") {
        bool b = false;
        if (!YAML::convert<bool>::decode(v, b)) {
          return Error(v, "'email.starttls' must be true or false");
        }
        spec->starttls = b;
      } else if (key == "username") {
        SLUICE_ASSIGN_OR_RETURN(spec->username, Text(v, "email.username", true));
      } else if (key == "password") {
        SLUICE_ASSIGN_OR_RETURN(spec->password, Text(v, "email.password", true));
      } else {
        return UnknownKey(kv.first, key, known);
      }
    }
    if (spec->to.empty()) return Error(node, "'email' needs 'to' (one address or a list)");
    if (spec->from.empty()) return Error(node, "'email' needs 'from'");
    if (spec->smtp.empty()) return Error(node, "'email' needs 'smtp' (smtp://HOST:PORT)");
    return Status::Ok();
  }

  std::string path_;
  std::string home_;
  std::string what_;
};

}  // namespace

Result<notify::Notifiers> ReadNotifiers(const YAML::Node& node, const std::string& path,
                                        const std::string& home) {
  return Reader(path, home).Read(node);
}

}  // namespace sluice::control
