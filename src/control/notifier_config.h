#pragma once
// sluice.yaml's `notifiers:` (issue 14): named alert channels, read into notify::NotifierSpec.
//
//   notifiers:
//     ops:   {webhook: "https://hooks.example/T0/B0", headers: {Authorization: "Bearer {{
//     env.HOOK_TOKEN }}"}} mail:  {email: {to: [oncall@example.com], from: sluice@example.com,
//     smtp: "smtp://127.0.0.1:2525", starttls: false}} pager: {command: [./bin/page], timeout: 30s}
//
// Every error names its place: `HOME/sluice.yaml:4:12: error: notifier 'ops': ...`.

#include <yaml-cpp/yaml.h>

#include <string>

#include "notify/notifier.h"
#include "sluice/status.h"

namespace sluice::control {

// Reads the `notifiers` mapping `node` of the file at `path`. `home` is where a command runs
// (its relative argv[0] is found there). kInvalidArgument with FILE:LINE:COL on a bad entry.
Result<notify::Notifiers> ReadNotifiers(const YAML::Node& node, const std::string& path,
                                        const std::string& home);

}  // namespace sluice::control
