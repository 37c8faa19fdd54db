// How many connections the server can hold open: its limit on open file descriptors.
#pragma once

#include <cstdint>

namespace concordat::server {

// Raises this process's soft limit on open files (RLIMIT_NOFILE) to its hard limit, as a
// server that holds a descriptor per connection should (the usual soft default of 1,024
// would refuse connections long before memory runs out), and returns the limit now in
// force. Never lowers it; if raising fails, the limit stays as it was and is returned.
uint64_t RaiseOpenFileLimit();

}  // namespace concordat::server
