// store::PrepareSqlite: called first in a program, it turns SQLite's memory statistics off (and
// with them the process-wide mutex that every SQLite allocation took); called late, it changes
// nothing and says so.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>

#include "store/store.h"

namespace concordat::store {
namespace {

// Opens an in-memory database and makes SQLite allocate: 0 when SQLite counts nothing.
sqlite3_int64 MemoryUsedWithADatabaseOpen() {
  sqlite3* db = nullptr;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) return -1;
  sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(100000));", nullptr,
               nullptr, nullptr);
  const sqlite3_int64 used = sqlite3_memory_used();
  sqlite3_close(db);
  return used;
}

TEST(PrepareSqliteDeathTest, FirstInAProgramItTurnsSqlitesMemoryStatisticsOff) {
  // "threadsafe" runs the child as a new process of this binary: SQLite unused in it so far.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        const bool first = PrepareSqlite();
        const sqlite3_int64 used = MemoryUsedWithADatabaseOpen();
        const bool late = PrepareSqlite();
        std::exit(first && used == 0 && !late ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// The contrast, in a program that never called it (this test binary): SQLite counts (so the
// 0 above is the setting's doing), and a call once SQLite is in use is refused.
TEST(PrepareSqliteTest, WithoutItSqliteCountsAndALateCallChangesNothing) {
  EXPECT_GT(MemoryUsedWithADatabaseOpen(), 100000);
  EXPECT_FALSE(PrepareSqlite());
  EXPECT_GT(MemoryUsedWithADatabaseOpen(), 100000);
}

}  // namespace
}  // namespace concordat::store
