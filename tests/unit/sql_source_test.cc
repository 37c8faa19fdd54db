// Providers' systems of record, read-only, on both kinds of source: a SQLite file and a real
// PostgreSQL server started by the tests.
#include "exchange/sql_source.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "../support/postgres_server.h"
#include "../support/shell.h"

namespace concordat::exchange {
namespace {

namespace fs = std::filesystem;

const char* kRows =
    "CREATE TABLE cases (ref TEXT, full_name TEXT, case_status TEXT, ethnicity TEXT);"
    "INSERT INTO cases VALUES ('MOS-1', 'Alex Demo', 'open', NULL),"
    " ('MOS-2', 'Bailey Sample', 'not open', 'x'), ('MOS-3', 'Twin A', 'open', NULL),"
    " ('MOS-3', 'Twin B', 'open', NULL);";

class SqlSourceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      path_ = (fs::temp_directory_path() / ("concordat-source-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(n_++) + ".db"))
                  .string();
      fs::remove(path_);
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
      ASSERT_EQ(sqlite3_exec(db, kRows, nullptr, nullptr, nullptr), SQLITE_OK);
      sqlite3_close(db);
      url_ = "sqlite:" + path_;
      param_ = "?1";
    } else {
      url_ = testing::PostgresServer::Shared().NewDatabaseUrl();
      const std::string db = url_.substr(14, url_.find('?') - 14);
      auto r = testing_support::Sh(testing::PostgresServer::Shared().Psql(db, kRows));
      ASSERT_EQ(r.code, 0) << r.out;
      db_ = db;
      param_ = "$1";
    }
  }
  void TearDown() override {
    if (path_.empty()) return;
    for (const char* suffix : {"", "-wal", "-shm", ".new", ".kept"}) fs::remove(path_ + suffix);
  }
  SourceConfig Config(const std::string& query) {
    SourceConfig c;
    c.url = url_;
    c.categories["cf-case-status"] = {query, {{"full_name", "name"}}};
    return c;
  }
  int Rows() {
    if (GetParam() == "sqlite") {
      sqlite3* db = nullptr;
      sqlite3_open(path_.c_str(), &db);
      sqlite3_stmt* s = nullptr;
      sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM cases", -1, &s, nullptr);
      sqlite3_step(s);
      int n = sqlite3_column_int(s, 0);
      sqlite3_finalize(s);
      sqlite3_close(db);
      return n;
    }
    auto r = testing_support::Sh(
        testing::PostgresServer::Shared().Psql(db_, "SELECT COUNT(*) FROM cases"));
    return std::stoi(r.out);
  }
  // Runs `sql` on the source as its own system would, on a connection of its own.
  void Change(const std::string& sql) {
    if (GetParam() == "sqlite") {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
      const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
      const std::string why = sqlite3_errmsg(db);
      sqlite3_close(db);
      ASSERT_EQ(rc, SQLITE_OK) << why;
    } else {
      auto r = testing_support::Sh(testing::PostgresServer::Shared().Psql(db_, sql));
      ASSERT_EQ(r.code, 0) << r.out;
    }
  }
  static inline int n_ = 0;
  std::string path_, url_, db_, param_;
};

TEST_P(SqlSourceTest, ASubjectsRecordComesBackRenamedWithoutNulls) {
  auto source = SqlSource::Open(
      "essex-cc",
      Config("SELECT full_name, case_status, ethnicity FROM cases WHERE ref = " + param_));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto rec = (*source)->Fetch("cf-case-status", "MOS-1");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_TRUE(rec->has_value());
  EXPECT_EQ(**rec, (Record{{"name", "Alex Demo"}, {"case_status", "open"}}));
  auto none = (*source)->Fetch("cf-case-status", "MOS-404");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto injected = (*source)->Fetch("cf-case-status", "x' OR '1'='1");
  ASSERT_TRUE(injected.ok());
  EXPECT_FALSE(injected->has_value()) << "the subject is a parameter, never SQL";
  auto twins = (*source)->Fetch("cf-case-status", "MOS-3");
  EXPECT_FALSE(twins.ok());
  EXPECT_NE(twins.status().message().find("more than one record"), std::string::npos);
  EXPECT_EQ((*source)->Fetch("other-category", "MOS-1").status().code(), Status::Code::kNotFound);
}

TEST_P(SqlSourceTest, TheSourceCannotBeChangedThroughIt) {
  auto source = SqlSource::Open("essex-cc", Config("DELETE FROM cases WHERE ref = " + param_));
  if (source.ok()) {  // PostgreSQL prepares it; the read-only session refuses to run it
    EXPECT_FALSE((*source)->Fetch("cf-case-status", "MOS-1").ok());
  } else {
    EXPECT_NE(source.status().message().find("connectors.essex-cc.categories.cf-case-status"),
              std::string::npos)
        << source.status().message();
  }
  EXPECT_EQ(Rows(), 4);
}

TEST_P(SqlSourceTest, ABadQueryIsNamedWhenTheSourceOpens) {
  auto source = SqlSource::Open("essex-cc", Config("SELEC nonsense"));
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("connectors.essex-cc.categories.cf-case-status.query"),
            std::string::npos)
      << source.status().message();
}

