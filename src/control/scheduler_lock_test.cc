// Issue 13: one scheduler per database, not per home.
#include "control/scheduler_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tests/testing/temp_dir.h"

namespace sluice::control {
namespace {

std::string Hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

class SchedulerLockTest : public ::testing::Test {
 protected:
  // Two homes whose database is one file, spelled differently: home `b` reaches it through a
  // symlinked folder and a "..".
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() + "/data/x");
    std::filesystem::create_symlink(dir_.path() + "/data", dir_.path() + "/link");
    a_.home = dir_.path() + "/a";
    a_.db_path = dir_.path() + "/data/sluice.db";
    b_.home = dir_.path() + "/b";
    b_.db_path = dir_.path() + "/link/x/../sluice.db";
  }
  TempDir dir_;
  Config a_;
  Config b_;
};

TEST_F(SchedulerLockTest, TwoHomesOnOneDatabaseShareTheLock) {
  const std::string real = std::filesystem::canonical(dir_.path()).string() + "/data/sluice.db";
  EXPECT_EQ(SchedulerLockPath(a_), real + "-scheduler.lock");
  EXPECT_EQ(SchedulerLockPath(b_), SchedulerLockPath(a_));
  EXPECT_FALSE(SchedulerRunning(a_));
  EXPECT_FALSE(SchedulerRunning(b_));
  {
    auto first = SchedulerLock::Acquire(a_);
    ASSERT_TRUE(first.ok()) << first.status().message();
    EXPECT_TRUE(SchedulerRunning(a_));
    EXPECT_TRUE(SchedulerRunning(b_));
    auto second = SchedulerLock::Acquire(b_);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(second.status().message(), "another scheduler (pid " + std::to_string(::getpid()) +
                                             " on " + Hostname() + ", home " + a_.home +
                                             ") is running on database " + real);
  }
  // Released with its holder: the next one starts at once.
  EXPECT_FALSE(SchedulerRunning(b_));
  EXPECT_TRUE(SchedulerLock::Acquire(b_).ok());
}

TEST_F(SchedulerLockTest, ADifferentDatabaseHasItsOwnLock) {
  b_.db_path = dir_.path() + "/data/other.db";
  auto first = SchedulerLock::Acquire(a_);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(SchedulerRunning(b_));
  EXPECT_TRUE(SchedulerLock::Acquire(b_).ok());
}

TEST_F(SchedulerLockTest, TheDatabaseFolderIsCreated) {
  a_.db_path = dir_.path() + "/new/folder/sluice.db";
  EXPECT_TRUE(SchedulerLock::Acquire(a_).ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir_.path() + "/new/folder"));
}

}  // namespace
}  // namespace sluice::control
