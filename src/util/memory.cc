#include "util/memory.h"

#include <cstdlib>  // defines __GLIBC__ under glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sluice {

void ReturnFreeMemoryToOs() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace sluice
