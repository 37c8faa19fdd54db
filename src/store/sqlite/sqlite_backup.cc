#include "store/sqlite/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

namespace concordat::store {

namespace {

namespace fs = std::filesystem;

// Pages copied between progress reports (16 KiB pages: 4 MiB).
constexpr int kPagesPerStep = 256;

Status SyncDirectoryOf(const std::string& path) {
  const std::string dir = fs::path(path).parent_path().empty()
                              ? std::string(".")
                              : fs::path(path).parent_path().string();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Status::IoError(dir + ": cannot open to sync the backup's name");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::IoError(dir + ": cannot sync the backup's name");
}

}  // namespace

Status BackupSqliteFile(const std::string& from, const std::string& to,
                        const std::function<void(int copied, int total)>& progress) {
  std::error_code ec;
  if (fs::exists(to, ec))
    return Status::InvalidArgument(to + ": exists; name a new file (nothing was written)");
  if (!fs::exists(from, ec)) return Status::NotFound(from + ": no store here");
  const std::string partial = to + ".partial";
  fs::remove(partial, ec);

  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  sqlite3_backup* backup = nullptr;
  auto fail = [&](const std::string& what, sqlite3* db) {
    const Status s = Status::IoError(what + (db ? std::string(": ") + sqlite3_errmsg(db) : ""));
    if (backup) sqlite3_backup_finish(backup);
    sqlite3_close(dst);
    sqlite3_close(src);
    std::error_code ignored;
    fs::remove(partial, ignored);
    return s;
  };
  if (sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return fail(from + ": cannot open the store to copy it", src);
  sqlite3_busy_timeout(src, 5000);
  // One snapshot for the whole copy: a read transaction held from here to the end. In WAL
  // mode the server's writers go on meanwhile, and the copy never sees their commits.
  if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) !=
      SQLITE_OK)
    return fail(from + ": cannot read the store", src);
  // The copy holds what the store holds: readable by its owner only, as the store is. (SQLite
  // gives the copy's own WAL the same mode.)
  const int made = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (made < 0) return fail(partial + ": cannot create the backup", nullptr);
  ::close(made);
  if (sqlite3_open_v2(partial.c_str(), &dst, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
    return fail(partial + ": cannot create the backup", dst);
  backup = sqlite3_backup_init(dst, "main", src, "main");
  if (!backup) return fail(partial + ": cannot start the copy", dst);
  for (;;) {
    const int rc = sqlite3_backup_step(backup, kPagesPerStep);
    const int total = sqlite3_backup_pagecount(backup);
    if (progress) progress(total - sqlite3_backup_remaining(backup), total);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (rc != SQLITE_OK) return fail(partial + ": copying failed", dst);
  }
  const int finished = sqlite3_backup_finish(backup);
  backup = nullptr;
  if (finished != SQLITE_OK) return fail(partial + ": finishing the copy failed", dst);
  sqlite3_exec(src, "COMMIT", nullptr, nullptr, nullptr);
  // The copy is in WAL mode, as the store is: fold its log in and sync, so that the one file
  // is the whole backup.
  if (sqlite3_exec(dst, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail(partial + ": syncing the backup failed", dst);
  if (sqlite3_close(dst) != SQLITE_OK) {
    dst = nullptr;
    return fail(partial + ": closing the backup failed", nullptr);
  }
  dst = nullptr;
  sqlite3_close(src);
  src = nullptr;
  fs::rename(partial, to, ec);
  if (ec) return fail(to + ": cannot name the backup: " + ec.message(), nullptr);
  return SyncDirectoryOf(to);
}

}  // namespace concordat::store
