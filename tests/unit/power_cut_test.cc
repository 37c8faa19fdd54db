// Writes after the last fsync are lost in a power cut; acknowledged (committed) entries are
// not. The crash VFS (tests/support/crash_vfs.h) cuts the power at a chosen sync, undoing
// every write not yet synced; the store is then reopened normally and checked.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "../support/crash_vfs.h"
#include "../support/log_round.h"
#include "audit/log.h"
#include "audit/verify.h"
#include "store/sqlite/sqlite_store.h"

namespace concordat {
namespace {

namespace fs = std::filesystem;

// Entries large enough to fill pages and trigger checkpoints.
audit::LogEntry Entry(uint64_t i) {
  return testing::BulkyEntry(i, 200, 'x');
}

TEST(PowerCut, UnsyncedWritesAreLostAcknowledgedEntriesAreNot) {
  auto& vfs = testing::CrashVfs::Get();
  std::mt19937 rng(2026);
  const fs::path dir =
      fs::temp_directory_path() / ("concordat-powercut-" + std::to_string(::getpid()));
  int crashes = 0;
  uint64_t total_acked = 0;
  for (int round = 0; round < 25; ++round) {
    const std::string path = (dir / "log.db").string();
    auto keys = testing::FreshLogFolder(dir);
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    const audit::Signer& signer = *keys;
    vfs.Disarm();
    uint64_t acked = 0;
    {
      auto st = store::SqliteStore::Open(path, true, testing::CrashVfs::kName);
      ASSERT_TRUE(st.ok()) << st.status().ToString();
      audit::Log log(st->get(), &signer);
      // Some batches that succeed, then the power fails at a random coming sync.
      const int before = static_cast<int>(rng() % 20);
      for (int b = 0; b < before; ++b) {
        std::vector<audit::LogEntry> batch;
        for (int i = 0; i < 1 + static_cast<int>(rng() % 40); ++i)
          batch.push_back(Entry(acked + batch.size()));
        auto r = log.Append(&batch, 1);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        acked = r->tree_size;
      }
      vfs.ArmAtSync(1 + static_cast<int>(rng() % 4));
      for (int b = 0; b < 50 && !vfs.crashed(); ++b) {
        std::vector<audit::LogEntry> batch;
        for (int i = 0; i < 1 + static_cast<int>(rng() % 40); ++i)
          batch.push_back(Entry(acked + batch.size()));
        auto r = log.Append(&batch, 1);
        if (r.ok()) acked = r->tree_size;  // committed and synced: acknowledged
      }
      crashes += vfs.crashed();
    }  // the dead connection is dropped; it can no longer write
    vfs.Disarm();
    auto reopened = store::SqliteStore::Open(path, false);
    ASSERT_TRUE(reopened.ok()) << "round " << round << ": " << reopened.status().ToString();
    auto size = (*reopened)->Size();
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, acked) << "round " << round
                            << ": every acknowledged entry, and nothing unacknowledged";
    auto report = audit::VerifyLog(**reopened, signer.public_key());
    EXPECT_TRUE(report.ok) << "round " << round << ": " << report.message;
    total_acked += acked;
  }
  fs::remove_all(dir);
  EXPECT_GE(crashes, 20) << "the power must actually have been cut";
  EXPECT_GT(total_acked, 100u);
}

}  // namespace
}  // namespace concordat

namespace concordat {
namespace {

TEST(WalWriteBuffer, ACommitReachesTheFileInAFewWritesAndReadsBackWhole) {
  auto& vfs = testing::CrashVfs::Get();
  vfs.Disarm();
  const fs::path dir =
      fs::temp_directory_path() / ("concordat-walbuffer-" + std::to_string(::getpid()));
  auto keys = testing::FreshLogFolder(dir);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  const audit::Signer& signer = *keys;
  {
    auto st = store::SqliteStore::Open((dir / "log.db").string(), true, testing::CrashVfs::kName);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    audit::Log log(st->get(), &signer);
    std::vector<audit::LogEntry> warm = {Entry(0)};
    ASSERT_TRUE(log.Append(&warm, 1).ok());
    // 400 entries of about 300 bytes: eight or more 16 KiB pages, two write calls each
    // unbuffered, and more than one 124 KiB piece buffered.
    std::vector<audit::LogEntry> batch;
    for (uint64_t i = 1; i <= 400; ++i) batch.push_back(Entry(i));
    const int before = vfs.wal_writes();
    auto r = log.Append(&batch, 2);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const int writes = vfs.wal_writes() - before;
    EXPECT_GE(writes, 1);
    EXPECT_LE(writes, 4) << "the commit's frames were not gathered";
    // Everything reads back, in this connection and in a fresh one.
    EXPECT_TRUE(audit::VerifyLog(**st, signer.public_key()).ok);
  }
  auto reopened = store::SqliteStore::Open((dir / "log.db").string(), false);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->Size(), 401u);
  auto e = (*reopened)->Entry(400);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(audit::DecodeEntry(e->encoded)->actor, "u-400");
  EXPECT_TRUE(audit::VerifyLog(**reopened, signer.public_key()).ok);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace concordat
