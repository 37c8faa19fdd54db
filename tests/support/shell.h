// Running a shell command in a test and capturing what it printed (standard output and error).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace concordat::testing_support {

struct ShellRun {
  int code = -1;
  std::string out;
};

inline ShellRun Sh(const std::string& cmd) {
  ShellRun r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace concordat::testing_support
