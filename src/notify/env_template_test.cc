#include "notify/env_template.h"

#include <gtest/gtest.h>

#include <map>

namespace sluice::notify {
namespace {

EnvLookup Env(const std::map<std::string, std::string>& vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(EnvTemplateTest, ResolvesEnvNamesAndCollectsTheSecrets) {
  std::vector<std::string> secrets;
  auto r = ResolveEnvTemplate("Bearer {{ env.HOOK_TOKEN }} and {{env.B}}",
                              Env({{"HOOK_TOKEN", "s3cr3t"}, {"B", "x"}}), &secrets);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "Bearer s3cr3t and x");
  EXPECT_EQ(secrets, (std::vector<std::string>{"s3cr3t", "x"}));
  EXPECT_EQ(*ResolveEnvTemplate("https://hooks.example/T0/B0", Env({}), nullptr),
            "https://hooks.example/T0/B0");
}

TEST(EnvTemplateTest, AnUnsetVariableIsAnErrorNamingIt) {
  auto r = ResolveEnvTemplate("Bearer {{ env.HOOK_TOKEN }}", Env({}), nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "{{ env.HOOK_TOKEN }}: HOOK_TOKEN is not set in the scheduler's environment");
}

TEST(EnvTemplateTest, OnlyEnvNamesMayAppear) {
  EXPECT_EQ(EnvTemplateNames("x {{ ds }}").status().message(),
            "'{{ ds }}': only {{ env.NAME }} may appear here");
  EXPECT_EQ(EnvTemplateNames("x {{ env.A-B }}").status().message(),
            "'{{ env.A-B }}': only {{ env.NAME }} may appear here");
  EXPECT_EQ(EnvTemplateNames("x {{ env.A").status().message(),
            "unclosed '{{' (write {{ env.NAME }})");
  EXPECT_EQ(*EnvTemplateNames("{{ env.A }}/{{ env.B_2 }}"), (std::vector<std::string>{"A", "B_2"}));
}

TEST(EnvTemplateTest, RedactReplacesEverySecret) {
  EXPECT_EQ(Redact("token s3cr3t in s3cr3t", {"s3cr3t", ""}), "token *** in ***");
}

}  // namespace
}  // namespace sluice::notify
