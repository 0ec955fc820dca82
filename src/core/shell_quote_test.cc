// Issue 13: a value put into a `run` command is data wherever it goes. The oracle is /bin/sh
// itself: each rendered command prints what the shell made of the value.
#include "core/shell_quote.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "core/template.h"

namespace sluice {
namespace {

std::string Context(std::string_view command) {
  ShellLexer lexer;
  lexer.Feed(command);
  switch (lexer.context()) {
    case ShellContext::kUnquoted:
      return "unquoted";
    case ShellContext::kSingleQuoted:
      return "single";
    case ShellContext::kDoubleQuoted:
      return "double";
    case ShellContext::kUnsafe:
      return "unsafe: " + lexer.unsafe_reason();
  }
  return "?";
}

TEST(ShellLexerTest, FollowsTheCommandsQuoting) {
  EXPECT_EQ(Context("echo "), "unquoted");
  EXPECT_EQ(Context("echo 'a "), "single");
  EXPECT_EQ(Context("echo 'a' \"b "), "double");
  EXPECT_EQ(Context("echo \"it's "), "double");
  EXPECT_EQ(Context("echo 'say \"hi\" "), "single");
  EXPECT_EQ(Context("echo \\' "), "unquoted");
  EXPECT_EQ(Context("echo \"a\\\" "), "double");
  EXPECT_EQ(Context("echo \"$(cat "), "unquoted");
  EXPECT_EQ(Context("echo \"$(cat 'f"), "single");
  EXPECT_EQ(Context("echo \"$(cat f) "), "double");
  EXPECT_EQ(Context("echo $( (cd x) && ls "), "unquoted");
  EXPECT_EQ(Context("echo $#"), "unquoted");
  EXPECT_EQ(Context("echo a#b "), "unquoted");
  EXPECT_EQ(Context("echo hi # "), "unsafe: a shell comment");
  EXPECT_EQ(Context("echo hi # c\necho "), "unquoted");
  EXPECT_EQ(Context("cat <<EOF\n"), "unsafe: a here-document");
  EXPECT_EQ(Context("cat <<EOF"), "unquoted");
  EXPECT_EQ(Context("cat <<< "), "unquoted");
  EXPECT_EQ(Context("echo `cat "), "unsafe: backquotes (write $(...) instead)");
  EXPECT_EQ(Context("echo `cat` "), "unquoted");
  EXPECT_EQ(Context("echo $'a "), "unsafe: $'...'");
  EXPECT_EQ(Context("echo \\"), "unsafe: a backslash escape");
}

std::string RunShell(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");  // /bin/sh -c COMMAND, as the run kind
  if (p == nullptr) return "popen failed";
  std::string out;
  char buf[256];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST(ShellQuoteTest, EveryValueStaysOneValueForTheShellWhereverItGoes) {
  const std::vector<std::string> values = {"plain",
                                           "",
                                           "a b",
                                           "x; echo INJECTED",
                                           "$(echo INJECTED)",
                                           "`echo INJECTED`",
                                           "'",
                                           "\"",
                                           "\\",
                                           "it's \"q\" \\' $HOME",
                                           "*",
                                           "-n",
                                           "a\nb",
                                           "'; echo INJECTED; '",
                                           "\"; echo INJECTED; \""};
  // Each prints the value between | marks.
  const std::vector<std::pair<std::string, std::string>> places = {
      {"printf '|%s|' {{ params.v }}", "%"},
      {"printf '|%s|' \"{{ params.v }}\"", "%"},
      {"printf '|%s|' '{{ params.v }}'", "%"},
      {"printf '|%s|' pre{{ params.v }}post", "pre%post"},
      {"printf '|%s|' \"pre {{ params.v }} post\"", "pre % post"},
      {"printf '|%s|' 'pre {{ params.v }} post'", "pre % post"},
      {"printf '|%s|' \"$(printf '%s' {{ params.v }})\"", "%"},
      {"printf '|%s|' \"$(printf '%s' \"{{ params.v }}\")\"", "%"},
  };
  for (const auto& value : values) {
    TemplateContext ctx;
    ctx.values["params.v"] = value;
    ctx.from_trigger.insert("params.v");  // as from `--param`: even `raw` must not unquote it
    for (const auto& [text, shape] : places) {
      std::string want = shape;
      want.replace(want.find('%'), 1, value);
      // $(...) drops trailing newlines; none of these values ends in one.
      for (const std::string& t :
           {text, std::string(text).replace(text.find(" }}"), 3, " | raw }}")}) {
        Result<std::string> command = RenderShellTemplate(t, ctx);
        ASSERT_TRUE(command.ok()) << t << ": " << command.status().message();
        EXPECT_EQ(RunShell(*command), "|" + want + "|")
            << t << " with " << value << ": " << *command;
      }
    }
  }
}

TEST(ShellQuoteTest, APlaceWhereNoQuotingHoldsIsAnError) {
  TemplateContext ctx;
  ctx.values["params.region"] = "eu";
  auto bad = RenderShellTemplate("echo hi # {{ params.region }}", ctx);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "{{ params.region }} is inside a shell comment, where no quoting keeps a value from "
            "running as code (move it out, or read it from the environment: "
            "\"$SLUICE_PARAM_REGION\")");
  using P = std::pair<size_t, std::string>;
  std::vector<P> problems;
  for (auto& p : CheckShellTemplate("cat <<EOF\n{{ ds }}\nEOF\necho `x {{ ds | raw }}`")) {
    problems.emplace_back(p.offset, p.message);
  }
  EXPECT_THAT(problems, ::testing::ElementsAre(P{10,
                                                 "{{ ds }} is inside a here-document, where no "
                                                 "quoting keeps a value from running as code "
                                                 "(move it out, or read it from the environment: "
                                                 "\"$SLUICE_DS\")"}));
  EXPECT_THAT(CheckShellTemplate("echo {{ ds }} '{{ ds }}' \"{{ ds }}\" $({{ ds }})"),
              ::testing::IsEmpty());
}

}  // namespace
}  // namespace sluice
