// concordatd --check: everything a start would open or refuse, checked without starting.
// Nothing is created, migrated, written or listened on, so it is safe beside a running server:
// run it before a restart, or before SIGHUP to know whether the new registry will be taken.
#pragma once

#include <ostream>
#include <string>

#include "server/config.h"

namespace concordat::server {

// Checks, in this order, and goes on past a failure so that one run names every problem:
// sites and devices; the TLS certificate and key (readable, PEM, the key the certificate's);
// the registry (every file loads, no version twice); the store (reachable read-only, its
// schema version, and each registry version against the text it holds: a changed text under
// an existing version is refused); the signing and master keys; each connector's source and
// queries. What a first start would create (store, keys, self-signed certificate) is said, not
// made. Secrets are not printed: URLs lose their passwords.
//
// Writes one line per part to `out`: "ok    <part>  <what>" or "FAIL  <part>  <why>", then a
// summary line. Returns the exit code a start would have: 0 ready to start, 2 the
// configuration or a file it names is wrong, 3 the store cannot be read (and nothing else is
// wrong). `origin` names the configuration file ("" for the defaults).
int CheckConfiguration(const ServerConfig& config, const std::string& origin, std::ostream& out);

}  // namespace concordat::server
