#include "control/log_escape.h"

#include <gtest/gtest.h>

namespace sluice::control {
namespace {

TEST(EscapeTerminalText, KeepsPrintableTextTabsUtf8AndBackslashes) {
  EXPECT_EQ(EscapeTerminalText("plain text\twith a tab"), "plain text\twith a tab");
  EXPECT_EQ(EscapeTerminalText("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(EscapeTerminalText("C:\\path\\x1b"), "C:\\path\\x1b");
  EXPECT_EQ(EscapeTerminalText(""), "");
}

TEST(EscapeTerminalText, EscapesWhatATerminalActsOn) {
  EXPECT_EQ(EscapeTerminalText("\x1b[2J\x1b[H"), "\\x1b[2J\\x1b[H");
  EXPECT_EQ(EscapeTerminalText("\r2026-12-06T01:00:00.000000Z sluice| result: done=1"),
            "\\r2026-12-06T01:00:00.000000Z sluice| result: done=1");
  EXPECT_EQ(EscapeTerminalText(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeTerminalText("\x07\x08\x0b\x0c\n\x1f"), "\\x07\\x08\\x0b\\x0c\\x0a\\x1f");
  EXPECT_EQ(EscapeTerminalText("\x7f"), "\\x7f");
}

TEST(EscapeTerminalText, EscapesC1ControlsInUtf8) {
  EXPECT_EQ(EscapeTerminalText("\xC2\x80"), "\\u0080");
  EXPECT_EQ(EscapeTerminalText("\xC2\x9B"
                               "2J"),
            "\\u009b2J");
  EXPECT_EQ(EscapeTerminalText("\xC2\x9F\xC2\xA0"), "\\u009f\xC2\xA0");  // U+00A0 is printable
}

TEST(EscapeTerminalText, EscapesEachInvalidUtf8Byte) {
  EXPECT_EQ(EscapeTerminalText("\xFF\xFE"), "\\xff\\xfe");
  EXPECT_EQ(EscapeTerminalText("\xC3"), "\\xc3");                             // truncated
  EXPECT_EQ(EscapeTerminalText("\xC3(x"), "\\xc3(x");                         // bad continuation
  EXPECT_EQ(EscapeTerminalText("\xC0\xAF"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(EscapeTerminalText("\xE0\x80\xAF"), "\\xe0\\x80\\xaf");           // overlong
  EXPECT_EQ(EscapeTerminalText("\xED\xA0\x80"), "\\xed\\xa0\\x80");           // surrogate
  EXPECT_EQ(EscapeTerminalText("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
  EXPECT_EQ(EscapeTerminalText("\x80"
                               "ok"),
            "\\x80ok");  // a lone continuation byte
}

}  // namespace
}  // namespace sluice::control
