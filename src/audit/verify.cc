#include "audit/verify.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "audit/entry.h"

namespace concordat::audit {
namespace {

// Reads the entry and node cursors on a thread of its own, a chunk at a time, so that reading
// the store and hashing overlap (on two cores, verification runs at the slower of the two
// rather than their sum). Only that thread touches the cursors. The two streams are handed
// out independently: a chunk carries the entries of a range and the nodes that end in it,
// and is recycled once both streams have moved past it.
class Prefetcher {
 public:
  Prefetcher(EntryCursor* entries, NodeCursor* nodes) : entries_(entries), nodes_(nodes) {
    thread_ = std::thread([this] { Produce(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // The next entry or node; false at the end. The pointer is valid until the next call.
  Result<bool> NextEntry(const StoredEntry** out) {
    for (;;) {
      Chunk* c = Held(entry_seq_);
      if (entry_pos_ < c->n_entries) {
        *out = &c->entries[entry_pos_++];
        return true;
      }
      if (!c->error.ok()) return c->error;
      if (c->last) return false;
      ++entry_seq_;
      entry_pos_ = 0;
      Release();
    }
  }
  Result<bool> NextNode(const StoredNode** out) {
    for (;;) {
      Chunk* c = Held(node_seq_);
      if (node_pos_ < c->nodes.size()) {
        *out = &c->nodes[node_pos_++];
        return true;
      }
      if (!c->error.ok()) return c->error;
      if (c->last) return false;
      ++node_seq_;
      node_pos_ = 0;
      Release();
    }
  }

 private:
  static constexpr size_t kEntriesPerChunk = 1024;
  static constexpr size_t kMaxNodesPerChunk = 4 * kEntriesPerChunk;
  static constexpr size_t kMaxReady = 4;

  struct Chunk {
    std::vector<StoredEntry> entries;  // the first n_entries are this chunk's
    size_t n_entries = 0;
    std::vector<StoredNode> nodes;
    Status error;
    bool last = false;
  };

  static uint64_t LastLeafOf(const StoredNode& n) {
    if (n.level < 0 || n.level >= 63) return UINT64_MAX;
    return ((n.index + 1) << n.level) - 1;
  }

  // The chunk with sequence number `seq`, waiting for the reader when it is not here yet.
  Chunk* Held(uint64_t seq) {
    while (held_base_ + held_.size() <= seq) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return !ready_.empty(); });
      held_.push_back(std::move(ready_.front()));
      ready_.pop_front();
      lock.unlock();
      cv_.notify_all();
    }
    return held_[seq - held_base_].get();
  }

  void Release() {
    const uint64_t keep = std::min(entry_seq_, node_seq_);
    while (held_base_ < keep && !held_.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      spare_.push_back(std::move(held_.front()));
      held_.pop_front();
      ++held_base_;
    }
  }

  void Produce() {
    StoredNode pending;
    bool have_pending = false, nodes_done = false, entries_done = false;
    for (;;) {
      std::unique_ptr<Chunk> c;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || ready_.size() < kMaxReady; });
        if (stop_) return;
        if (!spare_.empty()) {
          c = std::move(spare_.back());
          spare_.pop_back();
        }
      }
      if (!c) c = std::make_unique<Chunk>();
      c->n_entries = 0;
      c->nodes.clear();
      c->error = Status::Ok();
      c->last = false;
      while (!entries_done && c->n_entries < kEntriesPerChunk) {
        if (c->entries.size() <= c->n_entries) c->entries.emplace_back();
        auto more = entries_->Next(&c->entries[c->n_entries]);
        if (!more.ok()) {
          c->error = more.status();
          c->last = true;
          break;
        }
        if (!*more) {
          entries_done = true;
          break;
        }
        ++c->n_entries;
      }
      if (!c->last) {
        // The nodes that end within this chunk's entries; after the last entry, all the rest.
        const uint64_t limit =
            entries_done || c->n_entries == 0 ? UINT64_MAX : c->entries[c->n_entries - 1].index;
        while (c->nodes.size() < kMaxNodesPerChunk) {
          if (!have_pending && !nodes_done) {
            auto more = nodes_->Next(&pending);
            if (!more.ok()) {
              c->error = more.status();
              c->last = true;
              break;
            }
            if (*more) {
              have_pending = true;
            } else {
              nodes_done = true;
            }
          }
          if (!have_pending || LastLeafOf(pending) > limit) break;
          c->nodes.push_back(pending);
          have_pending = false;
        }
        if (entries_done && !have_pending && nodes_done) c->last = true;
      }
      const bool last = c->last;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ready_.push_back(std::move(c));
      }
      cv_.notify_all();
      if (last) return;
    }
  }

  EntryCursor* entries_;
  NodeCursor* nodes_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Chunk>> ready_;   // read, not yet taken (reader -> verifier)
  std::vector<std::unique_ptr<Chunk>> spare_;  // done with (verifier -> reader)
  bool stop_ = false;
  // The verifier's side (its thread only).
  std::deque<std::unique_ptr<Chunk>> held_;
  uint64_t held_base_ = 0;  // sequence number of held_.front()
  uint64_t entry_seq_ = 0, node_seq_ = 0;
  size_t entry_pos_ = 0, node_pos_ = 0;
};

