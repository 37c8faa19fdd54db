// The server's TLS identity: a self-signed certificate for the embedded default, and
// certificate fingerprints (how devices are recognised: a device is the client certificate
// whose SHA-256 fingerprint the configuration pins).
#pragma once

#include <string>

#include "base/certificate_fingerprint.h"
#include "base/status.h"

namespace concordat::server {

// Creates an EC P-256 key (mode 0600) and a self-signed certificate for `host` (valid 825
// days, subjectAltName host and 127.0.0.1/localhost) unless both files exist. Returns the
// certificate's fingerprint; *created says whether it was made now.
Result<std::string> EnsureSelfSigned(const std::string& cert_path, const std::string& key_path,
                                     const std::string& host, bool* created);

}  // namespace concordat::server
