// Compiled by tests/boundaries against one module's library with one header to include: see
// CMakeLists.txt beside this file.
#include SLUICE_PROBE_HEADER
