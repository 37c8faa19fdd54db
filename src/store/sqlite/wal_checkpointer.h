// Checkpoints an SQLite store's write-ahead log on a thread of its own.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold, on the
// committing thread, so one audit batch in every few hundred paid for copying the WAL into the
// database and syncing it. The store instead turns automatic checkpoints off and calls
// Request() from its WAL hook; this thread then runs a PASSIVE checkpoint on its own
// connection while the writer goes on appending (WAL mode lets the two run together).
//
// The writer restarts the WAL from its beginning only once a checkpoint has copied all of it,
// and a busy writer keeps adding frames during every pass. So after each completed pass
// (TakeCaughtUp) the store's WAL hook has the writer copy what was committed during the pass,
// a small remainder, and its next transaction starts the WAL afresh. Requests made during a
// pass are dropped: that copy replaces them.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace concordat::store {

class WalCheckpointer {
 public:
  // `path` and `vfs` as the store opened them. No thread runs until the first Request().
  WalCheckpointer(std::string path, const char* vfs);
  // Stops the thread; a checkpoint under way finishes first.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Asks for a checkpoint soon. Cheap, never blocks on the checkpoint itself.
  void Request();
  // True once after each background pass that completed: the WAL then holds only what was
  // committed while that pass ran, which the writer can copy itself in moments, so that its
  // next transaction restarts the WAL from the beginning.
  bool TakeCaughtUp();
  // Passes that copied the whole WAL as it stood when they began, and the frames all passes
  // copied (for tests and diagnostics).
  int completed() const;
  long long frames_copied() const;

 private:
  void Run();

  const std::string path_;
  const char* vfs_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;
  bool stop_ = false;
  int completed_ = 0;
  long long frames_copied_ = 0;
  bool caught_up_ = false;
  std::thread thread_;  // started by the first Request()
};

}  // namespace concordat::store
