#include "core/shell_quote.h"

#include <algorithm>

namespace sluice {

void ShellLexer::Feed(std::string_view text) {
  for (char c : text) {
    if (heredoc_) return;  // the rest is a here-document's body
    const bool was_dollar = dollar_;
    dollar_ = false;
    if (escaped_) {
      escaped_ = false;
      word_start_ = false;
      continue;
    }
    switch (top()) {
      case Frame::kSingle:
        if (c == '\'') frames_.pop_back();
        continue;
      case Frame::kAnsi:
        if (c == '\\') {
          escaped_ = true;
        } else if (c == '\'') {
          frames_.pop_back();
        }
        continue;
      case Frame::kComment:
        if (c == '\n') {
          frames_.pop_back();
          word_start_ = true;
        }
        continue;
      case Frame::kDouble:
        if (c == '\\') {
          escaped_ = true;
        } else if (c == '"') {
          frames_.pop_back();
        } else if (c == '$') {
          dollar_ = true;
        } else if (c == '(' && was_dollar) {
          frames_.push_back(Frame::kSubst);
          paren_depth_.push_back(0);
          word_start_ = true;
        } else if (c == '`') {
          frames_.push_back(Frame::kBackquote);
          word_start_ = true;
        }
        continue;
      case Frame::kTop:
      case Frame::kSubst:
      case Frame::kBackquote:
        break;
    }
    // Unquoted text.
    const bool at_word_start = word_start_;
    word_start_ = c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' ||
                  c == '(' || c == ')';
    less_ = c == '<' ? less_ + 1 : 0;
    if (less_ == 2) heredoc_pending_ = true;
    if (less_ == 3) heredoc_pending_ = false;  // `<<<` is a here-string: a word, not a body
    switch (c) {
      case '\\':
        escaped_ = true;
        break;
      case '\'':
        frames_.push_back(was_dollar ? Frame::kAnsi : Frame::kSingle);
        break;
      case '"':
        frames_.push_back(Frame::kDouble);
        break;
      case '$':
        dollar_ = true;
        break;
      case '`':
        if (top() == Frame::kBackquote) {
          frames_.pop_back();
        } else {
          frames_.push_back(Frame::kBackquote);
          word_start_ = true;
        }
        break;
      case '(':
        if (was_dollar) {
          frames_.push_back(Frame::kSubst);
          paren_depth_.push_back(0);
        } else if (top() == Frame::kSubst) {
          ++paren_depth_.back();
        }
        break;
      case ')':
        if (top() == Frame::kSubst) {
          if (paren_depth_.back() == 0) {
            frames_.pop_back();
            paren_depth_.pop_back();
            word_start_ = false;
          } else {
            --paren_depth_.back();
          }
        }
        break;
      case '#':
        if (at_word_start) frames_.push_back(Frame::kComment);
        break;
      case '\n':
        if (heredoc_pending_) heredoc_ = true;
        break;
      default:
        break;
    }
  }
}

ShellContext ShellLexer::context() const {
  if (heredoc_ || top() == Frame::kComment || top() == Frame::kAnsi ||
      std::find(frames_.begin(), frames_.end(), Frame::kBackquote) != frames_.end()) {
    return ShellContext::kUnsafe;
  }
  // A pending backslash would swallow the first character of the value's quoting.
  if (escaped_) return ShellContext::kUnsafe;
  if (top() == Frame::kSingle) return ShellContext::kSingleQuoted;
  if (top() == Frame::kDouble) return ShellContext::kDoubleQuoted;
  return ShellContext::kUnquoted;
}

std::string ShellLexer::unsafe_reason() const {
  if (heredoc_) return "a here-document";
  if (top() == Frame::kComment) return "a shell comment";
  if (top() == Frame::kAnsi) return "$'...'";
  if (std::find(frames_.begin(), frames_.end(), Frame::kBackquote) != frames_.end()) {
    return "backquotes (write $(...) instead)";
  }
  if (escaped_) return "a backslash escape";
  return "";
}

std::string ShellQuote(std::string_view value) {
  // Inside single quotes sh takes every byte literally; a quote itself is closed, escaped and
  // reopened: it's -> 'it'\''s'.
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string QuoteForShell(std::string_view value, ShellContext context) {
  std::string out;
  switch (context) {
    case ShellContext::kSingleQuoted:
      for (char c : value) {
        if (c == '\'') {
          out += "'\\''";
        } else {
          out += c;
        }
      }
      return out;
    case ShellContext::kDoubleQuoted:
      // Inside "...", a backslash makes exactly these four literal (and is then removed).
      for (char c : value) {
        if (c == '\\' || c == '$' || c == '`' || c == '"') out += '\\';
        out += c;
      }
      return out;
    case ShellContext::kUnquoted:
    case ShellContext::kUnsafe:
      break;
  }
  return ShellQuote(value);
}

}  // namespace sluice
