// LoadDagText on arbitrary bytes: it must never crash or throw, and every spec it accepts must
// survive DagToJson/DagFromJson unchanged.

#include <cstdint>
#include <string>

#include "core/dag_loader.h"
#include "operators/builtin.h"
#include "util/check.h"

// The task kinds are a process-wide registry, filled before any input as every program does.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  SLUICE_CHECK(sluice::RegisterBuiltinOperators().ok(), "the built-in task kinds register");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  sluice::LoadedFile file = sluice::LoadDagText("fuzz.yaml", text);
  for (const sluice::DagSpec& dag : file.dags) {
    sluice::Result<sluice::DagSpec> back = sluice::DagFromJson(sluice::DagToJson(dag));
    SLUICE_CHECK(back.ok() && *back == dag, "an accepted spec survives JSON unchanged");
  }
  // Every error has a location inside the text.
  for (const sluice::Diagnostic& d : file.errors) {
    SLUICE_CHECK(d.location.line >= 1 && d.location.column >= 1, "errors have a location");
  }
  return 0;
}
