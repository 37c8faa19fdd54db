// Loading protocol files (YAML, format 1) into the model.
//
// Contract: a file either loads completely or yields no protocol. Every problem found is
// reported as a LoadError naming the file, the 1-based line and column, the field's path
// ("partners[1].legal_basis.article6[0]") and the expected form. Loading continues after an
// error so that one run reports every problem in the file, but the result is then a failure.
//
// Checked here: YAML syntax, the format version, unknown and duplicate keys, types, enum
// values, dates (real calendar days), slugs, non-negative numbers, duplicate ids (partners,
// data categories, access rules) and duplicate entries in set-like lists. Not checked here:
// whether references resolve, whether the content is complete or coherent (see lint.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/protocol.h"

namespace concordat::model {

struct LoadError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error concerns the file as a whole
  int column = 0;  // 1-based
  std::string message;
  std::string ToString() const;  // "file:line:column: message"
};

// Parses `text` as the protocol file named `file` (used in messages and kept in
// Protocol::source). On failure, `errors` (if given) receives every problem found and the
// returned status summarises the first.
Result<Protocol> LoadProtocolText(std::string_view text, std::string_view file,
                                  std::vector<LoadError>* errors = nullptr);

// Reads and parses one file. An unreadable file is a single LoadError with line 0.
Result<Protocol> LoadProtocolFile(const std::string& path,
                                  std::vector<LoadError>* errors = nullptr);

// True when `s` is a lower-case slug: [a-z0-9][a-z0-9-]*
bool IsSlug(std::string_view s);

}  // namespace concordat::model