VerifyReport Fail(uint64_t checked, std::optional<uint64_t> bad, std::string message) {
  VerifyReport r;
  r.ok = false;
  r.entries = checked;
  r.first_bad = bad;
  r.message = std::move(message);
  return r;
}

struct Frontier {
  struct Item {
    int level;
    uint64_t index;
    Hash hash;
  };
  std::vector<Item> stack;

  Hash Root() const {
    Hash root = stack.back().hash;
    for (size_t i = stack.size() - 1; i-- > 0;) root = NodeHash(stack[i].hash, root);
    return root;
  }
};

}  // namespace

VerifyReport VerifyLog(LogBackend& backend, const PublicKey& key,
                       const std::function<void(uint64_t, uint64_t)>& progress) {
  // One state of the store throughout, even while a writer appends.
  auto scope = backend.OpenReadScope();
  auto sths = backend.Sths();
  if (!sths.ok()) return Fail(0, std::nullopt, sths.status().message());
  for (const auto& sth : *sths)
    if (!VerifySth(sth, key))
      return Fail(0, std::nullopt,
                  "the signed tree head for " + std::to_string(sth.tree_size) +
                      " entries has a bad signature (wrong key, or altered)");
  auto size = backend.Size();
  if (!size.ok()) return Fail(0, std::nullopt, size.status().message());
  auto entries = backend.Entries(0);
  if (!entries.ok()) return Fail(0, std::nullopt, entries.status().message());
  auto nodes = backend.Nodes();
  if (!nodes.ok()) return Fail(0, std::nullopt, nodes.status().message());

  Prefetcher read(entries->get(), nodes->get());
  Frontier frontier;
  size_t next_sth = 0;
  uint64_t expected = 0;
  uint64_t prev_signed = 0;
  const StoredEntry* entry = nullptr;
  const StoredNode* node = nullptr;
  for (;;) {
    auto more = read.NextEntry(&entry);
    if (!more.ok()) return Fail(expected, expected, more.status().message());
    if (!*more) break;
    const StoredEntry& e = *entry;
    if (e.index != expected) {
      if (e.index > expected)
        return Fail(expected, expected, "entry " + std::to_string(expected) + " is missing");
      return Fail(expected, e.index, "entry " + std::to_string(e.index) + " appears twice");
    }
    auto own_index = EntryIndex(e.encoded);
    if (!own_index.ok())
      return Fail(
          expected, expected,
          "entry " + std::to_string(expected) + " is altered: " + own_index.status().message());
    if (*own_index != expected)
      return Fail(expected, expected,
                  "entry " + std::to_string(expected) + " holds the content of entry " +
                      std::to_string(*own_index) + " (entries moved or swapped)");
    if (LeafHash(e.encoded) != e.leaf)
      return Fail(expected, expected,
                  "entry " + std::to_string(expected) + " does not match its leaf hash (altered)");
    // The leaf's own node, then each subtree it completes, must match the stored nodes.
    {
      auto got = read.NextNode(&node);
      if (!got.ok()) return Fail(expected, expected, got.status().message());
      if (!*got || node->level != 0 || node->index != expected)
        return Fail(expected, expected,
                    "the stored leaf hash of entry " + std::to_string(expected) +
                        " is missing or out of place");
      if (node->hash != e.leaf)
        return Fail(expected, expected,
                    "the stored leaf hash of entry " + std::to_string(expected) + " was altered");
    }
    frontier.stack.push_back({0, expected, e.leaf});
    while (frontier.stack.size() >= 2 && frontier.stack[frontier.stack.size() - 1].level ==
                                             frontier.stack[frontier.stack.size() - 2].level) {
      auto right = frontier.stack.back();
      frontier.stack.pop_back();
      auto left = frontier.stack.back();
      frontier.stack.pop_back();
      Frontier::Item merged{left.level + 1, left.index / 2, NodeHash(left.hash, right.hash)};
      frontier.stack.push_back(merged);
      const uint64_t first_leaf = merged.index << merged.level;
      auto got = read.NextNode(&node);
      if (!got.ok()) return Fail(expected, first_leaf, got.status().message());
      if (!*got || node->level != merged.level || node->index != merged.index)
        return Fail(expected, first_leaf,
                    "the stored hash over entries " + std::to_string(first_leaf) + " to " +
                        std::to_string(expected) + " is missing or out of place");
      if (node->hash != merged.hash)
        return Fail(expected, first_leaf,
                    "the stored hash over entries " + std::to_string(first_leaf) + " to " +
                        std::to_string(expected) + " does not match the entries (altered)");
    }
    ++expected;
    // Signed tree heads at this size.
    while (next_sth < sths->size() && (*sths)[next_sth].tree_size == expected) {
      if (frontier.Root() != (*sths)[next_sth].root) {
        std::string where = expected - prev_signed == 1
                                ? "entry " + std::to_string(prev_signed)
                                : "entries " + std::to_string(prev_signed) + " to " +
                                      std::to_string(expected - 1) +
                                      " (first: " + std::to_string(prev_signed) + ")";
        return Fail(expected, prev_signed,
                    "the log does not match its signed tree head for " + std::to_string(expected) +
                        " entries: " + where + " were altered after signing");
      }
      prev_signed = expected;
      ++next_sth;
    }
    if (progress && (expected & 0xffff) == 0) progress(expected, *size);
  }
  if (next_sth < sths->size())
    return Fail(expected, expected,
                "a signed tree head covers " + std::to_string((*sths)[next_sth].tree_size) +
                    " entries but only " + std::to_string(expected) + " are stored: entry " +
                    std::to_string(expected) + " is missing");
  if (expected > prev_signed)
    return Fail(expected, prev_signed,
                "entry " + std::to_string(prev_signed) +
                    " is not covered by any signed tree head (written behind the log's back)");
  auto extra = read.NextNode(&node);
  if (extra.ok() && *extra)
    return Fail(
        expected, std::nullopt,
        "the store holds a subtree hash beyond the last entry (written behind the log's back)");
  if (progress) progress(expected, *size);
  VerifyReport r;
  r.ok = true;
  r.entries = expected;
  r.signed_heads = sths->size();
  r.message = "verified " + std::to_string(expected) + " entries and " +
              std::to_string(sths->size()) + " signed tree heads";
  return r;
}

}  // namespace concordat::audit
