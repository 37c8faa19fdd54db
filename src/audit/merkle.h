// Merkle tree hashing and proofs as RFC 9162 (Certificate Transparency v2) section 2.1 defines
// them: leaf hash SHA-256(0x00 || entry), node hash SHA-256(0x01 || left || right), the tree
// hash of n leaves split at the largest power of two smaller than n.
//
// Proof generation reads the hashes of complete, aligned subtrees from a NodeSource (the
// store keeps them), so any proof costs O(log n) node reads, whatever the log's size.
// Verification needs nothing but the proof: VerifyInclusion and VerifyConsistency implement
// the RFC's algorithms (2.1.3.2 and 2.1.4.2).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace concordat::audit {

using Hash = std::array<uint8_t, 32>;

Hash LeafHash(std::string_view entry);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyTreeHash();  // SHA-256 of the empty string
std::string ToHex(const Hash& h);
bool FromHex(std::string_view hex, Hash* out);

// Hashes of complete subtrees: Node(level, index) is the hash of leaves
// [index * 2^level, (index + 1) * 2^level), all of which exist.
class NodeSource {
 public:
  // While a ReadScope lives, the source's reads see one state of the log and share one read
  // transaction (many reads then cost one lock, not one each). Use it on one thread.
  class ReadScope {
   public:
    virtual ~ReadScope() = default;
  };

  virtual ~NodeSource() = default;
  virtual Result<Hash> Node(int level, uint64_t index) const = 0;
  // A scope for a run of reads; nullptr where the source needs none.
  virtual std::unique_ptr<ReadScope> OpenReadScope() const { return nullptr; }
};

// The tree hash of leaves [begin, end).
Result<Hash> SubtreeHash(const NodeSource& nodes, uint64_t begin, uint64_t end);
inline Result<Hash> RootHash(const NodeSource& nodes, uint64_t size) {
  if (size == 0) return EmptyTreeHash();
  return SubtreeHash(nodes, 0, size);
}

// The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1).
Result<std::vector<Hash>> InclusionProof(const NodeSource& nodes, uint64_t index, uint64_t size);
// The consistency proof between trees of sizes `first` <= `second` (RFC 9162 2.1.4.1).
Result<std::vector<Hash>> ConsistencyProof(const NodeSource& nodes, uint64_t first,
                                           uint64_t second);

bool VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                     const std::vector<Hash>& proof, const Hash& root);
bool VerifyConsistency(uint64_t first, uint64_t second, const Hash& first_root,
                       const Hash& second_root, const std::vector<Hash>& proof);

// A NodeSource over leaf hashes held in memory (tests, small logs, verification).
class MemoryTree : public NodeSource {
 public:
  void Append(const Hash& leaf);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  Result<Hash> Node(int level, uint64_t index) const override;

 private:
  std::vector<std::vector<Hash>> levels_;  // levels_[k][i] = complete subtree hash
};

}  // namespace concordat::audit
