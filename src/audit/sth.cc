#include "audit/sth.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/read_file.h"

namespace concordat::audit {
namespace {

bool HexToBytes(const std::string& hex, uint8_t* out, size_t n) {
  if (hex.size() != 2 * n) return false;
  size_t bin_len = 0;
  return sodium_hex2bin(out, n, hex.data(), hex.size(), nullptr, &bin_len, nullptr) == 0 &&
         bin_len == n;
}

// The file's text without trailing white space; the error says which file and why not.
Result<std::string> ReadTrimmed(const std::string& path) {
  auto t = ReadWholeFile(path);
  if (!t.ok()) return t.status();
  while (!t->empty() && (t->back() == '\n' || t->back() == '\r' || t->back() == ' ')) t->pop_back();
  return t;
}

void PutBE64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::string KeyToHex(const uint8_t* data, size_t n) {
  std::string hex(2 * n + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, n);
  hex.pop_back();
  return hex;
}

std::string SthMessage(uint64_t tree_size, int64_t timestamp_ms, const Hash& root) {
  std::string m = "CONCORDAT-STH-V1";
  PutBE64(&m, tree_size);
  PutBE64(&m, static_cast<uint64_t>(timestamp_ms));
  m.append(reinterpret_cast<const char*>(root.data()), root.size());
  return m;
}

bool VerifySth(const SignedTreeHead& sth, const PublicKey& key) {
  if (sodium_init() < 0) return false;
  std::string m = SthMessage(sth.tree_size, sth.timestamp_ms, sth.root);
  return crypto_sign_verify_detached(sth.signature.data(),
                                     reinterpret_cast<const unsigned char*>(m.data()), m.size(),
                                     key.data()) == 0;
}

std::string SignedTreeHead::ToJson() const {
  nlohmann::ordered_json j;
  j["tree_size"] = tree_size;
  j["timestamp"] = timestamp_ms;
  j["root_hash"] = ToHex(root);
  j["signature"] = KeyToHex(signature.data(), signature.size());
  return j.dump();
}

Result<SignedTreeHead> SignedTreeHead::FromJson(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::InvalidArgument("signed tree head: malformed JSON");
  SignedTreeHead s;
  try {
    s.tree_size = j.at("tree_size").get<uint64_t>();
    s.timestamp_ms = j.at("timestamp").get<int64_t>();
    if (!FromHex(j.at("root_hash").get<std::string>(), &s.root))
      return Status::InvalidArgument("signed tree head: root_hash must be 64 hex digits");
    if (!HexToBytes(j.at("signature").get<std::string>(), s.signature.data(), s.signature.size()))
      return Status::InvalidArgument("signed tree head: signature must be 128 hex digits");
  } catch (const nlohmann::json::exception&) {
    return Status::InvalidArgument(
        "signed tree head: expected tree_size and timestamp (numbers), root_hash and signature "
        "(hex)");
  }
  return s;
}

Status Signer::CreateKeyFiles(const std::string& secret_path, const std::string& public_path) {
  if (sodium_init() < 0) return Status::Internal("libsodium could not be initialised");
  std::array<uint8_t, 64> sk;
  PublicKey pk;
  crypto_sign_keypair(pk.data(), sk.data());
  // A key beside a store that is not a file (PostgreSQL) goes in var/ by default: a folder
  // made here is the owner's only, like the key.
  const std::filesystem::path parent = std::filesystem::path(secret_path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (!ec) ::chmod(parent.c_str(), 0700);
  }
  int fd = ::open(secret_path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    return Status::IoError(secret_path + ": cannot create the signing key (" +
                           std::string(strerror(errno)) +
                           "); an existing key is never overwritten");
  std::string hex = KeyToHex(sk.data(), sk.size()) + "\n";
  sodium_memzero(sk.data(), sk.size());
  bool ok =
      ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  sodium_memzero(hex.data(), hex.size());
  ::close(fd);
  if (!ok) return Status::IoError(secret_path + ": cannot write the signing key");
  std::ofstream pub(public_path, std::ios::trunc);
  pub << KeyToHex(pk.data(), pk.size()) << "\n";
  if (!pub) return Status::IoError(public_path + ": cannot write the public key");
  return Status::Ok();
}

Result<Signer> Signer::Load(const std::string& secret_path) {
  if (sodium_init() < 0) return Status::Internal("libsodium could not be initialised");
  struct stat st;
  if (::stat(secret_path.c_str(), &st) != 0)
    return Status::NotFound(secret_path + ": no signing key (run concordat init)");
  if (!S_ISREG(st.st_mode))
    return Status::InvalidArgument(secret_path + ": is not a file, so not a signing key");
  if (st.st_mode & 077)
    return Status::InvalidArgument(secret_path +
                                   ": the signing key is readable by others; chmod 600 it");
  auto text = ReadTrimmed(secret_path);
  if (!text.ok()) return text.status();
  std::string& hex = *text;
  Signer s;
  if (!HexToBytes(hex, s.secret_.data(), s.secret_.size())) {
    sodium_memzero(hex.data(), hex.size());
    return Status::InvalidArgument(secret_path + ": not a signing key (expected 128 hex digits)");
  }
  sodium_memzero(hex.data(), hex.size());
  crypto_sign_ed25519_sk_to_pk(s.public_.data(), s.secret_.data());
  return s;
}

SignedTreeHead Signer::Sign(uint64_t tree_size, int64_t timestamp_ms, const Hash& root) const {
  SignedTreeHead sth;
  sth.tree_size = tree_size;
  sth.timestamp_ms = timestamp_ms;
  sth.root = root;
  std::string m = SthMessage(tree_size, timestamp_ms, root);
  crypto_sign_detached(sth.signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(m.data()), m.size(), secret_.data());
  return sth;
}

Result<PublicKey> LoadPublicKey(const std::string& path) {
  auto hex = ReadTrimmed(path);
  if (!hex.ok()) return hex.status();
  PublicKey pk;
  if (!HexToBytes(*hex, pk.data(), pk.size()))
    return Status::InvalidArgument(path + ": not a public key (expected 64 hex digits)");
  return pk;
}

}  // namespace concordat::audit
