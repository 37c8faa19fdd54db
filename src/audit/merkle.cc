// The low-level SHA256_* calls below are deprecated in OpenSSL 3 (see Sha256).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "audit/merkle.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <string>

namespace concordat::audit {
namespace {

uint64_t LargestPowerOfTwoBelow(uint64_t n) {  // n >= 2: largest 2^k < n
  uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

bool IsPowerOfTwo(uint64_t n) {
  return n && !(n & (n - 1));
}

int Log2(uint64_t n) {
  int k = 0;
  while ((uint64_t{1} << k) < n) ++k;
  return k;
}

}  // namespace

namespace {

// SHA-256 through OpenSSL's low-level interface: it uses the same SHA-NI/AVX2 code as EVP but
// skips EVP's per-call provider dispatch and context scrubbing, which for the log's short
// inputs (a leaf is a few hundred bytes, a node 65) costs about a tenth of the time. OpenSSL 3
// marks it deprecated; it is kept for this one hot path.
class Sha256 {
 public:
  Hash Of(uint8_t prefix, const void* a, size_t an, const void* b = nullptr, size_t bn = 0) {
    Hash h;
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, &prefix, 1);
    SHA256_Update(&c, a, an);
    if (bn) SHA256_Update(&c, b, bn);
    SHA256_Final(h.data(), &c);
    return h;
  }
};

Sha256& ThreadSha256() {
  thread_local Sha256 sha;
  return sha;
}

}  // namespace

Hash LeafHash(std::string_view entry) {
  return ThreadSha256().Of(0x00, entry.data(), entry.size());
}

Hash NodeHash(const Hash& left, const Hash& right) {
  return ThreadSha256().Of(0x01, left.data(), left.size(), right.data(), right.size());
}

Hash EmptyTreeHash() {
  Hash h;
  SHA256(nullptr, 0, h.data());
  return h;
}

std::string ToHex(const Hash& h) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(64);
  for (uint8_t b : h) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

bool FromHex(std::string_view hex, Hash* out) {
  if (hex.size() != 64) return false;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < 32; ++i) {
    int hi = val(hex[2 * i]), lo = val(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

Result<Hash> SubtreeHash(const NodeSource& nodes, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (n == 0) return Status::InvalidArgument("empty subtree");
  if (IsPowerOfTwo(n) && begin % n == 0) return nodes.Node(Log2(n), begin / n);
  const uint64_t k = LargestPowerOfTwoBelow(n);
  auto left = SubtreeHash(nodes, begin, begin + k);
  if (!left.ok()) return left.status();
  auto right = SubtreeHash(nodes, begin + k, end);
  if (!right.ok()) return right.status();
  return NodeHash(*left, *right);
}

namespace {

// PATH(m, D[begin:end]) of RFC 9162 2.1.3.1, appended to *out.
Status Path(const NodeSource& nodes, uint64_t m, uint64_t begin, uint64_t end,
            std::vector<Hash>* out) {
  const uint64_t n = end - begin;
  if (n <= 1) return Status::Ok();
  const uint64_t k = LargestPowerOfTwoBelow(n);
  if (m < k) {
    if (Status s = Path(nodes, m, begin, begin + k, out); !s.ok()) return s;
    auto h = SubtreeHash(nodes, begin + k, end);
    if (!h.ok()) return h.status();
    out->push_back(*h);
  } else {
    if (Status s = Path(nodes, m - k, begin + k, end, out); !s.ok()) return s;
    auto h = SubtreeHash(nodes, begin, begin + k);
    if (!h.ok()) return h.status();
    out->push_back(*h);
  }
  return Status::Ok();
}

// SUBPROOF(m, D[begin:end], b) of RFC 9162 2.1.4.1.
Status Subproof(const NodeSource& nodes, uint64_t m, uint64_t begin, uint64_t end, bool b,
                std::vector<Hash>* out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (b) return Status::Ok();
    auto h = SubtreeHash(nodes, begin, end);
    if (!h.ok()) return h.status();
    out->push_back(*h);
    return Status::Ok();
  }
  const uint64_t k = LargestPowerOfTwoBelow(n);
  if (m <= k) {
    if (Status s = Subproof(nodes, m, begin, begin + k, b, out); !s.ok()) return s;
    auto h = SubtreeHash(nodes, begin + k, end);
    if (!h.ok()) return h.status();
    out->push_back(*h);
  } else {
    if (Status s = Subproof(nodes, m - k, begin + k, end, false, out); !s.ok()) return s;
    auto h = SubtreeHash(nodes, begin, begin + k);
    if (!h.ok()) return h.status();
    out->push_back(*h);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Hash>> InclusionProof(const NodeSource& nodes, uint64_t index, uint64_t size) {
  if (index >= size)
    return Status::InvalidArgument("entry " + std::to_string(index) + " is not in a tree of " +
                                   std::to_string(size) + " entries");
  auto scope = nodes.OpenReadScope();
  std::vector<Hash> out;
  if (Status s = Path(nodes, index, 0, size, &out); !s.ok()) return s;
  return out;
}

Result<std::vector<Hash>> ConsistencyProof(const NodeSource& nodes, uint64_t first,
                                           uint64_t second) {
  if (first > second)
    return Status::InvalidArgument("a tree of " + std::to_string(first) +
                                   " entries cannot precede one of " + std::to_string(second));
  std::vector<Hash> out;
  if (first == 0 || first == second) return out;
  auto scope = nodes.OpenReadScope();
  if (Status s = Subproof(nodes, first, 0, second, true, &out); !s.ok()) return s;
  return out;
}

bool VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                     const std::vector<Hash>& proof, const Hash& root) {
  // RFC 9162 2.1.3.2
  if (index >= size) return false;
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t first, uint64_t second, const Hash& first_root,
                       const Hash& second_root, const std::vector<Hash>& proof) {
  // RFC 9162 2.1.4.2
  if (first > second) return false;
  if (first == second) return proof.empty() && first_root == second_root;
  if (first == 0) return proof.empty();
  if (proof.empty()) return false;
  std::vector<Hash> path = proof;
  if (IsPowerOfTwo(first)) path.insert(path.begin(), first_root);
  if (path.empty()) return false;
  uint64_t fn = first - 1, sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if (!(fn & 1)) {
        while (fn != 0 && !(fn & 1)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == first_root && sr == second_root;
}

void MemoryTree::Append(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  uint64_t i = levels_[0].size() - 1;
  for (size_t level = 0; (i & 1) == 1; ++level) {
    if (levels_.size() <= level + 1) levels_.emplace_back();
    levels_[level + 1].push_back(NodeHash(levels_[level][i - 1], levels_[level][i]));
    i >>= 1;
  }
}

Result<Hash> MemoryTree::Node(int level, uint64_t index) const {
  if (level < 0 || static_cast<size_t>(level) >= levels_.size() ||
      index >= levels_[static_cast<size_t>(level)].size())
    return Status::NotFound("no complete subtree at level " + std::to_string(level) + " index " +
                            std::to_string(index));
  return levels_[static_cast<size_t>(level)][index];
}

}  // namespace concordat::audit
