#include "model/registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace concordat::model {
namespace {

namespace fs = std::filesystem;
using concordat::testing::ReadFile;
using concordat::testing::Replace;
using concordat::testing::SourcePath;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("concordat-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string path() const { return path_.string(); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(Registry, LoadsTheExampleRegistry) {
  std::vector<LoadError> errors;
  auto r = LoadRegistry(SourcePath("protocols"), &errors);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->protocols.size(), 3u);
  EXPECT_EQ(r->protocols[0].id, "basildon-csp");
  EXPECT_EQ(r->protocols[1].id, "essex-police-mosaic");
  EXPECT_EQ(r->protocols[2].id, "essex-prison-release-housing");
}

TEST(Registry, HoldsSeveralVersionsOfOneIdInVersionOrder) {
  TempDir dir;
  std::string clean = ReadFile(SourcePath("tests/fixtures/clean.yaml"));
  dir.Write("v2-1.yaml", clean);
  dir.Write("v2-10.yaml", Replace(clean, "version: \"2.1\"", "version: \"2.10\""));
  dir.Write("v2-9.yml", Replace(clean, "version: \"2.1\"", "version: \"2.9\""));
  dir.Write("notes.txt", "not a protocol");
  auto r = LoadRegistry(dir.path());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->protocols.size(), 3u);
  EXPECT_EQ(r->protocols[0].version, "2.1");
  EXPECT_EQ(r->protocols[1].version, "2.9");
  EXPECT_EQ(r->protocols[2].version, "2.10");
}

TEST(Registry, DuplicateIdAndVersionIsAnError) {
  TempDir dir;
  std::string clean = ReadFile(SourcePath("tests/fixtures/clean.yaml"));
  dir.Write("a.yaml", clean);
  dir.Write("b.yaml", clean);
  std::vector<LoadError> errors;
  auto r = LoadRegistry(dir.path(), &errors);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("version 2.1 is also defined in"), std::string::npos);
}

TEST(Registry, OneBadFileFailsTheRegistryAndNamesIt) {
  TempDir dir;
  std::string clean = ReadFile(SourcePath("tests/fixtures/clean.yaml"));
  dir.Write("good.yaml", clean);
  dir.Write("bad.yaml", Replace(clean, "status: approved", "status: signed"));
  std::vector<LoadError> errors;
  auto r = LoadRegistry(dir.path(), &errors);
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].file.find("bad.yaml"), std::string::npos);
  EXPECT_GT(errors[0].line, 0);
}

TEST(Registry, MissingDirectoryIsAnError) {
  std::vector<LoadError> errors;
  auto r = LoadRegistry("/nonexistent/registry", &errors);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no such file or directory"), std::string::npos);
}

TEST(Registry, VersionOrder) {
  EXPECT_LT(CompareVersions("1.9", "1.10"), 0);
  EXPECT_GT(CompareVersions("2", "1.9.9"), 0);
  EXPECT_EQ(CompareVersions("1.0", "1.0"), 0);
  EXPECT_EQ(CompareVersions("1.01", "1.1"), 0);
  EXPECT_LT(CompareVersions("1.0", "1.0.1"), 0);
  EXPECT_LT(CompareVersions("1.0-draft", "1.1"), 0);
}

}  // namespace
}  // namespace concordat::model
