// Where the audit log lives: the storage interface the log is written through. The store
// (src/store/) implements it on SQLite and PostgreSQL; the log's logic (hashing, signing,
// proofs, verification) stays here and knows nothing of SQL.
//
// Nodes are the hashes of complete subtrees: node (level, index) covers leaves
// [index * 2^level, (index + 1) * 2^level). Level 0 nodes are the leaf hashes: a store keeps
// them both with the entries and as nodes (PutEntry does both), so proofs read nodes only.
// Nodes are ordered by the last leaf they cover, then level.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/merkle.h"
#include "audit/sth.h"
#include "base/status.h"

namespace concordat::audit {

// One exclusive writer's transaction. Nothing is visible to readers before Commit(); Commit()
// returns once the data is durable. Destroying it without Commit() rolls everything back.
class LogWriteTransaction : public NodeSource {
 public:
  virtual Result<uint64_t> Size() = 0;  // entries in the log, including those put here
  virtual Status PutEntry(uint64_t index, const std::string& encoded, const Hash& leaf) = 0;
  virtual Status PutNode(int level, uint64_t index, const Hash& hash) = 0;
  virtual Status PutSth(const SignedTreeHead& sth) = 0;
  virtual Status Commit() = 0;
};

struct StoredEntry {
  uint64_t index = 0;
  std::string encoded;
  Hash leaf{};
};

struct StoredNode {
  int level = 0;
  uint64_t index = 0;
  Hash hash{};
};

// Forward-only cursors for verification: entries by index; nodes (every level, 0 included)
// by the last leaf they cover, then level.
class EntryCursor {
 public:
  virtual ~EntryCursor() = default;
  virtual Result<bool> Next(StoredEntry* out) = 0;  // false at the end
};
class NodeCursor {
 public:
  virtual ~NodeCursor() = default;
  virtual Result<bool> Next(StoredNode* out) = 0;
};

class LogBackend : public NodeSource {
 public:
  virtual Result<std::unique_ptr<LogWriteTransaction>> BeginWrite() = 0;
  virtual Result<uint64_t> Size() = 0;
  virtual Result<StoredEntry> Entry(uint64_t index) = 0;
  virtual Result<std::unique_ptr<EntryCursor>> Entries(uint64_t begin) = 0;
  virtual Result<std::unique_ptr<NodeCursor>> Nodes() = 0;
  virtual Result<std::optional<SignedTreeHead>> LatestSth() = 0;
  virtual Result<std::vector<SignedTreeHead>> Sths() = 0;  // ascending tree size
};

}  // namespace concordat::audit
