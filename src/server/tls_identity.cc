#include "server/tls_identity.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "base/read_file.h"

namespace concordat::server {
namespace {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<FILE, FileCloser>;

// OpenSSL's reason for the last failure, its error queue emptied.
std::string OpenSslReason() {
  const unsigned long e = ERR_peek_last_error();
  char text[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, text, sizeof text);
  ERR_clear_error();
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : text;
}

}  // namespace

Status UseServerIdentity(SSL_CTX* ctx, const std::string& cert_path, const std::string& key_path) {
  if (std::string why = WhyUnreadable(cert_path); !why.empty())
    return Status::InvalidArgument("tls.certificate: " + why);
  if (std::string why = WhyUnreadable(key_path); !why.empty())
    return Status::InvalidArgument("tls.private_key: " + why);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_path.c_str()) != 1)
    return Status::InvalidArgument("tls.certificate: " + cert_path +
                                   ": not a usable PEM certificate (" + OpenSslReason() + ")");
  if (SSL_CTX_use_PrivateKey_file(ctx, key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    return Status::InvalidArgument(
        "tls.private_key: " + key_path +
        (mismatch ? " does not belong to " + cert_path + " (another key's certificate)"
                  : ": not a usable PEM private key (" + OpenSslReason() + ")"));
  }
  if (SSL_CTX_check_private_key(ctx) != 1)
    return Status::InvalidArgument("tls.private_key: " + key_path + " does not belong to " +
                                   cert_path + " (" + OpenSslReason() + ")");
  return Status::Ok();
}

Result<std::string> EnsureSelfSigned(const std::string& cert_path, const std::string& key_path,
                                     const std::string& host, bool* created) {
  *created = false;
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool have_cert = fs::exists(cert_path, ec), have_key = fs::exists(key_path, ec);
  if (have_cert && have_key) return FingerprintOfFile(cert_path);
  if (have_cert != have_key)
    return Status::InvalidArgument("only one of " + cert_path + " and " + key_path +
                                   " exists; restore the other or remove both to make a new pair");
  for (const auto& p : {cert_path, key_path})
    if (auto dir = fs::path(p).parent_path(); !dir.empty()) fs::create_directories(dir, ec);

  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) return Status::Internal("cannot generate a key");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  unsigned char serial[16];
  FILE* ur = std::fopen("/dev/urandom", "rb");
  if (!ur || std::fread(serial, 1, sizeof serial, ur) != sizeof serial) {
    if (ur) std::fclose(ur);
    EVP_PKEY_free(key);
    X509_free(cert);
    return Status::IoError("cannot read /dev/urandom");
  }
  std::fclose(ur);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 825L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Concordat"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::string san = "DNS:localhost,IP:127.0.0.1";
  if (host != "127.0.0.1" && host != "localhost")
    san += host.find_first_not_of("0123456789.:") == std::string::npos ? ",IP:" + host
                                                                       : ",DNS:" + host;
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());

  Status result = Status::Ok();
  {
    const mode_t old = ::umask(077);  // the key is never readable by others, not even briefly
    File kf(std::fopen(key_path.c_str(), "wb"));
    ::umask(old);
    if (!kf || !PEM_write_PrivateKey(kf.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
      result = Status::IoError(key_path + ": cannot write the private key");
  }
  if (result.ok()) {
    File cf(std::fopen(cert_path.c_str(), "wb"));
    if (!cf || !PEM_write_X509(cf.get(), cert))
      result = Status::IoError(cert_path + ": cannot write the certificate");
  }
  std::string fp = Fingerprint(cert);
  EVP_PKEY_free(key);
  X509_free(cert);
  if (!result.ok()) return result;
  *created = true;
  return fp;
}

}  // namespace concordat::server
