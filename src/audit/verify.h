// Verifying a whole log: every entry decodes, sits at its own index, hashes to its stored
// leaf; every stored subtree hash is recomputed; every signed tree head's signature holds and
// its root equals the root recomputed from the entries. The first problem found is reported
// with the entry it concerns.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "audit/log_backend.h"
#include "audit/sth.h"

namespace concordat::audit {

struct VerifyReport {
  bool ok = false;
  uint64_t entries = 0;               // entries checked
  uint64_t signed_heads = 0;          // signed tree heads checked
  std::optional<uint64_t> first_bad;  // the first entry that fails, when one can be named
  std::string message;                // what is wrong, or a summary when ok
};

// `progress(done, total)` is called now and then; it may be empty.
VerifyReport VerifyLog(LogBackend& backend, const PublicKey& key,
                       const std::function<void(uint64_t, uint64_t)>& progress = {});

}  // namespace concordat::audit
