#include "server/registry_dirs.h"

#include <algorithm>
#include <optional>

#include "model/canonical.h"
#include "model/registry.h"

namespace concordat::server {

Result<model::Registry> LoadRegistryDirs(const std::vector<std::string>& dirs) {
  std::optional<model::Registry> registry;
  for (const auto& dir : dirs) {
    std::vector<model::LoadError> errors;
    auto part = model::LoadRegistry(dir, &errors);
    if (!part.ok()) {
      std::string msg = "the registry " + dir + " could not be loaded: " + part.status().message();
      for (size_t i = 0; i < errors.size() && i < 5; ++i) msg += "\n  " + errors[i].ToString();
      return Status::InvalidArgument(msg);
    }
    if (!registry) {
      registry = std::move(*part);
      continue;
    }
    for (auto& p : part->protocols) registry->protocols.push_back(std::move(p));
  }
  if (!registry) return Status::InvalidArgument("registry: name at least one directory");
  std::stable_sort(registry->protocols.begin(), registry->protocols.end(),
                   [](const model::Protocol& a, const model::Protocol& b) {
                     if (a.id != b.id) return a.id < b.id;
                     return model::CompareVersions(a.version, b.version) < 0;
                   });
  for (size_t i = 1; i < registry->protocols.size(); ++i)
    if (registry->protocols[i].id == registry->protocols[i - 1].id &&
        registry->protocols[i].version == registry->protocols[i - 1].version)
      return Status::InvalidArgument("protocol " + registry->protocols[i].id + " version " +
                                     registry->protocols[i].version + " is in both " +
                                     registry->protocols[i - 1].source + " and " +
                                     registry->protocols[i].source);
  return std::move(*registry);
}

std::vector<std::string> ContentHashes(const model::Registry& registry) {
  std::vector<std::string> hashes;
  hashes.reserve(registry.protocols.size());
  for (const auto& p : registry.protocols) hashes.push_back(model::ContentHash(p));
  return hashes;
}

Result<std::vector<NewVersion>> NewVersions(store::Store& st, const model::Registry& registry,
                                            const std::vector<std::string>& hashes) {
  std::vector<NewVersion> fresh;
  std::string changed;  // every version whose text differs from the stored one
  for (size_t i = 0; i < registry.protocols.size(); ++i) {
    const model::Protocol& p = registry.protocols[i];
    const std::string& hash = hashes[i];
    auto existing = st.ProtocolVersionHash(p.id, p.version);
    if (!existing.ok()) return existing.status();
    if (!*existing) {
      fresh.push_back({&p, hash});
    } else if (**existing != hash) {
      if (!changed.empty()) changed += "; ";
      changed += p.source + ": protocol " + p.id + " version " + p.version +
                 " is already in force with other content (" + **existing + ")";
    }
  }
  if (!changed.empty())
    return Status::InvalidArgument(changed +
                                   "; a version never changes, give the new text a new version");
  return fresh;
}

}  // namespace concordat::server
