#include "store/sqlite/wal_checkpointer.h"

#include <pthread.h>

namespace concordat::store {

WalCheckpointer::WalCheckpointer(std::string path, const char* vfs)
    : path_(std::move(path)), vfs_(vfs) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::Request() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return;
  requested_ = true;
  if (!thread_.joinable()) {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "wal-checkpoint");
      Run();
    });
  } else {
    cv_.notify_one();
  }
}

bool WalCheckpointer::TakeCaughtUp() {
  std::lock_guard<std::mutex> lock(mu_);
  const bool was = caught_up_;
  caught_up_ = false;
  return was;
}

int WalCheckpointer::completed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return completed_;
}

long long WalCheckpointer::frames_copied() const {
  std::lock_guard<std::mutex> lock(mu_);
  return frames_copied_;
}

void WalCheckpointer::Run() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs_) !=
      SQLITE_OK) {
    sqlite3_close(db);  // the writer's own WAL hook keeps asking; nothing is lost meanwhile
    db = nullptr;
  }
  if (db) sqlite3_busy_timeout(db, 1000);
  // A connection learns that the database is in WAL mode only when it first reads it. Until
  // then a checkpoint on it is a no-op that reports success with -1 frames, and every pass
  // would have left the whole copy to the writer. Read the schema once, now.
  if (db && sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) !=
                SQLITE_OK) {
    sqlite3_close(db);  // as above: the writer copies the WAL itself
    db = nullptr;
  }
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || requested_; });
      if (stop_) break;
      requested_ = false;
    }
    if (!db) continue;
    // PASSIVE: copies what no reader still needs, never waits for readers or the writer.
    int in_wal = -1;
    int copied = -1;
    const int rc =
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &in_wal, &copied);
    std::lock_guard<std::mutex> lock(mu_);
    requested_ = false;  // asked again during the pass: the writer finishes it instead
    if (rc == SQLITE_OK && copied > 0) frames_copied_ += copied;
    // Caught up only when the pass copied every frame it saw: a reader's snapshot can hold
    // part of the WAL back, and then the writer's copy would be held back just the same.
    if (rc == SQLITE_OK && in_wal >= 0 && copied == in_wal) {
      ++completed_;
      caught_up_ = true;
    }
  }
  sqlite3_close(db);
}

}  // namespace concordat::store
