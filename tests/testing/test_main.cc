// The main of every unit test binary (sluice_test() in the top CMakeLists.txt links it in place
// of gtest_main): registers the built-in task kinds, as each Sluice program does at start-up, so
// no test can forget to and every test sees the same kinds.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "operators/builtin.h"

int main(int argc, char** argv) {
  testing::InitGoogleMock(&argc, argv);
  sluice::Status registered = sluice::RegisterBuiltinOperators();
  if (!registered.ok()) {
    std::fprintf(stderr, "cannot register the built-in task kinds: %s\n",
                 registered.message().c_str());
    return 1;
  }
  return RUN_ALL_TESTS();
}
