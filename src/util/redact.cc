#include "util/redact.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace sluice {
namespace {

// The parts of a URL that may hold a secret, as offsets into it.
struct UrlParts {
  bool is_url = false;
  size_t password_begin = 0, password_end = 0;  // empty range: no password
  size_t query_begin = 0, query_end = 0;        // after '?', up to '#' or the end
};

UrlParts Split(std::string_view url) {
  UrlParts p;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return p;
  p.is_url = true;
  const size_t authority = scheme_end + 3;
  const size_t authority_end = std::min(url.find_first_of("/?#", authority), url.size());
  // The last '@' ends the userinfo: a password may hold '@' when its writer did not escape it.
  const size_t at =
      url.rfind('@', authority_end == url.size() ? std::string_view::npos : authority_end - 1);
  if (at != std::string_view::npos && at >= authority) {
    const size_t colon = url.find(':', authority);
    if (colon != std::string_view::npos && colon < at) {
      p.password_begin = colon + 1;
      p.password_end = at;
    }
  }
  const size_t question = url.find('?', authority_end);
  if (question != std::string_view::npos) {
    p.query_begin = question + 1;
    p.query_end = std::min(url.find('#', question), url.size());
  }
  return p;
}

bool SecretName(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 8> kWords = {
      "token", "key", "secret", "pass", "pwd", "sig", "auth", "credential"};
  return std::any_of(kWords.begin(), kWords.end(),
                     [&](std::string_view w) { return lower.find(w) != std::string::npos; });
}

// Calls f(value_begin, value_end) for each secret query value, offsets into the URL.
template <typename F>
void ForEachSecretValue(std::string_view url, const UrlParts& p, F f) {
  size_t i = p.query_begin;
  while (p.query_end > p.query_begin && i <= p.query_end) {
    size_t end = std::min(url.find('&', i), p.query_end);
    const size_t eq = url.find('=', i);
    if (eq != std::string_view::npos && eq < end && SecretName(url.substr(i, eq - i))) {
      f(eq + 1, end);
    }
    i = end + 1;
  }
}

}  // namespace

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string RedactUrl(std::string_view url) {
  const UrlParts p = Split(url);
  if (!p.is_url) return std::string(url);
  // Ranges to hide, in order: the password, then the secret query values.
  std::vector<std::pair<size_t, size_t>> hide;
  if (p.password_end > p.password_begin) hide.emplace_back(p.password_begin, p.password_end);
  ForEachSecretValue(url, p, [&](size_t b, size_t e) {
    if (e > b) hide.emplace_back(b, e);
  });
  std::string out;
  size_t pos = 0;
  for (const auto& [b, e] : hide) {
    out.append(url.substr(pos, b - pos));
    out.append("***");
    pos = e;
  }
  out.append(url.substr(pos));
  return out;
}

std::vector<std::string> UrlSecrets(std::string_view url) {
  const UrlParts p = Split(url);
  std::vector<std::string> out;
  auto add = [&](size_t b, size_t e) {
    if (e <= b) return;
    out.emplace_back(url.substr(b, e - b));
    std::string decoded = PercentDecode(out.back());
    if (decoded != out.back() && !decoded.empty()) out.push_back(std::move(decoded));
  };
  if (!p.is_url) return out;
  add(p.password_begin, p.password_end);
  ForEachSecretValue(url, p, add);
  return out;
}

std::string ScrubSecrets(std::string text, std::vector<std::string> secrets) {
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& s : secrets) {
    if (s.empty()) continue;
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3)) {
      text.replace(at, s.size(), "***");
    }
  }
  return text;
}

std::string ScrubUrl(std::string text, const std::string& url, std::vector<std::string> more) {
  if (!url.empty()) {
    const std::string redacted = RedactUrl(url);
    for (size_t at = text.find(url); at != std::string::npos;
         at = text.find(url, at + redacted.size())) {
      text.replace(at, url.size(), redacted);
    }
  }
  std::vector<std::string> secrets = UrlSecrets(url);
  secrets.insert(secrets.end(), more.begin(), more.end());
  return ScrubSecrets(std::move(text), std::move(secrets));
}

}  // namespace sluice
