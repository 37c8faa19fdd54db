// A full disk is not a crash: the server runs on, and space comes back (a log rotated, a
// volume grown). A batch whose writes are refused must fail whole, acknowledging nothing and
// leaving nothing of itself behind, and the log must go on from where it was once writes work
// again, with no gap, nothing twice, and every proof and signature still good. The crash VFS
// (tests/support/crash_vfs.h) refuses a random run of writes, to any file: the WAL at a
// commit, the database at a checkpoint (the background checkpoint thread's included).
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

// Entries large enough to fill pages and make checkpoints.
audit::LogEntry Entry(uint64_t i) {
  return testing::BulkyEntry(i, 300, 'y');
}

TEST(DiskFull, ABatchThatCannotBeWrittenFailsWholeAndTheLogGoesOnWhenSpaceReturns) {
  auto& vfs = testing::CrashVfs::Get();
  std::mt19937 rng(1125);
  const fs::path dir =
      fs::temp_directory_path() / ("concordat-diskfull-" + std::to_string(::getpid()));
  int failed_batches = 0;
  const int refused_before = vfs.refused_writes();
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
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
      auto append = [&](int n) {
        std::vector<audit::LogEntry> batch;
        for (int i = 0; i < n; ++i) batch.push_back(Entry(acked + batch.size()));
        return log.Append(&batch, 1);
      };
      for (int b = static_cast<int>(rng() % 12); b > 0; --b) {
        auto r = append(1 + static_cast<int>(rng() % 40));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        acked = r->tree_size;
      }
      // The disk fills within the next few writes, for a run of them.
      vfs.FillDiskAtWrite(1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 25));
      int failed = 0, after_failure = 0;
      for (int b = 0; b < 80 && after_failure < 3; ++b) {
        const uint64_t before = acked;
        auto r = append(1 + static_cast<int>(rng() % 40));
        if (r.ok()) {
          EXPECT_GT(r->tree_size, before);
          acked = r->tree_size;
          after_failure += failed > 0;
        } else {
          ++failed;
          EXPECT_NE(r.status().message().find("full"), std::string::npos)
              << "the error says what happened: " << r.status().ToString();
          auto size = (*st)->Size();
          ASSERT_TRUE(size.ok()) << size.status().ToString();
          EXPECT_EQ(*size, before) << "a failed batch left some of itself behind";
        }
      }
      failed_batches += failed;
      EXPECT_GE(after_failure, failed > 0 ? 3 : 0) << "the log did not go on after the disk";
      vfs.Disarm();
      auto report = audit::VerifyLog(**st, signer.public_key());
      EXPECT_TRUE(report.ok) << report.message;
    }
    // And as a fresh process would find it.
    auto reopened = store::SqliteStore::Open(path, false);
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    auto size = (*reopened)->Size();
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, acked) << "every acknowledged entry, and nothing else";
    auto report = audit::VerifyLog(**reopened, signer.public_key());
    EXPECT_TRUE(report.ok) << report.message;
  }
  vfs.Disarm();
  fs::remove_all(dir);
  EXPECT_GE(failed_batches, 20) << "the disk must actually have filled";
  EXPECT_GT(vfs.refused_writes() - refused_before, 30);
}

}  // namespace
}  // namespace concordat
