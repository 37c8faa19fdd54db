// The audit log: append entries (in batches, one transaction and one signed tree head per
// batch), read them, prove inclusion and consistency.
//
// Append() assigns indices in the order the backend's writer lock is taken: the database
// decides the order when several processes share one store. AppendGroup() is the group
// commit: many threads call Submit() and each waits for the batch that carries its entry.
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "audit/entry.h"
#include "audit/log_backend.h"
#include "audit/sth.h"

namespace concordat::audit {

class Log {
 public:
  Log(LogBackend* backend, const Signer* signer) : backend_(backend), signer_(signer) {}

  // Appends the entries in one transaction; sets their indices; returns the new signed tree
  // head. On error nothing is written.
  Result<SignedTreeHead> Append(std::vector<LogEntry>* entries, int64_t timestamp_ms);

  Result<std::vector<Hash>> InclusionProofFor(uint64_t index, uint64_t tree_size);
  Result<std::vector<Hash>> ConsistencyProofFor(uint64_t first, uint64_t second);

 private:
  LogBackend* backend_;
  const Signer* signer_;
};

// Group commit: Submit() from any thread; a writer thread appends whatever is waiting as one
// batch. The future resolves to the entry's index once its batch is durable.
class GroupCommitter {
 public:
  GroupCommitter(Log* log, size_t max_batch = 4096);
  ~GroupCommitter();  // drains what was submitted

  std::future<Result<uint64_t>> Submit(LogEntry entry);

 private:
  void Run();
  struct Pending {
    LogEntry entry;
    std::promise<Result<uint64_t>> done;
  };
  Log* log_;
  size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stop_ = false;
  std::thread thread_;
};

int64_t NowMillis();

}  // namespace concordat::audit
