// The real sender's command channel (a webhook and mail are tested end to end against local
// sinks: tests/e2e/alerts_test.py), and its errors, which never hold a secret.
#include "notify/sender.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/temp_dir.h"
#include "util/file.h"

namespace sluice::notify {
namespace {

DeliveryRecord Failure() {
  DeliveryRecord d;
  d.id = 3;
  d.event = "failure";
  d.notifier = "pager";
  d.dag_id = "nightly";
  d.run_id = "r1";
  d.task_id = "fetch";
  d.subject_state = "failed";
  d.try_number = 1;
  d.max_tries = 1;
  return d;
}

EnvLookup Env(const std::string& token) {
  return [token](const std::string& name) -> std::optional<std::string> {
    if (name == "HOOK_TOKEN") return token;
    return std::nullopt;
  };
}

TEST(SenderTest, ACommandGetsTheJsonOnStdin) {
  TempDir dir;
  NotifierSpec n;
  n.name = "pager";
  n.kind = NotifierKind::kCommand;
  n.argv = {"/bin/sh", "-c", "cat > " + dir.path() + "/got.json"};
  auto sender = CreateSender(Env(""));
  SendOutcome out = sender->Send(n, Failure());
  EXPECT_TRUE(out.ok) << out.error;
  auto got = ReadFile(dir.path() + "/got.json");
  ASSERT_TRUE(got.ok());
  auto j = nlohmann::json::parse(*got);
  EXPECT_EQ(j["event"], "failure");
  EXPECT_EQ(j["task"], "fetch");
  EXPECT_EQ(j["delivery"], 3);
}

TEST(SenderTest, AFailedCommandSaysItsExitCodeAndLastErrorLine) {
  NotifierSpec n;
  n.kind = NotifierKind::kCommand;
  n.argv = {"/bin/sh", "-c", "cat >/dev/null; echo first >&2; echo 'pager down' >&2; exit 3"};
  SendOutcome out = CreateSender(Env(""))->Send(n, Failure());
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error, "command exited with code 3: pager down");
}

TEST(SenderTest, ACommandPastItsTimeoutIsKilled) {
  NotifierSpec n;
  n.kind = NotifierKind::kCommand;
  n.argv = {"/bin/sh", "-c", "sleep 30"};
  n.timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  SendOutcome out = CreateSender(Env(""))->Send(n, Failure());
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error, "command timed out after 0s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(SenderTest, AMissingCommandIsAnError) {
  NotifierSpec n;
  n.kind = NotifierKind::kCommand;
  n.argv = {"/nonexistent/page"};
  SendOutcome out = CreateSender(Env(""))->Send(n, Failure());
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error, "cannot run /nonexistent/page: No such file or directory");
}

TEST(SenderTest, AWebhookErrorNeverShowsTheUrlOrAHeaderSecret) {
  NotifierSpec n;
  n.kind = NotifierKind::kWebhook;
  // Port 1 on the loopback refuses at once; the secret is in the URL and in a header.
  n.url = "http://127.0.0.1:1/hook/{{ env.HOOK_TOKEN }}";
  n.headers = {{"Authorization", "Bearer {{ env.HOOK_TOKEN }}"}};
  SendOutcome out = CreateSender(Env("tok-12345"))->Send(n, Failure());
  EXPECT_FALSE(out.ok);
  EXPECT_FALSE(out.error.empty());
  EXPECT_EQ(out.error.find("tok-12345"), std::string::npos) << out.error;
  EXPECT_EQ(out.error.find("/hook"), std::string::npos) << out.error;
}

TEST(SenderTest, AnUnsetVariableIsNamedNotSent) {
  NotifierSpec n;
  n.kind = NotifierKind::kWebhook;
  n.url = "http://127.0.0.1:1/{{ env.NOPE }}";
  SendOutcome out = CreateSender(Env(""))->Send(n, Failure());
  EXPECT_EQ(out.error, "url: {{ env.NOPE }}: NOPE is not set in the scheduler's environment");
}

}  // namespace
}  // namespace sluice::notify
