#pragma once
// The process-wide logger for diagnostics (what a process is doing, what went wrong in the
// background), not for a command's output to its user. One line per message, plain text, to
// stderr: `2025-01-02T03:04:05.123Z WARN  message`, the time in UTC. Messages below the level are
// dropped; the level comes from SLUICE_LOG_LEVEL (debug, info, warn, error or off), default info.
// Thread-safe: lines from different threads never interleave.
//
//   SLUICE_LOG_INFO("scheduler: {} open run(s)", n);   // fmt syntax; arguments are evaluated only
//                                                      // when the level is enabled

#include <fmt/format.h>

#include <functional>
#include <optional>
#include <string_view>

namespace sluice {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

// "debug", "info", "warn", "error", "off" (also "warning"); nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

// The level in force; the first call reads SLUICE_LOG_LEVEL (an unknown value is reported once
// as a warning, and info is used).
LogLevel CurrentLogLevel();
void SetLogLevel(LogLevel level);
inline bool LogEnabled(LogLevel level) { return level >= CurrentLogLevel(); }

// Writes one line at `level` (which must not be kOff), if enabled.
void LogLine(LogLevel level, std::string_view message);

// Sends each formatted line (newline included) to `writer` instead of stderr; an empty writer
// restores stderr. For tests.
void SetLogWriterForTesting(std::function<void(std::string_view line)> writer);

}  // namespace sluice

#define SLUICE_LOG_AT(level, ...)                           \
  do {                                                      \
    if (::sluice::LogEnabled(level)) {                      \
      ::sluice::LogLine(level, ::fmt::format(__VA_ARGS__)); \
    }                                                       \
  } while (false)
#define SLUICE_LOG_DEBUG(...) SLUICE_LOG_AT(::sluice::LogLevel::kDebug, __VA_ARGS__)
#define SLUICE_LOG_INFO(...) SLUICE_LOG_AT(::sluice::LogLevel::kInfo, __VA_ARGS__)
#define SLUICE_LOG_WARN(...) SLUICE_LOG_AT(::sluice::LogLevel::kWarn, __VA_ARGS__)
#define SLUICE_LOG_ERROR(...) SLUICE_LOG_AT(::sluice::LogLevel::kError, __VA_ARGS__)
