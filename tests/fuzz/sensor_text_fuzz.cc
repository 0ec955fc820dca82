// The text the sql and http sensors parse from a DAG file or a configuration: JSON paths
// (ParseJsonPath) and URLs that may hold secrets (RedactUrl). Whatever the bytes: no crash, a
// parsed path has a step per '.key' or '[index]', and redacting is idempotent (a redacted URL
// has nothing left to hide).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "operators/sensors/json_path.h"
#include "util/check.h"
#include "util/redact.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Result<std::vector<sluice::JsonPathStep>> steps = sluice::ParseJsonPath(text);
  if (steps.ok()) {
    size_t starts = 0;
    for (char c : text) starts += c == '.' || c == '[' ? 1 : 0;
    SLUICE_CHECK(steps->size() == starts, "a step per '.' or '['");
  }
  const std::string once = sluice::RedactUrl(text);
  SLUICE_CHECK(sluice::RedactUrl(once) == once, "redacting a redacted URL changes nothing");
  (void)sluice::UrlSecrets(text);
  (void)sluice::ScrubUrl(std::string(text), std::string(text));
  return 0;
}
