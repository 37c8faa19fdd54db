// The disclosure vault: sealing, tamper detection, subject tags, ids.
#include "exchange/disclosure_vault.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

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
