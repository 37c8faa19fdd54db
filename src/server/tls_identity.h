// The server's TLS identity: a self-signed certificate for the embedded default, and
// certificate fingerprints (how devices are recognised: a device is the client certificate
// whose SHA-256 fingerprint the configuration pins).
#pragma once

#include <string>

#include "base/certificate_fingerprint.h"
#include "base/status.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace concordat::server {

// Puts the server's certificate chain and private key (PEM files) into `ctx`. A file that
// cannot be read, is not PEM, or a key that does not belong to the certificate is an error
// naming the file and why. What concordatd does on start, and what --check does without
// listening.
Status UseServerIdentity(SSL_CTX* ctx, const std::string& cert_path, const std::string& key_path);

// Creates an EC P-256 key (mode 0600) and a self-signed certificate for `host` (valid 825
// days, subjectAltName host and 127.0.0.1/localhost) unless both files exist. Returns the
// certificate's fingerprint; *created says whether it was made now.
Result<std::string> EnsureSelfSigned(const std::string& cert_path, const std::string& key_path,
                                     const std::string& host, bool* created);

}  // namespace concordat::server
