// Signed tree heads and the log's signing key (Ed25519, libsodium).
//
// The signed message is "CONCORDAT-STH-V1" || tree_size (8 bytes, big-endian) ||
// timestamp in milliseconds (8 bytes, big-endian) || root hash (32 bytes). The secret key
// file holds the 64-byte libsodium secret key as hex and is created with mode 0600; the public
// key file holds the 32-byte public key as hex and can be given to anyone who verifies.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "audit/merkle.h"
#include "base/status.h"

namespace concordat::audit {

using PublicKey = std::array<uint8_t, 32>;

struct SignedTreeHead {
  uint64_t tree_size = 0;
  int64_t timestamp_ms = 0;
  Hash root{};
  std::array<uint8_t, 64> signature{};

  std::string ToJson() const;
  static Result<SignedTreeHead> FromJson(const std::string& json);
};

std::string SthMessage(uint64_t tree_size, int64_t timestamp_ms, const Hash& root);
bool VerifySth(const SignedTreeHead& sth, const PublicKey& key);

class Signer {
 public:
  // Creates a new key pair: secret in `secret_path` (mode 0600, refused if it exists),
  // public in `public_path`.
  static Status CreateKeyFiles(const std::string& secret_path, const std::string& public_path);
  static Result<Signer> Load(const std::string& secret_path);

  SignedTreeHead Sign(uint64_t tree_size, int64_t timestamp_ms, const Hash& root) const;
  const PublicKey& public_key() const { return public_; }

 private:
  std::array<uint8_t, 64> secret_{};
  PublicKey public_{};
};

Result<PublicKey> LoadPublicKey(const std::string& path);
std::string KeyToHex(const uint8_t* data, size_t n);

}  // namespace concordat::audit
