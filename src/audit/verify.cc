#include "audit/verify.h"

#include <vector>

#include "audit/entry.h"

namespace concordat::audit {
namespace {

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

  Frontier frontier;
  size_t next_sth = 0;
  uint64_t expected = 0;
  uint64_t prev_signed = 0;
  StoredEntry e;
  StoredNode stored;
  for (;;) {
    auto more = (*entries)->Next(&e);
    if (!more.ok()) return Fail(expected, expected, more.status().message());
    if (!*more) break;
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
      auto got = (*nodes)->Next(&stored);
      if (!got.ok()) return Fail(expected, expected, got.status().message());
      if (!*got || stored.level != 0 || stored.index != expected)
        return Fail(expected, expected,
                    "the stored leaf hash of entry " + std::to_string(expected) +
                        " is missing or out of place");
      if (stored.hash != e.leaf)
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
      auto got = (*nodes)->Next(&stored);
      if (!got.ok()) return Fail(expected, first_leaf, got.status().message());
      if (!*got || stored.level != merged.level || stored.index != merged.index)
        return Fail(expected, first_leaf,
                    "the stored hash over entries " + std::to_string(first_leaf) + " to " +
                        std::to_string(expected) + " is missing or out of place");
      if (stored.hash != merged.hash)
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
  auto extra = (*nodes)->Next(&stored);
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
