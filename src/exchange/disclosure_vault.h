// Personal data at rest: each disclosure's content is sealed with a key of its own
// (XChaCha20-Poly1305, libsodium), bound to the disclosure's id; that key is stored wrapped
// by the master key. Destroying the wrapped key destroys the content (crypto-shredding)
// without touching the log. Subjects are found by a keyed hash (HMAC-SHA-256 under a key
// derived from the master key), so the store never holds a subject reference in clear.
//
// The master key is 32 random bytes in a file of mode 0600, created on first use.
#pragma once

#include <sodium/crypto_auth_hmacsha256.h>

#include <array>
#include <string>

#include "base/status.h"

namespace concordat::exchange {

struct Sealed {
  std::string nonce;        // for the content
  std::string ciphertext;   // content + tag
  std::string wrapped_key;  // nonce + the disclosure key sealed under the master key
};

class DisclosureVault {
 public:
  static Result<DisclosureVault> Open(const std::string& master_key_path);
  ~DisclosureVault();
  DisclosureVault(DisclosureVault&&) noexcept;
  DisclosureVault& operator=(DisclosureVault&&) = delete;
  DisclosureVault(const DisclosureVault&) = delete;

  Sealed Seal(const std::string& disclosure_id, const std::string& content) const;
  // Fails (naming the disclosure) when the content or its key was altered or the key is gone.
  Result<std::string> Open(const std::string& disclosure_id, const Sealed& sealed) const;
  std::string SubjectTag(const std::string& subject) const;  // 64 hex digits

  // 32 hex digits: the time in milliseconds (48 bits), then 80 random bits, as in UUIDv7. New
  // ids sort after older ones, so a store's id index grows at one edge instead of taking a
  // write on a random page per disclosure; the random part keeps them unguessable.
  static std::string NewId();

 private:
  DisclosureVault() = default;
  std::array<unsigned char, 32> master_{};
  std::array<unsigned char, 32> tag_key_{};
  // HMAC's state after the tag key (its inner and outer pads hashed), made once in Open: each
  // tag then hashes only the subject, half the work of keying HMAC again per request.
  crypto_auth_hmacsha256_state keyed_{};
};

}  // namespace concordat::exchange