TEST_P(SqlSourceTest, ASourceThatMayWaitSaysSo) {
  const std::string query = "SELECT full_name FROM cases WHERE ref = " + param_;
  auto source = SqlSource::Open("essex-cc", Config(query));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  // PostgreSQL is across the network; a SQLite file in rollback mode waits for its writers.
  EXPECT_TRUE((*source)->MayBlock());
  if (GetParam() != "sqlite") return;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto wal = SqlSource::Open("essex-cc", Config(query));
  ASSERT_TRUE(wal.ok()) << wal.status().ToString();
  EXPECT_FALSE((*wal)->MayBlock()) << "in WAL mode readers never wait";
  // And it still reads, while a writer holds the file.
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE; UPDATE cases SET case_status = 'closed'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  auto r = (*wal)->Fetch("cf-case-status", "MOS-1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((**r)[0].second, "Alex Demo");
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

TEST_P(SqlSourceTest, LookUpsOnManyThreadsAtOnceEachGetTheirOwnSubjectsRecord) {
  auto source = SqlSource::Open(
      "essex-cc", Config("SELECT full_name, case_status FROM cases WHERE ref = " + param_));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const bool first = (i + t) % 2 == 0;
        auto r = (*source)->Fetch("cf-case-status", first ? "MOS-1" : "MOS-2");
        if (!r.ok() || !r->has_value()) {
          ++failed;
          continue;
        }
        if ((**r)[0].second != (first ? "Alex Demo" : "Bailey Sample")) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0) << "a look-up got another subject's record";
}

TEST_P(SqlSourceTest, ALookUpSeesWhatTheSourceCommittedSinceTheLastOne) {
  auto source =
      SqlSource::Open("essex-cc", Config("SELECT case_status FROM cases WHERE ref = " + param_));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto before = (*source)->Fetch("cf-case-status", "MOS-1");
  ASSERT_TRUE(before.ok() && before->has_value());
  EXPECT_EQ((**before)[0].second, "open");
  ASSERT_NO_FATAL_FAILURE(Change("UPDATE cases SET case_status = 'closed' WHERE ref = 'MOS-1'"));
  auto after = (*source)->Fetch("cf-case-status", "MOS-1");
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((**after)[0].second, "closed") << "a kept connection must not keep an old snapshot";
}

// Several look-ups through one reader. On SQLite (in WAL mode, as a source read from a network
// thread is) they share one snapshot, taken at the first look-up: a change committed after the
// reader is made but before its first look-up is seen, one committed between its look-ups is
// not, and the next reader sees it. While the reader holds its snapshot the source cannot
// checkpoint past it; once the reader is gone it can. PostgreSQL reads each on its own.
TEST_P(SqlSourceTest, LookUpsThroughOneReaderShareTheSnapshotOfTheFirst) {
  auto source =
      SqlSource::Open("essex-cc", Config("SELECT case_status FROM cases WHERE ref = " + param_));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  sqlite3* writer = nullptr;
  auto change = [&](const std::string& status, const std::string& ref) {
    Change("UPDATE cases SET case_status = '" + status + "' WHERE ref = '" + ref + "'");
  };
  auto status = [](const Result<std::optional<Record>>& r) {
    return r.ok() && r->has_value() && !(*r)->empty() ? (**r)[0].second : std::string("?");
  };
  if (GetParam() == "sqlite") {
    ASSERT_EQ(sqlite3_open(path_.c_str(), &writer), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(writer, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr),
              SQLITE_OK);
    source = SqlSource::Open("essex-cc",  // opened again, now that the file is in WAL mode
                             Config("SELECT case_status FROM cases WHERE ref = " + param_));
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    ASSERT_FALSE((*source)->MayBlock());
  }
  {
    auto reader = (*source)->Read();
    change("closed", "MOS-1");  // before the reader's first look-up: seen
    EXPECT_EQ(status(reader->Fetch("cf-case-status", "MOS-1")), "closed");
    change("reopened", "MOS-1");
    change("closed", "MOS-2");
    if (GetParam() == "sqlite") {
      // After the first look-up: not seen by this reader, whichever record it asks for.
      EXPECT_EQ(status(reader->Fetch("cf-case-status", "MOS-1")), "closed");
      EXPECT_EQ(status(reader->Fetch("cf-case-status", "MOS-2")), "not open");
      int log = 0, copied = 0;
      ASSERT_EQ(
          sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied),
          SQLITE_OK);
      EXPECT_LT(copied, log) << "the reader's snapshot must hold the checkpoint back";
    } else {
      EXPECT_EQ(status(reader->Fetch("cf-case-status", "MOS-1")), "reopened");
      EXPECT_EQ(status(reader->Fetch("cf-case-status", "MOS-2")), "closed");
    }
    auto unknown = reader->Fetch("no-such-category", "MOS-1");
    EXPECT_FALSE(unknown.ok());
  }
  EXPECT_EQ(status((*source)->Read()->Fetch("cf-case-status", "MOS-1")), "reopened");
  EXPECT_EQ(status((*source)->Fetch("cf-case-status", "MOS-2")), "closed");
  if (GetParam() == "sqlite") {
    int log = 0, copied = 0;
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied),
              SQLITE_OK);
    EXPECT_EQ(copied, log) << "once the readers are gone, nothing holds the checkpoint back";
    sqlite3_close(writer);
  }
}

