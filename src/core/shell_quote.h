#pragma once
// Putting a value into a POSIX shell command as data, never as code: the quoting depends on
// where in the command the value goes, so a small lexer follows the command's own quotes.

#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// Where a point of a shell command is, as far as inserting text there goes.
enum class ShellContext {
  kUnquoted,      // a word of its own: the value is single-quoted ('v', ' as '\'')
  kSingleQuoted,  // inside '...': each ' of the value closes, escapes and reopens ('\'')
  kDoubleQuoted,  // inside "...": \ $ ` " of the value are backslash-escaped
  // Where no quoting makes a value inert: a comment (a newline ends it), a here-document,
  // backquotes (they re-read backslashes), $'...' (it reads escapes).
  kUnsafe,
};

// Follows the quoting of a shell command fed to it in pieces (the literal text between
// template expressions, in order). Understands '...', "...", \, $(...) and `...` nesting, $'...',
// comments and here-documents (after `<<`, the rest of the command is kUnsafe).
class ShellLexer {
 public:
  void Feed(std::string_view text);
  // The context at the end of what was fed.
  ShellContext context() const;
  // What kUnsafe means here, for a message: "a shell comment", "a here-document", ...
  std::string unsafe_reason() const;

 private:
  enum class Frame { kTop, kSingle, kDouble, kAnsi, kSubst, kBackquote, kComment };
  Frame top() const { return frames_.back(); }
  bool UnquotedFrame() const {
    return top() == Frame::kTop || top() == Frame::kSubst || top() == Frame::kBackquote;
  }

  std::vector<Frame> frames_{Frame::kTop};
  std::vector<int> paren_depth_;  // one per kSubst frame
  bool escaped_ = false;          // the previous character was an unquoted or "-quoted '\'
  bool dollar_ = false;           // the previous character was an unescaped '$'
  bool word_start_ = true;        // the next character starts a word (a '#' there comments)
  int less_ = 0;                  // '<' seen in a row
  bool heredoc_pending_ = false;  // `<<` seen: its body starts at the next newline
  bool heredoc_ = false;          // inside a here-document's body (until the end)
};

// `value` for `context`; kUnsafe is the caller's to refuse (this returns it single-quoted).
std::string QuoteForShell(std::string_view value, ShellContext context);

// `value` as one POSIX shell word: single-quoted, each `'` written as `'\''`.
std::string ShellQuote(std::string_view value);

}  // namespace sluice
