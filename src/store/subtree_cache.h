// Subtree hashes never change once committed, so a store may keep them in memory after the
// first read. Only the upper levels are kept (few, and on every proof's path), at most
// kMaxEntries of them, and nothing is remembered while a write transaction is open: a hash
// read there may still be rolled back.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>

#include "audit/merkle.h"

namespace concordat::store {

class SubtreeCache {
 public:
  static constexpr int kFromLevel = 3;
  static constexpr size_t kMaxEntries = size_t{1} << 21;

  std::optional<audit::Hash> Find(int level, uint64_t index) const {
    if (!Cacheable(level)) return std::nullopt;
    auto it = hashes_.find(Key(level, index));
    if (it == hashes_.end()) return std::nullopt;
    return it->second;
  }
  void Remember(int level, uint64_t index, const audit::Hash& h) {
    if (Cacheable(level) && hashes_.size() < kMaxEntries) hashes_.emplace(Key(level, index), h);
  }
  void set_writing(bool writing) { writing_ = writing; }

 private:
  bool Cacheable(int level) const { return level >= kFromLevel && !writing_; }
  static uint64_t Key(int level, uint64_t index) {
    return (static_cast<uint64_t>(level) << 56) | index;
  }

  std::unordered_map<uint64_t, audit::Hash> hashes_;
  bool writing_ = false;
};

}  // namespace concordat::store
