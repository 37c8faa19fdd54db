// The disclosure vault: sealing, tamper detection, subject tags, ids.
#include "exchange/disclosure_vault.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

namespace concordat {
namespace {

namespace fs = std::filesystem;

struct VaultDir {
  fs::path dir = fs::temp_directory_path() / ("concordat-vault-" + std::to_string(::getpid()));
  VaultDir() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~VaultDir() { fs::remove_all(dir); }
};

TEST(DisclosureVault, SealedContentOpensOnlyUnderItsOwnIdAndUnaltered) {
  VaultDir d;
  auto vault = exchange::DisclosureVault::Open((d.dir / "master-key").string());
  ASSERT_TRUE(vault.ok()) << vault.status().ToString();
  struct stat st {};
  ASSERT_EQ(::stat((d.dir / "master-key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the master key is readable by its owner only";

  const std::string id = exchange::DisclosureVault::NewId();
  const std::string content = R"({"subject":"MOS-100001","fields":{"name":"Alex Example"}})";
  exchange::Sealed sealed = vault->Seal(id, content);
  EXPECT_EQ(sealed.ciphertext.find("Alex Example"), std::string::npos) << "sealed in clear";
  auto opened = vault->Open(id, sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, content);

  EXPECT_FALSE(vault->Open(exchange::DisclosureVault::NewId(), sealed).ok()) << "another id";
  exchange::Sealed flipped = sealed;
  flipped.ciphertext[3] ^= 1;
  EXPECT_FALSE(vault->Open(id, flipped).ok()) << "altered content";
  exchange::Sealed shredded = sealed;
  shredded.wrapped_key.clear();
  auto gone = vault->Open(id, shredded);
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.status().message().find(id), std::string::npos) << gone.status().message();

  // The same master key file opens it again; subject tags are stable and keyed.
  auto again = exchange::DisclosureVault::Open((d.dir / "master-key").string());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again->Open(id, sealed), content);
  EXPECT_EQ(vault->SubjectTag("MOS-100001"), again->SubjectTag("MOS-100001"));
  EXPECT_NE(vault->SubjectTag("MOS-100001"), vault->SubjectTag("MOS-100002"));
  EXPECT_EQ(vault->SubjectTag("MOS-100001").size(), 64u);
}

// A tag is HMAC-SHA-256 of the subject under the key derived from the master key. Checked
// against libsodium's one-shot HMAC, keyed afresh each time, for subjects of every length
// around SHA-256's 64-byte block, so a reused keyed state that carried anything from one tag
// into the next would show here.
TEST(DisclosureVault, SubjectTagIsHmacOfTheSubjectUnderTheDerivedKey) {
  VaultDir d;
  const std::string path = (d.dir / "master-key").string();
  auto vault = exchange::DisclosureVault::Open(path);
  ASSERT_TRUE(vault.ok()) << vault.status().ToString();
  unsigned char master[32];
  FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fread(master, 1, sizeof master, f), sizeof master);
  std::fclose(f);
  unsigned char key[32];
  static const unsigned char kContext[] = "concordat subject tags";
  crypto_generichash(key, sizeof key, kContext, sizeof kContext - 1, master, sizeof master);
  for (size_t n = 0; n < 200; ++n) {
    std::string subject(n, '\0');
    for (size_t i = 0; i < n; ++i) subject[i] = static_cast<char>('A' + (i * 7 + n) % 26);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, sizeof key);
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(subject.data()),
                                  subject.size());
    crypto_auth_hmacsha256_final(&st, mac);
    char hex[2 * sizeof mac + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    ASSERT_EQ(vault->SubjectTag(subject), hex) << "a subject of " << n << " bytes";
  }
  // A moved vault tags as it did.
  const std::string before = vault->SubjectTag("MOS-100001");
  exchange::DisclosureVault moved(std::move(*vault));
  EXPECT_EQ(moved.SubjectTag("MOS-100001"), before);
}

TEST(DisclosureVault, IdsAreUniqueHexAndSortByTime) {
  std::set<std::string> seen;
  std::string last;
  for (int i = 0; i < 2000; ++i) {
    std::string id = exchange::DisclosureVault::NewId();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    EXPECT_TRUE(seen.insert(id).second) << "repeated id " << id;
    if (i % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    // Ids from a later millisecond sort after earlier ones (the first 12 digits are the time).
    if (!last.empty() && id.substr(0, 12) != last.substr(0, 12)) {
      EXPECT_GT(id, last);
    }
    last = id;
  }
  const std::string a = exchange::DisclosureVault::NewId();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  const std::string b = exchange::DisclosureVault::NewId();
  EXPECT_LT(a, b);
  EXPECT_NE(a.substr(12), b.substr(12)) << "the rest is random";
}

}  // namespace
}  // namespace concordat
