// A registry compiled for deciding: strings interned, protocols indexed by id and version and
// by the pair of organisations they join, partners, data categories and access rules laid out
// as small flat arrays, dates turned into instants.
//
// Compile() copies the registry, so the CompiledRegistry stands alone. It is immutable after
// compilation and safe to share between threads.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/protocol.h"
#include "model/registry.h"

namespace concordat::decide {

using Sym = uint32_t;
inline constexpr Sym kNoSym = std::numeric_limits<Sym>::max();
inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// Interns strings; Find() looks up a string_view without allocating.
class SymbolTable {
 public:
  Sym Intern(std::string_view s);
  Sym Find(std::string_view s) const;
  const std::string& Name(Sym s) const { return *names_[s]; }
  size_t size() const { return names_.size(); }

 private:
  absl::flat_hash_map<std::string, Sym> map_;  // heterogeneous lookup by string_view
  std::vector<std::unique_ptr<std::string>> names_;
};

inline constexpr int32_t kAllPartnersIndex = -2;
inline constexpr int32_t kNotAPartner = -1;

struct CompiledPartner {
  Sym org = kNoSym;
  int64_t signed_from = kNever;  // first instant the signature counts
  int64_t rights_end = kNever;   // first instant after the withdrawal notice period
  bool notice_given = false;
  bool provides = false;
  bool accesses = false;
  bool art6 = false;      // an Article 6 basis
  bool art9 = false;      // an Article 9 condition
  bool criminal = false;  // DPA Part 3 condition, or Article 6 with an Article 10 condition
  int32_t retention_days = -1;
};

struct CompiledCategory {
  Sym id = kNoSym;
  int32_t provider = kNotAPartner;  // partner index, kAllPartnersIndex, or kNotAPartner
  bool all_recipients = false;
  std::vector<int32_t> recipients;  // partner indices
  model::DataKind kind = model::DataKind::kPersonal;
};

struct CompiledRule {
  int32_t partner = kNotAPartner;
  int32_t provider = kNotAPartner;
  model::Format format = model::Format::kSelfService;
  bool read_only = true;
  std::vector<Sym> roles, users, locations, devices, purposes;
  bool need_justification = false;
  bool need_audit_reference = false;
  std::vector<Sym> data;  // category ids; empty = any category
};

struct CompiledProtocol {
  const model::Protocol* source = nullptr;
  std::string label;  // "protocol p 1.0", for messages
  Sym id = kNoSym;
  bool approved = false;
  int64_t commences = kNever;  // kNever when absent
  int64_t overdue_from = kNever;
  uint32_t formats = 0;  // bit per model::Format
  std::vector<Sym> purposes;
  std::vector<CompiledPartner> partners;
  std::vector<CompiledCategory> data;
  std::vector<CompiledRule> rules;

  bool InForce(int64_t t) const { return approved && commences <= t; }
  int32_t PartnerIndex(Sym org) const {
    for (size_t i = 0; i < partners.size(); ++i)
      if (partners[i].org == org) return static_cast<int32_t>(i);
    return kNotAPartner;
  }
  int32_t CategoryIndex(Sym id_sym) const {
    for (size_t i = 0; i < data.size(); ++i)
      if (data[i].id == id_sym) return static_cast<int32_t>(i);
    return -1;
  }
};

struct CompileOptions {
  bool strict_review = false;  // an overdue review denies instead of warning
};

class CompiledRegistry {
 public:
  static std::shared_ptr<const CompiledRegistry> Compile(model::Registry registry,
                                                         CompileOptions options = {});

  const SymbolTable& symbols() const { return symbols_; }
  const std::vector<CompiledProtocol>& protocols() const { return protocols_; }
  const CompileOptions& options() const { return options_; }
  const model::Registry& registry() const { return registry_; }

  // Versions of one protocol id, compiled indices in ascending version order; empty if none.
  std::span<const int32_t> Versions(Sym id) const;
  // Protocol ids (sorted by id text) that have both organisations as partners in some version;
  // empty when none.
  std::span<const Sym> ProtocolsJoining(Sym requester_org, Sym provider_org) const;
  // The version that applies at instant t: the highest approved version in force, else the
  // highest version.
  int32_t ApplicableVersion(std::span<const int32_t> versions, int64_t t) const;

 private:
  CompiledRegistry() = default;
  model::Registry registry_;
  CompileOptions options_;
  SymbolTable symbols_;
  std::vector<CompiledProtocol> protocols_;
  struct Range {
    uint32_t begin = 0, count = 0;
  };
  std::vector<Range>
      versions_;  // by protocol id symbol, into version_index_ (versions are adjacent)
  std::vector<int32_t> version_index_;  // 0, 1, 2, ...: compiled indices, so a Range is a span
  absl::flat_hash_map<uint64_t, Range> pairs_;  // (requester, provider) into pair_ids_
  std::vector<Sym> pair_ids_;
};

}  // namespace concordat::decide
