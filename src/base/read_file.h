// Reading a whole file that a person named (a protocol, a key, a proof, an input), with an
// error that says which file and why: no such file, a directory, not readable by this user,
// or a read that failed. The message is "PATH: <why>"; callers add what the file was for.
#pragma once

#include <string>

#include "base/status.h"

namespace concordat {

// The file's bytes (a pipe or device is read to its end). NotFound when there is no such
// file; InvalidArgument when the path is a directory; IoError when it cannot be opened or read
// (with the system's reason, e.g. "Permission denied").
Result<std::string> ReadWholeFile(const std::string& path);

// Why `path` cannot be read, or "" when it looks readable: the same reasons as ReadWholeFile,
// found without opening it, for callers that hand the path to a library which opens it.
std::string WhyUnreadable(const std::string& path);

}  // namespace concordat
