// The registry the server runs on: the protocol files of the configured directories, merged,
// and how they stand against the versions the store already holds.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "model/registry.h"
#include "store/store.h"

namespace concordat::server {

// Every protocol file in the registry directories, in one order (by id, then version). A
// directory that does not load (the first errors named, with file and line), or a version
// found in two places, is an error naming them.
Result<model::Registry> LoadRegistryDirs(const std::vector<std::string>& dirs);

// A protocol version the store does not hold yet, and its content hash.
struct NewVersion {
  const model::Protocol* protocol;
  std::string hash;
};

// model::ContentHash of each of the registry's protocols, by index. Worked out once per load:
// NewVersions compares them with the store's, and the server lists them.
std::vector<std::string> ContentHashes(const model::Registry& registry);

// The registry's versions that the store does not hold yet, each with its content hash
// (`hashes`: ContentHashes(registry)). A version it holds with other content refuses the lot
// (a version never changes): the error names every such file, not only the first.
Result<std::vector<NewVersion>> NewVersions(store::Store& st, const model::Registry& registry,
                                            const std::vector<std::string>& hashes);

}  // namespace concordat::server
