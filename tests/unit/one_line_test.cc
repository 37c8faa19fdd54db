// A library's message as one line, for log lines and errors.
#include "base/one_line.h"

#include <gtest/gtest.h>

namespace concordat {
namespace {

TEST(OneLine, JoinsLibpqsHintAndDropsItsTrailingNewline) {
  EXPECT_EQ(OneLine("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n"
                    "\tIs the server running on that host and accepting TCP/IP connections?\n"),
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused Is the "
            "server running on that host and accepting TCP/IP connections?");
}

TEST(OneLine, LeavesOneLineAsItIsAndEmptyEmpty) {
  EXPECT_EQ(OneLine("no such table: cases"), "no such table: cases");
  EXPECT_EQ(OneLine("  \n\t "), "");
  EXPECT_EQ(OneLine(""), "");
}

}  // namespace
}  // namespace concordat
