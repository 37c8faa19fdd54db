#include "audit/log.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>

namespace concordat::audit {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<SignedTreeHead> Log::Append(std::vector<LogEntry>* entries, int64_t timestamp_ms,
                                   const std::vector<WithEntry>* with_entry,
                                   const std::vector<std::string>* tails,
                                   const std::vector<Precondition>* preconditions,
                                   std::vector<Status>* refused) {
  if (refused) refused->assign(entries->size(), Status::Ok());
  auto tx = backend_->BeginWrite();
  if (!tx.ok()) return tx.status();
  LogWriteTransaction& t = **tx;
  auto size = t.Size();
  if (!size.ok()) return size.status();
  uint64_t n = *size;
  for (size_t k = 0; k < entries->size(); ++k) {
    LogEntry& e = (*entries)[k];
    if (preconditions && k < preconditions->size() && (*preconditions)[k]) {
      Status holds = (*preconditions)[k]();
      if (holds.code() == Status::Code::kAlreadyExists) {
        e.index = kNotAppended;
        if (refused) (*refused)[k] = std::move(holds);
        continue;
      }
      if (!holds.ok()) return holds;
    }
    e.index = n;
    const std::string encoded =
        tails && k < tails->size() ? EncodeEntryWithTail(n, (*tails)[k]) : EncodeEntry(e);
    Hash leaf = LeafHash(encoded);
    if (Status s = t.PutEntry(n, encoded, leaf); !s.ok()) return s;
    // The complete subtrees this leaf closes: one per trailing one bit of n.
    Hash h = leaf;
    uint64_t i = n;
    for (int level = 0; (i & 1) == 1; ++level) {
      auto left = t.Node(level, i - 1);
      if (!left.ok()) return left.status();
      h = NodeHash(*left, h);
      i >>= 1;
      if (Status s = t.PutNode(level + 1, i, h); !s.ok()) return s;
    }
    if (with_entry && k < with_entry->size() && (*with_entry)[k])
      if (Status s = (*with_entry)[k](n); !s.ok()) return s;
    ++n;
  }
  auto root = RootHash(t, n);
  if (!root.ok()) return root.status();
  SignedTreeHead sth = signer_->Sign(n, timestamp_ms, *root);
  if (Status s = t.PutSth(sth); !s.ok()) return s;
  if (Status s = t.Commit(); !s.ok()) return s;
  return sth;
}

Result<std::vector<Hash>> Log::InclusionProofFor(uint64_t index, uint64_t tree_size) {
  return InclusionProof(*backend_, index, tree_size);
}

Result<std::vector<Hash>> Log::ConsistencyProofFor(uint64_t first, uint64_t second) {
  return ConsistencyProof(*backend_, first, second);
}

Result<Hash> Log::RootFor(uint64_t tree_size) {
  return RootHash(*backend_, tree_size);
}

GroupCommitter::GroupCommitter(Log* log, size_t max_batch, OnBatch on_batch)
    : log_(log), max_batch_(max_batch), on_batch_(std::move(on_batch)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-writer");  // seen in top -H, perf, gdb
    Run();
  });
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

namespace {

// The index-free part of each entry's encoding, made on the submitting thread.
std::vector<std::string> Tails(const std::vector<LogEntry>& entries) {
  std::vector<std::string> tails;
  tails.reserve(entries.size());
  for (const LogEntry& e : entries) tails.push_back(EncodeEntryTail(e));
  return tails;
}

}  // namespace

GroupCommitter::Receipt GroupCommitter::Submit(LogEntry entry, Log::WithEntry with_entry,
                                               Log::Precondition precondition) {
  std::vector<LogEntry> one;
  one.push_back(std::move(entry));
  std::vector<Log::WithEntry> hooks;
  hooks.push_back(std::move(with_entry));
  std::vector<Log::Precondition> conditions;
  if (precondition) conditions.push_back(std::move(precondition));
  return SubmitTogether(std::move(one), std::move(hooks), std::move(conditions)).front();
}

