// What a newcomer does (issue 5's "done"): run the demo (`make run` builds, then runs
// scripts/run-demo.sh), follow the curl lines it prints, and see a permitted look-up and
// denied ones. Here the script runs on a copy of the checkout's demo files in a test folder,
// with this build's programs and a free port, and the printed lines are run as printed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/free_port.h"
#include "support/https_client.h"
#include "support/read_text.h"
#include "support/shell.h"

namespace concordat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::ReadText;
using testing_support::Sh;
using testing_support::ShellRun;

// The printed commands that begin with `curl`, each with its continuation lines joined.
std::vector<std::string> CurlLines(const std::string& printed) {
  std::vector<std::string> commands;
  std::istringstream lines(printed);
  std::string line, command;
  while (std::getline(lines, line)) {
    const size_t start = line.find_first_not_of(' ');
    if (start == std::string::npos) continue;
    line = line.substr(start);
    if (command.empty() && line.rfind("curl ", 0) != 0) continue;
    const bool continues = !line.empty() && line.back() == '\\';
    command += continues ? line.substr(0, line.size() - 1) : line;
    if (!continues) {
      commands.push_back(command);
      command.clear();
    }
  }
  return commands;
}

TEST(Demo, TheCurlLinesItPrintsGiveAPermittedLookUpAndDenialsWithTheirCodes) {
  const fs::path dir = fs::temp_directory_path() / ("concordat-demo-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "scripts");
  fs::create_directories(dir / "examples");
  const fs::path source(CONCORDAT_SOURCE_DIR);
  fs::copy(source / "scripts/run-demo.sh", dir / "scripts/run-demo.sh");
  fs::copy(source / "protocols", dir / "protocols", fs::copy_options::recursive);
  fs::copy(source / "examples/demo", dir / "examples/demo", fs::copy_options::recursive);
  const int port = testing_support::FreeLoopbackPort();
  const std::string bin = fs::path(CONCORDATD_BINARY).parent_path().string();

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(125);
    FILE* out = std::freopen((dir / "printed.txt").c_str(), "w", stdout);
    FILE* err = std::freopen((dir / "concordatd.log").c_str(), "w", stderr);
    (void)out;
    (void)err;
    ::setenv("BIN", bin.c_str(), 1);
    ::setenv("PORT", std::to_string(port).c_str(), 1);
    const std::string script = (dir / "scripts/run-demo.sh").string();
    ::execl("/bin/bash", "bash", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // The script execs concordatd, which makes its certificate on first start.
  const std::string ca = (dir / "var/tls/server.crt").string();
  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {
    up = fs::exists(ca) &&
         testing_support::HttpsCall(port, ca, dir.string(), {.path = "/healthz"}).status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up) << ReadText(dir / "printed.txt") << ReadText(dir / "concordatd.log");

  const std::string printed = ReadText(dir / "printed.txt");
  const std::vector<std::string> curls = CurlLines(printed);
  ASSERT_GE(curls.size(), 4u) << printed;
  // Each as printed, from the folder, after `. var/demo/tokens` (as the text says to),
  // adding only what prints the status.
  auto run = [&](const std::string& command) {
    ShellRun r = Sh("cd '" + dir.string() + "' && . var/demo/tokens && " + command +
                    " -s -w '\\n%{http_code}' 2>&1");
    const size_t last = r.out.rfind('\n');
    return std::make_pair(r.out.substr(last + 1), r.out.substr(0, last));
  };
  auto [permitted_status, permitted] = run(curls[0]);
  EXPECT_EQ(permitted_status, "200") << curls[0] << "\n" << permitted;
  const json record = json::parse(permitted, nullptr, false);
  ASSERT_TRUE(record.is_object()) << permitted;
  EXPECT_TRUE(record.contains("fields")) << permitted;
  EXPECT_TRUE(record.contains("disclosure")) << permitted;

  for (const auto& [index, code] :
       {std::pair<size_t, std::string>{1, "LOCATION_NOT_ALLOWED"}, {2, "DEVICE_NOT_ALLOWED"}}) {
    auto [status, body] = run(curls[index]);
    EXPECT_EQ(status, "403") << curls[index] << "\n" << body;
    EXPECT_NE(body.find(code), std::string::npos) << body;
    EXPECT_EQ(body.find("MOS-100001"), std::string::npos) << "a denial discloses nothing";
  }
  // Every other line it prints works too, except those that need an id from an earlier
  // answer (ID), which the text says to fill in.
  for (size_t i = 3; i < curls.size(); ++i) {
    if (curls[i].find("/ID") != std::string::npos) continue;
    auto [status, body] = run(curls[i]);
    EXPECT_TRUE(status == "200" || status == "201") << curls[i] << "\n" << status << " " << body;
    // The line that shows what the server takes the caller to be: HQ, on the laptop.
    if (curls[i].find("/v1/me") != std::string::npos) {
      EXPECT_NE(body.find("\"site\":\"essex-police-hq\""), std::string::npos) << body;
      EXPECT_NE(body.find("\"device\":\"ecc-issued-laptop\""), std::string::npos) << body;
    }
  }
  EXPECT_NE(printed.find("/v1/me"), std::string::npos) << printed;
  EXPECT_NE(printed.find("/metrics"), std::string::npos) << printed;

  ::kill(pid, SIGTERM);
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  ShellRun verify = Sh(std::string("'") + CONCORDAT_BINARY + "' audit verify --store sqlite:'" +
                       (dir / "var/concordat.db").string() + "' 2>&1");
  EXPECT_EQ(verify.code, 0) << verify.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace concordat
