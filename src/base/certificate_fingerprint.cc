#include "base/certificate_fingerprint.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>
#include <cstdio>
#include <memory>

#include "base/read_file.h"

namespace concordat {
namespace {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<FILE, FileCloser>;

std::string Hex(const unsigned char* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 15]);
  }
  return s;
}

}  // namespace

std::string Fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  return "sha256:" + Hex(md, n);
}

Result<std::string> FingerprintOfFile(const std::string& cert_path) {
  if (std::string why = WhyUnreadable(cert_path); !why.empty())
    return Status::NotFound(why + ", so no certificate was read");
  File f(std::fopen(cert_path.c_str(), "rb"));
  if (!f) return Status::NotFound(cert_path + ": cannot read the certificate");
  X509* cert = PEM_read_X509(f.get(), nullptr, nullptr, nullptr);
  if (!cert) return Status::InvalidArgument(cert_path + ": not a PEM certificate");
  std::string fp = Fingerprint(cert);
  X509_free(cert);
  return fp;
}

std::string NormaliseFingerprint(const std::string& pin) {
  std::string out = "sha256:";
  for (char c : pin.substr(pin.rfind("sha256:", 0) == 0 ? 7 : 0))
    if (c != ':') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

bool IsFingerprint(const std::string& fp) {
  if (fp.size() != 7 + 64 || fp.rfind("sha256:", 0) != 0) return false;
  for (size_t i = 7; i < fp.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(fp[i])) ||
        std::isupper(static_cast<unsigned char>(fp[i])))
      return false;
  return true;
}

}  // namespace concordat
