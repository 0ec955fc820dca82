#include "control/log_escape.h"

#include <cstdint>
#include <cstdio>

namespace sluice::control {
namespace {

void AppendHex(unsigned char byte, std::string* out) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", byte);
  out->append(buf);
}

// The length of the valid UTF-8 sequence at text[i] (2 to 4), or 0 when it is not one: overlong
// forms, surrogates and code points past U+10FFFF are invalid, as the standard says.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const auto cont = [&](size_t k) { return i + k < text.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char lead = b(0);
  if (lead >= 0xC2 && lead <= 0xDF) return cont(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (lead == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (lead == 0xED && b(1) >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (lead == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (lead == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string EscapeTerminalText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\t' || (c >= 0x20 && c < 0x7F)) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c == '\r') {
      out.append("\\r");
      ++i;
    } else if (const size_t n = c < 0x80 ? 0 : Utf8SequenceLength(text, i); n == 0) {
      // The other C0 controls, DEL, and a byte that does not start valid UTF-8.
      AppendHex(c, &out);
      ++i;
    } else if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      // C1 controls: some terminals take U+009B as CSI, the same as ESC [.
      char buf[7];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(text[i + 1]));
      out.append(buf);
      i += 2;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace sluice::control
