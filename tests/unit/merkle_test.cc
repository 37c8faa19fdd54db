// RFC 9162 hashing and proofs, against a naive recursive definition of the tree hash.
#include "audit/merkle.h"

#include <gtest/gtest.h>

namespace concordat::audit {
namespace {

// MTH straight from RFC 9162 2.1.1, over leaf hashes.
Hash NaiveRoot(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  size_t n = end - begin;
  if (n == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return NodeHash(NaiveRoot(leaves, begin, begin + k), NaiveRoot(leaves, begin + k, end));
}

std::vector<Hash> Leaves(size_t n) {
  std::vector<Hash> v;
  for (size_t i = 0; i < n; ++i) v.push_back(LeafHash("entry " + std::to_string(i)));
  return v;
}

TEST(Merkle, KnownHashes) {
  EXPECT_EQ(ToHex(EmptyTreeHash()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 6962 / 9162 test vector: the leaf hash of the empty entry.
  EXPECT_EQ(ToHex(LeafHash("")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  Hash h;
  ASSERT_TRUE(FromHex(ToHex(LeafHash("x")), &h));
  EXPECT_EQ(h, LeafHash("x"));
  EXPECT_FALSE(FromHex("zz", &h));
}

TEST(Merkle, RootsMatchTheDefinitionForEverySize) {
  auto leaves = Leaves(130);
  MemoryTree tree;
  for (size_t n = 1; n <= leaves.size(); ++n) {
    tree.Append(leaves[n - 1]);
    auto root = RootHash(tree, n);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, NaiveRoot(leaves, 0, n)) << n;
  }
}

TEST(Merkle, InclusionProofsVerifyAndTamperedOnesDoNot) {
  auto leaves = Leaves(70);
  MemoryTree tree;
  for (const auto& l : leaves) tree.Append(l);
  for (uint64_t size = 1; size <= 70; ++size) {
    Hash root = NaiveRoot(leaves, 0, size);
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = InclusionProof(tree, i, size);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(VerifyInclusion(leaves[i], i, size, *proof, root)) << i << "/" << size;
      // Wrong leaf, wrong index, wrong size, altered path: all refused.
      EXPECT_FALSE(VerifyInclusion(LeafHash("other"), i, size, *proof, root));
      if (size > 1) {
        EXPECT_FALSE(VerifyInclusion(leaves[i], (i + 1) % size, size, *proof, root));
      }
      if (!proof->empty()) {
        auto bad = *proof;
        bad[0][0] ^= 1;
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, size, bad, root));
        bad = *proof;
        bad.pop_back();
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, size, bad, root));
      }
    }
  }
  EXPECT_FALSE(InclusionProof(tree, 5, 5).ok());
}

TEST(Merkle, ConsistencyProofsVerifyAndTamperedOnesDoNot) {
  auto leaves = Leaves(64);
  MemoryTree tree;
  for (const auto& l : leaves) tree.Append(l);
  for (uint64_t m = 1; m <= 64; ++m) {
    for (uint64_t n = m; n <= 64; ++n) {
      auto proof = ConsistencyProof(tree, m, n);
      ASSERT_TRUE(proof.ok());
      Hash r1 = NaiveRoot(leaves, 0, m), r2 = NaiveRoot(leaves, 0, n);
      EXPECT_TRUE(VerifyConsistency(m, n, r1, r2, *proof)) << m << "->" << n;
      if (m < n) {
        EXPECT_FALSE(VerifyConsistency(m, n, LeafHash("forged"), r2, *proof));
        EXPECT_FALSE(VerifyConsistency(m, n, r1, LeafHash("forged"), *proof));
        auto bad = *proof;
        bad.back()[5] ^= 0x80;
        EXPECT_FALSE(VerifyConsistency(m, n, r1, r2, bad));
      }
    }
  }
  EXPECT_FALSE(ConsistencyProof(tree, 9, 3).ok());
}

}  // namespace
}  // namespace concordat::audit
