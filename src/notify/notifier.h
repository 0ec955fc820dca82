#pragma once
// A notifier: a named alert channel from sluice.yaml's `notifiers:` (a webhook, an email over
// SMTP, a command). Values only; sluice.yaml is read in src/control/notifier_config.cc. Strings
// marked "template" may hold `{{ env.NAME }}`, resolved from the scheduler's environment at
// send time (env_template.h) and never stored resolved.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "sluice/clock.h"

namespace sluice::notify {

enum class NotifierKind { kWebhook, kEmail, kCommand };
const char* NotifierKindName(NotifierKind kind);  // "webhook", "email", "command"

struct NotifierSpec {
  std::string name;
  NotifierKind kind = NotifierKind::kWebhook;
  // webhook: POSTs the alert's JSON to `url` (template) with `headers` (values are templates).
  std::string url;
  std::map<std::string, std::string> headers;
  // email: a plain-text mail from `from` to `to` through the SMTP server `smtp`
  // (smtp://HOST:PORT or smtps://..., a template); STARTTLS required when `starttls`; login with
  // `username` and `password` (templates) when a username is given.
  std::vector<std::string> to;
  std::string from;
  std::string smtp;
  bool starttls = false;
  std::string username;
  std::string password;
  // webhook and email: a PEM file of the certificate authorities to trust for TLS (an internal
  // relay's private CA), an absolute path; empty: the system's.
  std::string ca_file;
  // command: argv (no shell), the alert's JSON on its stdin; exit code 0 is delivered.
  std::vector<std::string> argv;
  std::string cwd;  // where the command runs: the scheduler's home
  // A send that takes longer fails (and is tried again later).
  Duration timeout = std::chrono::seconds(10);
  bool operator==(const NotifierSpec&) const = default;
};

using Notifiers = std::map<std::string, NotifierSpec>;

}  // namespace sluice::notify
