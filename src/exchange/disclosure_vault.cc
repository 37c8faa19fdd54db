#include "exchange/disclosure_vault.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace concordat::exchange {

namespace {

// Random bytes from libsodium (the kernel's CSPRNG), drawn 4 KiB at a time per thread: one
// getrandom call serves many disclosures. Each byte is handed out once and wiped from the
// pool as it goes.
void FillRandom(unsigned char* out, size_t n) {
  thread_local struct Pool {
    unsigned char bytes[4096];
    size_t used = sizeof bytes;
    ~Pool() { sodium_memzero(bytes, sizeof bytes); }
  } pool;
  while (n > 0) {
    if (pool.used == sizeof pool.bytes) {
      randombytes_buf(pool.bytes, sizeof pool.bytes);
      pool.used = 0;
    }
    const size_t take = std::min(n, sizeof pool.bytes - pool.used);
    std::memcpy(out, pool.bytes + pool.used, take);
    sodium_memzero(pool.bytes + pool.used, take);
    pool.used += take;
    out += take;
    n -= take;
  }
}

}  // namespace
namespace {

std::string Hex(const unsigned char* p, size_t n) {
  std::string s(n * 2 + 1, '\0');
  sodium_bin2hex(s.data(), s.size(), p, n);
  s.pop_back();
  return s;
}

constexpr size_t kKey = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

}  // namespace

Result<DisclosureVault> DisclosureVault::Open(const std::string& path) {
  if (sodium_init() < 0) return Status::Internal("libsodium could not start");
  DisclosureVault v;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (auto dir = fs::path(path).parent_path(); !dir.empty()) fs::create_directories(dir, ec);
    randombytes_buf(v.master_.data(), v.master_.size());
    const mode_t old = ::umask(077);
    FILE* f = std::fopen(path.c_str(), "wbx");
    ::umask(old);
    if (!f || std::fwrite(v.master_.data(), 1, v.master_.size(), f) != v.master_.size() ||
        std::fflush(f) != 0 || ::fsync(fileno(f)) != 0) {
      if (f) std::fclose(f);
      return Status::IoError(path + ": cannot create the master key");
    }
    std::fclose(f);
  } else {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      return Status::InvalidArgument(path + ": the master key is readable by others (mode " +
                                     std::to_string(st.st_mode & 0777) + "); chmod 600 it first");
    FILE* f = std::fopen(path.c_str(), "rb");
    unsigned char extra;
    if (!f || std::fread(v.master_.data(), 1, v.master_.size(), f) != v.master_.size() ||
        std::fread(&extra, 1, 1, f) != 0) {
      if (f) std::fclose(f);
      return Status::InvalidArgument(path + ": not a master key (expected exactly 32 bytes)");
    }
    std::fclose(f);
  }
  static const unsigned char kContext[] = "concordat subject tags";
  crypto_generichash(v.tag_key_.data(), v.tag_key_.size(), kContext, sizeof kContext - 1,
                     v.master_.data(), v.master_.size());
  crypto_auth_hmacsha256_init(&v.keyed_, v.tag_key_.data(), v.tag_key_.size());
  return v;
}

DisclosureVault::DisclosureVault(DisclosureVault&& o) noexcept
    : master_(o.master_), tag_key_(o.tag_key_), keyed_(o.keyed_) {
  sodium_memzero(o.master_.data(), o.master_.size());
  sodium_memzero(o.tag_key_.data(), o.tag_key_.size());
  sodium_memzero(&o.keyed_, sizeof o.keyed_);
}

DisclosureVault::~DisclosureVault() {
  sodium_memzero(master_.data(), master_.size());
  sodium_memzero(tag_key_.data(), tag_key_.size());
  sodium_memzero(&keyed_, sizeof keyed_);
}

std::string DisclosureVault::NewId() {
  unsigned char raw[16];
  const uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  for (int i = 0; i < 6; ++i) raw[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  FillRandom(raw + 6, sizeof raw - 6);
  return Hex(raw, sizeof raw);
}

Sealed DisclosureVault::Seal(const std::string& id, const std::string& content) const {
  unsigned char key[kKey];
  FillRandom(key, sizeof key);  // what crypto_aead_xchacha20poly1305_ietf_keygen does
  Sealed s;
  s.nonce.resize(kNonce);
  FillRandom(reinterpret_cast<unsigned char*>(s.nonce.data()), kNonce);
  s.ciphertext.resize(content.size() + kTag);
  unsigned long long n = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(s.ciphertext.data()), &n,
      reinterpret_cast<const unsigned char*>(content.data()), content.size(),
      reinterpret_cast<const unsigned char*>(id.data()), id.size(), nullptr,
      reinterpret_cast<const unsigned char*>(s.nonce.data()), key);
  s.ciphertext.resize(n);
  // The key, sealed under the master key, bound to the id too.
  s.wrapped_key.resize(kNonce + kKey + kTag);
  auto* w = reinterpret_cast<unsigned char*>(s.wrapped_key.data());
  FillRandom(w, kNonce);
  crypto_aead_xchacha20poly1305_ietf_encrypt(w + kNonce, &n, key, kKey,
                                             reinterpret_cast<const unsigned char*>(id.data()),
                                             id.size(), nullptr, w, master_.data());
  sodium_memzero(key, sizeof key);
  return s;
}

Result<std::string> DisclosureVault::Open(const std::string& id, const Sealed& s) const {
  if (s.wrapped_key.size() != kNonce + kKey + kTag || s.nonce.size() != kNonce ||
      s.ciphertext.size() < kTag)
    return Status::Corruption("disclosure " + id + ": its key or content is missing or cut");
  unsigned char key[kKey];
  unsigned long long n = 0;
  const auto* w = reinterpret_cast<const unsigned char*>(s.wrapped_key.data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(key, &n, nullptr, w + kNonce, kKey + kTag,
                                                 reinterpret_cast<const unsigned char*>(id.data()),
                                                 id.size(), w, master_.data()) != 0)
    return Status::Corruption("disclosure " + id +
                              ": its key does not open under the master key (altered, or "
                              "another store's)");
  std::string out(s.ciphertext.size() - kTag, '\0');
  const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      reinterpret_cast<unsigned char*>(out.data()), &n, nullptr,
      reinterpret_cast<const unsigned char*>(s.ciphertext.data()), s.ciphertext.size(),
      reinterpret_cast<const unsigned char*>(id.data()), id.size(),
      reinterpret_cast<const unsigned char*>(s.nonce.data()), key);
  sodium_memzero(key, sizeof key);
  if (rc != 0) return Status::Corruption("disclosure " + id + ": its content was altered");
  out.resize(n);
  return out;
}

std::string DisclosureVault::SubjectTag(const std::string& subject) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st = keyed_;  // keyed once, in Open
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(subject.data()),
                                subject.size());
  crypto_auth_hmacsha256_final(&st, mac);
  sodium_memzero(&st, sizeof st);
  return Hex(mac, sizeof mac);
}

}  // namespace concordat::exchange
