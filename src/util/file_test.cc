#include "util/file.h"

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"

namespace sluice {
namespace {

TEST(File, AtomicWriteThenRead) {
  TempDir dir;
  std::string path = dir.path() + "/a/b/x.txt";
  ASSERT_TRUE(MakeDirs(dir.path() + "/a/b").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "hello").ok());
  auto data = ReadFile(path);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, "hello");
  EXPECT_FALSE(PathExists(path + ".tmp"));
}

TEST(File, MissingFileNamesCallAndPath) {
  auto data = ReadFile("/nonexistent/sluice/x");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().message(), "open(\"/nonexistent/sluice/x\"): No such file or directory");
}

}  // namespace
}  // namespace sluice
