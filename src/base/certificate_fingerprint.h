// Certificate fingerprints: how the server recognises a client certificate (a device the
// configuration pins, or a user registered with one).
#pragma once

#include <string>

#include "base/status.h"

typedef struct x509_st X509;

namespace concordat {

// "sha256:<64 lowercase hex>" of the DER certificate.
std::string Fingerprint(X509* cert);
// The fingerprint of the first certificate in a PEM file.
Result<std::string> FingerprintOfFile(const std::string& cert_path);

// Normalises a written fingerprint ("sha256:AB:CD:..." or "sha256:abcd...", or without the
// prefix) to Fingerprint's form.
std::string NormaliseFingerprint(const std::string& pin);

// Whether `fp` is in Fingerprint's form.
bool IsFingerprint(const std::string& fp);

}  // namespace concordat
