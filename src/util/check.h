#pragma once
// Invariant checks (STYLE.md convention 4): each states what the code relies on, with a one-line
// reason, and never checks input (input gets a Status). SLUICE_CHECK stays in every build, for
// invariants whose failure would corrupt state: stopping beats writing garbage. SLUICE_DCHECK is
// compiled only in debug builds (NDEBUG unset), for programmer errors cheap to catch in tests; in
// release its condition is type-checked but not evaluated. A failed check prints
// `FILE:LINE: check failed: CONDITION (REASON)` to stderr and aborts. Header-only, so that the
// dependency-free supervisor may use it too.

#include <cstdio>
#include <cstdlib>

namespace sluice::internal {

[[noreturn]] inline void CheckFailed(const char* file, int line, const char* condition,
                                     const char* reason) {
  std::fprintf(stderr, "%s:%d: check failed: %s (%s)\n", file, line, condition, reason);
  std::fflush(stderr);
  std::abort();
}

}  // namespace sluice::internal

// SLUICE_CHECK(condition, "reason"): aborts when `condition` is false, in every build.
#define SLUICE_CHECK(condition, reason)                                        \
  do {                                                                         \
    if (!(condition)) [[unlikely]] {                                           \
      ::sluice::internal::CheckFailed(__FILE__, __LINE__, #condition, reason); \
    }                                                                          \
  } while (false)

// SLUICE_DCHECK(condition, "reason"): SLUICE_CHECK in debug builds; nothing in release.
#ifdef NDEBUG
#define SLUICE_DCHECK(condition, reason)     \
  do {                                       \
    static_cast<void>(sizeof(!(condition))); \
    static_cast<void>(sizeof(reason));       \
  } while (false)
#else
#define SLUICE_DCHECK(condition, reason) SLUICE_CHECK(condition, reason)
#endif
