#include "api/listen_address.h"

#include <charconv>

namespace sluice::api {

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  const std::string usage =
      "invalid --listen '" + std::string(text) + "' (use HOST:PORT, e.g. 127.0.0.1:8080)";
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::Invalid(usage);
  }
  ListenAddress out;
  std::string_view host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return Status::Invalid(usage);
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Status::Invalid(usage + "; put an IPv6 address in brackets: [::1]:8080");
  }
  for (char c : host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':';
    if (!ok) return Status::Invalid(usage);
  }
  const std::string_view port = text.substr(colon + 1);
  int value = -1;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value < 0 || value > 65535) {
    return Status::Invalid("invalid --listen '" + std::string(text) +
                           "': port must be a number from 0 to 65535");
  }
  out.host = std::string(host);
  out.port = value;
  return out;
}

}  // namespace sluice::api
