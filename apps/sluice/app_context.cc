#include "app_context.h"

#include <chrono>
#include <cstdio>
#include <iostream>

#include "control/store_open.h"
#include "time/time_format.h"

namespace sluice::cli {

Result<control::Config> LoadConfig(const GlobalFlags& flags) {
  return control::LoadConfig({flags.home, flags.dags}, control::ProcessEnvironment());
}

Result<Session> OpenSession(const GlobalFlags& flags) {
  Session session;
  SLUICE_ASSIGN_OR_RETURN(session.config, LoadConfig(flags));
  SLUICE_ASSIGN_OR_RETURN(session.store, control::OpenStore(session.config));
  return session;
}

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
      return kExitUsage;
    case StatusCode::kNoSpace:
      return kExitNoSpace;
    case StatusCode::kCorrupt:
      return kExitCorrupt;
    case StatusCode::kFailedPrecondition:
    case StatusCode::kIoError:
    case StatusCode::kInternal:
    case StatusCode::kConflict:
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
    case StatusCode::kTooManyRequests:
      break;
  }
  return kExitFailed;
}

int ReportError(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return ExitCodeFor(status);
}

void PrintJson(const nlohmann::json& value) { std::cout << value.dump(2) << std::endl; }

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].empty() ? 1 : row[i].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i].empty() ? "-" : row[i];
      line += cell;
      if (i + 1 < row.size()) line += std::string(width[i] - cell.size() + 2, ' ');
    }
    std::cout << line << "\n";
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
  std::cout.flush();
}

std::string TableTime(const std::optional<TimePoint>& t) {
  if (!t) return "";
  // Whole seconds read better in a table; JSON keeps the full precision.
  return FormatIsoUtc(std::chrono::floor<std::chrono::seconds>(*t));
}

}  // namespace sluice::cli
