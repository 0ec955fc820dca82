#include "util/log.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include "util/check.h"

namespace sluice {
namespace {

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      break;
  }
  return spdlog::level::off;
}

const char* LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::debug:
      return "DEBUG";
    case spdlog::level::info:
      return "INFO";
    case spdlog::level::warn:
      return "WARN";
    case spdlog::level::err:
      return "ERROR";
    default:
      return "?";
  }
}

// Formats each message as one line of our own shape (spdlog's pattern would spell its levels
// "warning" and "error") and writes it with one call, under the sink's mutex.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void SetWriter(std::function<void(std::string_view)> writer) {
    std::lock_guard<std::mutex> lock(mutex_);
    writer_ = std::move(writer);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const std::time_t seconds =
        std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &utc);
    const std::string line = fmt::format("{}.{:03}Z {:<5} {}\n", when, millis, LevelName(msg.level),
                                         std::string_view(msg.payload.data(), msg.payload.size()));
    if (writer_) {
      writer_(line);
    } else {
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fflush(stderr);
    }
  }
  void flush_() override { std::fflush(stderr); }

 private:
  std::function<void(std::string_view)> writer_;
};

struct Logger {
  std::shared_ptr<LineSink> sink = std::make_shared<LineSink>();
  spdlog::logger logger{"sluice", sink};
};

Logger& TheLogger() {
  // Never destroyed: a message logged during static destruction must still find it.
  static Logger* const the = [] {
    auto* l = new Logger();  // NOLINT(cppcoreguidelines-owning-memory): lives for the process
    LogLevel level = LogLevel::kInfo;
    const char* env = std::getenv("SLUICE_LOG_LEVEL");
    std::optional<LogLevel> parsed = env && *env ? ParseLogLevel(env) : std::nullopt;
    if (parsed) level = *parsed;
    l->logger.set_level(ToSpdlog(level));
    if (env && *env && !parsed) {
      l->logger.warn(
          "SLUICE_LOG_LEVEL: unknown level '{}' (use debug, info, warn, error or off); using info",
          env);
    }
    return l;
  }();
  return *the;
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  if (name == "off") return LogLevel::kOff;
  return std::nullopt;
}

LogLevel CurrentLogLevel() {
  switch (TheLogger().logger.level()) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return LogLevel::kDebug;
    case spdlog::level::info:
      return LogLevel::kInfo;
    case spdlog::level::warn:
      return LogLevel::kWarn;
    case spdlog::level::err:
    case spdlog::level::critical:
      return LogLevel::kError;
    default:
      return LogLevel::kOff;
  }
}

void SetLogLevel(LogLevel level) { TheLogger().logger.set_level(ToSpdlog(level)); }

void LogLine(LogLevel level, std::string_view message) {
  SLUICE_DCHECK(level != LogLevel::kOff, "off is a threshold, not a message's level");
  TheLogger().logger.log(ToSpdlog(level), spdlog::string_view_t(message.data(), message.size()));
}

void SetLogWriterForTesting(std::function<void(std::string_view line)> writer) {
  TheLogger().sink->SetWriter(std::move(writer));
}

}  // namespace sluice
