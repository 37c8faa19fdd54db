// Reading a file a person named: each way it can fail says which file and why.
#include "base/read_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace concordat {
namespace {

namespace fs = std::filesystem;

class ReadFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("concordat-read-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ReadFile, ReadsEveryByteOfARegularFile) {
  std::string bytes(200000, '\0');  // larger than one read, with NULs and high bytes
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7);
  std::ofstream(dir_ / "f.bin", std::ios::binary) << bytes;
  auto read = ReadWholeFile((dir_ / "f.bin").string());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, bytes);
  std::ofstream(dir_ / "empty");
  EXPECT_EQ(*ReadWholeFile((dir_ / "empty").string()), "");
  EXPECT_EQ(WhyUnreadable((dir_ / "f.bin").string()), "");
}

TEST_F(ReadFile, NamesAMissingFileADirectoryAndAnUnreadableOne) {
  const std::string missing = (dir_ / "missing.yaml").string();
  EXPECT_EQ(ReadWholeFile(missing).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(ReadWholeFile(missing).status().message(), missing + ": no such file");
  EXPECT_EQ(WhyUnreadable(missing), missing + ": no such file");
  const std::string dir = dir_.string();
  EXPECT_EQ(ReadWholeFile(dir).status().message(), dir + ": is a directory, not a file");
  EXPECT_EQ(WhyUnreadable(dir), dir + ": is a directory, not a file");
  // Permission is checked by the kernel; root reads anything, so this part needs a user.
  if (::geteuid() != 0) {
    std::ofstream(dir_ / "secret") << "x";
    ::chmod((dir_ / "secret").c_str(), 0);
    const std::string secret = (dir_ / "secret").string();
    EXPECT_NE(ReadWholeFile(secret).status().message().find("Permission denied"),
              std::string::npos);
    EXPECT_NE(WhyUnreadable(secret).find("Permission denied"), std::string::npos);
  }
}

TEST_F(ReadFile, ReadsAPipeToItsEndAsProcessSubstitutionGivesOne) {
  const std::string fifo = (dir_ / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(WhyUnreadable(fifo), "") << "a pipe is readable, and is not opened to find out";
  std::thread writer([&fifo] { std::ofstream(fifo) << "line 1\nline 2\n"; });
  auto read = ReadWholeFile(fifo);
  writer.join();
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, "line 1\nline 2\n");
}

}  // namespace
}  // namespace concordat
