#pragma once
// `sensor: http` (issue 14): waits until a URL answers with an expected status and, optionally,
// a JSON value.
//   wait_api: {sensor: http, url: "http://127.0.0.1:8080/ready", status: [200],
//              json_path: "$.ready", equals: true}
// Keys: `url` (a template, http:// or https://), `method` (GET, HEAD or POST; GET by default),
// `headers` (name: value; values are templates, and `${NAME}` in a value is replaced at each
// poke by the scheduler's environment variable NAME, so a token stays out of the DAG file),
// `body` (POST only, a template), `status` (a code or a list; [200] by default), `json_path`
// (`$`, then `.key` and `[index]` steps, e.g. `$.items[0].state`) and `equals` (a JSON scalar;
// without it, a truthy value at json_path). One request per poke with libcurl, the poke's budget
// as its timeout, no redirects followed. A detail never holds the URL's password or secret
// query values, nor a header value. See docs/connections.md.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sluice/sensor.h"

namespace sluice {

// The value of an environment variable, nullopt when unset (tests pass their own).
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

std::unique_ptr<const SensorType> MakeHttpSensor();
std::unique_ptr<const SensorType> MakeHttpSensor(EnvLookup env);

}  // namespace sluice
