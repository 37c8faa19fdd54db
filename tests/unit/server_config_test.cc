// concordatd's configuration: defaults, every error named with file, line and key, and the
// documentation listing every key the loader accepts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include "../support/mutate.h"
#include "server/config.h"

namespace concordat::server {
namespace {

namespace fs = std::filesystem;

// A configuration file under the temporary directory, removed when the test program ends.
std::string Write(const std::string& text) {
  static struct Written {
    std::vector<fs::path> paths;
    ~Written() {
      std::error_code ec;
      for (const fs::path& p : paths) fs::remove(p, ec);
    }
  } written;
  fs::path p = fs::temp_directory_path() / ("concordatd-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(written.paths.size()) + ".yaml");
  std::ofstream(p) << text;
  written.paths.push_back(p);
  return p.string();
}

TEST(ServerConfig, AnEmptyFileGivesTheDefaults) {
  auto c = LoadConfig(Write(""));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->store, "sqlite:var/concordat.db");
  EXPECT_EQ(c->listen, "127.0.0.1:8443");
  EXPECT_EQ(c->registry, std::vector<std::string>{"protocols"});
  EXPECT_EQ(c->port(), 8443);
  EXPECT_EQ(c->SigningKeyPath(), "var/concordat.db.signing-key");
  EXPECT_FALSE(c->tls.named);
  EXPECT_EQ(c->token_cache_seconds, 30);
}

TEST(ServerConfig, AFullFileIsRead) {
  auto c = LoadConfig(
      Write("store: postgresql:///concordat\nregistry: [/etc/p, /etc/demo]\nlisten: '[::1]:9443'\n"
            "tls: {certificate: a.crt, private_key: a.key}\n"
            "sites:\n  hq: [10.0.0.0/8]\n  hub: 192.168.1.0/24\n"
            "devices:\n  laptop: ['sha256:" +
            std::string(64, 'a') +
            "']\nlog_level: debug\nmax_body_bytes: 2048\ntoken_cache_seconds: 0\n"
            "lookups_per_user_per_hour: 0\n"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->host(), "::1");
  EXPECT_EQ(c->port(), 9443);
  EXPECT_TRUE(c->tls.named);
  EXPECT_EQ(c->sites.at("hub"), std::vector<std::string>{"192.168.1.0/24"});
  EXPECT_EQ(c->SigningKeyPath(), "var/concordat.signing-key");
  EXPECT_EQ(c->max_body_bytes, 2048u);
  EXPECT_EQ(c->token_cache_seconds, 0);
  EXPECT_EQ(c->lookups_per_user_per_hour, 0);
  EXPECT_EQ(c->registry, (std::vector<std::string>{"/etc/p", "/etc/demo"}));
}

TEST(ServerConfig, ErrorsNameTheFileLineAndKey) {
  struct Case {
    std::string text, message;
  };
  for (const Case& c : std::vector<Case>{
           {"listen: 127.0.0.1\n", "listen: '127.0.0.1' is not host:port"},
           {"listen: example.org:443\n", "listen: 'example.org' is not an IP address"},
           {"colour: red\n", ":1:1: colour: unknown key"},
           {"store: a\nstore: b\n", ":2:1: store: appears twice"},
           {"max_body_bytes: 10\n", ":1:17: max_body_bytes: expected a whole number from 1024"},
           {"token_cache_seconds: 7200\n",
            ":1:22: token_cache_seconds: expected a whole number from 0"},
           {"log_level: loud\n", "log_level: 'loud' is not one of debug, info, warn, error"},
           {"sites:\n  hq: [10.0.0.1/8]\n", "sites.hq[0]: '10.0.0.1/8' has host bits set"},
           {"devices:\n  laptop: [abc]\n", "devices.laptop[0]: 'abc' is not a certificate"},
           {"tls: {cert: x}\n", "tls.cert: unknown key"},
           {"connectors:\n  essex-cc:\n    categories: {}\n",
            "connectors.essex-cc.source: required"},
           {"connectors:\n  essex-cc:\n    source: sqlite:x\n    categories:\n      c: {fields: "
            "{}}\n",
            "connectors.essex-cc.categories.c.query: required"},
           {"store: [1, 2\n", "end of sequence"}}) {
    auto r = LoadConfig(Write(c.text));
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.text << " -> " << r.status().message();
  }
  EXPECT_EQ(LoadConfig("/nonexistent/concordatd.yaml").status().code(), Status::Code::kNotFound);
  EXPECT_NE(LoadConfig("/nonexistent/concordatd.yaml").status().message().find("(no such file)"),
            std::string::npos);
  // A directory is said to be one (yaml-cpp's reader would throw from inside the stream).
  auto folder = LoadConfig(std::filesystem::temp_directory_path().string());
  ASSERT_FALSE(folder.ok());
  EXPECT_NE(folder.status().message().find("(it is a directory)"), std::string::npos)
      << folder.status().message();
}

// A configuration is read again on every SIGHUP, by a server that is serving: no file, however
// mangled, may crash it. Deterministic mutations of a full file (characters changed, dropped,
// inserted, the file cut short: testing_support::Mutate) are each read or refused, and a refusal
// names the file.
TEST(ServerConfig, MangledFilesAreReadOrRefusedNamingTheFileNeverACrash) {
  const std::string full =
      "store: sqlite:var/concordat.db\nregistry: [protocols, examples/demo/registry]\n"
      "listen: 127.0.0.1:8443\ntls: {certificate: a.crt, private_key: a.key}\n"
      "sites:\n  essex-police-hq: [127.0.0.2/32, '10.20.0.0/16']\n  hub: 192.168.1.0/24\n"
      "devices:\n  laptop: ['sha256:" +
      std::string(64, 'a') +
      "']\nlog_level: info\nmax_body_bytes: 65536\nrequest_timeout_seconds: 15\n"
      "worker_threads: 32\ntoken_cache_seconds: 30\n"
      "connectors:\n  essex-cc:\n    source: sqlite:var/demo/mosaic.db\n    categories:\n"
      "      cf-case-status:\n        query: \"SELECT full_name FROM cases WHERE ref = ?1\"\n"
      "        fields: {full_name: name}\n";
  ASSERT_TRUE(LoadConfig(Write(full)).ok());
  const std::string path = Write("");
  const std::string alphabet = "{}[]:,-'\"&*!|>%@`#?\n\t 0123456789abz.\\\x00\xff\xc3\xa9";
  std::mt19937_64 rng(20261125);
  int read = 0, refused = 0;
  for (int m = 0; m < 3000; ++m) {
    const std::string x = testing_support::Mutate(full, alphabet, rng);
    std::ofstream(path, std::ios::trunc | std::ios::binary) << x;
    auto r = LoadConfig(path);
    if (r.ok()) {
      ++read;
      EXPECT_TRUE(ValidateConfig(*r, path).ok()) << x;
    } else {
      ++refused;
      EXPECT_EQ(r.status().message().rfind(path, 0), 0u)
          << "the refusal does not start with the file: " << r.status().message() << "\n"
          << x;
    }
  }
  EXPECT_GT(refused, 1000) << "the mutations hardly changed anything";
  EXPECT_GT(read, 0);
}

TEST(ServerConfig, TheDocumentationListsEveryKey) {
  std::ifstream f(std::string(CONCORDAT_SOURCE_DIR) + "/docs/configuration.md");
  std::stringstream doc;
  doc << f.rdbuf();
  for (const char* key : {"`store`", "`signing_key`", "`registry`", "`listen`", "`tls.certificate`",
                          "`tls.private_key`", "`sites`", "`devices`", "`log_level`",
                          "`max_body_bytes`", "`request_timeout_seconds`", "`worker_threads`"})
    EXPECT_NE(doc.str().find(std::string("| ") + key + " |"), std::string::npos) << key;
  // And the loader's list of keys in its error message is the same set.
  auto r = LoadConfig(Write("nope: 1\n"));
  for (const char* key :
       {"store", "signing_key", "registry", "listen", "tls", "sites", "devices", "log_level",
        "max_body_bytes", "request_timeout_seconds", "worker_threads"})
    EXPECT_NE(r.status().message().find(key), std::string::npos) << key;
}

}  // namespace
}  // namespace concordat::server
