// A URL as it may be shown: its password never, everything else as written.
#include "base/redact.h"

#include <gtest/gtest.h>

namespace concordat {
namespace {

TEST(RedactPassword, HidesTheUserInfoPasswordAndKeepsTheRest) {
  EXPECT_EQ(RedactPassword("postgresql://concordat:s3cr%40t@db.example:5432/concordat"),
            "postgresql://concordat:***@db.example:5432/concordat");
  EXPECT_EQ(RedactPassword("postgres://u:p@h/d?sslmode=require"),
            "postgres://u:***@h/d?sslmode=require");
}

TEST(RedactPassword, HidesAPasswordParameterWhereverItIs) {
  EXPECT_EQ(RedactPassword("postgresql:///concordat?host=/run/pg&password=hunter2&user=c"),
            "postgresql:///concordat?host=/run/pg&password=***&user=c");
  EXPECT_EQ(RedactPassword("postgresql://h/d?password=x"), "postgresql://h/d?password=***");
  EXPECT_EQ(RedactPassword("host=db password=x user=c"), "host=db password=*** user=c");
}

TEST(RedactPassword, LeavesURLsWithoutAPasswordAsTheyAre) {
  for (const char* url :
       {"sqlite:var/concordat.db", "sqlite:/srv/a@b:c/concordat.db", "postgresql://u@h:5432/d",
        "postgresql:///concordat?host=/tmp/x&port=5433&user=postgres",
        "postgresql://h/d?old_password_hint=1", ""})
    EXPECT_EQ(RedactPassword(url), url);
}

}  // namespace
}  // namespace concordat
