// The server's TLS identity: a self-signed certificate for the embedded default, and
// certificate fingerprints (how devices are recognised: a device is the client certificate
// whose SHA-256 fingerprint the configuration pins).
#pragma once

#include <string>

#include "base/status.h"

typedef struct x509_st X509;

namespace concordat::server {

// Creates an EC P-256 key (mode 0600) and a self-signed certificate for `host` (valid 825
// days, subjectAltName host and 127.0.0.1/localhost) unless both files exist. Returns the
// certificate's fingerprint; *created says whether it was made now.
Result<std::string> EnsureSelfSigned(const std::string& cert_path, const std::string& key_path,
                                     const std::string& host, bool* created);

// "sha256:<64 lowercase hex>" of the DER certificate.
std::string Fingerprint(X509* cert);
Result<std::string> FingerprintOfFile(const std::string& cert_path);

// Normalises a configured pin ("sha256:AB:CD:..." or "sha256:abcd...") to Fingerprint's form.
std::string NormaliseFingerprint(const std::string& pin);

}  // namespace concordat::server
