#pragma once
// `--listen HOST:PORT`: where the API server accepts connections.
#include <string>
#include <string_view>

#include "sluice/status.h"

namespace sluice::api {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "0.0.0.0", "::1" (brackets removed)
  int port = 8080;   // 0: any free port
};

// Reads `127.0.0.1:8080`, `0.0.0.0:80`, `[::1]:8080`, `localhost:0`. Errors (kInvalidArgument):
// "invalid --listen 'X' (use HOST:PORT, e.g. 127.0.0.1:8080)", and for the port "port must be
// a number from 0 to 65535".
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace sluice::api
