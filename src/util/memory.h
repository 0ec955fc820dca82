#pragma once
// Returning freed heap to the operating system.

namespace sluice {

// Hands the heap's free pages back to the OS (glibc's malloc_trim; nothing elsewhere). Loading
// DAG files parses YAML into many short-lived nodes: once they are freed, the heap keeps their
// pages between the specs that stay, and the scheduler's RSS stays at the load's peak. Costs a
// walk of the heap (milliseconds for tens of MB): call it after a load, not on a hot path.
void ReturnFreeMemoryToOs();

}  // namespace sluice
