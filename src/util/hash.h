#pragma once
// A fast, stable, non-cryptographic 64-bit hash (FNV-1a). Stable across builds and machines:
// DAG version ids and retry jitter depend on it, so it must never change.

#include <cstdint>
#include <string_view>

namespace sluice {

inline uint64_t Fnv1a64(std::string_view data) {
  uint64_t h = 14695981039346656037ull;  // offset basis
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;  // prime
  }
  return h;
}

}  // namespace sluice
