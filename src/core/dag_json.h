#pragma once
// The canonical JSON of a DagSpec (DagToJson/DagFromJson in core/dag_loader.h) and the version
// hash computed over it.

#include <string>

#include "sluice/dag.h"

namespace sluice {

// 16 hex digits of 64-bit FNV-1a over the canonical JSON of `dag`, leaving out `hash` itself and
// the task locations. Locations are left out so that editing a comment or reordering a file
// does not make a new version; `file` is kept, because a task's default cwd is the file's folder,
// so a moved file really does run differently.
std::string DagHash(const DagSpec& dag);

}  // namespace sluice