std::vector<GroupCommitter::Receipt> GroupCommitter::SubmitTogether(
    std::vector<LogEntry> entries, std::vector<Log::WithEntry> with_entry,
    std::vector<Log::Precondition> preconditions) {
  std::vector<Receipt> receipts;
  receipts.reserve(entries.size());
  std::vector<std::string> tails = Tails(entries);
  bool first;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty() || queue_.back()->entries.size() + entries.size() > max_batch_) {
      queue_.push_back(std::make_shared<Batch>());
      queue_.back()->entries.reserve(std::min<size_t>(max_batch_, 64));
      queue_.back()->tails.reserve(std::min<size_t>(max_batch_, 64));
    }
    std::shared_ptr<Batch> batch = queue_.back();
    first = batch->entries.empty();
    for (size_t i = 0; i < entries.size(); ++i) {
      receipts.push_back(Receipt(batch, batch->entries.size()));
      batch->entries.push_back(std::move(entries[i]));
      batch->tails.push_back(std::move(tails[i]));
      if (i < with_entry.size() && with_entry[i]) {
        batch->with_entry.resize(batch->entries.size());
        batch->with_entry.back() = std::move(with_entry[i]);
      }
      if (i < preconditions.size() && preconditions[i]) {
        batch->preconditions.resize(batch->entries.size());
        batch->preconditions.back() = std::move(preconditions[i]);
      }
    }
  }
  if (first) cv_.notify_one();  // the writer waits only for an empty queue to fill
  return receipts;
}

void GroupCommitter::SubmitAsync(std::vector<LogEntry> entries,
                                 std::vector<Log::WithEntry> with_entry, Done done) {
  std::vector<std::string> tails = Tails(entries);
  bool first;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty() || queue_.back()->entries.size() + entries.size() > max_batch_) {
      queue_.push_back(std::make_shared<Batch>());
      queue_.back()->entries.reserve(std::min<size_t>(max_batch_, 64));
      queue_.back()->tails.reserve(std::min<size_t>(max_batch_, 64));
    }
    Batch& batch = *queue_.back();
    first = batch.entries.empty();
    for (size_t i = 0; i < entries.size(); ++i) {
      batch.entries.push_back(std::move(entries[i]));
      batch.tails.push_back(std::move(tails[i]));
      if (i < with_entry.size() && with_entry[i]) {
        batch.with_entry.resize(batch.entries.size());
        batch.with_entry.back() = std::move(with_entry[i]);
      }
    }
    batch.done.emplace_back(batch.entries.size() - 1, std::move(done));  // the last entry's index
  }
  if (first) cv_.notify_one();
}

Result<uint64_t> GroupCommitter::Receipt::get() const {
  if (!batch_) return Status::Internal("an empty receipt");
  std::unique_lock<std::mutex> lock(batch_->mu);
  batch_->cv.wait(lock, [this] { return batch_->finished; });
  if (!batch_->status.ok()) return batch_->status;
  if (position_ < batch_->refused.size() && !batch_->refused[position_].ok())
    return batch_->refused[position_];
  return batch_->entries[position_].index;
}

GroupCommitter::Stats GroupCommitter::stats() const {
  Stats s;
  s.batches = batches_.load(std::memory_order_relaxed);
  s.entries = entries_.load(std::memory_order_relaxed);
  s.failed_batches = failed_batches_.load(std::memory_order_relaxed);
  s.tree_size = tree_size_.load(std::memory_order_relaxed);
  return s;
}

void GroupCommitter::Run() {
  for (;;) {
    std::shared_ptr<Batch> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();  // closed: later submissions start a new batch
    }
    const auto began = std::chrono::steady_clock::now();
    auto sth = log_->Append(&batch->entries, NowMillis(),
                            batch->with_entry.empty() ? nullptr : &batch->with_entry, &batch->tails,
                            batch->preconditions.empty() ? nullptr : &batch->preconditions,
                            batch->preconditions.empty() ? nullptr : &batch->refused);
    if (sth.ok()) {
      batches_.fetch_add(1, std::memory_order_relaxed);
      uint64_t appended = 0;
      for (const LogEntry& e : batch->entries) appended += e.index != Log::kNotAppended;
      entries_.fetch_add(appended, std::memory_order_relaxed);
      tree_size_.store(sth->tree_size, std::memory_order_relaxed);
    } else {
      failed_batches_.fetch_add(1, std::memory_order_relaxed);
    }
    if (on_batch_)
      on_batch_(std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - began));
    {
      std::lock_guard<std::mutex> lock(batch->mu);
      batch->status = sth.ok() ? Status::Ok() : sth.status();
      batch->finished = true;
    }
    batch->cv.notify_all();
    for (auto& [position, done] : batch->done) {
      if (sth.ok() && position < batch->refused.size() && !batch->refused[position].ok()) {
        done(batch->refused[position]);
      } else if (sth.ok()) {
        done(batch->entries[position].index);
      } else {
        done(sth.status());
      }
    }
  }
}

}  // namespace concordat::audit
