// The audit log as an operator meets it: the real concordat binary, the real sqlite3 client
// changing rows behind Concordat's back, and a writer killed with SIGKILL mid-stream.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "../support/shell.h"
#include "audit/merkle.h"
#include "base/date.h"
#include "base/sha256.h"

namespace concordat {
namespace {

namespace fs = std::filesystem;

using testing_support::Sh;
using testing_support::ShellRun;

class AuditStore : public ::testing::Test {
 protected:
  void SetUp() override {
    static int n = 0;
    dir_ = fs::temp_directory_path() /
           ("concordat-audit-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "log.db").string();
    ASSERT_EQ(C("init").code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ShellRun C(const std::string& args) {
    return Sh(std::string(CONCORDAT_BINARY) + " " + Sub(args) + " --store sqlite:" + db_);
  }
  // Puts the subcommand first: "audit verify" -> "audit verify".
  static std::string Sub(const std::string& a) { return a; }
  ShellRun Sql(const std::string& sql) { return Sh("sqlite3 '" + db_ + "' \"" + sql + "\""); }

  void AppendEntries(int count, int batch) {
    std::ofstream f(dir_ / "in.jsonl");
    for (int i = 0; i < count; ++i)
      f << "{\"kind\":\"decision\",\"actor\":\"u-" << i
        << "\",\"organisation\":\"essex-police\",\"decision\":\"permit\"}\n";
    f.close();
    ShellRun r =
        C("audit append --batch " + std::to_string(batch) + " " + (dir_ / "in.jsonl").string());
    ASSERT_EQ(r.code, 0) << r.out;
  }

  fs::path dir_;
  std::string db_;
};

TEST_F(AuditStore, InitCreatesAPrivateKeyAndAMigratedStore) {
  EXPECT_EQ(fs::status(db_ + ".signing-key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(fs::exists(db_ + ".signing-key.pub"));
  ShellRun again = C("init");
  EXPECT_EQ(again.code, 0);
  EXPECT_NE(again.out.find("already exists and was kept"), std::string::npos);
  EXPECT_EQ(Sql("SELECT version FROM schema_migrations").out,
            "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n");
  // Disclosures are indexed only by keys that grow at one edge (time-ordered id, organisation
  // then time): not by subject_tag, whose random inserts cost a third of the look-up rate.
  EXPECT_EQ(Sql("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                "'disclosures' ORDER BY name")
                .out,
            "disclosures_from\ndisclosures_to\nsqlite_autoindex_disclosures_1\n");
}

TEST_F(AuditStore, VerifyPassesOnAnUntouchedLog) {
  AppendEntries(50, 10);
  ShellRun v = C("audit verify");
  EXPECT_EQ(v.code, 0) << v.out;
  EXPECT_NE(v.out.find("verified 50 entries and 5 signed tree heads"), std::string::npos) << v.out;
}

TEST_F(AuditStore, ChangedEntryIsNamed) {
  AppendEntries(50, 10);
  ASSERT_EQ(
      Sql("UPDATE log_entries SET entry = replace(entry, 'u-17', 'u-71') WHERE idx = 17").code, 0);
  ShellRun v = C("audit verify");
  EXPECT_EQ(v.code, 1) << v.out;
  EXPECT_NE(v.out.find("first bad entry: 17"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("entry 17 does not match its leaf hash"), std::string::npos) << v.out;
}

TEST_F(AuditStore, ChangedEntryWithARecomputedLeafIsStillCaught) {
  AppendEntries(50, 10);
  ShellRun row = Sql("SELECT entry FROM log_entries WHERE idx = 23");
  std::string entry = row.out.substr(0, row.out.size() - 1);
  std::string forged = entry;
  forged.replace(forged.find("\"permit\""), 8, "\"deny\"");
  std::string hex = audit::ToHex(audit::LeafHash(forged));
  std::string quoted;
  for (char c : forged) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  // Written through a file: the shell would eat the quotes.
  std::ofstream(dir_ / "forge.sql") << "UPDATE log_entries SET entry = CAST('" << quoted
                                    << "' AS BLOB), leaf = X'" << hex << "' WHERE idx = 23;\n";
  ASSERT_EQ(Sh("sqlite3 '" + db_ + "' < '" + (dir_ / "forge.sql").string() + "'").code, 0);
  ShellRun v = C("audit verify");
  EXPECT_EQ(v.code, 1) << v.out;
  EXPECT_NE(v.out.find("the stored leaf hash of entry 23 was altered"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("first bad entry: 23"), std::string::npos) << v.out;
  // A forger who also rewrites the leaf's node is caught by the subtree above it.
  // Leaf 23 is the 24th hash of tile 0 at level 0 (partial with 50 leaves, so a row of
  // log_open_tiles): bytes 736 to 767.
  ASSERT_EQ(Sql("UPDATE log_open_tiles SET hashes = CAST(substr(hashes, 1, 736) || X'" + hex +
                "' || substr(hashes, 769) AS BLOB) WHERE level = 0")
                .code,
            0);
  v = C("audit verify");
  EXPECT_EQ(v.code, 1) << v.out;
  EXPECT_NE(v.out.find("the stored hash over entries 22 to 23 does not match the entries"),
            std::string::npos)
      << v.out;
}

TEST_F(AuditStore, DeletedEntryIsNamed) {
  AppendEntries(50, 10);
  ASSERT_EQ(Sql("DELETE FROM log_entries WHERE idx = 23").code, 0);
  ShellRun v = C("audit verify");
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.out.find("entry 23 is missing"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("first bad entry: 23"), std::string::npos) << v.out;
}

TEST_F(AuditStore, SwappedEntriesAreNamed) {
  AppendEntries(50, 10);
  ASSERT_EQ(Sql("UPDATE log_entries SET idx = -1 WHERE idx = 5; UPDATE log_entries SET idx = 5 "
                "WHERE idx = 6; "
                "UPDATE log_entries SET idx = 6 WHERE idx = -1")
                .code,
            0);
  ShellRun v = C("audit verify");
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.out.find("entry 5 holds the content of entry 6"), std::string::npos) << v.out;
}

TEST_F(AuditStore, InsertedEntryIsNamed) {
  AppendEntries(50, 10);
  ASSERT_EQ(Sql("INSERT INTO log_entries (idx, entry, leaf) SELECT 50, entry, leaf FROM "
                "log_entries WHERE idx = 49")
                .code,
            0);
  ShellRun v = C("audit verify");
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.out.find("first bad entry: 50"), std::string::npos) << v.out;
}

TEST_F(AuditStore, ForgedSignedTreeHeadIsCaught) {
  AppendEntries(20, 10);
  ASSERT_EQ(Sql("UPDATE log_sth SET timestamp = timestamp + 1 WHERE tree_size = 20").code, 0);
  ShellRun v = C("audit verify");
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.out.find("bad signature"), std::string::npos) << v.out;
}

TEST_F(AuditStore, MalformedAppendWritesNothing) {
  AppendEntries(5, 5);
  std::ofstream(dir_ / "bad.jsonl")
      << "{\"kind\":\"decision\"}\n{\"kind\":\"decision\",\"decision\":\"perhaps\"}\n";
  ShellRun r = C("audit append " + (dir_ / "bad.jsonl").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("line 2: decision: 'perhaps' is not allowed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nothing was appended"), std::string::npos) << r.out;
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM log_entries").out, "5\n");
  EXPECT_EQ(C("audit verify").code, 0);
}

TEST_F(AuditStore, ProofsAndSamplesFromTheCommandLine) {
  AppendEntries(30, 7);
  ASSERT_EQ(Sh("cd '" + dir_.string() + "' && " + CONCORDAT_BINARY +
               " audit sth --store sqlite:" + db_ + " > sth.json")
                .code,
            0);
  ASSERT_EQ(Sh(std::string(CONCORDAT_BINARY) + " audit proof --index 12 --store sqlite:" + db_ +
               " > '" + (dir_ / "p.json").string() + "'")
                .code,
            0);
  ShellRun ok = Sh(std::string(CONCORDAT_VERIFY) + " inclusion --public-key '" + db_ +
                   ".signing-key.pub' --sth '" + (dir_ / "sth.json").string() + "' --proof '" +
                   (dir_ / "p.json").string() + "'");
  EXPECT_EQ(ok.code, 0) << ok.out;
  // The same sample twice with one seed; the sampling is logged each time.
  ShellRun s1 = C("audit sample --count 5 --seed 42");
  ShellRun s2 = C("audit sample --count 5 --seed 42");
  ASSERT_EQ(s1.code, 0) << s1.out;
  auto lines = [](const std::string& s) {
    std::vector<std::string> v;
    size_t pos = 0;
    while ((pos = s.find("{\"index\":", pos)) != std::string::npos) {
      v.push_back(s.substr(pos, s.find('\n', pos) - pos));
      ++pos;
    }
    return v;
  };
  EXPECT_EQ(lines(s1.out).size(), 5u);
  EXPECT_EQ(lines(s1.out), lines(s2.out));
  ShellRun tail = C("audit tail -n 2");
  EXPECT_NE(tail.out.find("\"kind\":\"audit-sample\""), std::string::npos) << tail.out;
  EXPECT_NE(tail.out.find("\\\"seed\\\":42"), std::string::npos)
      << tail.out;  // inside the request text
  EXPECT_EQ(C("audit verify").code, 0);
}

// A writer appends in small batches and reports each durable entry; it is killed with
// SIGKILL at random moments. Every acknowledged entry must survive and the log must verify.
TEST_F(AuditStore, AcknowledgedEntriesSurviveSigkill) {
  {
    std::ofstream f(dir_ / "load.jsonl");
    for (int i = 0; i < 20000; ++i)
      f << "{\"kind\":\"decision\",\"actor\":\"crash-" << i << "\"}\n";
  }
  std::mt19937 rng(7);
  uint64_t acked_total = 0;
  for (int round = 0; round < 12; ++round) {
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      dup2(pipefd[1], STDOUT_FILENO);
      close(pipefd[0]);
      std::string store = "sqlite:" + db_;
      std::string input = (dir_ / "load.jsonl").string();
      execl(CONCORDAT_BINARY, CONCORDAT_BINARY, "audit", "append", "--ack", "--batch", "25",
            "--store", store.c_str(), input.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(pipefd[1]);
    // Read acknowledgements; once the first arrives, kill after a random while (so the kill
    // lands mid-stream however fast or slow this build is).
    const auto delay = std::chrono::milliseconds(rng() % 400);
    auto deadline = std::chrono::steady_clock::time_point::max();
    std::set<uint64_t> acked;
    std::string pending;
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    bool killed = false;
    for (;;) {
      char buf[4096];
      ssize_t n = read(pipefd[0], buf, sizeof buf);
      if (n > 0) {
        pending.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = pending.find('\n')) != std::string::npos) {
          std::string line = pending.substr(0, nl);
          pending.erase(0, nl + 1);
          if (line.rfind("ack ", 0) == 0) {
            acked.insert(std::stoull(line.substr(4)));
            if (deadline == std::chrono::steady_clock::time_point::max())
              deadline = std::chrono::steady_clock::now() + delay;
          }
        }
      } else if (n == 0) {
        break;  // the writer finished before the deadline
      }
      if (!killed && std::chrono::steady_clock::now() >= deadline) {
        kill(pid, SIGKILL);
        killed = true;
      }
      if (n < 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    // Every acknowledged entry is there.
    ShellRun count = Sql("SELECT COUNT(*) FROM log_entries");
    uint64_t stored = std::stoull(count.out);
    if (!acked.empty()) {
      EXPECT_GT(stored, *acked.rbegin()) << "round " << round << ": an acknowledged entry was lost";
    }
    acked_total += acked.size();
    ShellRun v = C("audit verify");
    ASSERT_EQ(v.code, 0) << "round " << round << ": " << v.out;
  }
  EXPECT_GT(acked_total, 100u) << "the writer must have made progress before being killed";
}

}  // namespace
}  // namespace concordat

namespace concordat {
namespace {

// concordat backup while another process appends: the copy is the log as it stood at one
// moment (whole, verified, at least what was there before and no more than after), readable
// by its owner only; a name already taken, a PostgreSQL store or a folder that does not exist
// is refused with nothing written.
TEST_F(AuditStore, ABackupTakenWhileEntriesAreAppendedIsWholeVerifiedAndPrivate) {
  AppendEntries(3000, 100);
  auto size_of = [this](const std::string& db) {
    ShellRun r = Sh(std::string(CONCORDAT_BINARY) + " audit sth --store sqlite:" + db);
    const size_t at = r.out.find("\"tree_size\":");
    return at == std::string::npos ? 0ull : std::stoull(r.out.substr(at + 12));
  };
  const uint64_t before = size_of(db_);
  ASSERT_EQ(before, 3000u);
  std::ofstream more(dir_ / "more.jsonl");
  for (int i = 0; i < 4000; ++i) more << "{\"kind\":\"decision\",\"actor\":\"u-more\"}\n";
  more.close();
  std::thread appender([this] {
    EXPECT_EQ(C("audit append --batch 20 " + (dir_ / "more.jsonl").string()).code, 0);
  });
  const std::string copy = (dir_ / "copy.db").string();
  ShellRun backup = C("backup --to " + copy);
  appender.join();
  ASSERT_EQ(backup.code, 0) << backup.out;
  EXPECT_NE(backup.out.find("verified"), std::string::npos) << backup.out;
  EXPECT_NE(backup.out.find(".master-key"), std::string::npos) << "the keys are not in it";
  const uint64_t in_copy = size_of(copy), after = size_of(db_);
  EXPECT_GE(in_copy, before);
  EXPECT_LE(in_copy, after);
  EXPECT_EQ(after, 7000u);
  ShellRun verify = Sh(std::string(CONCORDAT_BINARY) + " audit verify --store sqlite:" + copy +
                       " --public-key " + db_ + ".signing-key.pub");
  EXPECT_EQ(verify.code, 0) << verify.out;
  EXPECT_EQ(fs::status(copy).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(copy + ".partial"));

  const auto size = fs::file_size(copy);
  ShellRun again = C("backup --to " + copy);
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.out.find("exists"), std::string::npos) << again.out;
  EXPECT_EQ(fs::file_size(copy), size);
  ShellRun pg = Sh(std::string(CONCORDAT_BINARY) + " backup --store postgresql:///x --to " +
                   (dir_ / "pg.db").string());
  EXPECT_EQ(pg.code, 2);
  EXPECT_NE(pg.out.find("pg_dump"), std::string::npos) << pg.out;
  ShellRun nowhere = C("backup --to " + (dir_ / "no/such/folder/b.db").string());
  EXPECT_EQ(nowhere.code, 2) << nowhere.out;
  EXPECT_FALSE(fs::exists(dir_ / "pg.db"));
}

TEST_F(AuditStore, UserAddPrintsATokenOnceAndStoresOnlyItsHash) {
  ShellRun added =
      C("user add --id u-4411 --org essex-police --roles "
        "intelligence-support-officer,intelligence-coordinator --name 'A Officer'");
  ASSERT_EQ(added.code, 0) << added.out;
  const size_t at = added.out.find("cct_");
  ASSERT_NE(at, std::string::npos) << added.out;
  const std::string token = added.out.substr(at, 4 + 64);
  ShellRun row = Sql("SELECT organisation, roles, token_hash FROM users WHERE id = 'u-4411'");
  EXPECT_EQ(row.out, "essex-police|intelligence-support-officer,intelligence-coordinator|sha256:" +
                         Sha256Hex(token) + "\n");
  ShellRun dump = Sh("sqlite3 '" + db_ + "' .dump");
  EXPECT_EQ(dump.out.find(token), std::string::npos) << "the token itself is stored";
  ShellRun again = C("user add --id u-4411 --org essex-police --roles x");
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.out.find("user u-4411 already exists; nothing was changed"), std::string::npos);
  ShellRun bad = C("user add --id u-1 --org 'Essex Police' --roles x");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("--org 'Essex Police'"), std::string::npos) << bad.out;
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM users").out, "1\n");
}

TEST_F(AuditStore, UserRevokeEndsATokenAndUserListShowsWhoIsActive) {
  ASSERT_EQ(C("user add --id u-4411 --org essex-police --roles analyst").code, 0);
  ASSERT_EQ(C("user add --id u-20 --org essex-cc --roles cf-manager,cf-worker").code, 0);
  ShellRun listed = C("user list");
  ASSERT_EQ(listed.code, 0) << listed.out;
  EXPECT_NE(listed.out.find("u-20\tessex-cc\tcf-manager,cf-worker\t"), std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("\tactive\t-\t"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find("cct_"), std::string::npos) << "a token was listed";
  EXPECT_EQ(listed.out.find("sha256:"), std::string::npos) << "a token hash was listed";
  ShellRun revoked = C("user revoke --id u-4411");
  ASSERT_EQ(revoked.code, 0) << revoked.out;
  EXPECT_NE(revoked.out.find("user u-4411 revoked"), std::string::npos) << revoked.out;
  EXPECT_EQ(Sql("SELECT length(revoked_at) FROM users WHERE id = 'u-4411'").out, "20\n");
  EXPECT_EQ(Sql("SELECT revoked_at FROM users WHERE id = 'u-20'").out, "\n");
  ShellRun police = C("user list --org essex-police");
  EXPECT_NE(police.out.find("u-4411\tessex-police\tanalyst\t"), std::string::npos) << police.out;
  EXPECT_NE(police.out.find("\trevoked 20"), std::string::npos) << police.out;
  EXPECT_EQ(police.out.find("u-20"), std::string::npos) << police.out;
  ShellRun twice = C("user revoke --id u-4411");
  EXPECT_EQ(twice.code, 2);
  EXPECT_NE(twice.out.find("was revoked already"), std::string::npos) << twice.out;
  ShellRun unknown = C("user revoke --id u-404");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.out.find("no user u-404; nothing was changed"), std::string::npos)
      << unknown.out;
}

// A token nobody renews stops on its own: a year by default, --valid-days otherwise (0: no
// end), renewed with each new token; the end is in the access entry and the listing.
TEST_F(AuditStore, AUsersAccessEndsAfterItsValidDaysUnlessGivenANewToken) {
  auto in_days =
      [](int days) {  // the day access given now ends (today's or, at midnight, the next)
        return std::vector<std::string>{Date::Today().AddDays(days).ToString(),
                                        Date::Today().AddDays(days + 1).ToString()};
      };
  auto ends_on = [&](const std::string& id) {
    return Sql("SELECT substr(expires_at, 1, 10) FROM users WHERE id = '" + id + "'").out;
  };
  auto last_access = [this] {
    auto e = nlohmann::json::parse(C("audit tail --count 1").out, nullptr, false);
    return e.is_discarded() ? nlohmann::json::object()
                            : nlohmann::json::parse(e.value("request", "{}"), nullptr, false);
  };
  ShellRun added = C("user add --id u-1 --org essex-police --roles analyst");
  ASSERT_EQ(added.code, 0) << added.out;
  const auto year = in_days(365);
  EXPECT_TRUE(ends_on("u-1") == year[0] + "\n" || ends_on("u-1") == year[1] + "\n")
      << ends_on("u-1");
  EXPECT_NE(added.out.find("their access ends at " + ends_on("u-1").substr(0, 10)),
            std::string::npos)
      << added.out;
  EXPECT_EQ(last_access().value("expires_at", "").substr(0, 10), ends_on("u-1").substr(0, 10));

  ASSERT_EQ(C("user add --id u-2 --org essex-police --roles analyst --valid-days 0").code, 0);
  EXPECT_EQ(Sql("SELECT expires_at FROM users WHERE id = 'u-2'").out, "\n");
  EXPECT_FALSE(last_access().contains("expires_at"));
  ShellRun negative = C("user add --id u-3 --org essex-police --roles analyst --valid-days -3");
  EXPECT_EQ(negative.code, 2) << negative.out;
  EXPECT_NE(negative.out.find("--valid-days"), std::string::npos) << negative.out;
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM users WHERE id = 'u-3'").out, "0\n");

  // A new token sets a new end; the listing shows each user's end, and which have passed.
  ASSERT_EQ(C("user token --id u-2 --valid-days 30").code, 0);
  const auto month = in_days(30);
  EXPECT_TRUE(ends_on("u-2") == month[0] + "\n" || ends_on("u-2") == month[1] + "\n")
      << ends_on("u-2");
  EXPECT_EQ(last_access().value("event", ""), "token-replaced");
  EXPECT_EQ(last_access().value("expires_at", "").substr(0, 10), ends_on("u-2").substr(0, 10));
  ASSERT_EQ(Sql("UPDATE users SET expires_at = '2020-01-01T00:00:00Z' WHERE id = 'u-1'").code, 0);
  ShellRun listed = C("user list");
  EXPECT_NE(listed.out.find("\texpired 2020-01-01T00:00:00Z\t-\t2020-01-01T00:00:00Z\n"),
            std::string::npos)
      << listed.out;
  EXPECT_NE(listed.out.find("u-2\tessex-police\tanalyst\t"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("\tactive\t-\t" + ends_on("u-2").substr(0, 10)), std::string::npos)
      << listed.out;
}

}  // namespace
}  // namespace concordat
