// A registry: a directory of protocol files, several versions of one id side by side.
//
// LoadRegistry reads every *.yaml (and *.yml) file directly in `dir`, in name order. It
// fails when any file fails to load or when two files carry the same id and version; every
// problem is appended to `errors`. A registry that loads holds only complete protocols.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/loader.h"
#include "model/protocol.h"

namespace concordat::model {

struct Registry {
  std::vector<Protocol> protocols;  // sorted by id, then by version ascending
};

Result<Registry> LoadRegistry(const std::string& dir, std::vector<LoadError>* errors = nullptr);

// The protocol files of `path`: the file itself, or the *.yaml / *.yml files of a directory
// in name order. Fails when the path does not exist or is neither a file nor a directory.
Result<std::vector<std::string>> ProtocolFilesAt(const std::string& path);

// Orders version strings the way people read them: "1.10" after "1.9", "2" after "1.9.9".
// Numeric dot-separated parts compare as numbers, anything else as text.
int CompareVersions(std::string_view a, std::string_view b);

}  // namespace concordat::model