// Field names are worked out when a query is prepared. When the source's table changes under a
// query that names no columns, SQLite prepares it again and a look-up must name the columns as
// they are now, not as they were. (PostgreSQL refuses to run the old plan instead: then the
// look-up fails, naming the provider, and never answers with the old names.)
TEST_P(SqlSourceTest, AfterTheSourcesColumnsChangeALookUpNamesThemAsTheyAreNow) {
  auto source = SqlSource::Open("essex-cc", Config("SELECT * FROM cases WHERE ref = " + param_));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto names = [](const Record& r) {
    std::vector<std::string> v;
    for (const auto& [field, _] : r) v.push_back(field);
    return v;
  };
  auto before = (*source)->Fetch("cf-case-status", "MOS-1");
  ASSERT_TRUE(before.ok() && before->has_value());
  EXPECT_EQ(names(**before), (std::vector<std::string>{"ref", "name", "case_status"}));
  ASSERT_NO_FATAL_FAILURE(
      Change("ALTER TABLE cases RENAME COLUMN case_status TO status;"
             "ALTER TABLE cases ADD COLUMN worker TEXT;"
             "UPDATE cases SET worker = 'Sam Worker' WHERE ref = 'MOS-1';"));
  auto after = (*source)->Fetch("cf-case-status", "MOS-1");
  if (GetParam() == "postgres" && !after.ok()) {
    EXPECT_NE(after.status().message().find("essex-cc"), std::string::npos)
        << after.status().ToString();
    return;
  }
  ASSERT_TRUE(after.ok() && after->has_value()) << after.status().ToString();
  EXPECT_EQ(names(**after), (std::vector<std::string>{"ref", "name", "status", "worker"}));
  EXPECT_EQ((**after)[2].second, "open");
  EXPECT_EQ((**after)[3].second, "Sam Worker");
}

// The source goes away and comes back under the look-ups: a PostgreSQL server restarts (its
// connections are cut), or a SQLite extract is replaced by a new file moved into its place (as
// a nightly export does), or removed. At most one look-up fails after a restart or a
// replacement, naming the provider, and then look-ups read the source as it is now; while a
// file is removed, look-ups fail naming it; nothing needs restarting.
TEST_P(SqlSourceTest, AfterTheSourceRestartsOrIsReplacedLookUpsReadItAsItIsNow) {
  auto source = SqlSource::Open(
      "essex-cc", Config("SELECT full_name, case_status FROM cases WHERE ref = " + param_));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto status_of_alex = [&]() -> Result<std::string> {
    auto rec = (*source)->Fetch("cf-case-status", "MOS-1");
    if (!rec.ok()) return rec.status();
    if (!rec->has_value()) return std::string("(none)");
    return (**rec)[1].second;
  };
  ASSERT_EQ(*status_of_alex(), "open");
  if (GetParam() == "sqlite") {
    const std::string fresh = path_ + ".new";
    fs::remove(fresh);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(fresh.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, kRows, nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE cases SET case_status = 'closed' WHERE ref = 'MOS-1'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    fs::rename(fresh, path_);
  } else {
    ASSERT_NO_FATAL_FAILURE(Change("UPDATE cases SET case_status = 'closed' WHERE ref = 'MOS-1'"));
    testing::PostgresServer::Shared().Restart();
  }
  int failed = 0;
  Result<std::string> now = Status::Internal("not asked");
  for (int attempt = 0; attempt < 4; ++attempt) {
    now = status_of_alex();
    if (now.ok() && *now == "closed") break;
    if (!now.ok()) {
      ++failed;
      EXPECT_NE(now.status().message().find("essex-cc"), std::string::npos)
          << now.status().ToString();
    }
    // A replaced file is noticed within a quarter of a second.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  EXPECT_EQ(*now, "closed") << "still reading the source as it was";
  EXPECT_LE(failed, 1);
  if (GetParam() != "sqlite") return;
  // The extract withdrawn: look-ups fail naming the source, rather than read the file that
  // was removed; and read again once one is back.
  const std::string kept = path_ + ".kept";
  fs::rename(path_, kept);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto gone = status_of_alex();
  EXPECT_FALSE(gone.ok()) << "a removed source was still read: " << *gone;
  if (!gone.ok()) {
    EXPECT_NE(gone.status().message().find("essex-cc"), std::string::npos)
        << gone.status().ToString();
  }
  fs::rename(kept, path_);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto back = status_of_alex();
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, "closed");
}

INSTANTIATE_TEST_SUITE_P(Sources, SqlSourceTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace concordat::exchange
