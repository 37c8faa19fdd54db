// The audit log: append entries (in batches, one transaction and one signed tree head per
// batch), read them, prove inclusion and consistency.
//
// Append() assigns indices in the order the backend's writer lock is taken: the database
// decides the order when several processes share one store. AppendGroup() is the group
// commit: many threads call Submit() and each waits for the batch that carries its entry.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
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
  //
  // `with_entry`, when given, holds one function per entry (or an empty one): each runs inside
  // the same transaction once its entry's index is known, so that a row the entry records (a
  // disclosure, say) commits together with it or not at all. A failing function rolls the
  // whole batch back.
  //
  // `tails`, when given, holds EncodeEntryTail() of each entry, made beforehand.
  //
  // `preconditions`, when given, holds one function per entry (or an empty one): each runs
  // inside the transaction just before its entry is appended, to make a conditional change
  // that the entry records (closing a request that must still be open, say). When it returns
  // kAlreadyExists (someone got there first) that entry alone is left out: it takes no index
  // (its index is kNotAppended), its with_entry function does not run, and (*refused)[k] holds
  // the status; the rest of the batch goes on. Any other error rolls the whole batch back.
  using WithEntry = std::function<Status(uint64_t index)>;
  using Precondition = std::function<Status()>;
  static constexpr uint64_t kNotAppended = ~uint64_t{0};
  Result<SignedTreeHead> Append(std::vector<LogEntry>* entries, int64_t timestamp_ms,
                                const std::vector<WithEntry>* with_entry = nullptr,
                                const std::vector<std::string>* tails = nullptr,
                                const std::vector<Precondition>* preconditions = nullptr,
                                std::vector<Status>* refused = nullptr);

  Result<std::vector<Hash>> InclusionProofFor(uint64_t index, uint64_t tree_size);
  Result<std::vector<Hash>> ConsistencyProofFor(uint64_t first, uint64_t second);
  // The root of the log's first `tree_size` entries (tree_size no more than the log holds).
  Result<Hash> RootFor(uint64_t tree_size);

 private:
  LogBackend* backend_;
  const Signer* signer_;
};

// Group commit: Submit() from any thread; a writer thread appends whatever is waiting as one
// batch (one transaction, one fsync, one signed tree head). Entries submitted while a batch is
// being written gather in the next one. The receipt's get() blocks until the entry's batch is
// durable and returns its index, or the batch's error (then none of the batch was written).
class GroupCommitter {
  struct Batch;

 public:
  class Receipt {
   public:
    Receipt() = default;
    Result<uint64_t> get() const;

   private:
    friend class GroupCommitter;
    Receipt(std::shared_ptr<Batch> batch, size_t position)
        : batch_(std::move(batch)), position_(position) {}
    std::shared_ptr<Batch> batch_;
    size_t position_ = 0;
  };

  // `on_batch`, when given, runs on the writer thread after each batch with the time its
  // append took (written and synced, or failed): for the server's metrics. It must be quick.
  using OnBatch = std::function<void(std::chrono::microseconds)>;
  GroupCommitter(Log* log, size_t max_batch = 4096, OnBatch on_batch = {});
  ~GroupCommitter();  // drains what was submitted

  // What the writer has done since it started; each figure read on its own, from any thread.
  struct Stats {
    uint64_t batches = 0, entries = 0, failed_batches = 0;
    uint64_t tree_size = 0;  // after the last batch it committed (0 before the first)
  };
  Stats stats() const;

  // With a precondition (see Log::Append), the receipt reports its kAlreadyExists when it
  // left the entry out.
  Receipt Submit(LogEntry entry, Log::WithEntry with_entry = {},
                 Log::Precondition precondition = {});
  // Without waiting: `done` runs on the writer thread once the entry's batch is durable (or
  // has failed), with the entry's index or the error. It must be quick (hand the result on).
  using Done = std::function<void(const Result<uint64_t>&)>;
  void SubmitAsync(std::vector<LogEntry> entries, std::vector<Log::WithEntry> with_entry,
                   Done done);
  // Several entries that land in the same batch, in order (one transaction, one fsync).
  std::vector<Receipt> SubmitTogether(std::vector<LogEntry> entries,
                                      std::vector<Log::WithEntry> with_entry = {},
                                      std::vector<Log::Precondition> preconditions = {});

 private:
  // One batch's entries and its outcome, shared by the writer and every receipt: one wake-up
  // per batch rather than one per entry.
  struct Batch {
    std::vector<LogEntry> entries;
    std::vector<Log::WithEntry> with_entry;        // parallel to entries
    std::vector<Log::Precondition> preconditions;  // parallel to entries, when any is given
    std::vector<Status> refused;                   // parallel to entries, set by the writer
    std::vector<std::string> tails;                // EncodeEntryTail of each, by the submitter
    std::vector<std::pair<size_t, Done>> done;     // (entry position, callback)
    std::mutex mu;
    std::condition_variable cv;
    bool finished = false;
    Status status;
  };
  void Run();
  Log* log_;
  size_t max_batch_;
  OnBatch on_batch_;
  std::atomic<uint64_t> batches_{0}, entries_{0}, failed_batches_{0}, tree_size_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Batch>> queue_;  // the back one is open for more entries
  bool stop_ = false;
  std::thread thread_;
};

int64_t NowMillis();

}  // namespace concordat::audit
