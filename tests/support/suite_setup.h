// The end of a test suite's SetUpTestSuite.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

namespace concordat::testing_support {

// googletest reports every test of a suite whose SetUpTestSuite failed as skipped, and ctest
// counts a skipped test as no failure at all: a server that did not start would pass. So a
// suite's setup ends with this: after a fatal failure it says so and ends the test process
// with status 1, which ctest counts as a failure.
inline void EndTheRunIfSetUpFailed(const char* suite) {
  if (!::testing::Test::HasFatalFailure()) return;
  std::fprintf(stderr, "%s: the suite's setup failed (above), so none of its tests can run\n",
               suite);
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(1);
}

}  // namespace concordat::testing_support
