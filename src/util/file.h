#pragma once
// File I/O with errors as values: every failure names the call and the path.

#include <string>

#include "sluice/status.h"

namespace sluice {

Result<std::string> ReadFile(const std::string& path);
// Writes to `path.tmp` then renames over `path`: a reader sees the old or the new file whole.
// With `sync`, fsyncs the file before the rename.
Status WriteFileAtomic(const std::string& path, const std::string& data, bool sync = false);
// mkdir -p.
Status MakeDirs(const std::string& path);
bool PathExists(const std::string& path);
// The directory holding the running executable (from /proc/self/exe).
std::string ExecutableDir();

}  // namespace sluice
