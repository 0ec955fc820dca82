#pragma once
// The WAL file format (sqlite.org/fileformat2.html#walformat), for the code that looks at the
// log's bytes: a 32-byte file header, then frames of a 24-byte frame header and a page.

#include <cstdint>

namespace sluice::sqlite {

constexpr int64_t kWalHeaderBytes = 32;
constexpr int64_t kWalFrameHeaderBytes = 24;

}  // namespace sluice::sqlite
