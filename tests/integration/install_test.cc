// What an IT team installs: `cmake --install` puts the programs, a systemd unit, an example
// configuration, the seed protocols and the documentation under a prefix; the unit passes
// systemd's own check, and the example configuration, with its paths moved under a test
// folder, checks and serves.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/daemon.h"
#include "support/free_port.h"
#include "support/https_client.h"
#include "support/read_text.h"
#include "support/shell.h"

namespace concordat {
namespace {

namespace fs = std::filesystem;
using testing_support::ReadText;
using testing_support::Sh;
using testing_support::ShellRun;

bool Executable(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR);
}

class Install : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("concordat-install-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    prefix_ = dir_ / "usr";
    ShellRun r = Sh("cmake --install '" + std::string(CONCORDAT_BUILD_DIR) + "' --prefix '" +
                    prefix_.string() + "' 2>&1");
    ASSERT_EQ(r.code, 0) << r.out;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_, prefix_;
};

TEST_F(Install, PutsTheProgramsUnitExampleProtocolsAndDocumentationUnderThePrefix) {
  for (const char* program : {"concordat", "concordatd", "concordat-verify"}) {
    EXPECT_TRUE(Executable(prefix_ / "bin" / program)) << program;
    ShellRun v = Sh("'" + (prefix_ / "bin" / program).string() + "' --version 2>&1");
    EXPECT_EQ(v.code, 0) << v.out;
    EXPECT_NE(v.out.find(CONCORDAT_VERSION), std::string::npos) << v.out;
  }
  EXPECT_TRUE(fs::exists(prefix_ / "share/concordat/concordatd.yaml"));
  size_t seeds = 0, installed = 0;
  for (const auto& e : fs::directory_iterator(fs::path(CONCORDAT_SOURCE_DIR) / "protocols"))
    seeds += e.path().extension() == ".yaml";
  for (const auto& e : fs::directory_iterator(prefix_ / "share/concordat/protocols"))
    installed += e.path().extension() == ".yaml";
  EXPECT_GT(seeds, 0u);
  EXPECT_EQ(installed, seeds);
  for (const char* doc :
       {"README.md", "configuration.md", "operations.md", "installing.md", "audit-log.md"})
    EXPECT_TRUE(fs::exists(prefix_ / "share/doc/concordat" / doc)) << doc;
}

// The unit names the programs where they were installed, and systemd finds nothing wrong in
// it: no unknown key, no program missing (systemd-analyze prints both and exits 0 for the
// first, so its output must be empty too).
TEST_F(Install, TheSystemdUnitNamesTheInstalledServerAndPassesSystemdsCheck) {
  const fs::path unit = prefix_ / "lib/systemd/system/concordatd.service";
  ASSERT_TRUE(fs::exists(unit));
  const std::string text = ReadText(unit);
  const std::string server = (prefix_ / "bin/concordatd").string();
  EXPECT_NE(text.find("\nExecStart=" + server + " --config /etc/concordat/concordatd.yaml\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("\nExecStartPre=" + server + " --config /etc/concordat/concordatd.yaml --check\n"),
      std::string::npos);
  EXPECT_NE(text.find("\nExecReload=/bin/kill -HUP $MAINPID\n"), std::string::npos);
  EXPECT_EQ(text.find("/usr/local/"), std::string::npos) << "every path follows the prefix";
  ShellRun verify = Sh("systemd-analyze verify '" + unit.string() + "' 2>&1");
  EXPECT_EQ(verify.code, 0) << verify.out;
  EXPECT_EQ(verify.out, "") << "systemd-analyze has something to say";
  // Confined: systemd's own rating of what the service could reach, from 0 (nothing) to 10,
  // is at most 2 ("OK"); the same unit without its hardening lines rates 9.2 ("UNSAFE").
  ShellRun exposure =
      Sh("systemd-analyze security --offline=true --threshold=20 '" + unit.string() + "' 2>&1");
  EXPECT_EQ(exposure.code, 0) << exposure.out;
  EXPECT_NE(exposure.out.find("OK"), std::string::npos) << exposure.out;
}

// The example configuration, moved from /etc/concordat and /var/lib/concordat to this test's
// folder (and onto a free loopback port), with a certificate where it says: `--check` passes,
// and the server it describes starts, answers, and stops cleanly.
TEST_F(Install, TheExampleConfigurationChecksAndServes) {
  const fs::path etc = dir_ / "etc", lib = dir_ / "lib";
  fs::create_directories(etc / "tls");
  fs::create_directories(lib);
  fs::copy(prefix_ / "share/concordat/protocols", etc / "protocols");
  const int port = testing_support::FreeLoopbackPort();
  std::string config = ReadText(prefix_ / "share/concordat/concordatd.yaml");
  for (auto [from, to] : {std::pair<std::string, std::string>{"/etc/concordat", etc.string()},
                          {"/var/lib/concordat", lib.string()},
                          {"0.0.0.0:8443", "127.0.0.1:" + std::to_string(port)}}) {
    ASSERT_NE(config.find(from), std::string::npos) << from;
    for (size_t at; (at = config.find(from)) != std::string::npos;)
      config.replace(at, from.size(), to);
  }
  std::ofstream(etc / "concordatd.yaml") << config;
  ShellRun cert =
      Sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
         "-keyout '" +
         (etc / "tls/privkey.pem").string() + "' -out '" + (etc / "tls/fullchain.pem").string() +
         "' -days 30 -subj /CN=concordat.example "
         "-addext subjectAltName=IP:127.0.0.1 2>&1");
  ASSERT_EQ(cert.code, 0) << cert.out;

  const std::string server = (prefix_ / "bin/concordatd").string();
  ShellRun check =
      Sh("'" + server + "' --config '" + (etc / "concordatd.yaml").string() + "' --check 2>&1");
  EXPECT_EQ(check.code, 0) << check.out;
  EXPECT_NE(check.out.find("ready to start"), std::string::npos) << check.out;
  EXPECT_TRUE(fs::is_empty(lib)) << "--check makes nothing";

  bool started = false;
  const std::string ca = (etc / "tls/fullchain.pem").string();
  auto healthy = [&] {
    return testing_support::HttpsCall(port, ca, dir_.string(), {.path = "/healthz"}).status == 200;
  };
  const pid_t pid =
      testing_support::StartDaemon(server, (etc / "concordatd.yaml").string(), dir_.string(),
                                   (dir_ / "concordatd.log").string(), healthy, &started);
  ASSERT_TRUE(started) << ReadText(dir_ / "concordatd.log");
  EXPECT_EQ(testing_support::HttpsCall(port, ca, dir_.string(), {.path = "/readyz"}).status, 200);
  EXPECT_TRUE(fs::exists(lib / "concordat.db"));
  EXPECT_TRUE(fs::exists(lib / "concordat.db.master-key"));
  ::kill(pid, SIGTERM);
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  ShellRun verify =
      Sh("'" + (prefix_ / "bin/concordat").string() +
         "' audit verify --store sqlite:" + (lib / "concordat.db").string() + " 2>&1");
  EXPECT_EQ(verify.code, 0) << verify.out;
}

}  // namespace
}  // namespace concordat
