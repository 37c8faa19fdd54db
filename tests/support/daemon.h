// Starting a server binary for a test: in its own working directory, standard error to a log
// file, and waiting until it answers.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

namespace concordat::testing_support {

// Forks and runs `binary --config config` in `dir`, appending its standard error to `log`;
// then waits up to 10 s for ready(). The child's pid; *started says whether ready() came true.
// The server goes with the test: if the test process dies (a crash, a sanitizer's abort), the
// server gets SIGTERM, and it holds none of the test's output open, so ctest is not left
// waiting for its timeout. `open_files`, when given, is the server's limit on open files
// (soft and hard) from its start.
inline pid_t StartDaemon(const std::string& binary, const std::string& config,
                         const std::string& dir, const std::string& log,
                         const std::function<bool()>& ready, bool* started,
                         const rlimit* open_files = nullptr) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(125);  // the test died before the line above
    FILE* f = std::freopen(log.c_str(), "a", stderr);
    FILE* o = std::freopen("/dev/null", "w", stdout);
    (void)f;
    (void)o;
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    if (open_files && ::setrlimit(RLIMIT_NOFILE, open_files) != 0) ::_exit(124);
    ::execl(binary.c_str(), binary.c_str(), "--config", config.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  *started = false;
  for (int i = 0; i < 200 && !*started; ++i) {
    *started = ready();
    if (!*started) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pid;
}

}  // namespace concordat::testing_support
